/**
 * Sign the request as it will leave the gate, with the real key, by the AWS SDK's own
 * signer (@smithy/signature-v4): Sluice does not carry its own SigV4. The headers
 * signed are the ones the agent's client signed (its SignedHeaders), so the request
 * binds what the agent meant to bind and nothing the gate adds on the way (Via).
 *
 * The key's strings live only for the signing call: the signer takes strings, so they
 * cannot be wiped like the Buffer the store returns, and are never kept beyond it.
 *
 * @example
 * await signRequest(view, 'PUT', keys, { region: 'us-east-1', service: 's3', signedHeaders: ['host'], payloadHash: EMPTY_SHA256, sendHashHeader: true });
 */
import type * as HashModule from '@smithy/hash-node';
import type * as SignatureV4Module from '@smithy/signature-v4';
import { CredentialError } from '../errors.js';
import { deleteHeader } from '../header-value.js';
import { splitPath } from '../inject-query.js';
import type { RequestView } from '../inject-placeholder.js';

/** An AWS key: long-term (the store's) or temporary (AssumeRole's, with a session token). */
export interface AwsKeys {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SignOptions {
  region: string;
  service: string;
  /** Lower-case names the agent signed; empty: the default set below. */
  signedHeaders: readonly string[];
  payloadHash: string;
  /** Send `x-amz-content-sha256` (S3 requires it; the agent's client sent one). */
  sendHashHeader: boolean;
  now?: Date | undefined;
}

/** What a client signs when the agent sent no signature to copy: the host and the content's own headers. */
const DEFAULT_SIGNED = ['host', 'content-type', 'content-md5'];
/** Always signed when present: the gate writes them. */
const GATE_SIGNED = ['host', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256'];

type Smithy = [typeof SignatureV4Module, typeof HashModule];
let smithy: Promise<Smithy> | null = null;

/**
 * The AWS SDK's signer, loaded the first time it is needed (or when a config with an
 * `aws_sigv4` credential loads: `warmSigner`). Its packages take 100-350 ms to load, and
 * every `sluice` command that reads the config (a `sluice token`, each gate start)
 * paid that although most configs sign nothing.
 */
function signer(): Promise<Smithy> {
  return (smithy ??= Promise.all([import('@smithy/signature-v4'), import('@smithy/hash-node')]));
}

/** Start loading the signer now, so that the first signed request does not wait for it. */
export function warmSigner(): void {
  signer().catch(() => {
    // Reported by the first request that needs it (signRequest awaits the same load).
    smithy = null;
  });
}

/**
 * The stored value `ACCESS_KEY_ID:SECRET_ACCESS_KEY` (optionally `:SESSION_TOKEN`) as keys.
 * Throws CredentialError naming the reference, never a part of the value.
 */
export function parseKeyPair(value: Buffer, ref: string): AwsKeys {
  const parts = value.toString('utf8').trim().split(':');
  const [accessKeyId, secretAccessKey, sessionToken] = parts;
  const ok = parts.length <= 3 && /^[A-Z0-9]{16,128}$/.test(accessKeyId ?? '') && /^[!-~]{1,128}$/.test(secretAccessKey ?? '');
  if (!ok || accessKeyId === undefined || secretAccessKey === undefined) {
    throw new CredentialError('credential_invalid', `secret '${ref}' is not an AWS key: expected ACCESS_KEY_ID:SECRET_ACCESS_KEY (optionally :SESSION_TOKEN)`, {
      ref,
    });
  }
  return { accessKeyId, secretAccessKey, sessionToken: sessionToken === '' ? undefined : sessionToken };
}

/** The query as the signer wants it: decoded names and values (it encodes them the canonical way). */
function parseQuery(query: string | undefined, ref: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  if (query === undefined || query === '') return out;
  for (const pair of query.split('&')) {
    const eq = pair.indexOf('=');
    let k: string;
    let v: string;
    try {
      k = decodeURIComponent(eq === -1 ? pair : pair.slice(0, eq));
      v = eq === -1 ? '' : decodeURIComponent(pair.slice(eq + 1));
    } catch {
      throw new CredentialError('request_not_signable', `credential '${ref}' (aws_sigv4): the query has a malformed percent-encoding`, { ref });
    }
    const had = out[k];
    out[k] = had === undefined ? v : Array.isArray(had) ? [...had, v] : [had, v];
  }
  return out;
}

function flat(headers: RequestView['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) out[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
  return out;
}

/** Sign `view` (its final headers and path) and write the signature headers into it. */
export async function signRequest(view: RequestView, method: string, keys: AwsKeys, opts: SignOptions, ref: string): Promise<void> {
  const headers = flat(view.headers);
  if (opts.sendHashHeader) view.headers['x-amz-content-sha256'] = opts.payloadHash;
  // The signer reads the payload hash from this header; it is signed only when it is sent.
  headers['x-amz-content-sha256'] = opts.payloadHash;
  const chosen = new Set([...(opts.signedHeaders.length > 0 ? opts.signedHeaders : DEFAULT_SIGNED), ...GATE_SIGNED]);
  if (!opts.sendHashHeader) chosen.delete('x-amz-content-sha256');
  const unsigned = new Set(Object.keys(headers).filter((h) => !chosen.has(h)));
  const { pathname, query } = splitPath(view.path);
  const [{ SignatureV4 }, { Hash }] = await signer();
  const sigv4 = new SignatureV4({
    credentials: keys,
    region: opts.region,
    service: opts.service,
    sha256: Hash.bind(null, 'sha256'),
    // S3 signs the path as sent; every other service signs it encoded once more.
    uriEscapePath: opts.service !== 's3',
    applyChecksum: false,
  });
  const signed = await sigv4.sign(
    { method, protocol: 'https:', hostname: headers.host ?? '', path: pathname, query: parseQuery(query, ref), headers },
    { signingDate: opts.now ?? new Date(), unsignableHeaders: unsigned, signableHeaders: chosen },
  );
  for (const name of ['authorization', 'x-amz-date', 'x-amz-security-token']) {
    deleteHeader(view.headers, name);
    const v = signed.headers[name];
    if (v !== undefined) view.headers[name] = v;
  }
}
