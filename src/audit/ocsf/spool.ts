/**
 * A bounded on-disk spool of export events (one JSON line each) waiting for their
 * receiver: kept in memory for sending and mirrored to `<file>` so a restart resends
 * what was not delivered. Past `maxBytes` the oldest are dropped, counted and reported
 * (never silently). Disk writes are appends off the event loop's hot path (async,
 * serialised); the file is rewritten only when the spool empties or at close.
 */
import { appendFile, rename, writeFile } from 'node:fs/promises';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

export interface SpoolOptions {
  file: string;
  maxBytes: number;
  /** Called with how many were dropped and why (the caller logs it at error). */
  onDrop: (n: number, why: string) => void;
  onError: (err: Error) => void;
}

/**
 * @example
 * const spool = new Spool({ file, maxBytes: 64 << 20, onDrop, onError });
 * spool.push(['{"class_uid":4002,...}']);
 * const batch = spool.peek(100); send(batch).then(() => spool.ack(batch.length));
 */
export class Spool {
  private lines: string[] = [];
  private head = 0;
  private bytes = 0;
  private disk: Promise<void> = Promise.resolve();
  private droppedTotal = 0;

  constructor(private readonly opts: SpoolOptions) {
    mkdirSync(dirname(opts.file), { recursive: true, mode: 0o700 });
    if (existsSync(opts.file)) {
      // What an earlier run did not deliver.
      for (const l of readFileSync(opts.file, 'utf8').split('\n')) if (l !== '') this.add(l);
      this.bound();
    }
  }

  get size(): number {
    return this.lines.length - this.head;
  }
  get dropped(): number {
    return this.droppedTotal;
  }

  push(lines: readonly string[]): void {
    for (const l of lines) this.add(l);
    this.io(() => appendFile(this.opts.file, lines.join('\n') + '\n', { mode: 0o600 }));
    this.bound();
  }

  /** The oldest `n` waiting (not removed until acked). */
  peek(n: number): string[] {
    return this.lines.slice(this.head, this.head + n);
  }

  /** The oldest `n` were delivered. */
  ack(n: number): void {
    for (let i = 0; i < n && this.head < this.lines.length; i++) this.bytes -= this.lines[this.head++]!.length + 1;
    if (this.head > 4096 && this.head * 2 > this.lines.length) this.compact();
    if (this.size === 0) {
      this.lines = [];
      this.head = 0;
      this.bytes = 0;
      this.io(() => writeFile(this.opts.file, '', { mode: 0o600 }));
    }
  }

  /** Drop the oldest `n` for a reason (a receiver that rejects them for good). */
  drop(n: number, why: string): void {
    const k = Math.min(n, this.size);
    this.ack(k);
    this.droppedTotal += k;
    this.opts.onDrop(k, why);
  }

  /** Write what is still waiting, whole, and wait for the disk. */
  async close(): Promise<void> {
    const rest = this.lines.slice(this.head);
    this.io(async () => {
      const tmp = `${this.opts.file}.tmp`;
      await writeFile(tmp, rest.length > 0 ? rest.join('\n') + '\n' : '', { mode: 0o600 });
      await rename(tmp, this.opts.file);
    });
    await this.disk;
  }

  private add(l: string): void {
    this.lines.push(l);
    this.bytes += l.length + 1;
  }

  private bound(): void {
    if (this.bytes <= this.opts.maxBytes) return;
    let n = 0;
    while (this.bytes > this.opts.maxBytes && this.size > 0) {
      this.bytes -= this.lines[this.head++]!.length + 1;
      n++;
    }
    this.droppedTotal += n;
    this.compact();
    // The file is rewritten so that a restart does not resend what was dropped.
    const rest = this.lines.slice();
    this.io(() => writeFile(this.opts.file, rest.length > 0 ? rest.join('\n') + '\n' : '', { mode: 0o600 }));
    this.opts.onDrop(n, `the spool is full (${this.opts.maxBytes} bytes) while the receiver does not take events; dropped the oldest`);
  }

  private compact(): void {
    this.lines = this.lines.slice(this.head);
    this.head = 0;
  }

  private io(op: () => Promise<unknown>): void {
    this.disk = this.disk.then(op).then(
      () => undefined,
      (err: unknown) => this.opts.onError(err instanceof Error ? err : new Error(String(err))),
    );
  }
}
