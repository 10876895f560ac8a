import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { F } from '../../src/audit/fields.js';
import type { AuditRecord } from '../../src/audit/fields.js';
import { queryAudit } from '../../src/audit/query.js';
import { AuditSchemaError, COLUMN_NAMES, fieldsInColumnOrder, recordToRow, SCHEMA_VERSION } from '../../src/audit/sqlite-schema.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { committedRows, errors, makeRecord, waitFor, withTempDir } from './fixtures.js';

void test('the row is read from the record in column order, every column once', () => {
  const read: string[] = [];
  const spy = new Proxy(makeRecord(1), {
    get(target, key, receiver) {
      if (typeof key === 'string') read.push(key);
      return Reflect.get(target, key, receiver) as unknown;
    },
  });
  fieldsInColumnOrder(spy);
  assert.deepEqual(read, COLUMN_NAMES);
});

void test('a record with odd values becomes a storable row: text as text, bad numbers and flags as null or 0, never a throw', () => {
  const circular: unknown[] = [];
  circular.push(circular);
  const odd = {
    ...makeRecord(1),
    decision_id: 42,
    time: undefined,
    tenant: { a: 1 },
    agent: true,
    human: 7n,
    port: '443',
    status: Number.NaN,
    bytes_in: Infinity,
    duration_ms: 1.5,
    findings: 'oops',
    synthesised: 'yes',
    rewritten: circular,
    cost: null,
  } as unknown as AuditRecord;
  const row = Object.fromEntries(COLUMN_NAMES.map((name, i) => [name, recordToRow(odd)[i]]));
  assert.deepEqual(
    {
      decision_id: row.decision_id,
      time: row.time,
      tenant: row.tenant,
      agent: row.agent,
      human: row.human,
      port: row.port,
      status: row.status,
      bytes_in: row.bytes_in,
      duration_ms: row.duration_ms,
      findings: row.findings,
      synthesised: row.synthesised,
      rewritten: row.rewritten,
      cost: row.cost,
      host: row.host,
      session: row.session,
    },
    {
      decision_id: '42',
      time: '',
      tenant: '{"a":1}',
      agent: 'true',
      human: '7',
      port: null,
      status: null,
      bytes_in: null,
      duration_ms: 1.5,
      findings: '"oops"',
      synthesised: 0,
      rewritten: '[]',
      cost: null,
      host: 'api.example.com',
      session: 'sess-1',
    },
  );
});

void test('every field round-trips through audit.db unchanged, including nulls, JSON fields and booleans', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError });
    const full = makeRecord(1, {
      human: 'alice@example.com',
      intent: 'ticket.create',
      credential: 'github',
      route: 'private-net',
      findings: [{ type: 'aws_key', location: 'body', action: 'block' }],
      error: 'upstream_timeout',
      synthesised: true,
      rewritten: ['authorization', 'x-api-key'],
      duration_ms: 0.125,
    });
    const sparse = makeRecord(2, { tenant: null, agent: null, session: null, rule: null, address: null });
    sink.write(full);
    sink.write(sparse);
    await sink.close();
    assert.deepEqual(e.list, []);
    const back = queryAudit(join(dir, 'audit.db'), { order: 'asc' });
    assert.deepEqual(back, [full, sparse]);
    assert.equal(sink.written, 2);
  });
});

void test('the table has exactly one column per record field, decision_id is the key, and the indexes exist', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {} });
    await sink.close();
    const db = new Database(join(dir, 'audit.db'), { readonly: true });
    try {
      const cols = db.prepare('PRAGMA table_info(audit)').all() as { name: string; pk: number }[];
      assert.deepEqual(cols.map((c) => c.name).sort(), Object.values(F).sort());
      assert.deepEqual(
        cols.filter((c) => c.pk > 0).map((c) => c.name),
        ['decision_id'],
      );
      const idx = (db.prepare('PRAGMA index_list(audit)').all() as { name: string }[]).map((i) => i.name);
      for (const cols of [['time'], ['agent', 'time'], ['session', 'time'], ['outcome', 'time'], ['tenant', 'time']]) {
        const found = idx.some((name) => {
          const info = db.prepare(`PRAGMA index_info(${JSON.stringify(name)})`).all() as { name: string }[];
          return JSON.stringify(info.map((c) => c.name)) === JSON.stringify(cols);
        });
        assert.ok(found, `index on (${cols.join(', ')})`);
      }
      assert.equal((db.prepare('SELECT version FROM schema_version').get() as { version: number }).version, SCHEMA_VERSION);
      assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
      assert.equal(statSync(join(dir, 'audit.db')).mode & 0o777, 0o600);
    } finally {
      db.close();
    }
  });
});

