/**
 * What one agent, and all of them together, may hold of the gate: connections (all,
 * per identity, and per client address until a connection has identified itself),
 * requests in flight per identity and per connection (pipelining depth), and memory
 * (memory-guard.ts). Each limit reached is answered 503 `overloaded` with
 * `Retry-After` in the deny contract and audited; nothing is reset silently.
 *
 * Connections are counted per client address at accept (the identity is only known
 * from the first request's Proxy-Authorization) and move to their identity's count
 * at that request. Requests are counted from the moment the HTTP parser hands them
 * over, so a connection that pipelines a thousand requests in one write gets its
 * first `max_pipelined_per_connection` served, one 503 with `connection: close`, and
 * nothing more read (RFC 9112 §9.3.2: the rest were not processed; a client retries them).
 *
 * @example
 * const why = limits.beforeRequest(req, res); // null, false (ignore it), or the reason to answer 503
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { LimitsConfig } from '../config/limits-section.js';
import type { Principal } from '../identity/principal.js';
import { Rejection } from './errors-map.js';
import type { Cut } from './cut.js';
import { lingerClose } from './linger-close.js';
import { MemoryGuard } from './memory-guard.js';
import { RateLimitedLog } from './rate-limited-log.js';
import type { RequestContext } from './request-context.js';

/** Answered on every `overloaded` refusal: long enough for a flood to pass, short for an agent. */
export const RETRY_AFTER = '2';

/** One request the gate is working on: its response, and once identified its context and cut. */
export interface InFlight {
  readonly res: ServerResponse;
  ctx?: RequestContext;
  cut?: Cut;
}

interface Conn {
  /** The count this connection is in: `ip:ADDRESS` until identified, then `id:TOKEN`; null for a tunnel's inner socket. */
  bucket: string | null;
  readonly open: Set<InFlight>;
  /** Refused for pipelining too deep: nothing more on it is served. */
  closing: boolean;
  /** Handed over to a tunnel or WebSocket: in flight until it closes. */
  hijacked: boolean;
  /** Carries an intercepted tunnel's TLS socket: drained through that socket, never ended under it. */
  carrier: boolean;
}

export class GateLimits {
  readonly memory: MemoryGuard;
  /** `max_connections`, lowered to fit under the file-descriptor limit. */
  readonly maxConnections: number;
  readonly #cfg: LimitsConfig;
  readonly #log: RateLimitedLog;
  readonly #conns = new Map<Socket, Conn>();
  readonly #buckets = new Map<string, number>();
  readonly #inFlight = new Map<string, number>();
  #outer = 0;
  #draining = false;
  #onIdle: (() => void) | null = null;

  constructor(cfg: LimitsConfig, logger: Logger) {
    this.#cfg = cfg;
    this.#log = new RateLimitedLog(logger);
    this.memory = new MemoryGuard(cfg.max_memory_bytes);
    const fds = openFileLimit();
    // Each client connection may hold an upstream socket too; keep room for files and the audit trail.
    const fit = fds === null ? cfg.max_connections : Math.max(1, Math.floor((fds - 256) / 2));
    this.maxConnections = Math.min(cfg.max_connections, fit);
    if (this.maxConnections < cfg.max_connections) {
      logger.warn(
        { max_connections: cfg.max_connections, open_files_limit: fds, effective: this.maxConnections },
        'limits.max_connections lowered to fit the open-files limit (ulimit -n)',
      );
    }
  }

