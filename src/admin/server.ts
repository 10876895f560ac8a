/**
 * The admin listener: JSON over HTTP on its own address (`admin.listen`), never the
 * proxy port. Each request is matched to a route (routes/index.ts), authenticated
 * (operator token, revocation, role) unless the route is public, validated against
 * the route's zod schemas, answered, and recorded in the audit trail, allowed or not.
 *
 * @example
 * const admin = await AdminServer.start({ host, listen: { host: '127.0.0.1', port: 9090 }, logger, pub });
 * admin.url; // http://127.0.0.1:9090
 * await admin.close();
 */
import type { KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import type { Logger } from 'pino';
import type * as z from 'zod';
import { adminRecord } from './admin-record.js';
import { AdminError, type AdminErrorCode } from './admin-errors.js';
import { authenticate, authorize } from './auth.js';
import type { AdminHost } from './context.js';
import { matchRoute } from './match.js';
import type { OperatorIdentity } from './operator-token.js';
import type { RouteDef } from './route.js';
import { ROUTES } from './routes/index.js';
import { BUNDLED_CONSOLE, CONSOLE_PREFIX, serveStatic } from './static-files.js';

/** A candidate config is the largest body (1 MB of YAML, JSON-escaped). */
const MAX_BODY_BYTES = 2 * 1024 * 1024;

export interface AdminServerOptions {
  host: AdminHost;
  listen: { host: string; port: number };
  logger: Logger;
  /** The public half of operator-key.pem. */
  pub: KeyObject;
  /** The routes to serve (tests may add one); default ROUTES. */
  routes?: readonly RouteDef[];
}

export class AdminServer {
  readonly #server: Server;
  readonly #opts: AdminServerOptions;

  private constructor(server: Server, opts: AdminServerOptions) {
    this.#server = server;
    this.#opts = opts;
  }

  static async start(opts: AdminServerOptions): Promise<AdminServer> {
    const server = createServer({ maxHeaderSize: 16 * 1024, headersTimeout: 10_000, requestTimeout: 0 });
    server.maxConnections = 256;
    const admin = new AdminServer(server, opts);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void admin.#handle(req, res));
    await new Promise<void>((ok, fail) => {
      server.once('error', fail);
      server.listen(opts.listen.port, opts.listen.host, () => {
        server.off('error', fail);
        ok();
      });
    });
    return admin;
  }

  get address(): { host: string; port: number } {
    const a = this.#server.address();
    if (a === null || typeof a === 'string') throw new Error('admin server is not listening');
    return { host: a.address, port: a.port };
  }

  get url(): string {
    const { host, port } = this.address;
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((ok) => this.#server.close(() => ok()));
    this.#server.closeAllConnections();
    await closed;
    await this.#opts.host.close?.();
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { host, logger } = this.#opts;
    const startNs = process.hrtime.bigint();
    const method = req.method ?? '';
    const rawUrl = req.url ?? '/';
    // Origin-form only: an absolute-form URL is a proxy request, and this is not a proxy.
    const path = rawUrl.startsWith('/') ? (rawUrl.split('?')[0] ?? '/') : '';
    let operator: OperatorIdentity | null = null;
    let routeId: string | null = null;
    let reason = 'admin_ok';
    const counted = { bytesIn: 0 };
    const abort = new AbortController();
    // A console file served (it holds no data and needs no token) is not an admin call:
    // no record, so the trail and the live feed are not filled with page loads.
    let staticFile = false;
    res.once('close', () => {
      abort.abort();
      const status = res.statusCode;
      if (staticFile) return;
      try {
        host.audit.write(
          adminRecord({
            method,
            path,
            port: this.address.port,
            routeId,
            operator,
            status,
            reason,
            policyVersion: host.policyVersion(),
            bytesIn: counted.bytesIn,
            bytesOut: req.socket.bytesWritten,
            startNs,
          }),
        );
      } catch (err) {
        logger.error({ err }, 'admin call not recorded');
      }
      logger.info({ admin: routeId ?? path, method, status, operator: operator?.name ?? null, token_id: operator?.tokenId ?? null, reason }, 'admin call');
    });
    const fail = (code: AdminErrorCode, status: number, message: string): void => {
      reason = code;
      sendJson(res, status, { error: code, reason: message }, code.startsWith('operator_token') ? { 'www-authenticate': 'Bearer realm="sluice-admin"' } : {});
    };
    try {
      if (path === '') throw new AdminError('bad_request', 'this is the admin API, not the proxy: send origin-form requests (GET /api/v1/...)');
      // The console mount: static files, no token (they hold no data).
      const admin = host.config().admin;
      const consoleDir = admin.console ? (admin.console_dir ?? BUNDLED_CONSOLE) : undefined;
      if (consoleDir !== undefined && method === 'GET' && (path === '/' || path.startsWith(CONSOLE_PREFIX))) {
        if (path === '/') {
          res.writeHead(302, { location: CONSOLE_PREFIX }).end();
          return;
        }
        // Set before serving: the response may close before serveStatic returns.
        staticFile = true;
        if (await serveStatic(resolve(consoleDir), path, res)) return;
        staticFile = false;
        throw new AdminError('not_found', `no console file ${path}`);
      }
      const routes = this.#opts.routes ?? ROUTES;
      const m = matchRoute(routes, method, path);
      const route = m.route;
      if (route?.role !== null) {
        operator = await authenticate(req.headers.authorization, {
          pub: this.#opts.pub,
          revocations: host.revocations,
          maxTtlMs: host.config().admin.max_token_ttl,
        });
      }
      if (route === null) {
        if (m.route === null && m.allowed.length > 0) {
          res.setHeader('allow', m.allowed.join(', '));
          throw new AdminError('method_not_allowed', `${method} is not allowed on ${path}; allowed: ${m.allowed.join(', ')}`);
        }
        throw new AdminError('not_found', `no admin route ${method} ${path.slice(0, 200)} (GET /api/v1/openapi.json lists them)`);
      }
      routeId = route.id;
      if (route.role !== null) authorize(operator!, route.role);
      const params = parse(route.params, m.route === null ? {} : m.params, 'path');
      const query = parse(route.query, queryOf(rawUrl, route), 'query');
      const body = route.body === undefined ? await noBody(req, counted) : parse(route.body, await readJson(req, counted), 'body');
      const reply = await route.handle({ params, query, body, operator: operator!, host, signal: abort.signal });
      if ('raw' in reply) await reply.raw(res, abort.signal);
      else sendJson(res, reply.status ?? 200, reply.json);
    } catch (err) {
      if (err instanceof AdminError) return fail(err.code, err.status, err.message);
      logger.error({ err, admin: routeId }, 'admin call failed');
      fail('internal_error', 500, 'internal error; see the gate log');
    }
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/** The query string as one value per key; a key the route does not take is refused (a typo must not widen a search). */
function queryOf(rawUrl: string, route: RouteDef): Record<string, string> {
  const at = rawUrl.indexOf('?');
  const out: Record<string, string> = {};
  if (at === -1) return out;
  const known = new Set(Object.keys(route.query?.shape ?? {}));
  for (const [k, v] of new URLSearchParams(rawUrl.slice(at + 1))) {
    if (!known.has(k))
      throw new AdminError('bad_request', `unknown query parameter '${k.slice(0, 64)}'${known.size > 0 ? `; this route takes ${[...known].join(', ')}` : ''}`);
    if (Object.hasOwn(out, k)) throw new AdminError('bad_request', `query parameter '${k}' given twice`);
    out[k] = v;
  }
  return out;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (schema === undefined) return undefined;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = r.error.issues.map((i) => `${[where, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new AdminError('bad_request', issues.join('; ').slice(0, 1000));
}

/** The body as text; `counted.bytesIn` follows what was read (for the audit record). */
async function readBody(req: IncomingMessage, counted: { bytesIn: number }): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    counted.bytesIn = size;
    if (size > MAX_BODY_BYTES) throw new AdminError('body_too_large', `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(c);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readJson(req: IncomingMessage, counted: { bytesIn: number }): Promise<unknown> {
  const text = await readBody(req, counted);
  if (text.trim() === '') return undefined;
  const type = (req.headers['content-type'] ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  // curl -d sends form encoding by default; JSON is what it holds here.
  if (type !== 'application/json' && type !== 'application/x-www-form-urlencoded')
    throw new AdminError('bad_request', `expected a JSON body; got ${type.slice(0, 64)}`);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new AdminError('bad_request', 'the body is not JSON');
  }
}

async function noBody(req: IncomingMessage, counted: { bytesIn: number }): Promise<undefined> {
  const text = await readBody(req, counted);
  if (text.trim() !== '') throw new AdminError('bad_request', 'this route takes no body');
  return undefined;
}
