/**
 * One call to an authorization server's token (or revocation) endpoint, and the
 * reading of its answer (RFC 6749 §5.1, RFC 8693 §2.2). The call itself goes through
 * the `TokenTransport` the gate hands the broker (proxy/token-transport.ts): the
 * gate's own resolver, SSRF classification and keep-alive pools, never a dial of its
 * own. Every failure is CredentialError('token_endpoint_failed') naming the
 * credential and what went wrong, never the token, the client secret or the
 * server's free-text description (which may quote either).
 *
 * @example
 * const t = await requestToken(transport, 'crm', 'route:idp/token', form, headers, now());
 * t.accessToken; // the bearer token, to inject and to scrub
 */
import { CredentialError } from '../errors.js';

/** What the gate offers the broker to reach a token endpoint. */
export interface TokenTransport {
  /**
   * POST `body` (application/x-www-form-urlencoded) to `url`: `https://host/path`
   * (resolved and SSRF-vetted like any upstream) or `route:NAME/path` (a named route,
   * the operator's opt-in to a private address). Resolves with the status and at most
   * `maxBytes` of the body; rejects on a network failure or a longer body.
   */
  post(url: string, body: string, headers: Record<string, string>, maxBytes: number): Promise<{ status: number; body: Buffer }>;
}

/** A token from the endpoint, with what the broker needs to keep and refresh it. */
export interface FetchedToken {
  readonly accessToken: string;
  /** Epoch ms. */
  readonly expiresAt: number;
  readonly refreshToken: string | null;
  /** Reflection needles of the access token (set by the broker once, reused per request). */
  needles: readonly Buffer[];
}

/** A token response is a few KiB; anything near this is not one. */
const MAX_RESPONSE_BYTES = 64 * 1024;
/** RFC 6749 §5.1 makes `expires_in` only RECOMMENDED: without it, use the token this long. */
const DEFAULT_LIFETIME_SEC = 300;
/** An access token goes into one header line: printable ASCII only (RFC 6750 §2.1 b64token, and then some). */
const TOKEN_TEXT = /^[\x21-\x7e]{1,16384}$/;

/**
 * POST `form` to the token endpoint and read the token. `now` is the clock reading
 * the lifetime is counted from (taken before the call: the server's clock started earlier).
 */
export async function requestToken(
  transport: TokenTransport,
  credential: string,
  url: string,
  form: URLSearchParams,
  headers: Record<string, string>,
  now: number,
): Promise<FetchedToken> {
  const answer = await callEndpoint(transport, credential, 'token endpoint', url, form, headers);
  const json = readJson(answer.body);
  if (answer.status < 200 || answer.status > 299) throw failure(credential, `the token endpoint answered ${answer.status}${oauthError(json)}`);
  if (json === null) throw failure(credential, 'the token endpoint answered something that is not a JSON object');
  const token = json.access_token;
  if (typeof token !== 'string' || !TOKEN_TEXT.test(token)) throw failure(credential, 'the token endpoint answered without a usable access_token');
  const type = json.token_type;
  // RFC 8693 §2.2.1: an exchanged token may be 'N_A' (not a bearer token in the OAuth sense, still sent as one).
  if (typeof type === 'string' && !/^(bearer|n_a)$/i.test(type))
    throw failure(credential, `the token endpoint issued a '${type.slice(0, 20)}' token, not a Bearer one`);
  const life = typeof json.expires_in === 'number' && Number.isFinite(json.expires_in) && json.expires_in > 0 ? json.expires_in : DEFAULT_LIFETIME_SEC;
  const refresh = typeof json.refresh_token === 'string' && TOKEN_TEXT.test(json.refresh_token) ? json.refresh_token : null;
  return { accessToken: token, expiresAt: now + life * 1000, refreshToken: refresh, needles: [] };
}

/**
 * RFC 7009: ask the server to revoke `token`. Resolves whether it said yes (200);
 * a failure is the caller's to log, never the token.
 */
export async function revokeToken(
  transport: TokenTransport,
  credential: string,
  url: string,
  form: URLSearchParams,
  headers: Record<string, string>,
): Promise<boolean> {
  const answer = await callEndpoint(transport, credential, 'revocation endpoint', url, form, headers);
  return answer.status === 200;
}

async function callEndpoint(
  transport: TokenTransport,
  credential: string,
  what: string,
  url: string,
  form: URLSearchParams,
  headers: Record<string, string>,
): Promise<{ status: number; body: Buffer }> {
  try {
    return await transport.post(
      url,
      form.toString(),
      { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
      MAX_RESPONSE_BYTES,
    );
  } catch (err) {
    // The cause keeps its code (ECONNREFUSED, SLUICE_SSRF_BLOCKED) for the log; its message names an address, never a secret.
    const code = (err as { code?: unknown } | null)?.code;
    const why = typeof code === 'string' ? code : err instanceof Error ? err.message : 'error';
    throw Object.assign(failure(credential, `the ${what} could not be reached (${why.slice(0, 80)})`), { cause: err });
  }
}

function readJson(body: Buffer): Record<string, unknown> | null {
  try {
    const v: unknown = JSON.parse(body.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** RFC 6749 §5.2's `error` code, which is a registered word; never `error_description`, which is free text. */
function oauthError(json: Record<string, unknown> | null): string {
  const code = json?.error;
  return typeof code === 'string' && /^[a-z_]{1,40}$/.test(code) ? ` (${code})` : '';
}

/**
 * @example
 * throw failure('crm', 'the token endpoint answered 401 (invalid_client)');
 */
export function failure(credential: string, why: string): CredentialError {
  return new CredentialError('token_endpoint_failed', `credential '${credential}': ${why}`, { ref: credential });
}
