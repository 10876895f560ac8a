/**
 * OCSF events to an HTTPS webhook: POSTed in batches (a JSON array, `batch` events or
 * every `flush_ms`), retried with exponential backoff while the receiver fails or is
 * unreachable, waiting meanwhile in a bounded on-disk spool (resent after a restart).
 * Never blocks the gate: sending is asynchronous, and past the spool's bound the oldest
 * events are dropped, counted and logged. A batch the receiver refuses for good (a 4xx
 * other than 408/429) is dropped with that reason rather than retried for ever.
 */
import { readFileSync } from 'node:fs';
import type * as Undici from 'undici';
import type { Agent } from 'undici';
import { lazyRequire } from '../../lazy-require.js';
import type { OcsfEvent } from './map.js';
import { Spool } from './spool.js';
import { backoffMs, type ExportTransport, type TransportHooks } from './transport.js';

/** Loaded when a webhook export starts (every `sluice` command that reads the config loaded undici for it). */
const undici = lazyRequire<typeof Undici>('undici');

export interface WebhookOptions {
  url: string;
  caFile?: string;
  headers: Record<string, string>;
  batch: number;
  flushMs: number;
  maxBackoffMs: number;
  spoolFile: string;
  spoolBytes: number;
}

/**
 * @example
 * const t = new WebhookExport({ url: 'https://siem.example/ingest', headers: {}, batch: 100, flushMs: 1000, maxBackoffMs: 30000, spoolFile, spoolBytes }, hooks);
 */
export class WebhookExport implements ExportTransport {
  private readonly spool: Spool;
  private readonly agent: Agent;
  private inflight = false;
  private failures = 0;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly opts: WebhookOptions,
    private readonly hooks: TransportHooks,
  ) {
    this.spool = new Spool({ file: opts.spoolFile, maxBytes: opts.spoolBytes, onDrop: hooks.onDrop, onError: hooks.onError });
    this.agent = new (undici().Agent)({ connect: opts.caFile ? { ca: readFileSync(opts.caFile, 'utf8') } : {}, headersTimeout: 10_000, bodyTimeout: 10_000 });
    if (this.spool.size > 0) this.later(0);
  }

  send(_events: readonly OcsfEvent[], lines: readonly string[]): void {
    this.spool.push(lines);
    if (this.failures > 0) return; // the retry timer sends
    if (this.spool.size >= this.opts.batch) void this.pump();
    else this.later(this.opts.flushMs);
  }

  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    // One last try for what is waiting; what does not go stays spooled for the next start.
    const until = Date.now() + 2_000;
    while (this.spool.size > 0 && this.failures === 0 && Date.now() < until) {
      if (!this.inflight) void this.pump();
      await new Promise((r) => setTimeout(r, 10));
    }
    this.closed = true;
    await this.spool.close();
    await this.agent.close().catch(() => undefined);
  }

  private later(ms: number): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.pump();
    }, ms);
    this.timer.unref();
  }

  private async pump(): Promise<void> {
    if (this.inflight || this.closed || this.spool.size === 0) return;
    const batch = this.spool.peek(this.opts.batch);
    this.inflight = true;
    let retry = false;
    try {
      const res = await undici().request(this.opts.url, {
        method: 'POST',
        dispatcher: this.agent,
        headers: { ...this.opts.headers, 'content-type': 'application/json' },
        body: `[${batch.join(',')}]`,
      });
      await res.body.dump();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        this.spool.ack(batch.length);
        this.hooks.onSent(batch.length);
        if (this.failures > 0) this.hooks.onError(new Error(`OCSF webhook ${this.opts.url} accepts events again; ${this.spool.size} spooled events follow`));
        this.failures = 0;
      } else if (res.statusCode >= 400 && res.statusCode < 500 && res.statusCode !== 408 && res.statusCode !== 429) {
        this.spool.drop(batch.length, `the webhook ${this.opts.url} refused the batch: HTTP ${res.statusCode}`);
      } else {
        retry = this.failed(`HTTP ${res.statusCode}`);
      }
    } catch (err) {
      retry = this.failed((err as { code?: string }).code ?? (err as Error).message);
    } finally {
      this.inflight = false;
    }
    if (retry) this.later(backoffMs(this.failures, this.opts.maxBackoffMs));
    else if (this.spool.size >= this.opts.batch) void this.pump();
    else if (this.spool.size > 0) this.later(this.opts.flushMs);
  }

  private failed(why: string): boolean {
    if (this.failures++ === 0 || this.failures % 20 === 0)
      this.hooks.onError(
        new Error(`OCSF webhook ${this.opts.url} failed (${why}); ${this.spool.size} events spooled, retrying with backoff (attempt ${this.failures})`),
      );
    return true;
  }
}
