import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { DEFAULT_REPLACEMENT, reflectionNeedles, ReflectionScrubber, scrubHeaders } from '../../src/credentials/reflection-scrubber.js';
import { assertNoCanary, canary, capture, capturedCount } from './canary.js';

const canaries: string[] = [];
function newCanary(suffix = ''): string {
  const c = canary() + suffix;
  canaries.push(c);
  return c;
}

function runSplits(scrubber: () => ReflectionScrubber, input: Buffer, cuts: number[]): { out: string; replaced: number } {
  const s = scrubber();
  const parts: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts, input.length]) {
    parts.push(s.push(input.subarray(prev, c)));
    prev = c;
  }
  parts.push(s.end());
  return { out: Buffer.concat(parts).toString('latin1'), replaced: s.replaced };
}

test('a secret is scrubbed wherever the chunks split it (every split, and one byte per chunk)', () => {
  const v = newCanary();
  const input = Buffer.from(`{"echo":"${v}","n":1,"v2":"${v}${v}"}`);
  const want = `{"echo":"${DEFAULT_REPLACEMENT}","n":1,"v2":"${DEFAULT_REPLACEMENT}${DEFAULT_REPLACEMENT}"}`;
  const make = (): ReflectionScrubber => new ReflectionScrubber([Buffer.from(v)]);
  for (let i = 0; i <= input.length; i++) {
    const r = runSplits(make, input, [i]);
    capture('scrubbed body', r.out);
    assert.equal(r.out, want, `split at ${i}`);
    assert.equal(r.replaced, 3);
  }
  for (let i = 0; i < input.length; i++) {
    for (let j = i; j <= input.length; j += 5) assert.equal(runSplits(make, input, [i, j]).out, want, `split at ${i},${j}`);
  }
  const oneByOne = runSplits(
    make,
    input,
    Array.from({ length: input.length }, (_, k) => k),
  );
  assert.equal(oneByOne.out, want);
});

test('base64, base64url, percent-encoded and JSON-escaped reflections are caught at every split', () => {
  const v = newCanary('/+ "\\?&=é');
  const secret = Buffer.from(v);
  const needles = reflectionNeedles(secret);
  const forms = [
    secret.toString('base64'),
    secret.toString('base64url'),
    encodeURIComponent(v),
    encodeURIComponent(v).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()), // lower-case hex digits
    JSON.stringify(v).slice(1, -1),
  ];
  for (const form of forms) {
    const input = Buffer.from(`<<${form}>>`, 'utf8');
    for (let i = 0; i <= input.length; i++) {
      const r = runSplits(() => new ReflectionScrubber(needles), input, [i]);
      capture('encoded reflection', r.out);
      assert.ok(r.replaced >= 1, `form ${forms.indexOf(form)} split ${i}`);
      assert.ok(r.out.startsWith('<<') && r.out.endsWith('>>') && r.out.includes(DEFAULT_REPLACEMENT));
    }
  }
});

test('the secret inside longer base64 (Basic auth for any user, at every alignment) is caught', () => {
  const v = newCanary();
  const secret = Buffer.from(v);
  const plain = reflectionNeedles(secret);
  for (const user of ['a', 'ab', 'abc', 'someone@example.com']) {
    const b64 = Buffer.from(`${user}:${v}`).toString('base64');
    const input = Buffer.from(`{"authorization":"Basic ${b64}"}`);
    for (let i = 0; i <= input.length; i += 3) {
      const r = runSplits(() => new ReflectionScrubber(plain), input, [i]);
      capture('basic reflection', r.out);
      assert.ok(r.replaced >= 1, `user ${user} split ${i}`);
    }
    // With the spec, the exact Basic credential is a needle of its own and goes entirely.
    const spec = { type: 'basic', secret: 'x', username: user } as const;
    const exact = runSplits(() => new ReflectionScrubber(reflectionNeedles(secret, spec)), input, [7]);
    assert.equal(exact.out, `{"authorization":"Basic ${DEFAULT_REPLACEMENT}"}`);
  }
});

test('leftmost-longest matching, overlapping needles, custom replacement, and no needles', () => {
  const s = new ReflectionScrubber([Buffer.from('abc'), Buffer.from('abcdef'), Buffer.from('cde'), Buffer.alloc(0)], { replacement: '#' });
  assert.equal(Buffer.concat([s.push(Buffer.from('xxabcdefabcdxcde')), s.end()]).toString(), 'xx##dx#');
  assert.equal(s.replaced, 3);
  const none = new ReflectionScrubber([]);
  assert.equal(none.push(Buffer.from('abc')).toString(), 'abc');
  assert.equal(none.end().length, 0);
});

test('memory is bounded: never more than longest needle - 1 bytes held back', () => {
  const v = newCanary();
  const needles = reflectionNeedles(Buffer.from(v));
  const longest = Math.max(...needles.map((n) => n.length));
  const s = new ReflectionScrubber(needles);
  let inBytes = 0;
  let outBytes = 0;
  for (let i = 0; i < 2000; i++) {
    const chunk = randomBytes(1 + (i % 97)).map((b) => 0x41 + (b % 26)); // letters, no needle
    inBytes += chunk.length;
    outBytes += s.push(Buffer.from(chunk)).length;
    assert.ok(inBytes - outBytes <= longest - 1, `held ${inBytes - outBytes}`);
  }
  outBytes += s.end().length;
  assert.equal(outBytes, inBytes);
});

