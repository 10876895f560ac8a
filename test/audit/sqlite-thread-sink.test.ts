import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { queryAudit } from '../../src/audit/query.js';
import { AuditSchemaError, SCHEMA_VERSION } from '../../src/audit/sqlite-schema.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { ThreadedSqliteAuditSink } from '../../src/audit/sqlite-thread-sink.js';
import { committedRows, errors, makeRecord, waitFor, withTempDir } from './fixtures.js';

function ids(file: string): string[] {
  return queryAudit(file, { order: 'asc', limit: 1_000_000 }).map((r) => r.decision_id);
}

void test('threaded sink: every field round-trips through audit.db unchanged; close() waits until it is written', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError });
    const full = makeRecord(1, {
      human: 'alice@example.com',
      intent: 'ticket.create',
      credential: 'github',
      findings: [{ type: 'aws_key', location: 'body', action: 'block', encoding: 'base64' }],
      error: 'upstream_timeout',
      synthesised: true,
      rewritten: ['authorization'],
      duration_ms: 0.125,
    });
    const sparse = makeRecord(2, { tenant: null, agent: null, session: null, rule: null, address: null });
    sink.write(full);
    sink.write(sparse);
    await sink.close();
    assert.deepEqual(e.list, []);
    assert.deepEqual(queryAudit(join(dir, 'audit.db'), { order: 'asc' }), [full, sparse]);
    assert.equal(sink.written, 2);
    assert.equal(sink.pending, 0);
    assert.equal(sink.healthy, true);
  });
});

void test('threaded sink: the timer posts a batch and the thread writes it without close()', async () => {
  await withTempDir(async (dir) => {
    const sink = new ThreadedSqliteAuditSink(dir, { onError: () => {}, flushMs: 10 });
    for (let i = 0; i < 3; i++) sink.write(makeRecord(i));
    assert.ok(await waitFor(() => sink.written === 3), 'written by the thread');
    assert.equal(ids(sink.file).length, 3);
    await sink.close();
  });
});

/** Records the writer thread says it holds (taken, not yet committed). */
function heldByThread(sink: ThreadedSqliteAuditSink): number {
  return (sink as unknown as { status: { pending: number } }).status.pending;
}

void test("threaded sink: the batches posted within commitMs go into one transaction, committed by the thread's timer or at close", async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError, flushMs: 5, commitMs: 600_000 });
    const written = Array.from({ length: 3 }, (_, i) => makeRecord(i));
    for (const r of written) {
      sink.write(r);
      sink.flush(); // one batch each
    }
    assert.ok(await waitFor(() => heldByThread(sink) === 3), 'the thread took the three batches');
    assert.equal(committedRows(sink.file), 0, 'and has not committed them yet');
    assert.equal(sink.written, 0);
    await sink.close();
    assert.deepEqual(e.list, []);
    assert.equal(sink.written, 3);
    assert.deepEqual(
      ids(sink.file),
      written.map((r) => r.decision_id),
    );
  });
});

void test('threaded sink: the thread commits at once when a transaction would outgrow maxBuffered, before commitMs', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    // Room for 20 records in the thread, batches of 5: a transaction is committed at 15.
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError, batchSize: 5, maxBuffered: 20, flushMs: 5, commitMs: 600_000 });
    const written = Array.from({ length: 17 }, (_, i) => makeRecord(i));
    for (const r of written) sink.write(r);
    sink.flush();
    assert.ok(await waitFor(() => sink.written === 15 && heldByThread(sink) === 2), 'fifteen committed, two held');
    assert.equal(committedRows(sink.file), 15);
    await sink.close();
    assert.deepEqual(e.list, []);
    assert.equal(sink.dropped, 0);
    assert.equal(ids(sink.file).length, 17);
  });
});

void test('threaded sink: a thread that falls behind holds posting back instead of dropping records', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError, batchSize: 5, maxBuffered: 10, flushMs: 600_000 });
    const written = Array.from({ length: 500 }, (_, i) => makeRecord(i));
    for (const r of written) sink.write(r);
    await sink.close();
    assert.deepEqual(e.list, []);
    assert.equal(sink.dropped, 0);
    assert.deepEqual(
      ids(sink.file),
      written.map((r) => r.decision_id),
    );
  });
});

