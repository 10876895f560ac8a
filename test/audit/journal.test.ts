/**
 * The audit journal on real files: what a replay finds after a stop without shutdown,
 * open exchanges carried across segments, and segments deleted only once the sinks
 * have committed what they hold.
 */
import assert from 'node:assert/strict';
import { closeSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { AuditJournal, JOURNAL_DIR } from '../../src/audit/journal.js';
import { INTERRUPTED, readJournal } from '../../src/audit/journal-recover.js';
import { makeRecord, waitFor, withTempDir } from './fixtures.js';

const closing = (r: AuditRecord): [string, string] => [r.decision_id, JSON.stringify(r)];
const files = (dir: string): string[] =>
  readdirSync(join(dir, JOURNAL_DIR))
    .sort()
    .map((n) => join(dir, JOURNAL_DIR, n));

void test('a stop without shutdown: finished records come back whole, the unfinished as gate_interrupted', async () => {
  await withTempDir(async (dir) => {
    const errors: Error[] = [];
    const j = AuditJournal.open({ dataDir: dir, durability: 'process', onError: (e) => errors.push(e) }, () => null);
    const [a, b, c] = [makeRecord(1), makeRecord(2), makeRecord(3)];
    for (const r of [a, b, c]) assert.equal(j.open({ ...r, outcome: 'allow', status: 0 }), true);
    j.close(...closing({ ...a, status: 200 }));
    j.close(...closing({ ...c, status: 201 }));
    // Finished records are written together at the end of the turn.
    await new Promise((r) => setImmediate(r));
    // No shutdown: as after kill -9, the segment is left as written.
    const found = readJournal(files(dir));
    assert.equal(found.interrupted, 1);
    assert.equal(found.unreadable, 0);
    const byId = new Map(found.records.map((r) => [r.decision_id, r]));
    assert.equal(byId.get(a.decision_id)?.status, 200);
    assert.equal(byId.get(c.decision_id)?.status, 201);
    assert.equal(byId.get(b.decision_id)?.error, INTERRUPTED);
    assert.equal(byId.get(b.decision_id)?.outcome, 'error');
    assert.deepEqual(errors, []);
    j.shutdown();
  });
});

void test('an exchange still open is carried into the next segment; retired segments go once the sinks caught up', async () => {
  await withTempDir(async (dir) => {
    let written = 0;
    const j = AuditJournal.open({ dataDir: dir, durability: 'process', onError: (e) => assert.fail(e), segmentMs: 30 }, () => ({ written, dropped: 0 }));
    const long = makeRecord(1);
    j.open(long);
    for (let i = 2; i < 6; i++) {
      const r = makeRecord(i);
      j.open(r);
      j.close(...closing(r));
    }
    // Retired (30 ms) but the sinks have not committed the 4 records: kept.
    await new Promise((r) => setTimeout(r, 1_200));
    assert.ok(files(dir).length >= 2, `expected the retired segment kept; got ${files(dir).length}`);
    written = 4;
    assert.ok(await waitFor(() => files(dir).length === 1, 3_000), `${files(dir).length} segments left`);
    // The one left still knows the long exchange was opened.
    const found = readJournal(files(dir));
    assert.deepEqual(
      found.records.map((r) => r.decision_id),
      [long.decision_id],
    );
    assert.equal(found.records[0]?.error, INTERRUPTED);
    j.close(...closing({ ...long, status: 200 }));
    written = 5;
    j.shutdown();
    assert.deepEqual(files(dir), [], 'a clean shutdown with everything committed leaves no segment');
  });
});

void test('a sink that dropped records keeps the journal for the next start', async () => {
  await withTempDir(async (dir) => {
    const errors: Error[] = [];
    const j = AuditJournal.open({ dataDir: dir, durability: 'process', onError: (e) => errors.push(e), segmentMs: 30 }, () => ({ written: 10, dropped: 1 }));
    const r = makeRecord(1);
    j.open(r);
    j.close(...closing(r));
    await new Promise((res) => setTimeout(res, 1_200));
    j.shutdown();
    assert.ok(files(dir).length >= 1);
    assert.deepEqual(
      readJournal(files(dir)).records.map((x) => x.decision_id),
      [r.decision_id],
    );
    assert.ok(
      errors.some((e) => /dropped 1 records; the journal .* is kept/.test(e.message)),
      errors.map((e) => e.message).join('; '),
    );
  });
});

void test('durability machine: synced() resolves after an fdatasync, and concurrent waiters share it', async () => {
  await withTempDir(async (dir) => {
    const j = AuditJournal.open({ dataDir: dir, durability: 'machine', onError: (e) => assert.fail(e) }, () => null);
    const waits = Array.from({ length: 20 }, (_, i) => {
      j.open(makeRecord(i));
      return j.synced();
    });
    assert.ok(waits.every((w) => w instanceof Promise));
    // At most two distinct syncs serve twenty waiters: the one running and the next.
    assert.ok(new Set(waits).size <= 2, `${new Set(waits).size} distinct syncs`);
    await Promise.all(waits);
    const p = AuditJournal.open({ dataDir: dir, durability: 'process', onError: () => undefined }, () => null);
    assert.equal(p.synced(), null);
    p.shutdown();
    j.shutdown();
  });
});

void test('journals opened at once on one data directory name different segments (none refuses with EEXIST)', async () => {
  await withTempDir((dir) => {
    const journals = Array.from({ length: 8 }, () => AuditJournal.open({ dataDir: dir, durability: 'process', onError: (e) => assert.fail(e) }, () => null));
    for (const j of journals) j.shutdown();
    return Promise.resolve();
  });
});

void test('openSoon: a quiet gate writes at once; a busy turn goes out in one write, openings before closings, resolved once in the file', async () => {
  await withTempDir(async (dir) => {
    const j = AuditJournal.open({ dataDir: dir, durability: 'process', onError: (e) => assert.fail(e) }, () => null);
    const segment = (): string => readFileSync(files(dir)[0]!, 'utf8');
    const [q, a, b, c] = [makeRecord(0), makeRecord(1), makeRecord(2), makeRecord(3)];
    // The first decision of a turn after a quiet one is written at once.
    assert.equal(j.openSoon({ ...q, outcome: 'allow', status: 0 }), true);
    assert.match(segment(), new RegExp(q.decision_id));
    const pending = [a, b].map((r) => j.openSoon({ ...r, outcome: 'allow', status: 0 }));
    // The rest of a busy turn: one promise for the batch, nothing written yet.
    assert.ok(pending[0] instanceof Promise);
    assert.equal(pending[0], pending[1]);
    assert.doesNotMatch(segment(), new RegExp(a.decision_id));
    // Closed in the same turn it opened (an agent that left at once): on record as finished, not left open.
    j.close(...closing({ ...b, status: 499 }));
    assert.deepEqual(await Promise.all(pending.map(async (p) => p)), [true, true]);
    // The last turn opened three: this one batches from its first decision.
    const third = j.openSoon({ ...c, outcome: 'allow', status: 0 });
    assert.ok(third instanceof Promise);
    assert.equal(await third, true);
    const lines = segment().trim().split('\n');
    assert.deepEqual(
      lines.map((l) => Object.keys(JSON.parse(l) as object)[0]),
      ['o', 'o', 'o', 'c', 'o'],
    );
    assert.equal(j.openExchanges, 3);
    const found = readJournal(files(dir));
    assert.equal(found.interrupted, 3);
    assert.equal(found.records.find((r) => r.decision_id === b.decision_id)?.status, 499);
    for (const r of [q, a, c]) j.close(...closing(r));
    await new Promise((r) => setImmediate(r));
    assert.equal(j.openExchanges, 0);
    j.shutdown();
  });
});

void test('openSoon resolves false when the journal cannot write, and the decision is not left open', async () => {
  await withTempDir(async (dir) => {
    const errors: Error[] = [];
    const j = AuditJournal.open({ dataDir: dir, durability: 'process', onError: (e) => errors.push(e) }, () => null);
    assert.equal(j.openSoon(makeRecord(1)), true);
    const pending = j.openSoon(makeRecord(2));
    // The segment's descriptor closed under it: the turn's write fails.
    closeSync((j as unknown as { current: { fd: number } }).current.fd);
    assert.equal(await pending, false);
    assert.equal(j.openExchanges, 1);
    assert.equal(j.lostRecords, 1);
    assert.match(errors[0]?.message ?? '', /cannot be written/);
    // Its timer stops; closing the descriptor a second time fails, as it should.
    assert.throws(() => j.shutdown(), /EBADF/);
  });
});