void test('records are batched: nothing is written inside write(); the timer flushes them', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {}, flushMs: 30 });
    for (let i = 0; i < 3; i++) sink.write(makeRecord(i));
    assert.equal(committedRows(sink.file), 0, 'write() must only queue');
    assert.equal(sink.pending, 3);
    assert.ok(await waitFor(() => committedRows(sink.file) === 3), 'the timer flushed the batch');
    assert.equal(sink.pending, 0);
    await sink.close();
  });
});

void test('a full batch is flushed on the next turn of the event loop, not after the timer', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {}, flushMs: 600_000, batchSize: 10 });
    for (let i = 0; i < 9; i++) sink.write(makeRecord(i));
    await new Promise((r) => setImmediate(r));
    assert.equal(committedRows(sink.file), 0, 'nine records are below the batch size');
    sink.write(makeRecord(9));
    assert.equal(committedRows(sink.file), 0, 'not inside the request path');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(committedRows(sink.file), 10);
    await sink.close();
  });
});

void test('close() flushes what is queued; flush() writes synchronously', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {}, flushMs: 600_000 });
    sink.write(makeRecord(1));
    sink.flush();
    assert.equal(committedRows(sink.file), 1);
    for (let i = 2; i < 6; i++) sink.write(makeRecord(i));
    assert.equal(committedRows(sink.file), 1);
    await sink.close();
    assert.equal(committedRows(sink.file), 5);
  });
});

void test('a write after close is reported and counted, never thrown', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError });
    await sink.close();
    sink.write(makeRecord(1));
    assert.equal(sink.dropped, 1);
    assert.match(e.list[0]?.message ?? '', /after the sqlite audit sink closed/);
  });
});

void test('the flush timer does not keep the process alive', async () => {
  await withTempDir(async (dir) => {
    const mod = new URL('../../src/audit/sqlite-sink.js', import.meta.url).href;
    const script = `import(${JSON.stringify(mod)}).then((m) => { const s = new m.SqliteAuditSink(${JSON.stringify(dir)}, { onError() {}, flushMs: 600000 }); s.write({ decision_id: 'x', time: 't' }); })`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
    clearTimeout(timer);
    assert.deepEqual([code, signal], [0, null], 'exited by itself');
  });
});

void test('a database with a newer schema version is refused with a clear error, by the sink and the query layer', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {} });
    await sink.close();
    const db = new Database(join(dir, 'audit.db'));
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    db.close();
    assert.throws(
      () => new SqliteAuditSink(dir, { onError: () => {} }),
      (err: unknown) => {
        assert.ok(err instanceof AuditSchemaError);
        assert.match(err.message, new RegExp(`schema version ${SCHEMA_VERSION + 1}, newer than this sluice understands`));
        return true;
      },
    );
    assert.throws(() => queryAudit(join(dir, 'audit.db')), AuditSchemaError);
  });
});

void test('a foreign database with an audit table of its own is refused, not written into', async () => {
  await withTempDir((dir) => {
    const db = new Database(join(dir, 'audit.db'));
    db.exec('CREATE TABLE audit (x TEXT)');
    db.close();
    assert.throws(() => new SqliteAuditSink(dir, { onError: () => {} }), /not written by sluice/);
  });
});

void test('a repeated decision id does not wedge the batch', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError });
    const r = makeRecord(1);
    sink.write(r);
    sink.write({ ...r, path: '/other' });
    sink.write(makeRecord(2));
    sink.flush();
    assert.equal(sink.healthy, true);
    assert.equal(committedRows(sink.file), 2);
    await sink.close();
  });
});

void test('a malformed record (wrong types from a buggy caller) is stored, not allowed to fail the batch', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError });
    const bad = { ...makeRecord(1), port: Number.NaN, status: undefined, host: { x: 1 } } as unknown as AuditRecord;
    sink.write(bad);
    sink.write(makeRecord(2));
    sink.flush();
    assert.equal(sink.healthy, true, sink.lastError ?? '');
    assert.equal(committedRows(sink.file), 2);
    await sink.close();
  });
});

void test('throughput through the sink (printed, not asserted)', async (t) => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {} });
    const n = 100_000;
    const records = Array.from({ length: n }, (_, i) => makeRecord(i, { agent: `agent-${i % 50}`, session: `s-${i % 500}` }));
    let writeNs = 0n;
    const start = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const w = process.hrtime.bigint();
      sink.write(records[i]!);
      writeNs += process.hrtime.bigint() - w;
      // Let batches flush as they would between requests.
      if (i % 256 === 255) await new Promise((r) => setImmediate(r));
    }
    await sink.close();
    const secs = Number(process.hrtime.bigint() - start) / 1e9;
    assert.equal(committedRows(sink.file), n);
    const msg = `sqlite audit sink: ${n} records in ${secs.toFixed(2)} s = ${Math.round(n / secs)} records/s; write() itself ${(Number(writeNs) / n).toFixed(0)} ns/record`;
    t.diagnostic(msg);
    console.log(msg);
  });
});
