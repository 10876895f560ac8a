/**
 * `sluice audit verify` on the shared trail (`state.backend: postgres`): every replica's
 * hash chain in `audit_records` recomputed from the record JSON as stored (byte for
 * byte: a `json` column), and the signed checkpoints in `audit_checkpoints` checked, by
 * the same verifier as audit.db (verify.ts). A record's place is its `seq` (insertion
 * order). Records are read in pages, in chain order; unlike audit.db's, this reader
 * keeps the chained records in memory until the verifier has them (about the size of
 * their JSON), so a very large trail is verified in ranges from an export
 * (`sluice audit query --json`, then `--file`).
 *
 * @example
 * const report = await verifyPostgres(pool, { keys });
 */
import type { KeyObject } from 'node:crypto';
import type pg from 'pg';
import type { Checkpoint } from '../checkpoint-sign.js';
import { verifyChains, type Placed, type VerifyReport } from '../verify.js';
import { rowRecord } from './schema.js';

const PAGE = 5_000;

export async function verifyPostgres(pool: pg.Pool, opts: { keys: ReadonlyMap<string, KeyObject> }): Promise<VerifyReport> {
  const first = await pool.query<{ m: string | null }>(`SELECT MIN(seq) AS m FROM audit_records WHERE record->>'chain_id' IS NOT NULL`);
  const firstChained = first.rows[0]?.m === null || first.rows[0]?.m === undefined ? null : Number(first.rows[0].m);
  const unchained = await pool.query<{ n: string }>(
    `SELECT COUNT(*) AS n FROM audit_records WHERE record->>'chain_id' IS NULL AND ($1::bigint IS NULL OR seq < $1)`,
    [firstChained],
  );
  const stray =
    firstChained === null
      ? []
      : (
          await pool.query<{ seq: string; record: unknown }>(
            `SELECT seq, record FROM audit_records WHERE record->>'chain_id' IS NULL AND seq > $1 ORDER BY seq LIMIT 1`,
            [firstChained],
          )
        ).rows.map((r): Placed => ({ pos: Number(r.seq), record: rowRecord(r) }));
  const chained: Placed[] = [];
  // Keyset pages in chain order: (chain_id, chain_seq, seq).
  let after: [string, number, number] = ['', -1, -1];
  for (;;) {
    const { rows } = await pool.query<{ seq: string; record: unknown; cid: string; cseq: string }>(
      `SELECT seq, record, record->>'chain_id' AS cid, (record->>'chain_seq')::bigint AS cseq FROM audit_records
       WHERE record->>'chain_id' IS NOT NULL AND (record->>'chain_id', (record->>'chain_seq')::bigint, seq) > ($1, $2, $3)
       ORDER BY record->>'chain_id', (record->>'chain_seq')::bigint, seq LIMIT ${PAGE}`,
      after,
    );
    for (const r of rows) chained.push({ pos: Number(r.seq), record: rowRecord(r) });
    const last = rows.at(-1);
    if (last === undefined || rows.length < PAGE) break;
    after = [last.cid, Number(last.cseq), Number(last.seq)];
  }
  const cps = await pool.query<Checkpoint & { seq: string }>('SELECT chain_id, seq, hash, time, kind, key_id, sig FROM audit_checkpoints');
  const checkpoints = cps.rows.map((c) => ({ ...c, seq: Number(c.seq) }));
  return verifyChains({ chained, strayUnchained: stray, unchained: Number(unchained.rows[0]?.n ?? 0), checkpoints, keys: opts.keys, range: false });
}
