/**
 * A small OAuth 2.0 authorization server and a resource server that checks its
 * tokens, both real HTTP servers on loopback, for the credential broker's tests.
 *
 * The authorization server's token endpoint (`POST /token`) speaks the grants the
 * broker uses: client_credentials (client secret by HTTP Basic or in the body),
 * refresh_token (rotating the refresh token each time), RFC 7523 jwt-bearer (the
 * assertion verified with the public key it is given) and RFC 8693 token-exchange
 * (the subject token verified against the gate's JWKS with jose's
 * createRemoteJWKSet); `POST /revoke` is RFC 7009. It counts every hit and can be
 * told to fail in each way a token endpoint fails.
 *
 * The resource server answers 401 to a token the authorization server did not
 * issue, has revoked or that expired, 403 to one without the scope a path needs
 * (`GET /tickets`: tickets.read; `POST /tickets`: tickets.write), and otherwise
 * 200 with what it learnt, including the Authorization header it received (an
 * upstream that echoes the credential, which the gate must scrub).
 */
import { randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRemoteJWKSet, jwtVerify } from 'jose';

export type Failure = 'none' | 'status500' | 'bad_json' | 'no_access_token' | 'invalid_client';

export interface IssuedToken {
  token: string;
  grant: string;
  scope: string;
  audience: string | null;
  /** The subject token's claims (token exchange), else {}. */
  subject: Record<string, unknown>;
  expiresAt: number;
  revoked: boolean;
}

export interface AuthServer {
  port: number;
  /** Token endpoint hits by grant_type (the short name: client_credentials, refresh_token, jwt_bearer, token_exchange). */
  hits: Record<string, number>;
  issued: Map<string, IssuedToken>;
  /** Tokens revoked through /revoke, in order. */
  revoked: string[];
  /** The refresh token that works now (rotated on every use). */
  refreshToken: string;
  fail: Failure;
  /** expires_in of the tokens it issues (seconds). */
  lifetimeSec: number;
  /** Every form body the token endpoint received (for leak checks). */
  bodies: string[];
  close(): Promise<void>;
}

export interface AuthServerOptions {
  clients: Record<string, string>;
  refreshToken?: string;
  /** Verifies jwt-bearer assertions, whose `aud` must be `assertionAudience` (default 'oauth-test-as'). */
  assertionKey?: KeyObject;
  assertionAudience?: string;
  /** The gate's JWKS, for token-exchange subject tokens; a function since the gate starts later. */
  jwksUrl?: () => string;
  lifetimeSec?: number;
}

const SHORT: Record<string, string> = {
  client_credentials: 'client_credentials',
  refresh_token: 'refresh_token',
  'urn:ietf:params:oauth:grant-type:jwt-bearer': 'jwt_bearer',
  'urn:ietf:params:oauth:grant-type:token-exchange': 'token_exchange',
};

