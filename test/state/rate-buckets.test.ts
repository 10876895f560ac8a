import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryRateBuckets, type RateAsk } from '../../src/state/rate-buckets.js';

/** A store on a clock the test moves by hand. */
function store(): { s: MemoryRateBuckets; advance: (ms: number) => void } {
  let now = 1000;
  return { s: new MemoryRateBuckets(() => now), advance: (ms) => void (now += ms) };
}

const ask = (key: string, requests: number, perMs: number, burst = requests): RateAsk => ({ key, requests, perMs, burst });
const BIG = 1_000_000;

describe('MemoryRateBuckets', () => {
  test('10 per minute: ten pass, the eleventh is refused with the wait for one token', () => {
    const { s } = store();
    const a = [ask('k', 10, 60_000)];
    for (let i = 0; i < 10; i++) assert.deepEqual(s.take(a, BIG), { ok: true }, `request ${i + 1}`);
    assert.deepEqual(s.take(a, BIG), { ok: false, refused: 0, waitMs: 6000 });
  });

  test('refills at requests/per: one token after per/requests, never more than burst', () => {
    const { s, advance } = store();
    const a = [ask('k', 10, 60_000, 20)];
    for (let i = 0; i < 20; i++) assert.equal(s.take(a, BIG).ok, true, `burst request ${i + 1}`);
    assert.equal(s.take(a, BIG).ok, false);
    advance(5999);
    assert.equal(s.take(a, BIG).ok, false);
    advance(1);
    assert.equal(s.take(a, BIG).ok, true);
    assert.equal(s.take(a, BIG).ok, false);
    // A long quiet spell refills to burst (20), not beyond.
    advance(3_600_000);
    for (let i = 0; i < 20; i++) assert.equal(s.take(a, BIG).ok, true);
    assert.equal(s.take(a, BIG).ok, false);
  });

  test('all or nothing: a refused request spends no token from the other buckets', () => {
    const { s } = store();
    const wide = ask('wide', 5, 60_000);
    const narrow = ask('narrow', 1, 60_000);
    assert.equal(s.take([wide, narrow], BIG).ok, true);
    const refused = s.take([wide, narrow], BIG);
    assert.deepEqual(refused, { ok: false, refused: 1, waitMs: 60_000 });
    // 'wide' spent one token only: four are left.
    for (let i = 0; i < 4; i++) assert.equal(s.take([wide], BIG).ok, true);
    assert.equal(s.take([wide], BIG).ok, false);
  });

  test('the longest wait among refusing buckets is reported', () => {
    const { s } = store();
    const a = ask('a', 1, 1000);
    const b = ask('b', 1, 10_000);
    assert.equal(s.take([a, b], BIG).ok, true);
    assert.deepEqual(s.take([a, b], BIG), { ok: false, refused: 1, waitMs: 10_000 });
  });

  test('buckets are per key', () => {
    const { s } = store();
    assert.equal(s.take([ask('x', 1, 60_000)], BIG).ok, true);
    assert.equal(s.take([ask('x', 1, 60_000)], BIG).ok, false);
    assert.equal(s.take([ask('y', 1, 60_000)], BIG).ok, true);
  });

  test('bounded: rotating keys never holds more than maxBuckets; a bucket in use stays, one left alone goes', () => {
    const { s } = store();
    const keep = ask('keep', 1, 3_600_000);
    assert.equal(s.take([keep], 16).ok, true);
    for (let i = 0; i < 10_000; i++) {
      assert.equal(s.take([ask(`rot-${i}`, 1, 3_600_000)], 16).ok, true);
      assert.ok(s.size <= 16, `size ${s.size} after ${i + 1} keys`);
      // 'keep' is used within every generation (8 new keys), so it stays: still spent.
      if (i % 5 === 0) assert.equal(s.take([keep], 16).ok, false);
    }
    assert.ok(s.size >= 8, `size ${s.size}`);
    // An early rotating key was dropped: it starts full again.
    assert.equal(s.take([ask('rot-0', 1, 3_600_000)], 16).ok, true);
  });

  test('several asks at once stay within the bound', () => {
    const { s } = store();
    for (let i = 0; i < 1000; i++) {
      assert.equal(s.take([ask(`a-${i}`, 1, 60_000), ask(`b-${i}`, 1, 60_000), ask(`c-${i}`, 1, 60_000)], 16).ok, true);
      assert.ok(s.size <= 16, `size ${s.size} after ${i + 1} takes`);
    }
  });

  test('a refused take makes no bucket for a key that has none', () => {
    const { s } = store();
    assert.equal(s.take([ask('spent', 1, 60_000)], 1000).ok, true);
    assert.equal(s.take([ask('new', 1, 60_000), ask('spent', 1, 60_000)], 1000).ok, false);
    assert.equal(s.size, 1);
  });
});
