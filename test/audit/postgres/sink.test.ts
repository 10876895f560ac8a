/**
 * The shared audit trail's sink against the real PostgreSQL (a namespace of its own):
 * batches, no duplicates on a replay, the record kept whole, and the spool while
 * PostgreSQL is unreachable (a TCP proxy of the test's own, cut and reopened).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type pg from 'pg';
import type { AuditRecord } from '../../../src/audit/fields.js';
import { PostgresAuditSink } from '../../../src/audit/postgres/sink.js';
import { openPostgres } from '../../../src/state/postgres/pool.js';
import { sharedState, type SharedState } from '../../helpers/shared-state.js';
import { startPgProxy } from '../../helpers/pg-proxy.js';
import { numberedRecord } from './records.js';

let n = 0;
function rec(over: Partial<AuditRecord> = {}): AuditRecord {
  n++;
  return numberedRecord(n, { decision_id: `dec_${String(n).padStart(6, '0')}_${Math.random().toString(36).slice(2, 8)}`, ...over });
}

async function until(what: string, probe: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('PostgresAuditSink', () => {
  let shared: SharedState;
  const pools: pg.Pool[] = [];
  const errors: string[] = [];
  const pool = (url?: string): pg.Pool => {
    const p = openPostgres({ url: url ?? shared.state.postgres, namespace: shared.namespace, connectTimeoutMs: 1000 });
    pools.push(p);
    return p;
  };
  const sink = (p: pg.Pool, over: Partial<ConstructorParameters<typeof PostgresAuditSink>[0]> = {}): PostgresAuditSink =>
    new PostgresAuditSink({
      pool: p,
      namespace: shared.namespace,
      writer: 'replica-a',
      spoolMaxBytes: 64 * 1024 * 1024,
      onError: (err) => errors.push(err.message),
      retryMs: 50,
      maxRetryMs: 200,
      ...over,
    });
  type Row = { decision_id: string; writer: string; record: string; seq: string };
  const rows = async (): Promise<Row[]> =>
    (
      await shared.pg.query<Row>(
        `SELECT decision_id, writer, record::text AS record, seq::text AS seq FROM "${shared.namespace}".audit_records AS t ORDER BY t.seq`,
      )
    ).rows;

  before(async () => {
    shared = await sharedState('pga');
  });
  after(async () => {
    for (const p of pools) await p.end().catch(() => undefined);
    await shared.cleanup();
  });

  test('records go in batches (multi-row INSERTs), in order, with the writer and the record JSON whole', async () => {
    const p = pool();
    let inserts = 0;
    const query = p.query.bind(p) as (...a: unknown[]) => Promise<unknown>;
    (p as unknown as { query: (...a: unknown[]) => Promise<unknown> }).query = (...a: unknown[]) => {
      if (typeof a[0] === 'string' && a[0].startsWith('INSERT INTO audit_records')) inserts++;
      return query(...a);
    };
    const s = sink(p, { batchSize: 100 });
    const written: AuditRecord[] = [];
    for (let i = 0; i < 450; i++) {
      // Fields the trail may add (a hash chain) survive: the JSON is stored as given.
      const r = { ...rec({ agent: `a${i % 3}` }), chain: 'c1', seq: i, prev: 'x'.repeat(8), hash: `h${i}` } as AuditRecord;
      written.push(r);
      s.write(r, JSON.stringify(r));
    }
    await until('450 records written', () => s.written === 450);
    const got = await rows();
    assert.equal(got.length, 450);
    assert.ok(inserts >= 5 && inserts <= 10, `450 records in batches of at most 100 took ${inserts} INSERTs`);
    assert.deepEqual(
      got.map((r) => r.decision_id),
      written.map((r) => r.decision_id),
      'inserted in the order written',
    );
    assert.ok(got.every((r) => r.writer === 'replica-a'));
    assert.equal(got[7]!.record, JSON.stringify(written[7]), 'the record JSON is kept byte for byte');
    assert.equal(s.healthy, true);
    assert.equal(s.dropped, 0);
    await s.close();
    await shared.pg.query(`TRUNCATE "${shared.namespace}".audit_records`);
  });

  test('a replay (the same decision ids again, another process) inserts nothing twice', async () => {
    const a = sink(pool());
    const batch = Array.from({ length: 300 }, () => rec());
    for (const r of batch) a.write(r);
    await a.close();
    const b = sink(pool(), { writer: 'replica-a-restarted' });
    for (const r of batch) b.write({ ...r, error: 'gate_interrupted' });
    const fresh = rec();
    b.write(fresh);
    await b.close();
    assert.equal(b.written, 301, 'every record handed again counts as acknowledged (the journal may let it go)');
    const got = await rows();
    assert.equal(got.length, 301);
    assert.equal(new Set(got.map((r) => r.decision_id)).size, 301);
    // The first copy stays.
    const first = got.find((r) => r.decision_id === batch[0]!.decision_id)!;
    assert.equal(first.writer, 'replica-a');
    assert.equal((JSON.parse(first.record) as AuditRecord).error, null);
    await shared.pg.query(`TRUNCATE "${shared.namespace}".audit_records`);
  });

  test('PostgreSQL unreachable: unhealthy, records spooled in order, replayed when it answers again', async () => {
    const proxy = await startPgProxy();
    let recovered = 0;
    const s = sink(pool(proxy.url()), { onRecover: () => recovered++ });
    const order: string[] = [];
    const put = (k: number): void => {
      for (let i = 0; i < k; i++) {
        const r = rec();
        order.push(r.decision_id);
        s.write(r);
      }
    };
    put(50);
    await until('the first records written', () => s.written === 50);
    errors.length = 0;
    await proxy.cut();
    put(200);
    await until('the sink to notice', () => !s.healthy);
    assert.match(s.lastError ?? '', /PostgreSQL audit trail cannot be written: .*spooled for PostgreSQL/);
    put(100);
    assert.equal(s.written, 50);
    assert.equal(s.pending, 300);
    assert.ok(errors.length > 0, 'the failure is reported');
    await proxy.open();
    await until('the spool replayed', () => s.written === 350);
    assert.equal(s.healthy, true);
    assert.equal(s.lastError, null);
    assert.equal(recovered, 1);
    assert.equal(s.pending, 0);
    const got = await rows();
    assert.deepEqual(
      got.map((r) => r.decision_id),
      order,
      'replayed in the order written',
    );
    await s.close();
    await proxy.close();
    await shared.pg.query(`TRUNCATE "${shared.namespace}".audit_records`);
  });

  test('the spool is bounded: full, the audit is unhealthy and further records are left to the journal (counted dropped)', async () => {
    const proxy = await startPgProxy();
    const one = JSON.stringify(rec()).length;
    const s = sink(pool(proxy.url()), { spoolMaxBytes: one * 20 });
    s.write(rec());
    await until('a record written', () => s.written === 1);
    await proxy.cut();
    for (let i = 0; i < 40; i++) s.write(rec());
    assert.ok(s.pending <= 20, `${s.pending} spooled`);
    assert.ok(s.dropped >= 20, `${s.dropped} dropped`);
    assert.equal(s.healthy, false);
    assert.match(s.lastError ?? '', /the audit spool is full/);
    assert.ok(errors.some((e) => /audit spool is full.*stay in the audit journal/.test(e)));
    await proxy.open();
    await until('the spool written', () => s.pending === 0);
    assert.equal(s.healthy, true);
    assert.equal((await rows()).length, s.written, 'every record the spool held is in PostgreSQL');
    await s.close();
    await proxy.close();
    await shared.pg.query(`TRUNCATE "${shared.namespace}".audit_records`);
  });

  test('started while PostgreSQL is down (a fresh namespace): spools, then creates the table and writes once it answers', async () => {
    const fresh = await sharedState('pgb');
    const proxy = await startPgProxy();
    await proxy.cut();
    const p = openPostgres({ url: proxy.url(), namespace: fresh.namespace, connectTimeoutMs: 1000 });
    const s = new PostgresAuditSink({
      pool: p,
      ownsPool: true,
      namespace: fresh.namespace,
      writer: 'w',
      spoolMaxBytes: 1 << 24,
      onError: () => undefined,
      retryMs: 50,
      maxRetryMs: 200,
    });
    try {
      const batch = Array.from({ length: 20 }, () => rec());
      for (const r of batch) s.write(r);
      await until('the sink to notice', () => !s.healthy);
      assert.equal(s.pending, 20);
      await proxy.open();
      await until('the spool written', () => s.written === 20);
      const got = await fresh.pg.query<{ decision_id: string }>(`SELECT decision_id FROM "${fresh.namespace}".audit_records AS t ORDER BY t.seq`);
      assert.deepEqual(
        got.rows.map((r) => r.decision_id),
        batch.map((r) => r.decision_id),
      );
      assert.equal(s.healthy, true);
    } finally {
      await s.close();
      await proxy.close();
      await fresh.cleanup();
    }
  });

  test('close with PostgreSQL unreachable gives up after closeTimeoutMs and says the records stay in the journal', async () => {
    const proxy = await startPgProxy();
    const s = sink(pool(proxy.url()), { closeTimeoutMs: 300 });
    await proxy.cut();
    errors.length = 0;
    for (let i = 0; i < 5; i++) s.write(rec());
    await s.close();
    assert.equal(s.written, 0);
    assert.ok(
      errors.some((e) => /closing with 5 audit records not acknowledged by PostgreSQL.*stay in the audit journal/.test(e)),
      errors.join('\n'),
    );
    s.write(rec());
    assert.equal(s.dropped, 1, 'a record after close is not taken');
    await proxy.close();
  });
});