export async function startAuthServer(opts: AuthServerOptions): Promise<AuthServer> {
  const as: AuthServer = {
    port: 0,
    hits: {},
    issued: new Map(),
    revoked: [],
    refreshToken: opts.refreshToken ?? '',
    fail: 'none',
    lifetimeSec: opts.lifetimeSec ?? 3600,
    bodies: [],
    close: () => close(server),
  };
  const server = createServer((req, res) => {
    void readForm(req).then(async (form) => {
      as.bodies.push(form.toString());
      if (req.url === '/revoke') return revoke(as, opts, req, form, res);
      if (req.url !== '/token') return json(res, 404, { error: 'not_found' });
      const grant = SHORT[form.get('grant_type') ?? ''] ?? 'unknown';
      as.hits[grant] = (as.hits[grant] ?? 0) + 1;
      if (as.fail === 'status500') return json(res, 500, { error: 'server_error', error_description: 'down' });
      if (as.fail === 'invalid_client') return json(res, 401, { error: 'invalid_client' });
      if (as.fail === 'bad_json') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token": ');
      if (as.fail === 'no_access_token') return json(res, 200, { token_type: 'Bearer', expires_in: 60 });
      const subject = await grantOk(as, opts, grant, req, form);
      if (subject === null) return json(res, 400, { error: 'invalid_grant' });
      const token = `at-${grant}-${randomBytes(12).toString('hex')}`;
      as.issued.set(token, {
        token,
        grant,
        scope: form.get('scope') ?? '',
        audience: form.get('audience'),
        subject,
        expiresAt: Date.now() + as.lifetimeSec * 1000,
        revoked: false,
      });
      const answer: Record<string, unknown> = { access_token: token, token_type: grant === 'token_exchange' ? 'N_A' : 'Bearer', expires_in: as.lifetimeSec };
      if (grant === 'token_exchange') answer.issued_token_type = 'urn:ietf:params:oauth:token-type:access_token';
      if (grant === 'refresh_token') {
        as.refreshToken = `rt-${randomBytes(12).toString('hex')}`;
        answer.refresh_token = as.refreshToken;
      }
      json(res, 200, answer);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  as.port = (server.address() as AddressInfo).port;
  return as;
}

/** The grant's own check: null refuses it; the subject token's claims for an exchange. */
async function grantOk(
  as: AuthServer,
  opts: AuthServerOptions,
  grant: string,
  req: IncomingMessage,
  form: URLSearchParams,
): Promise<Record<string, unknown> | null> {
  if (grant === 'jwt_bearer') {
    if (!opts.assertionKey) return null;
    try {
      const { payload } = await jwtVerify(form.get('assertion') ?? '', opts.assertionKey, { audience: opts.assertionAudience ?? 'oauth-test-as' });
      // Google's grant carries the scopes in the assertion.
      if (typeof payload.scope === 'string' && !form.has('scope')) form.set('scope', payload.scope);
      return { iss: payload.iss };
    } catch {
      return null;
    }
  }
  if (!clientOk(opts, req, form)) return null;
  if (grant === 'client_credentials') return {};
  if (grant === 'refresh_token') return form.get('refresh_token') === as.refreshToken ? {} : null;
  if (grant === 'token_exchange' && opts.jwksUrl) {
    try {
      const { payload } = await jwtVerify(form.get('subject_token') ?? '', createRemoteJWKSet(new URL(opts.jwksUrl())), {
        issuer: 'sluice',
        audience: 'oauth-test-as',
      });
      return payload;
    } catch {
      return null;
    }
  }
  return null;
}

function clientOk(opts: AuthServerOptions, req: IncomingMessage, form: URLSearchParams): boolean {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  let id = form.get('client_id');
  let secret = form.get('client_secret');
  if (basic) {
    const text = Buffer.from(basic[1]!, 'base64').toString();
    const at = text.indexOf(':');
    id = decodeURIComponent(text.slice(0, at));
    secret = decodeURIComponent(text.slice(at + 1));
  }
  return id !== null && secret !== null && opts.clients[id] === secret;
}

function revoke(as: AuthServer, opts: AuthServerOptions, req: IncomingMessage, form: URLSearchParams, res: ServerResponse): void {
  if (!clientOk(opts, req, form)) return json(res, 401, { error: 'invalid_client' });
  const token = form.get('token') ?? '';
  const t = as.issued.get(token);
  if (t) t.revoked = true;
  as.revoked.push(token);
  res.writeHead(200).end();
}

export interface ResourceServer {
  port: number;
  /** The Authorization header of every request, in order. */
  seen: string[];
  close(): Promise<void>;
}

export async function startResourceServer(as: AuthServer): Promise<ResourceServer> {
  const rs: ResourceServer = { port: 0, seen: [], close: () => close(server) };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const auth = req.headers.authorization ?? '';
      rs.seen.push(auth);
      const t = as.issued.get(auth.replace(/^Bearer /, ''));
      if (!t || t.revoked || t.expiresAt < Date.now()) return json(res, 401, { error: 'invalid_token' });
      const need = req.method === 'POST' ? 'tickets.write' : 'tickets.read';
      if (!t.scope.split(' ').includes(need)) return json(res, 403, { error: 'insufficient_scope', need });
      json(res, 200, { ok: true, grant: t.grant, scope: t.scope, subject: t.subject, echo: auth });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  rs.port = (server.address() as AddressInfo).port;
  return rs;
}

function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString())));
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}