test('scrubHeaders replaces reflections in every value, arrays included, and counts them', () => {
  const v = newCanary();
  const needles = reflectionNeedles(Buffer.from(v), { type: 'basic' as const, secret: 'x', username: 'u' });
  const { headers, replaced } = scrubHeaders(
    {
      'x-echo': `token ${v}`,
      'set-cookie': ['a=1', `s=${encodeURIComponent(v)}; Path=/`],
      'www-authenticate': `Basic ${Buffer.from(`u:${v}`).toString('base64')}`,
      'content-type': 'text/plain',
      'x-none': undefined,
    },
    needles,
  );
  capture('scrubbed headers', headers);
  assert.equal(replaced, 3);
  assert.deepEqual(headers, {
    'x-echo': `token ${DEFAULT_REPLACEMENT}`,
    'set-cookie': ['a=1', `s=${DEFAULT_REPLACEMENT}; Path=/`],
    'www-authenticate': `Basic ${DEFAULT_REPLACEMENT}`,
    'content-type': 'text/plain',
    'x-none': undefined,
  });
});

test('needles built for a credential spec are reused for the same value, rebuilt for a rotated one, and cannot be changed', () => {
  const spec = { type: 'basic' as const, secret: 'x', username: 'u' };
  const v1 = newCanary();
  const v2 = newCanary();
  const a = reflectionNeedles(Buffer.from(v1), spec);
  assert.equal(reflectionNeedles(Buffer.from(v1), spec), a, 'same spec and value: the same needles');
  assert.ok(Object.isFrozen(a));
  assert.throws(() => (a as Buffer[]).push(Buffer.from('x')), TypeError);
  const b = reflectionNeedles(Buffer.from(v2), spec);
  assert.notEqual(b, a);
  assert.ok(
    b.some((n) => n.toString('latin1') === v2),
    'built from the new value',
  );
  assert.ok(!b.some((n) => n.toString('latin1') === v1), 'nothing of the old one');
  assert.notEqual(reflectionNeedles(Buffer.from(v2), { type: 'basic' as const, secret: 'x', username: 'u' }), b, 'another spec object builds its own');
  // The shared needles scrub a body and headers as freshly built ones do.
  const s = new ReflectionScrubber(b);
  assert.equal(Buffer.concat([s.push(Buffer.from(`x ${v2} y`)), s.end()]).toString(), `x ${DEFAULT_REPLACEMENT} y`);
  assert.deepEqual(scrubHeaders({ 'x-echo': v2, 'x-other': 'fine' }, b), { headers: { 'x-echo': DEFAULT_REPLACEMENT, 'x-other': 'fine' }, replaced: 1 });
});

test('throughput (logged, not asserted)', () => {
  const v = newCanary();
  const needles = reflectionNeedles(Buffer.from(v), { type: 'basic' as const, secret: 'x', username: 'api' });
  const chunk = Buffer.alloc(64 * 1024, 'abcdefghijklmnopqrstuvwxyz0123456789 {"key":"value"}\n');
  const total = 256 * 1024 * 1024;
  for (const [label, list] of [
    ['1 needle', [Buffer.from(v)]],
    [`${needles.length} needles (one secret, all encodings)`, needles],
  ] as const) {
    const s = new ReflectionScrubber(list);
    const t0 = process.hrtime.bigint();
    let out = 0;
    for (let n = 0; n < total; n += chunk.length) out += s.push(chunk).length;
    out += s.end().length;
    const secs = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.equal(out, total);
    console.log(`# reflection scrubber, ${label}: ${(total / 2 ** 20 / secs).toFixed(0)} MiB/s (64 KiB chunks)`);
  }
});

test('many needles (a tenant with many secrets): every occurrence replaced, overlapping ones as one, at every split', () => {
  // Needles over a small alphabet (no escape characters) that overlap and share prefixes, in a body made of their pieces.
  const alphabet = 'ab/+=-';
  const pick = (n: number): string => Array.from({ length: n }, () => alphabet[randomBytes(1)[0]! % alphabet.length]).join('');
  for (let round = 0; round < 40; round++) {
    const texts = [...new Set(Array.from({ length: 3 + (round % 20) }, () => pick(4 + (randomBytes(1)[0]! % 12))))];
    const needles = texts.map((t) => Buffer.from(t));
    const body = Array.from({ length: 30 }, () => (randomBytes(1)[0]! % 2 ? texts[randomBytes(1)[0]! % texts.length]! : pick(3))).join('');
    // The reference: every occurrence of every needle, overlapping ones merged (adjacent ones not).
    const spans: [number, number][] = [];
    for (let i = 0; i < body.length; i++) for (const t of texts) if (body.startsWith(t, i)) spans.push([i, i + t.length]);
    spans.sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const [st, en] of spans) {
      const last = merged.at(-1);
      if (last && st < last[1]) last[1] = Math.max(last[1], en);
      else merged.push([st, en]);
    }
    let want = '';
    let pos = 0;
    for (const [st, en] of merged) {
      want += body.slice(pos, st) + DEFAULT_REPLACEMENT;
      pos = en;
    }
    want += body.slice(pos);
    const count = merged.length;
    const input = Buffer.from(body);
    for (const cut of [0, 1, 7, Math.floor(body.length / 2), body.length]) {
      const r = runSplits(() => new ReflectionScrubber(needles), input, [Math.min(cut, input.length)]);
      assert.equal(r.out, want, `round ${round} cut ${cut}`);
      assert.equal(r.replaced, count);
    }
    const oneByOne = runSplits(
      () => new ReflectionScrubber(needles),
      input,
      Array.from({ length: input.length }, (_, k) => k),
    );
    assert.equal(oneByOne.out, want, `round ${round} one byte per chunk`);
  }
});

test('no captured output contains a canary', () => {
  assert.ok(capturedCount() > 100);
  assertNoCanary(canaries);
});
