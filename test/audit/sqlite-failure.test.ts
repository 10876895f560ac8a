import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { queryAudit } from '../../src/audit/query.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { errors, makeRecord, waitFor, withTempDir } from './fixtures.js';

function ids(file: string): string[] {
  return queryAudit(file, { order: 'asc', limit: 1_000_000 }).map((r) => r.decision_id);
}

/** The sink's own connection, to break it the way a full disk or a lost handle would. */
function handle(sink: SqliteAuditSink): Database.Database {
  const db = (sink as unknown as { db: Database.Database | null }).db;
  assert.ok(db, 'sink has an open connection');
  return db;
}

void test('a database locked past busy_timeout: unhealthy, reported, records kept, then all written once the lock goes', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    let recovered = 0;
    const sink = new SqliteAuditSink(dir, { onError: e.onError, onRecover: () => recovered++, busyTimeoutMs: 10, flushMs: 600_000 });
    const written = Array.from({ length: 10 }, (_, i) => makeRecord(i));
    const other = new Database(sink.file);
    other.exec('BEGIN IMMEDIATE'); // another writer holds the lock
    for (const r of written.slice(0, 5)) sink.write(r);
    sink.flush();
    assert.equal(sink.healthy, false);
    assert.match(sink.lastError ?? '', /SQLITE_BUSY/);
    assert.equal(e.list.length, 1);
    assert.match(e.list[0]?.message ?? '', /cannot write audit records to .*audit\.db.*5 records kept for retry/);
    assert.equal(sink.pending, 5);
    for (const r of written.slice(5)) sink.write(r);
    sink.flush();
    assert.equal(sink.healthy, false);
    assert.equal(sink.pending, 10);
    other.exec('ROLLBACK');
    other.close();
    sink.flush();
    assert.equal(sink.healthy, true);
    assert.equal(sink.lastError, null);
    assert.equal(recovered, 1);
    assert.equal(sink.pending, 0);
    assert.equal(sink.dropped, 0);
    await sink.close();
    assert.deepEqual(
      ids(sink.file),
      written.map((r) => r.decision_id),
    );
  });
});

void test('while unhealthy the sink retries by itself on its timer, and recovers without a manual flush', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError, busyTimeoutMs: 5, flushMs: 10, maxRetryMs: 40 });
    const other = new Database(sink.file);
    other.exec('BEGIN IMMEDIATE');
    sink.write(makeRecord(1));
    assert.ok(await waitFor(() => e.list.length >= 2), 'retried and failed again');
    assert.equal(sink.healthy, false);
    other.exec('ROLLBACK');
    other.close();
    assert.ok(await waitFor(() => sink.healthy), 'recovered on a timer retry');
    assert.equal(sink.pending, 0);
    await sink.close();
    assert.equal(ids(sink.file).length, 1);
  });
});

void test('disk full (SQLITE_FULL): unhealthy and reported; the next flush reopens and writes every kept record', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError, flushMs: 600_000 });
    const db = handle(sink);
    const pages = db.pragma('page_count', { simple: true }) as number;
    db.pragma(`max_page_count = ${pages}`);
    const written = Array.from({ length: 500 }, (_, i) => makeRecord(i));
    for (const r of written) sink.write(r);
    sink.flush();
    assert.equal(sink.healthy, false);
    assert.match(sink.lastError ?? '', /SQLITE_FULL/);
    assert.ok(e.list.length >= 1);
    assert.equal(sink.pending, 500);
    sink.flush();
    assert.equal(sink.healthy, true, sink.lastError ?? '');
    await sink.close();
    assert.deepEqual(
      ids(sink.file),
      written.map((r) => r.decision_id),
    );
  });
});

void test('a lost connection handle: unhealthy, then reopened and nothing lost', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError, flushMs: 600_000 });
    handle(sink).close();
    sink.write(makeRecord(1));
    sink.flush();
    assert.equal(sink.healthy, false);
    assert.match(sink.lastError ?? '', /not open/);
    sink.write(makeRecord(2));
    sink.flush();
    assert.equal(sink.healthy, true);
    await sink.close();
    assert.equal(ids(sink.file).length, 2);
  });
});

