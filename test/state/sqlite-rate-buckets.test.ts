import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openRateBucketStore } from '../../src/state/sqlite-rate-buckets.js';
import { isPending, type RateAsk, type RateTake } from '../../src/state/rate-buckets.js';
import { openRuntime } from '../../src/runtime/index.js';
import { stateBackend } from '../../src/runtime/state-backend.js';

const ask = (key: string, requests: number, perMs: number, burst = requests): RateAsk => ({ key, requests, perMs, burst });
const BIG = 1_000_000;
const HOUR = 3_600_000;

/** take() of the SQLite store answers at once (the govern step relies on it: no await on the hot path). */
function take(s: { take(a: readonly RateAsk[], m: number): RateTake | Promise<RateTake> }, a: readonly RateAsk[]): RateTake {
  const t = s.take(a, BIG);
  assert.ok(!isPending(t), 'the SQLite store answers synchronously');
  return t;
}

describe('SqliteRateBuckets: levels in state.db, read back on open', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-rates-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a bucket emptied before close is still empty after reopening, and refills by wall time elapsed', async () => {
    let now = 1_000_000;
    const clock = (): number => now;
    const a = [ask('k-empty', 2, HOUR)];
    const s1 = openRateBucketStore(dir, { now: clock, flushMs: 0 });
    assert.equal(take(s1, a).ok, true);
    assert.equal(take(s1, a).ok, true);
    assert.deepEqual(take(s1, a), { ok: false, refused: 0, waitMs: HOUR / 2 });
    await s1.close();

    now += 60_000;
    const s2 = openRateBucketStore(dir, { now: clock, flushMs: 0 });
    assert.equal(s2.size >= 1, true);
    // A minute later: still refused, the wait a minute shorter.
    assert.deepEqual(take(s2, a), { ok: false, refused: 0, waitMs: HOUR / 2 - 60_000 });
    // Half an hour after it emptied: one token back, and only one.
    now += HOUR / 2 - 60_000;
    assert.equal(take(s2, a).ok, true);
    assert.equal(take(s2, a).ok, false);
    await s2.close();
  });

  test('levels are written in batches by the timer, before any close (what a kill -9 keeps)', async () => {
    const s = openRateBucketStore(dir, { flushMs: 20, batchSize: 2 });
    try {
      for (let i = 0; i < 5; i++) assert.equal(take(s, [ask(`k-batch-${i}`, 1, HOUR)]).ok, true);
      const db = new Database(join(dir, 'state.db'), { readonly: true });
      try {
        let rows: { key: string; tokens: number }[] = [];
        for (let i = 0; i < 200 && rows.length < 5; i++) {
          await new Promise((r) => setTimeout(r, 10));
          rows = db.prepare("SELECT key, tokens FROM rate_buckets WHERE key LIKE 'k-batch-%' ORDER BY key").all() as typeof rows;
        }
        assert.deepEqual(
          rows.map((r) => r.key),
          ['k-batch-0', 'k-batch-1', 'k-batch-2', 'k-batch-3', 'k-batch-4'],
        );
        assert.ok(rows.every((r) => r.tokens < 1e-6));
      } finally {
        db.close();
      }
    } finally {
      await s.close();
    }
    // Another process opening the file now sees them empty.
    const again = openRateBucketStore(dir, { flushMs: 0 });
    assert.equal(take(again, [ask('k-batch-3', 1, HOUR)]).ok, false);
    await again.close();
  });

  test('a bucket full again by the time the store opens is dropped from the table', async () => {
    let now = 5_000_000;
    const s = openRateBucketStore(dir, { now: () => now, flushMs: 0 });
    assert.equal(take(s, [ask('k-full', 10, 1000)]).ok, true);
    await s.close();
    now += 10_000; // long full again
    const s2 = openRateBucketStore(dir, { now: () => now, flushMs: 0 });
    const db = new Database(join(dir, 'state.db'), { readonly: true });
    try {
      assert.equal((db.prepare("SELECT count(*) AS n FROM rate_buckets WHERE key = 'k-full'").get() as { n: number }).n, 0);
    } finally {
      db.close();
      await s2.close();
    }
  });

  test('the table read back is bounded by maxBuckets (the most recently used kept)', async () => {
    const d = await mkdtemp(join(tmpdir(), 'sluice-rates-bound-'));
    try {
      let now = 1_000;
      const s = openRateBucketStore(d, { now: () => now, flushMs: 0, maxBuckets: 16 });
      for (let i = 0; i < 40; i++) {
        now += 1;
        assert.equal(s.take([ask(`k${i}`, 1, HOUR)], 16).ok, true);
      }
      await s.close();
      const s2 = openRateBucketStore(d, { now: () => now, flushMs: 0, maxBuckets: 16 });
      assert.ok(s2.size <= 16, `${s2.size} buckets read back`);
      // The newest is remembered empty; the oldest was let go (starts full).
      assert.equal(s2.take([ask('k39', 1, HOUR)], 16).ok, false);
      assert.equal(s2.take([ask('k0', 1, HOUR)], 16).ok, true);
      await s2.close();
      const db = new Database(join(d, 'state.db'), { readonly: true });
      try {
        assert.ok((db.prepare('SELECT count(*) AS n FROM rate_buckets').get() as { n: number }).n <= 17);
      } finally {
        db.close();
      }
    } finally {
      await rm(d, { recursive: true, force: true });
    }
  });

  test('through the runtime: the rateBuckets need; a postgres backend without its URLs refuses, never falls back to state.db', async () => {
    const rt = await openRuntime({ dataDir: dir }, { need: ['rateBuckets'] });
    try {
      assert.equal(take(rt.rateBuckets, [ask('k-rt', 1, HOUR)]).ok, true);
    } finally {
      await rt.close();
    }
    const rt2 = await openRuntime({ dataDir: dir }, { need: ['rateBuckets'] });
    assert.equal(take(rt2.rateBuckets, [ask('k-rt', 1, HOUR)]).ok, false, 'the close wrote it');
    await rt2.close();
    await assert.rejects(
      Promise.resolve().then(() => stateBackend({ backend: 'postgres', namespace: 'sluice', redis_down: 'refuse' } as never, dir).rateBuckets({})),
      /state\.backend postgres needs state\.postgres and state\.redis/,
    );
  });
});