void test('threaded sink: a locked database makes it unhealthy (reported from the thread), records kept and written once the lock goes', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    let recovered = 0;
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError, onRecover: () => recovered++, busyTimeoutMs: 5, flushMs: 5, maxRetryMs: 20 });
    const other = new Database(sink.file);
    other.exec('BEGIN IMMEDIATE');
    const written = Array.from({ length: 6 }, (_, i) => makeRecord(i));
    for (const r of written) sink.write(r);
    assert.ok(await waitFor(() => !sink.healthy), 'unhealthy');
    assert.match(sink.lastError ?? '', /SQLITE_BUSY/);
    assert.ok(
      e.list.some((err) => /cannot write audit records to .*audit\.db/.test(err.message)),
      'loud',
    );
    assert.equal(sink.written, 0);
    other.exec('ROLLBACK');
    other.close();
    assert.ok(await waitFor(() => sink.healthy && sink.written === 6), 'recovered by itself');
    assert.equal(sink.lastError, null);
    assert.ok(await waitFor(() => recovered === 1), 'onRecover called once');
    await sink.close();
    assert.deepEqual(
      ids(sink.file),
      written.map((r) => r.decision_id),
    );
  });
});

void test('threaded sink: a newer schema fails at construction, on the calling thread', async () => {
  await withTempDir(async (dir) => {
    await new SqliteAuditSink(dir, { onError: () => {} }).close();
    const db = new Database(join(dir, 'audit.db'));
    db.prepare('UPDATE schema_version SET version = ?').run(SCHEMA_VERSION + 1);
    db.close();
    assert.throws(() => new ThreadedSqliteAuditSink(dir, { onError: () => {} }), AuditSchemaError);
  });
});

void test('threaded sink: a writer thread that dies is reported, makes the sink unhealthy, and is restarted', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError, flushMs: 5 });
    sink.write(makeRecord(0));
    assert.ok(await waitFor(() => sink.written === 1));
    await (sink as unknown as { worker: Worker }).worker.terminate();
    assert.equal(sink.healthy, false);
    assert.match(sink.lastError ?? '', /audit writer thread exited .*restarting it/);
    assert.ok(e.list.some((err) => /audit writer thread exited/.test(err.message)));
    sink.write(makeRecord(1));
    assert.ok(await waitFor(() => sink.healthy && sink.written === 2), 'restarted and writing');
    await sink.close();
    assert.equal(ids(sink.file).length, 2);
  });
});

void test('threaded sink: records a dying thread took but had not committed are written by the next thread', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    // A commit window far longer than the test: the first thread takes the batch and commits nothing.
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError, flushMs: 5, commitMs: 600_000 });
    const records = [0, 1, 2].map((i) => makeRecord(i));
    for (const r of records) sink.write(r);
    const taken = (sink as unknown as { taken: Int32Array }).taken;
    assert.ok(await waitFor(() => Atomics.load(taken, 0) === 3), 'the thread took the batch');
    assert.equal(sink.written, 0);
    await (sink as unknown as { worker: Worker }).worker.terminate();
    assert.match(sink.lastError ?? '', /its 3 unwritten audit records are kept for the next thread/);
    assert.ok(await waitFor(() => sink.healthy), 'restarted');
    await sink.close();
    assert.deepEqual(ids(sink.file).sort(), records.map((r) => r.decision_id).sort());
  });
});

void test('threaded sink: a write after close is reported and counted, never thrown', async () => {
  await withTempDir(async (dir) => {
    const e = errors();
    const sink = new ThreadedSqliteAuditSink(dir, { onError: e.onError });
    await sink.close();
    sink.write(makeRecord(1));
    assert.equal(sink.dropped, 1);
    assert.match(e.list[0]?.message ?? '', /after the sqlite audit sink closed/);
  });
});

void test('threaded sink: the writer thread does not keep the process alive', async () => {
  await withTempDir(async (dir) => {
    const mod = new URL('../../src/audit/sqlite-thread-sink.js', import.meta.url).href;
    const script = `import(${JSON.stringify(mod)}).then((m) => { const s = new m.ThreadedSqliteAuditSink(${JSON.stringify(dir)}, { onError() {}, flushMs: 600000 }); s.write({ decision_id: 'x', time: 't' }); })`;
    const child = spawn(process.execPath, ['-e', script], { stdio: 'inherit' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((r) => child.once('exit', (c, s) => r([c, s])));
    clearTimeout(timer);
    assert.deepEqual([code, signal], [0, null], 'exited by itself');
  });
});