void test('the data folder removed under the gate: unhealthy (not writing into an unlinked file) until it is back; kept records land in the new file', async () => {
  await withTempDir(async (root) => {
    const dir = join(root, 'data');
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError, flushMs: 600_000 });
    sink.write(makeRecord(0));
    sink.flush();
    assert.equal(sink.healthy, true);
    rmSync(dir, { recursive: true, force: true });
    const during = Array.from({ length: 4 }, (_, i) => makeRecord(i + 1));
    for (const r of during) sink.write(r);
    sink.flush();
    assert.equal(sink.healthy, false);
    assert.match(sink.lastError ?? '', /removed or replaced/);
    sink.flush();
    assert.equal(sink.healthy, false, 'cannot reopen in a missing folder');
    assert.equal(sink.pending, 4);
    assert.ok(e.list.length >= 2);
    mkdirSync(dir, { mode: 0o700 });
    sink.flush();
    assert.equal(sink.healthy, true, sink.lastError ?? '');
    await sink.close();
    assert.deepEqual(
      ids(sink.file),
      during.map((r) => r.decision_id),
    );
  });
});

void test('audit.db deleted under the gate: detected before writing, recreated, the batch written to the new file', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError, flushMs: 600_000 });
    sink.write(makeRecord(0));
    sink.flush();
    for (const f of ['audit.db', 'audit.db-wal', 'audit.db-shm']) rmSync(join(dir, f), { force: true });
    const r = makeRecord(1);
    sink.write(r);
    sink.flush();
    assert.equal(sink.healthy, false);
    assert.match(e.list[0]?.message ?? '', /removed or replaced/);
    sink.flush();
    assert.equal(sink.healthy, true);
    await sink.close();
    assert.deepEqual(ids(sink.file), [r.decision_id]);
  });
});

void test('the retry buffer is bounded: the oldest records are dropped and counted, the newest kept and written', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError, busyTimeoutMs: 5, flushMs: 600_000, maxBuffered: 5 });
    const other = new Database(sink.file);
    other.exec('BEGIN IMMEDIATE');
    const written = Array.from({ length: 8 }, (_, i) => makeRecord(i));
    for (const r of written) sink.write(r);
    sink.flush();
    assert.equal(sink.healthy, false);
    assert.equal(sink.dropped, 3);
    assert.equal(sink.pending, 5);
    assert.equal(e.list.filter((err) => /buffer full/.test(err.message)).length, 1, 'reported once, not per record');
    assert.ok(e.list.some((err) => /buffer full \(5 records\).*dropping the oldest \(1 dropped in all\)/.test(err.message)));
    other.exec('ROLLBACK');
    other.close();
    sink.flush();
    assert.equal(sink.healthy, true);
    await sink.close();
    assert.deepEqual(
      ids(sink.file),
      written.slice(3).map((r) => r.decision_id),
    );
  });
});

void test('close() while the database cannot be written reports the records it loses', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new SqliteAuditSink(dir, { onError: e.onError, busyTimeoutMs: 5, flushMs: 600_000 });
    const other = new Database(sink.file);
    other.exec('BEGIN IMMEDIATE');
    sink.write(makeRecord(1));
    sink.write(makeRecord(2));
    await sink.close();
    other.exec('ROLLBACK');
    other.close();
    assert.equal(sink.dropped, 2);
    assert.ok(e.list.some((err) => /2 records that could not be written.*lost/.test(err.message)));
  });
});

void test('the WAL is checkpointed into audit.db by the worker thread while the gate runs', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {}, checkpointMs: 20 });
    const before = statSync(sink.file).size;
    for (let i = 0; i < 2000; i++) sink.write(makeRecord(i));
    sink.flush();
    assert.ok(await waitFor(() => statSync(sink.file).size > before + 100_000), 'pages copied into the main file');
    await sink.close();
  });
});
