/**
 * The audit journal: the write-ahead half of the audit trail. A decision is appended
 * here (one `write(2)` of one JSON line, so it is in the kernel and survives the
 * process being killed) before the request is forwarded or answered, and the finished
 * record is appended when the exchange ends; the sinks (SQLite, JSON lines) then take
 * the record at their own pace. A restart replays what the sinks may not have
 * (journal-recover.ts), so a crash loses neither an answered exchange nor one that
 * reached the upstream.
 *
 * The journal is a folder of segments. A segment is retired every `segmentMs` or
 * `segmentBytes`; the exchanges still open are written again at the head of the next
 * one, so a retired segment is needed only until every sink has committed the records
 * handed to it before the retirement (`progress`), and is then deleted.
 *
 * Durability `process` (default) survives a crash of the gate; `machine` also survives
 * the machine's: the opening write is followed by an fdatasync, shared by every
 * exchange that waits for it (group commit), before anything leaves.
 */
import { closeSync, fdatasync, fdatasyncSync, mkdirSync, openSync, readdirSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { alive } from '../temp-files.js';
import type { AuditRecord } from './fields.js';
import { OpenLines } from './open-lines.js';

export type Durability = 'process' | 'machine';

/** The journal folder inside the data directory. */
export const JOURNAL_DIR = 'audit-journal';
const SEGMENT = /^seg-\d{16}-(\d+)-\d{6}\.jsonl$/;

/** One line of a segment: a decision opened (`o`) or a record finished (`c`). */
export type JournalLine = { o: AuditRecord } | { c: AuditRecord };

export interface JournalOptions {
  /** The data directory; segments live in `<dataDir>/audit-journal/`. */
  dataDir: string;
  durability: Durability;
  /** Called with every failure (loud: the caller logs it at error). */
  onError: (err: Error) => void;
  /** Retire the current segment once it holds this many bytes (default 4 MiB). */
  segmentBytes?: number;
  /** ... or once it is this old and not empty (default 5 s). */
  segmentMs?: number;
}

/** How far the sinks have got: records committed and dropped since start; null when no sink counts. */
export type SinkProgress = () => { written: number; dropped: number } | null;

interface Segment {
  name: string;
  fd: number;
  bytes: number;
  born: number;
  /** Records handed to the sinks when this segment was retired. */
  handedAtRetire: number;
}

/**
 * Segment names count up across every journal of this process: two journals on one data
 * directory (a test, or a recovery beside a running writer) opened in the same millisecond
 * would otherwise name the same file.
 */
let segmentSeq = 0;

/**
 * @example
 * const journal = AuditJournal.open({ dataDir, durability: 'process', onError });
 * if (!journal.open(record)) refuse(503, 'audit_unavailable');  // before forwarding
 * journal.close(id, JSON.stringify(finished));                 // when it ends, then sinks.write(finished)
 */
export class AuditJournal {
  readonly dir: string;
  private current: Segment;
  private readonly retired: Segment[] = [];
  /** Exchanges opened and not yet closed, with their opening line (carried into each new segment). */
  private readonly live = new OpenLines();
  private failure: string | null = null;
  private closing: string[] = [];
  /** Their ids (an exchange may close in the turn it opened: then it is not left open). */
  private closingIds: string[] = [];
  /** The first of them, to name in an error. */
  private firstClosing = '';
  /** Decisions opened with `openSoon` in this turn: their lines, their ids, and the promise their exchanges wait on. */
  private opening: string[] = [];
  private openingIds: string[] = [];
  private openBatch: { done: Promise<boolean>; settle: (written: boolean) => void } | null = null;
  /** Decisions opened in this turn, and in the last (written at once while it is at most one). */
  private turnOpens = 0;
  private lastTurnOpens = 0;
  private flushing = false;
  private torn = false;
  private lost = 0;
  private handed = 0;
  private heldForDrops = false;
  private syncing: Promise<void> | null = null;
  private nextSync: Promise<void> | null = null;
  private readonly timer: NodeJS.Timeout;
  private readonly segmentBytes: number;
  private readonly segmentMs: number;

  private constructor(
    private readonly opts: JournalOptions,
    private readonly progress: SinkProgress,
  ) {
    this.dir = join(opts.dataDir, JOURNAL_DIR);
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    this.segmentBytes = opts.segmentBytes ?? 4 * 1024 * 1024;
    this.segmentMs = opts.segmentMs ?? 5_000;
    this.current = this.newSegment();
    this.timer = setInterval(() => this.tick(), Math.min(1_000, this.segmentMs)).unref();
  }

  /** Opens a new segment beside any left by an earlier run (replay those first: journal-recover.ts). */
  static open(opts: JournalOptions, progress: SinkProgress): AuditJournal {
    return new AuditJournal(opts, progress);
  }

  /**
   * Segments left by gates that are no longer running, oldest first. A segment names
   * its writer's pid; one whose process is alive (this one, or another gate on the
   * same data directory) is still being written and is not for replay.
   */
  static segments(dataDir: string): string[] {
    const dir = join(dataDir, JOURNAL_DIR);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      return [];
    }
    return names
      .filter((n) => {
        const m = SEGMENT.exec(n);
        return m !== null && !alive(Number(m[1]));
      })
      .sort()
      .map((n) => join(dir, n));
  }

  get healthy(): boolean {
    return this.failure === null;
  }
  get lastError(): string | null {
    return this.failure;
  }
  /** Records that could not be journaled (each one also reported through onError). */
  get lostRecords(): number {
    return this.lost;
  }
  /** Exchanges on record as opened and not yet finished. */
  get openExchanges(): number {
    return this.live.size;
  }

  /** Put the decision on record before anything leaves. False when it could not be written. */
  open(record: AuditRecord): boolean {
    const line = `{"o":${JSON.stringify(record)}}\n`;
    if (!this.append(line, record.decision_id)) return false;
    this.live.set(record.decision_id, line);
    return true;
  }

  /**
   * As `open`, written with the other decisions opened in this turn of the event loop and
   * the records finished in it, in one write at the turn's end (`setImmediate`): one
   * `write(2)` a turn instead of one an exchange. Resolves true once the line is in the
   * kernel, false when it could not be written. Nothing of the exchange may leave the
   * gate before it resolves (open-record awaits it): a crash before the write loses a
   * decision that nothing had acted on yet.
   */
  openSoon(record: AuditRecord): Promise<boolean> | boolean {
    // A quiet gate (the last turn opened at most one) writes the first of a turn at once:
    // waiting for the turn's end would only add a loop turn to its latency.
    if (++this.turnOpens === 1 && this.lastTurnOpens <= 1) {
      this.schedule();
      return this.open(record);
    }
    this.opening.push(`{"o":${JSON.stringify(record)}}\n`);
    this.openingIds.push(record.decision_id);
    this.schedule();
    if (this.openBatch === null) {
      let settle!: (written: boolean) => void;
      const done = new Promise<boolean>((resolve) => (settle = resolve));
      this.openBatch = { done, settle };
    }
    return this.openBatch.done;
  }

  /**
   * The finished record (the caller hands it to the sinks next). Written with the other
   * records finished in this turn of the event loop, in one write: a crash before that
   * write leaves the exchange on record as opened (replayed as interrupted), not lost.
   */
  close(id: string, json: string): void {
    this.live.delete(id);
    this.handed++;
    if (this.closing.length === 0) this.firstClosing = id;
    this.closing.push(`{"c":${json}}\n`);
    this.closingIds.push(id);
    this.schedule();
  }

  private schedule(): void {
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(() => this.flushClosed());
    }
  }

  /**
   * Write the decisions opened and the records finished in this turn (one write, the
   * openings first: an exchange's close never precedes its opening). False when they
   * could not be written.
   */
  flushClosed(): boolean {
    this.flushing = false;
    this.lastTurnOpens = this.turnOpens;
    this.turnOpens = 0;
    const opens = this.opening.length;
    const closes = this.closing.length;
    if (opens === 0 && closes === 0) return true;
    let lines = '';
    let label = '';
    let batch: { settle: (written: boolean) => void } | null = null;
    const opened = this.opening;
    const openedIds = this.openingIds;
    if (opens > 0) {
      lines = opens === 1 ? opened[0]! : opened.join('');
      label = opens === 1 ? openedIds[0]! : `${openedIds[0]!} and ${opens - 1} more opened`;
      batch = this.openBatch;
      this.opening = [];
      this.openingIds = [];
      this.openBatch = null;
    }
    const closedIds = this.closingIds;
    if (closes > 0) {
      lines += closes === 1 ? this.closing[0]! : this.closing.join('');
      const closed = closes === 1 ? this.firstClosing : `${this.firstClosing} and ${closes - 1} more`;
      label = label === '' ? closed : `${label}, ${closed}`;
      this.closing = [];
      this.closingIds = [];
    }
    const written = this.append(lines, label, opens + closes);
    if (written && opens > 0) {
      for (let i = 0; i < opens; i++) this.live.set(openedIds[i]!, opened[i]!);
      // Closed in the same turn as opened: on record as finished, not open.
      for (let i = 0; i < closes; i++) this.live.delete(closedIds[i]!);
    }
    batch?.settle(written);
    return written;
  }

  /**
   * With durability `machine`: resolves once everything appended before the call is on
   * disk (one fdatasync for all who wait together). Null with `process` (nothing to wait for).
   */
  synced(): Promise<void> | null {
    if (this.opts.durability !== 'machine') return null;
    if (!this.syncing) return (this.syncing = this.sync());
    // One is running, and may have started before our write: wait for the next.
    this.nextSync ??= this.syncing.then(() => {
      this.nextSync = null;
      return (this.syncing = this.sync());
    });
    return this.nextSync;
  }

  /**
   * At shutdown, after the sinks closed: delete every segment the sinks have committed.
   * Exchanges still open (none after a drain) keep their segment for the next start.
   */
  shutdown(): void {
    clearInterval(this.timer);
    this.flushClosed();
    this.collect();
    closeSync(this.current.fd);
    if (this.live.size === 0 && this.retired.length === 0 && this.caughtUp(this.handed)) this.unlink(this.current.name);
  }

  private append(line: string, id: string, records = 1): boolean {
    // After a write cut short (a full disk), the torn fragment is ended first, so that it
    // spoils only its own line for the replay.
    const text = this.torn ? `\n${line}` : line;
    let off = 0;
    try {
      // The string goes to write(2) as is (no Buffer per line); only a short write,
      // which a regular file gives when its disk fills, needs the bytes to go on from.
      const size = Buffer.byteLength(text, 'utf8');
      off = writeSync(this.current.fd, text, null, 'utf8');
      if (off < size) {
        const buf = Buffer.from(text, 'utf8');
        while (off < buf.length) off += writeSync(this.current.fd, buf, off, buf.length - off);
      }
      this.current.bytes += size;
      this.torn = false;
      if (this.failure !== null) this.failure = null;
      return true;
    } catch (err) {
      if (off > 0) this.torn = true;
      this.lost += records;
      this.failure = `the audit journal in ${this.dir} cannot be written: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`;
      this.opts.onError(new Error(`${this.failure} (record ${id}; ${this.lost} not journaled since start)`));
      return false;
    }
  }

  private sync(): Promise<void> {
    const fd = this.current.fd;
    return new Promise((resolve) => {
      fdatasync(fd, (err) => {
        this.syncing = null;
        if (err) {
          this.failure = `the audit journal in ${this.dir} cannot be synced to disk: ${err.code ?? err.message}`;
          this.opts.onError(new Error(this.failure));
        }
        resolve();
      });
    });
  }

  private tick(): void {
    try {
      const c = this.current;
      if (c.bytes >= this.segmentBytes || (c.bytes > 0 && Date.now() - c.born >= this.segmentMs)) this.retire();
      this.collect();
    } catch (err) {
      this.opts.onError(err instanceof Error ? err : new Error(String(err)));
    }
  }

  /** Start a new segment, carrying the open exchanges into it; the old one waits for the sinks. */
  private retire(): void {
    this.flushClosed();
    const old = this.current;
    if (this.opts.durability === 'machine') fdatasyncSync(old.fd);
    this.current = this.newSegment();
    for (const [id, line] of this.live) this.append(line, id);
    closeSync(old.fd);
    old.handedAtRetire = this.handed;
    this.retired.push(old);
  }

  /** Delete retired segments whose records every counting sink has committed. */
  private collect(): void {
    while (this.retired.length > 0 && this.caughtUp(this.retired[0]!.handedAtRetire)) {
      this.unlink(this.retired.shift()!.name);
    }
  }

  private caughtUp(handed: number): boolean {
    const p = this.progress();
    if (p === null) return true;
    if (p.dropped > 0) {
      // A sink lost records: they are in the journal, which is kept for the next start to replay.
      if (!this.heldForDrops) {
        this.heldForDrops = true;
        this.opts.onError(new Error(`an audit sink dropped ${p.dropped} records; the journal in ${this.dir} is kept so that the next start restores them`));
      }
      return false;
    }
    return p.written >= handed;
  }

  private newSegment(): Segment {
    const name = join(this.dir, `seg-${String(Date.now()).padStart(16, '0')}-${process.pid}-${String(segmentSeq++ % 1e6).padStart(6, '0')}.jsonl`);
    const fd = openSync(name, 'ax', 0o600);
    return { name, fd, bytes: 0, born: Date.now(), handedAtRetire: 0 };
  }

  private unlink(name: string): void {
    try {
      unlinkSync(name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onError(err as Error);
    }
  }
}
