/**
 * `sluice audit prune` (and `audit.retain`): delete records older than a date so the
 * chain stays verifiable. Each chain loses only a prefix (up to the first record it
 * keeps: a long exchange recorded late keeps its place), and a signed anchor names
 * the hash of the last record removed, which the first kept record chains to. The
 * trail is verified first: prune never launders a break by deleting its evidence.
 */
import Database from 'better-sqlite3';
import { signCheckpoint, type SigningKey } from './checkpoint-sign.js';
import { AUDIT_TABLE, CHECKPOINT_TABLE, INSERT_CHECKPOINT_SQL } from './sqlite-schema.js';

export interface PruneResult {
  deleted: number;
  chains: number;
  anchors: number;
}

/**
 * @example
 * prunePrefix('/var/lib/sluice/audit.db', new Date(Date.now() - 30 * 86_400_000), key); // { deleted: 1200, chains: 3, anchors: 3 }
 */
export function prunePrefix(file: string, before: Date, key: SigningKey, busyTimeoutMs = 5_000): PruneResult {
  const db = new Database(file, { fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    const cutoff = before.toISOString();
    return db
      .transaction((): PruneResult => {
        let deleted = 0;
        let anchors = 0;
        const chains = db.prepare(`SELECT DISTINCT chain_id AS id FROM ${AUDIT_TABLE} WHERE chain_id IS NOT NULL AND time < ?`).all(cutoff) as { id: string }[];
        for (const { id } of chains) {
          // Keep from the first record (by seq) that is not old: a prefix goes, never a middle.
          const keep = db.prepare(`SELECT MIN(chain_seq) AS s FROM ${AUDIT_TABLE} WHERE chain_id = ? AND time >= ?`).get(id, cutoff) as { s: number | null };
          const upTo =
            keep.s === null ? (db.prepare(`SELECT MAX(chain_seq) AS s FROM ${AUDIT_TABLE} WHERE chain_id = ?`).get(id) as { s: number }).s : keep.s - 1;
          if (upTo < 1) continue;
          const last = db.prepare(`SELECT chain_hash AS h FROM ${AUDIT_TABLE} WHERE chain_id = ? AND chain_seq = ?`).get(id, upTo) as { h: string } | undefined;
          if (!last) continue;
          deleted += db.prepare(`DELETE FROM ${AUDIT_TABLE} WHERE chain_id = ? AND chain_seq <= ?`).run(id, upTo).changes;
          // Checkpoints the anchor supersedes (the chain's last checkpoint past it stays).
          db.prepare(`DELETE FROM ${CHECKPOINT_TABLE} WHERE chain_id = ? AND seq <= ?`).run(id, upTo);
          const a = signCheckpoint(key, { chain_id: id, seq: upTo, hash: last.h, time: new Date().toISOString(), kind: 'anchor' });
          db.prepare(INSERT_CHECKPOINT_SQL).run(a.chain_id, a.seq, a.hash, a.time, a.kind, a.key_id, a.sig);
          anchors++;
        }
        // Records from before the chain existed: plain age.
        deleted += db.prepare(`DELETE FROM ${AUDIT_TABLE} WHERE chain_id IS NULL AND time < ?`).run(cutoff).changes;
        return { deleted, chains: chains.length, anchors };
      })
      .immediate();
  } finally {
    db.close();
  }
}