  /**
   * A new socket; `outer` is the CONNECT socket an intercepted tunnel's TLS socket runs
   * on (not a connection of its own: its requests are what is in flight, not the
   * tunnel). Returns why to refuse it, or null.
   */
  onConnection(socket: Socket, outer: Socket | null): string | null {
    // An intercepted tunnel's TLS socket is counted at its handshake and handed to the server (here again) at its first bytes.
    if (this.#conns.has(socket)) return null;
    const conn: Conn = { bucket: null, open: new Set(), closing: false, hijacked: false, carrier: false };
    const o = outer === null ? undefined : this.#conns.get(outer);
    if (o) {
      o.hijacked = false;
      o.carrier = true;
      // A handshake that completes during a drain: the tunnel is no longer what the drain waits
      // for. Checked on the next turn: this runs inside OpenSSL's read of the handshake, and
      // the end of the drain destroys sockets (and so that TLS session) at once.
      if (this.#onIdle) setImmediate(() => this.#checkIdle());
    }
    if (outer === null) {
      const bucket = `ip:${socket.remoteAddress ?? '?'}`;
      const why = this.#draining
        ? 'the gate is shutting down'
        : this.#outer >= this.maxConnections
          ? `too many connections to the gate (limits.max_connections ${this.maxConnections})`
          : (this.#buckets.get(bucket) ?? 0) >= this.#cfg.max_unidentified_per_ip
            ? `too many connections from ${socket.remoteAddress ?? '?'} not yet identified (limits.max_unidentified_per_ip ${this.#cfg.max_unidentified_per_ip})`
            : this.memory.over();
      if (why !== null) {
        this.#log.warn('connection refused', why);
        // Answered raw: whatever request it still carries is never served.
        conn.closing = true;
        this.#conns.set(socket, conn);
        socket.once('close', () => this.#conns.delete(socket));
        return why;
      }
      this.#outer++;
      conn.bucket = bucket;
      this.#add(bucket, 1);
    }
    this.#conns.set(socket, conn);
    // `on`: a socket closes once, and `once` costs a wrapper object per connection.
    socket.on('close', () => {
      this.#conns.delete(socket);
      if (conn.hijacked) this.#checkIdle();
      if (conn.bucket !== null) {
        this.#outer--;
        this.#add(conn.bucket, -1);
      }
    });
    return null;
  }

  /**
   * A request the parser handed over. Returns null when it may go on (it is then
   * counted until its response closes), or why to answer 503; false when the
   * connection is already being closed and the request must not be read at all.
   */
  beforeRequest(req: IncomingMessage, res: ServerResponse): string | false | null {
    const socket = req.socket;
    const conn = this.#conns.get(socket);
    if (conn?.closing) return false;
    if (this.#draining) {
      res.shouldKeepAlive = false;
      return 'the gate is shutting down';
    }
    if (conn && conn.open.size >= this.#cfg.max_pipelined_per_connection) {
      // Read no more from this connection: the answers already owed go out, then this 503, then it closes.
      conn.closing = true;
      socket.pause();
      // Node closes it once this answer is out; unread requests would make that close a reset.
      socket.destroySoon = () => lingerClose(socket);
      res.shouldKeepAlive = false;
      const why = `too many requests pipelined on one connection (limits.max_pipelined_per_connection ${this.#cfg.max_pipelined_per_connection}); the connection closes after this answer`;
      this.#log.warn('pipelining refused', why);
      return why;
    }
    const shed = this.memory.over();
    if (shed !== null) {
      this.#log.warn('request shed', shed);
      return shed;
    }
    if (conn) {
      const entry: InFlight = { res };
      conn.open.add(entry);
      res.once('close', () => {
        conn.open.delete(entry);
        if (this.#draining && conn.open.size === 0 && !conn.hijacked) socket.destroySoon();
        this.#checkIdle();
      });
    }
    return null;
  }

  /** A WebSocket upgrade: refused while stopping or over the memory guard (its frames are inspected in memory). */
  beforeUpgrade(): string | null {
    return this.#draining ? 'the gate is shutting down' : this.memory.over();
  }

  /**
   * After identification: count the connection under its identity (the first time)
   * and the request under its identity's in-flight requests. Throws a 503 Rejection.
   */
  admit(ctx: RequestContext): void {
    const p = ctx.principal;
    if (!p || ctx.res.destroyed) return;
    const id = identityKey(p);
    if (!ctx.tunnel) {
      try {
        this.attribute(ctx.req.socket, p);
      } catch (err) {
        ctx.res.shouldKeepAlive = false;
        throw err;
      }
    }
    const n = this.#inFlight.get(id) ?? 0;
    if (n >= this.#cfg.max_in_flight_per_identity) {
      throw this.#refusal(`this identity has too many requests in flight (limits.max_in_flight_per_identity ${this.#cfg.max_in_flight_per_identity})`);
    }
    this.#inFlight.set(id, n + 1);
    ctx.res.once('close', () => {
      const left = (this.#inFlight.get(id) ?? 1) - 1;
      if (left <= 0) this.#inFlight.delete(id);
      else this.#inFlight.set(id, left);
    });
  }

  /**
   * The connection's first identified request (or its CONNECT): move it from its
   * address's count to its identity's. Throws a 503 Rejection past the identity's limit.
   */
  attribute(socket: Socket, p: Principal): void {
    const conn = this.#conns.get(socket);
    if (!conn?.bucket?.startsWith('ip:')) return;
    const key = `id:${identityKey(p)}`;
    if ((this.#buckets.get(key) ?? 0) >= this.#cfg.max_connections_per_identity) {
      throw this.#refusal(`this identity holds too many connections (limits.max_connections_per_identity ${this.#cfg.max_connections_per_identity})`);
    }
    this.#add(conn.bucket, -1);
    conn.bucket = key;
    this.#add(key, 1);
  }

  /** Remember the request's context and cut, so a drain that times out can end it with a recorded reason. */
  track(ctx: RequestContext, cut: Cut): void {
    const conn = this.#conns.get(ctx.req.socket);
    if (!conn) return;
    for (const e of conn.open) {
      if (e.res === ctx.res) {
        e.ctx = ctx;
        e.cut = cut;
        return;
      }
    }
  }

  /**
   * A CONNECT or upgrade took the socket over: a passthrough tunnel or a WebSocket is
   * in flight until it closes, and a drain waits for it (up to the timeout).
   */
  hijacked(socket: Socket): void {
    const conn = this.#conns.get(socket);
    if (conn) conn.hijacked = true;
  }

  /** Requests in flight, and tunnels and WebSockets open (all connections). */
  get busy(): number {
    let n = 0;
    for (const c of this.#conns.values()) n += c.open.size + (c.hijacked ? 1 : 0);
    return n;
  }

  #checkIdle(): void {
    if (this.#onIdle && this.busy === 0) this.#onIdle();
  }

  /** Every request in flight. */
  inFlight(): InFlight[] {
    return [...this.#conns.values()].flatMap((c) => [...c.open]);
  }

  /** Every socket the gate holds (outer and inner). */
  sockets(): Socket[] {
    return [...this.#conns.keys()];
  }

  /**
   * Shutdown: refuse new requests, close idle connections now, and let each busy one
   * close once its last response is out. Resolves when nothing is in flight.
   */
  drain(): Promise<void> {
    this.#draining = true;
    for (const e of this.inFlight()) if (!e.res.headersSent) e.res.shouldKeepAlive = false;
    for (const [socket, c] of this.#conns) if (c.open.size === 0 && !c.hijacked && !c.carrier) socket.destroySoon();
    return new Promise((resolve) => {
      if (this.busy === 0) return resolve();
      this.#onIdle = resolve;
    });
  }

  close(): void {
    this.memory.close();
  }

  #refusal(why: string): Rejection {
    this.#log.warn('request refused', why);
    return new Rejection('overloaded', why, null, { 'retry-after': RETRY_AFTER });
  }

  #add(key: string, d: number): void {
    const n = (this.#buckets.get(key) ?? 0) + d;
    if (n <= 0) this.#buckets.delete(key);
    else this.#buckets.set(key, n);
  }
}

/** One identity: one token (a holder cannot mint another). */
function identityKey(p: Principal): string {
  return `${p.tenant}\u0000${p.agent}\u0000${p.session}\u0000${p.tokenId}`;
}

/** The soft open-files limit (Linux), or null when it cannot be read. */
function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
