/**
 * The gate's control channel: HTTP/1.1 on a Unix socket (`control.socket`, default
 * `<data_dir>/control.sock`). Every connection is identified by the kernel's record
 * of the peer (SO_PEERCRED, peer-cred.ts) before any request is read; the routes
 * (control-routes.ts) decide what that uid may do.
 *
 * The socket file is 0600 (the gate's user and root only) unless `control.mint`
 * grants another uid, then 0666 with SO_PEERCRED as the gate. Without the native
 * addon the peer cannot be identified: the socket stays 0600 whatever the grants,
 * and a peer is taken to be the gate's own user (the file mode lets in nobody else
 * but root).
 *
 * @example
 * const control = await ControlServer.start({ path: config.control.socket, ctx, logger });
 * await control.close();
 */
import { existsSync, lstatSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { answer, type ControlContext } from './control-routes.js';
import { peerCredAvailable, peerOf, type PeerCred } from './peer-cred.js';

/** A control request is a few hundred bytes; anything near this is not one. */
const MAX_BODY_BYTES = 64 * 1024;

export class ControlServer {
  readonly path: string;
  readonly #server: Server;
  readonly #peers = new WeakMap<Socket, PeerCred>();
  readonly #ctx: ControlContext;

  private constructor(path: string, server: Server, ctx: ControlContext) {
    this.path = path;
    this.#server = server;
    this.#ctx = ctx;
  }

  /**
   * The socket file's mode for the grants in force: 0666 when another uid is granted
   * and peers can be identified, else 0600. Called at start and after a policy reload,
   * so a grant added to the config reaches its user without a restart.
   */
  async applyGrants(): Promise<void> {
    const others = this.#ctx.grants().some((g) => g.uid !== 0 && g.uid !== this.#ctx.gateUid);
    await chmod(this.path, others && peerCredAvailable() ? 0o666 : 0o600);
  }

  /**
   * Listen on `path`. Returns null (after logging why) when the socket cannot be
   * made: another gate holds it, a non-socket file is in the way, or the path is too
   * long. The proxy itself keeps serving; only minting for `sluice run` is unavailable.
   */
  static async start(opts: { path: string; ctx: ControlContext; logger: Logger }): Promise<ControlServer | null> {
    const { path, ctx, logger } = opts;
    const identified = peerCredAvailable();
    const others = ctx.grants().some((g) => g.uid !== 0 && g.uid !== ctx.gateUid);
    if (others && !identified)
      logger.warn(
        { socket: path },
        "control.mint grants other users, but peer credentials are unavailable (the native addon was not built: npm rebuild); only the gate's own user can use the control socket",
      );
    const why = await clearStale(path);
    if (why !== null) {
      logger.warn({ socket: path }, `control socket not started: ${why}; 'sluice run' cannot get tokens from this gate`);
      return null;
    }
    const server = createServer({ maxHeaderSize: 8192, headersTimeout: 10_000, requestTimeout: 30_000 });
    // Local callers, one short request each: a bound keeps a misbehaving one from holding descriptors the proxy needs.
    server.maxConnections = 256;
    const control = new ControlServer(path, server, ctx);
    server.on('connection', (socket: Socket) => {
      const peer = identified ? peerOf(socket) : { uid: ctx.gateUid, gid: -1, pid: -1 };
      if (peer === null) {
        socket.destroy();
        return;
      }
      control.#peers.set(socket, peer);
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => void control.#handle(ctx, req, res, logger));
    try {
      await mkdir(dirname(path), { recursive: true, mode: 0o755 });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(path, () => {
          server.off('error', reject);
          resolve();
        });
      });
      await control.applyGrants();
    } catch (err) {
      server.close();
      logger.warn({ socket: path, err }, "control socket not started; 'sluice run' cannot get tokens from this gate");
      return null;
    }
    return control;
  }

  async #handle(ctx: ControlContext, req: IncomingMessage, res: ServerResponse, logger: Logger): Promise<void> {
    const peer = this.#peers.get(req.socket);
    const send = (status: number, body: object): void => {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    if (peer === undefined) return send(403, { error: 'mint_refused', reason: 'peer not identified' });
    let body: unknown = undefined;
    try {
      const text = await readBody(req);
      if (text !== '') body = JSON.parse(text);
    } catch (err) {
      return send(400, { error: 'bad_request', reason: (err as Error).message.slice(0, 200) });
    }
    try {
      const a = await answer(ctx, peer, req.method ?? '', (req.url ?? '').split('?')[0] ?? '', body);
      const b = a.body as { error?: string; identity?: { tenant: string; agent: string; session: string; token_id: string } };
      // Who minted what, and every refusal: the operator's trail of the control channel (never a token).
      logger.info(
        {
          control: req.url,
          uid: peer.uid,
          pid: peer.pid,
          status: a.status,
          error: b.error,
          tenant: b.identity?.tenant,
          agent: b.identity?.agent,
          session: b.identity?.session,
          token_id: b.identity?.token_id,
        },
        'control request',
      );
      send(a.status, a.body);
    } catch (err) {
      logger.error({ err, control: req.url }, 'control request failed');
      send(500, { error: 'unavailable', reason: 'internal error; see the gate log' });
    }
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()));
    this.#server.closeAllConnections();
    await closed;
    await rm(this.path, { force: true });
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error(`request body over ${MAX_BODY_BYTES} bytes`));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
  });
}

/**
 * Remove a socket file left by a gate that died; refuse (a reason) when a live gate
 * answers on it, or when something that is not a socket is in the way.
 */
async function clearStale(path: string): Promise<string | null> {
  if (!existsSync(path)) return null;
  if (!lstatSync(path).isSocket()) return `${path} exists and is not a socket`;
  const live = await new Promise<boolean>((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
  if (live) return `another gate is listening on ${path}`;
  await rm(path, { force: true });
  return null;
}
