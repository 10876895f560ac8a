import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AuditRecord } from '../../src/audit/fields.js';
import { latestAudit, queryAudit, tailAudit } from '../../src/audit/query.js';
import { SqliteAuditSink } from '../../src/audit/sqlite-sink.js';
import { makeRecord, waitFor, withTempDir } from './fixtures.js';

const BASE = Date.parse('2025-03-01T12:00:00.000Z');

/** 40 records, one a second, varied on every filterable field. */
function corpus(): AuditRecord[] {
  const outcomes = ['allow', 'deny', 'error', 'would_deny'] as const;
  return Array.from({ length: 40 }, (_, i) =>
    makeRecord(
      i,
      {
        agent: `agent-${i % 3}`,
        tenant: i % 2 === 0 ? 'acme' : 'globex',
        session: `sess-${i % 5}`,
        outcome: outcomes[i % 4]!,
        rule: i % 4 === 1 ? 'default-deny' : 'github',
        host: i % 2 === 0 ? 'api.github.com' : 'example.com',
      },
      BASE,
    ),
  );
}

async function withCorpus(fn: (db: string, all: AuditRecord[]) => void | Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const all = corpus();
    const sink = new SqliteAuditSink(dir, { onError: (err) => assert.fail(err) });
    // Written out of time order, so ordering by time is really tested.
    for (const r of [...all].reverse()) sink.write(r);
    await sink.close();
    await fn(join(dir, 'audit.db'), all);
  });
}

const idsOf = (rs: readonly AuditRecord[]): string[] => rs.map((r) => r.decision_id);

void test('each filter selects exactly the records that match it', async () => {
  await withCorpus((db, all) => {
    const q = (f: Parameters<typeof queryAudit>[1]): string[] => idsOf(queryAudit(db, { ...f, order: 'asc', limit: 1000 }));
    const want = (pred: (r: AuditRecord) => boolean): string[] => idsOf(all.filter(pred));
    assert.deepEqual(
      q({ agent: 'agent-1' }),
      want((r) => r.agent === 'agent-1'),
    );
    assert.deepEqual(
      q({ tenant: 'globex' }),
      want((r) => r.tenant === 'globex'),
    );
    assert.deepEqual(
      q({ session: 'sess-3' }),
      want((r) => r.session === 'sess-3'),
    );
    assert.deepEqual(
      q({ outcome: 'deny' }),
      want((r) => r.outcome === 'deny'),
    );
    assert.deepEqual(
      q({ outcome: ['error', 'would_deny'] }),
      want((r) => r.outcome === 'error' || r.outcome === 'would_deny'),
    );
    assert.deepEqual(
      q({ rule: 'default-deny' }),
      want((r) => r.rule === 'default-deny'),
    );
    assert.deepEqual(
      q({ host: 'example.com' }),
      want((r) => r.host === 'example.com'),
    );
    assert.deepEqual(
      q({ since: new Date(BASE + 30_000) }),
      want((r) => Date.parse(r.time) >= BASE + 30_000),
    );
    assert.deepEqual(
      q({ until: new Date(BASE + 5_000) }),
      want((r) => Date.parse(r.time) < BASE + 5_000),
    );
    assert.deepEqual(
      q({ agent: 'agent-0', tenant: 'acme', since: new Date(BASE + 10_000), until: new Date(BASE + 35_000) }),
      want((r) => r.agent === 'agent-0' && r.tenant === 'acme' && Date.parse(r.time) >= BASE + 10_000 && Date.parse(r.time) < BASE + 35_000),
    );
    assert.deepEqual(q({ agent: 'nobody' }), []);
    assert.equal(q({}).length, 40);
    for (const f of [{ agent: 'agent-1' }, { tenant: 'globex' }, { outcome: 'deny' as const }, { host: 'example.com' }]) {
      assert.ok(q(f).length > 0 && q(f).length < 40, `filter ${JSON.stringify(f)} is selective`);
    }
  });
});

void test('newest first by default; asc on request; limit defaults to 100 and caps the result', async () => {
  await withCorpus((db, all) => {
    assert.deepEqual(idsOf(queryAudit(db, { limit: 5 })), idsOf(all.slice(-5).reverse()));
    assert.deepEqual(idsOf(queryAudit(db, { limit: 5, order: 'asc' })), idsOf(all.slice(0, 5)));
    assert.equal(queryAudit(db).length, 40);
    assert.equal(queryAudit(db, { limit: 0 }).length, 0);
    assert.throws(() => queryAudit(db, { limit: -1 }), RangeError);
  });
});

void test('the default limit is 100', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: () => {} });
    for (let i = 0; i < 130; i++) sink.write(makeRecord(i));
    await sink.close();
    assert.equal(queryAudit(join(dir, 'audit.db')).length, 100);
  });
});

void test('filter values are bound, never spliced into SQL', async () => {
  await withCorpus((db) => {
    assert.deepEqual(queryAudit(db, { agent: "x' OR '1'='1" }), []);
    assert.deepEqual(queryAudit(db, { host: 'example.com; DROP TABLE audit; --' }), []);
    assert.equal(queryAudit(db, { limit: 1000 }).length, 40);
  });
});

void test('latestAudit gives the last N in write order and the rowid to follow from', async () => {
  await withCorpus((db, all) => {
    const { records, lastRowid } = latestAudit(db, 3);
    // Written in reverse time order, so the last three written are the three oldest.
    assert.deepEqual(idsOf(records), idsOf([all[2]!, all[1]!, all[0]!]));
    assert.equal(lastRowid, 40);
  });
});

void test('tailAudit sees records written after it started, once each, in order, while the gate writes', async () => {
  await withTempDir(async (dir) => {
    const sink = new SqliteAuditSink(dir, { onError: (err) => assert.fail(err), flushMs: 5 });
    const before = makeRecord(0);
    sink.write(before);
    sink.flush();
    const seen: AuditRecord[] = [];
    const stop = tailAudit(sink.file, { onRecord: (r) => seen.push(r), pollMs: 10 });
    const after = Array.from({ length: 1500 }, (_, i) => makeRecord(i + 1));
    for (const r of after.slice(0, 700)) sink.write(r);
    await new Promise((r) => setTimeout(r, 30));
    for (const r of after.slice(700)) sink.write(r);
    const ok = await waitFor(() => seen.length >= after.length, 10_000);
    stop();
    assert.ok(ok, `saw ${seen.length} of ${after.length}`);
    assert.deepEqual(idsOf(seen), idsOf(after), 'not the record written before it started; each new one once, in order');
    sink.write(makeRecord(5000));
    sink.flush();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(seen.length, after.length, 'nothing delivered after stop()');
    await sink.close();
  });
});

void test('tailAudit from a rowid replays what came after it', async () => {
  await withCorpus(async (db, all) => {
    const seen: AuditRecord[] = [];
    const stop = tailAudit(db, { fromRowid: 37, onRecord: (r) => seen.push(r), pollMs: 10 });
    assert.ok(await waitFor(() => seen.length === 3));
    stop();
    assert.deepEqual(idsOf(seen), idsOf([all[2]!, all[1]!, all[0]!]));
  });
});

void test('a missing audit.db is an error, not an empty database created by the reader', async () => {
  await withTempDir((dir) => {
    assert.throws(() => queryAudit(join(dir, 'audit.db')));
    assert.throws(() => tailAudit(join(dir, 'audit.db'), { onRecord: () => {} }));
    assert.equal(existsSync(join(dir, 'audit.db')), false);
  });
});
