/**
 * The audit hash chain: the trail (trail.ts) links every record here before the journal
 * or any sink sees it, so every store (SQLite, PostgreSQL, JSON lines, the journal that
 * a restart replays) holds the same chain fields. One chain per writer process run:
 * `chain_id` is made at start, `chain_seq` counts from 1, `chain_prev` is the previous
 * record's `chain_hash` (GENESIS for the first), and `chain_hash` is SHA-256 over the
 * record's canonical form with `chain_prev` in it. Several gates on one shared trail
 * each keep their own chain.
 *
 * Crash safety: a record is linked in memory, journaled at the end of the turn and
 * handed to the sinks in order. A kill before the journal write loses a suffix of the
 * chain (those exchanges are replayed as `gate_interrupted` into the next run's chain),
 * never a middle record, so no gap and no fork; a restored record keeps its old chain
 * fields. Checkpoints are signed only for records already journaled (after the turn's
 * journal write), so a crash never leaves a checkpoint past the chain's durable end.
 */
import { randomUUID } from 'node:crypto';
import { GENESIS, recordHash } from './chain-canonical.js';
import { signCheckpoint, type Checkpoint, type SigningKey } from './checkpoint-sign.js';
import type { AuditRecord } from './fields.js';

export interface ChainOptions {
  /** Signs checkpoints; none: the chain is still kept, without signatures. */
  key: SigningKey | null;
  /** Where a signed checkpoint goes (the sinks). */
  onCheckpoint: (c: Checkpoint) => void;
  /** A checkpoint after this many records (default 1 000) ... */
  everyRecords?: number;
  /** ... or this long after the last one, when records came since (default 60 s). */
  everyMs?: number;
  /** The chain id (default: a new UUID). */
  id?: string;
}

/**
 * @example
 * const chain = new AuditChain({ key, onCheckpoint: (c) => sinks.checkpoint?.(c) });
 * chain.link(record); // sets chain_id, chain_seq, chain_prev, chain_hash
 */
export class AuditChain {
  readonly id: string;
  private seq = 0;
  private head = GENESIS;
  private signedSeq = 0;
  private due = false;
  private readonly everyRecords: number;
  private readonly timer: NodeJS.Timeout | null;

  constructor(private readonly opts: ChainOptions) {
    this.id = opts.id ?? randomUUID();
    this.everyRecords = Math.max(1, opts.everyRecords ?? 1_000);
    const ms = opts.everyMs ?? 60_000;
    this.timer = opts.key && ms > 0 ? setInterval(() => this.checkpointSoon(), ms).unref() : null;
  }

  /** Records linked so far. */
  get length(): number {
    return this.seq;
  }

  /** Link `record` (in place) as the chain's next. A record that already carries a chain (restored from a journal) is left as it is. */
  link(record: AuditRecord): void {
    if (typeof record.chain_hash === 'string') return;
    record.chain_id = this.id;
    record.chain_seq = ++this.seq;
    record.chain_prev = this.head;
    record.chain_hash = null;
    this.head = recordHash(record);
    record.chain_hash = this.head;
    if (this.opts.key && !this.due && this.seq - this.signedSeq >= this.everyRecords) this.checkpointSoon();
  }

  /**
   * Sign the head as it is now, after the journal's end-of-turn write (queued before
   * this immediate, by the record's own journaling): the signed record is durable.
   */
  private checkpointSoon(): void {
    if (this.due || this.seq === this.signedSeq) return;
    this.due = true;
    const seq = this.seq;
    const hash = this.head;
    setImmediate(() => {
      this.due = false;
      this.sign(seq, hash);
    });
  }

  /** Sign the chain's head now, when records came since the last checkpoint. */
  checkpoint(): Checkpoint | null {
    return this.sign(this.seq, this.head);
  }

  private sign(seq: number, hash: string): Checkpoint | null {
    if (!this.opts.key || seq <= this.signedSeq) return null;
    const cp = signCheckpoint(this.opts.key, { chain_id: this.id, seq, hash, time: new Date().toISOString(), kind: 'checkpoint' });
    this.signedSeq = seq;
    try {
      this.opts.onCheckpoint(cp);
    } catch {
      // a sink's mistake must not reach the request path (sinks report their own errors)
    }
    return cp;
  }

  /** At close: a last checkpoint of the head, and no more timers. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.checkpoint();
  }
}
