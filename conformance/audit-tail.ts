/**
 * Reads the gate's JSONL audit file as it grows, so each case's evidence can carry
 * the gate's own account of it (outcome, reason, rule, findings). Cases run one at a
 * time, so the records appended during a case are that case's.
 */
import { open } from 'node:fs/promises';

export type AuditLine = Record<string, unknown>;

export class AuditTail {
  #offset = 0;
  #partial = '';

  constructor(readonly file: string) {}

  /** Records appended since the last call (complete lines only). */
  async read(): Promise<AuditLine[]> {
    let fh;
    try {
      fh = await open(this.file, 'r');
    } catch {
      return [];
    }
    try {
      const { size } = await fh.stat();
      if (size <= this.#offset) return [];
      const buf = Buffer.alloc(size - this.#offset);
      await fh.read(buf, 0, buf.length, this.#offset);
      this.#offset = size;
      const text = this.#partial + buf.toString('utf8');
      const nl = text.lastIndexOf('\n');
      this.#partial = text.slice(nl + 1);
      const out: AuditLine[] = [];
      for (const line of text.slice(0, nl + 1).split('\n')) {
        if (line.trim() === '') continue;
        try {
          out.push(JSON.parse(line) as AuditLine);
        } catch {
          // A line we cannot read is not evidence; skip it.
        }
      }
      return out;
    } finally {
      await fh.close();
    }
  }

  /** Wait (up to `timeoutMs`) for at least one new record, then return everything new. */
  async next(timeoutMs = 500): Promise<AuditLine[]> {
    const end = Date.now() + timeoutMs;
    const got: AuditLine[] = [];
    for (;;) {
      got.push(...(await this.read()));
      if (got.length > 0 || Date.now() >= end) return got;
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /**
   * The records `match` accepts, appended from now on: until the one with
   * `decisionId` is there, or (without one) until no record has come for `quietMs`
   * after the first match; at most `timeoutMs`. Records of other cases written late
   * are skipped by `match`, so they cannot be taken for this case's.
   *
   * @example
   * const mine = await audit.collect((r) => r.host === 'case-3.mcp.bench.example', { decisionId: 'd1' });
   */
  async collect(match: (r: AuditLine) => boolean, opts: { decisionId?: string; timeoutMs?: number; quietMs?: number } = {}): Promise<AuditLine[]> {
    const end = Date.now() + (opts.timeoutMs ?? 1000);
    const quietMs = opts.quietMs ?? 150;
    const mine: AuditLine[] = [];
    let last = Date.now();
    for (;;) {
      const got = (await this.read()).filter(match);
      if (got.length > 0) {
        mine.push(...got);
        last = Date.now();
      }
      const done = opts.decisionId !== undefined ? mine.some((r) => r.decision_id === opts.decisionId) : mine.length > 0 && Date.now() - last >= quietMs;
      if (done || Date.now() >= end) return mine;
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}
