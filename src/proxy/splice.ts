/**
 * The upstream-to-agent half of a passthrough tunnel, read without a fresh buffer per
 * read. A socket read normally lands in a new 64 KiB ArrayBuffer; a bulk download makes
 * thousands of them, and that external memory keeps V8 running full collections over the
 * gate's whole heap (a 1 GiB download cost 1.5-2 CPU seconds, most of it GC, against
 * 0.4 with reused buffers).
 *
 * Reads land in one shared buffer and are copied out (small reads: from Node's pool),
 * until a read is large (a bulk transfer): then the tunnel takes a buffer of its own
 * from a small free list and relays straight from it. While a write of that buffer is
 * pending, reading stops (the bytes are still in it) until everything is written to the
 * agent; small reads give the buffer back. Idle tunnels hold no buffer at all.
 *
 * @example
 * const relay = new UpstreamRelay();
 * const upstream = net.connect({ host, port, onread: relay.onread });
 * upstream.once('connect', () => relay.attach(upstream, client));
 */
import type { OnReadOpts, Socket } from 'node:net';

// 1 MiB: a bulk read takes up to this much at once (loopback and fast links have it
// waiting): fewer reads, writes and pauses per GiB than with 64 KiB (0.38 → 0.34 CPU s
// per GiB) or 256 KiB (0.70 → 0.54 on a busy machine, performance.md, session 10).
const SIZE = 1024 * 1024;
/** A read at least this large is a bulk transfer: worth a buffer of its own. */
const BULK = 16 * 1024;
/** Free buffers kept for the next bulk tunnel (4 MiB at most). */
const KEEP = 4;

// One event loop: a read into SHARED is copied out before the next read can happen.
const SHARED = Buffer.allocUnsafeSlow(SIZE);
const free: Buffer[] = [];

function take(): Buffer {
  return free.pop() ?? Buffer.allocUnsafeSlow(SIZE);
}

function give(buf: Buffer): void {
  if (free.length < KEEP) free.push(buf);
}

/**
 * One tunnel's upstream-to-agent relay: pass `onread` to `net.connect`, then `attach` once
 * the agent has its 200, and `release` when the tunnel closes.
 *
 * @example
 * const relay = new UpstreamRelay();
 * const upstream = net.connect({ host: '203.0.113.7', port: 443, onread: relay.onread });
 * upstream.once('connect', () => { client.write('HTTP/1.1 200 Connection Established\r\n\r\n'); relay.attach(upstream, client); });
 * client.once('close', () => relay.release());
 */
export class UpstreamRelay {
  private client: Socket | null = null;
  private upstream: Socket | null = null;
  /** Bytes read before attach(): copies, written when the agent's side is ready. */
  private early: Buffer[] = [];
  private own: Buffer | null = null;
  private next: Buffer = SHARED;
  private waiting = false;

  /** For `net.connect({ onread })`. */
  readonly onread: OnReadOpts = {
    buffer: () => this.next,
    callback: (n: number, buf: Uint8Array) => this.onRead(n, buf as Buffer),
  };

  /** Start relaying `upstream`'s bytes to `client` (what came before is written first), and end `client` when `upstream` ends. */
  attach(upstream: Socket, client: Socket): void {
    this.upstream = upstream;
    this.client = client;
    for (const b of this.early) client.write(b);
    this.early = [];
    upstream.once('end', () => client.end());
    // Flowing, so the end of the stream is emitted (the bytes themselves go through onread).
    upstream.resume();
  }

  /** The tunnel is closed: keep its buffer for another, unless a write may still hold it. */
  release(): void {
    const own = this.own;
    this.own = null;
    this.next = SHARED;
    if (own && this.client && this.client.writableLength === 0 && !this.waiting) give(own);
  }

  private onRead(n: number, buf: Buffer): boolean {
    const client = this.client;
    const chunk = buf.subarray(0, n);
    if (!client) {
      this.early.push(Buffer.from(chunk));
      return true;
    }
    if (client.destroyed) return false;
    if (buf !== this.own) {
      // SHARED: copy it out now, before any other socket reads into it.
      const ok = client.write(Buffer.from(chunk), this.written);
      if (n >= BULK) this.own ??= take();
      this.next = this.own ?? SHARED;
      return this.pauseUnless(ok);
    }
    client.write(chunk, this.written);
    // A write still pending holds `own`: nothing more is read into it until the agent drains.
    const pending = client.writableLength > 0;
    if (!pending && n < BULK) {
      this.own = null;
      this.next = SHARED;
      give(buf);
    }
    return this.pauseUnless(!pending);
  }

  private pauseUnless(ok: boolean): boolean {
    if (!ok) this.waiting = true;
    return ok;
  }

  /** After each write to the agent: reading resumes once nothing is left to write (so `own` is free again). */
  private readonly written = (): void => {
    if (!this.waiting || !this.client || this.client.writableLength > 0) return;
    this.waiting = false;
    this.upstream?.resume();
  };
}
