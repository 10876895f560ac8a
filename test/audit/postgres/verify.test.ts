/**
 * `sluice audit verify` on the shared trail: two replicas' chains written through their
 * PostgreSQL sinks with signed checkpoints (every 10 records) verify OK; one byte changed
 * in one stored record, a record deleted, or a checkpoint re-signed by another key is
 * named as the first break; the CLI picks the shared trail from `state.backend: postgres`.
 */
import assert from 'node:assert/strict';
import type { KeyObject } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import { AuditChain } from '../../../src/audit/chain.js';
import { loadSigningKey } from '../../../src/audit/checkpoint-sign.js';
import type { AuditRecord } from '../../../src/audit/fields.js';
import { PostgresAuditSink } from '../../../src/audit/postgres/sink.js';
import { verifyPostgres } from '../../../src/audit/postgres/verify.js';
import { openPostgres } from '../../../src/state/postgres/pool.js';
import { sluice } from '../../helpers/cli.js';
import { sharedState, type SharedState } from '../../helpers/shared-state.js';
import { numberedRecord } from './records.js';

let n = 0;
const rec = (): AuditRecord => numberedRecord(++n);

describe('verify on the shared trail (PostgreSQL)', () => {
  let shared: SharedState;
  let dir: string;
  let pool: pg.Pool;
  let keys: Map<string, KeyObject>;

  before(async () => {
    shared = await sharedState('av');
    dir = await mkdtemp(join(tmpdir(), 'sluice-pg-verify-'));
    pool = openPostgres({ url: shared.state.postgres, namespace: shared.namespace });
    const key = loadSigningKey(dir)!;
    keys = new Map([[key.keyId, key.publicKey]]);
    // Two replicas (two writers, two chains) interleaving their records in the one table.
    const sinks = ['replica-a', 'replica-b'].map(
      (writer) => new PostgresAuditSink({ pool, namespace: shared.namespace, writer, spoolMaxBytes: 1 << 26, onError: (err) => assert.fail(err.message) }),
    );
    const chains = sinks.map((s) => new AuditChain({ key, onCheckpoint: (c) => s.checkpoint(c), everyRecords: 10, everyMs: 0 }));
    for (let i = 0; i < 60; i++) {
      const r = rec();
      chains[i % 2]!.link(r);
      sinks[i % 2]!.write(r, JSON.stringify(r));
      // Checkpoints are signed in an immediate after the turn's records (chain.ts).
      if (i % 7 === 6) await new Promise((res) => setImmediate(res));
    }
    for (const c of chains) c.stop();
    await new Promise((res) => setImmediate(res));
    for (const s of sinks) await s.close();
  });
  after(async () => {
    await pool?.end().catch(() => undefined);
    await shared?.cleanup();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('both chains verify, with their signed checkpoints', async () => {
    const r = await verifyPostgres(pool, { keys });
    assert.equal(r.ok, true, JSON.stringify(r.first_break));
    assert.equal(r.records, 60);
    assert.equal(r.chains, 2);
    assert.ok(r.checkpoints >= 4, `checkpoints checked: ${r.checkpoints}`);
  });

  test('the CLI reads the shared trail when the config says state.backend: postgres', async () => {
    const cfg = join(dir, 'sluice.yaml');
    await writeFile(
      cfg,
      `version: 1\ndata_dir: ${dir}\nstate:\n  backend: postgres\n  postgres: ${shared.state.postgres}\n  redis: ${shared.state.redis}\n  namespace: ${shared.namespace}\n`,
    );
    const ok = await sluice(['audit', 'verify', '--config', cfg, '--json']);
    assert.equal(ok.code, 0, ok.stderr);
    const report = JSON.parse(ok.stdout) as { ok: boolean; records: number };
    assert.equal(report.records, 60);
  });

  test('one byte changed in one stored record is named; so is a deleted record', async () => {
    await pool.query(`UPDATE audit_records SET record = replace(record::text, '"/p/17"', '"/p/71"')::json WHERE decision_id = 'dec_000017'`);
    const changed = await verifyPostgres(pool, { keys });
    assert.equal(changed.ok, false);
    assert.equal(changed.first_break?.decision_id, 'dec_000017');
    await pool.query(`UPDATE audit_records SET record = replace(record::text, '"/p/71"', '"/p/17"')::json WHERE decision_id = 'dec_000017'`);
    assert.equal((await verifyPostgres(pool, { keys })).ok, true, 'restored: verifies again');

    await pool.query(`DELETE FROM audit_records WHERE decision_id = 'dec_000031'`);
    const gone = await verifyPostgres(pool, { keys });
    assert.equal(gone.ok, false);
    assert.match(gone.first_break?.what ?? '', /missing|replaced|prev/i);
  });

  test('a checkpoint signed by another key fails its signature', async () => {
    const other = loadSigningKey(await mkdtemp(join(tmpdir(), 'sluice-other-key-')))!;
    const cfgKeys = new Map([[other.keyId, other.publicKey]]);
    await pool.query('UPDATE audit_checkpoints SET key_id = $1', [other.keyId]);
    const r = await verifyPostgres(pool, { keys: cfgKeys });
    assert.equal(r.ok, false);
  });
});
