import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { reflectionCases } from '../../bench/detection/attacks-reflection.js';
import { MAX_ESCAPE } from '../../src/credentials/escape-decode.js';
import { prefixLength, reflectionNeedles } from '../../src/credentials/reflection-needles.js';
import { DEFAULT_REPLACEMENT, ReflectionScrubber, scrubHeaders } from '../../src/credentials/reflection-scrubber.js';

/** Equality that names the case, never the values (they hold canaries). */
const same = (a: unknown, b: unknown, label: string): void => assert.ok(JSON.stringify(a) === JSON.stringify(b), label);

const run = (needles: readonly Buffer[], input: Buffer, step: number): { out: Buffer; replaced: number } => {
  const s = new ReflectionScrubber(needles);
  const parts: Buffer[] = [];
  for (let i = 0; i < input.length; i += step) parts.push(s.push(input.subarray(i, i + step)));
  parts.push(s.end());
  return { out: Buffer.concat(parts), replaced: s.replaced };
};

test('every echo body of the corpus: one byte per chunk scrubs exactly as the whole body at once', () => {
  let n = 0;
  for (const c of reflectionCases()) {
    const body = c.input.body;
    if (body === undefined || c.input.headers?.['content-encoding']) continue;
    const needles = Object.freeze(Object.values(c.secrets ?? {}).flatMap((s) => [...reflectionNeedles(Buffer.from(s))]));
    const whole = run(needles, Buffer.from(body), Number.MAX_SAFE_INTEGER);
    const bytewise = run(needles, Buffer.from(body), 1);
    assert.ok(whole.out.equals(bytewise.out), c.id);
    assert.equal(whole.replaced, bytewise.replaced, c.id);
    if (c.kind === 'benign') assert.equal(whole.replaced, 0, c.id);
    else if (['body-json', 'text', 'html'].includes(c.placement)) assert.ok(whole.replaced > 0, c.id);
    n++;
  }
  assert.ok(n > 200);
});

test('a secret holding escape characters is matched as written and as escaped', () => {
  const secret = `k%41y&amp;\\n${randomBytes(8).toString('hex')}`;
  const needles = reflectionNeedles(Buffer.from(secret));
  for (const echo of [secret, encodeURIComponent(secret), JSON.stringify(secret).slice(1, -1), secret.replace(/&/g, '&amp;')]) {
    const r = run(needles, Buffer.from(`<${echo}>`), 3);
    same(r.out.toString(), `<${DEFAULT_REPLACEMENT}>`, echo === secret ? 'raw' : 'escaped');
  }
});

test('the hold is bounded even when every byte is escaped and line breaks are interleaved', () => {
  const secret = `tok_${randomBytes(24).toString('hex')}`;
  // The whole value only (a prefix needle would match the almost-secret below, and replace it).
  const needles = [Buffer.from(secret)];
  const longest = secret.length;
  // An almost-secret, every character escaped and followed by an escaped line break, over and over.
  const almost = [...secret.slice(0, -1)].map((ch) => `&#x${ch.charCodeAt(0).toString(16)};\\u000a`).join('');
  const s = new ReflectionScrubber(needles);
  let inBytes = 0;
  let outBytes = 0;
  const bound = longest * MAX_ESCAPE * 3;
  for (let i = 0; i < 200; i++) {
    const chunk = Buffer.from(`${almost}.`);
    inBytes += chunk.length;
    outBytes += s.push(chunk).length;
    assert.ok(inBytes - outBytes <= bound, `held ${inBytes - outBytes} > ${bound}`);
  }
  outBytes += s.end().length;
  assert.equal(outBytes, inBytes);
  assert.equal(s.replaced, 0);
});

test('more than two line breaks in a row end a match (wrapped base64 has one or two)', () => {
  const secret = `tok_${randomBytes(12).toString('hex')}`;
  const needles = reflectionNeedles(Buffer.from(secret));
  assert.equal(run(needles, Buffer.from(`${secret.slice(0, 6)}\r\n${secret.slice(6)}`), 5).replaced, 1);
  assert.equal(run(needles, Buffer.from(`${secret.slice(0, 6)}\n\n\n${secret.slice(6)}`), 5).replaced, 0);
});

test('cut(): a secret split across messages has its later part replaced; the earlier part is shorter than a prefix', () => {
  const secret = `sk_live_${randomBytes(16).toString('hex')}`;
  const s = new ReflectionScrubber(reflectionNeedles(Buffer.from(secret)));
  const head = prefixLength(secret.length) - 3;
  const first = Buffer.concat([s.push(Buffer.from(`a:${secret.slice(0, head)}`)), s.cut()]).toString();
  const second = Buffer.concat([s.push(Buffer.from(`${secret.slice(head)}:b`)), s.cut()]).toString();
  same(first, `a:${secret.slice(0, head)}`, 'the first message passes');
  same(second, `${DEFAULT_REPLACEMENT}:b`, 'the second message is scrubbed');
  // A first part as long as a prefix is replaced in its own message.
  const t = new ReflectionScrubber(reflectionNeedles(Buffer.from(secret)));
  const p = prefixLength(secret.length);
  same(Buffer.concat([t.push(Buffer.from(secret.slice(0, p))), t.cut()]).toString(), DEFAULT_REPLACEMENT, 'a prefix in its own message');
  same(Buffer.concat([t.push(Buffer.from(secret.slice(p))), t.cut()]).toString(), DEFAULT_REPLACEMENT, 'the rest in the next');
});

test('prefixLength: 16 bytes or 60 %, at least 12, else the secret is matched whole only', () => {
  assert.deepEqual([10, 18, 19, 20, 24, 26, 27, 40, 100].map(prefixLength), [0, 0, 12, 12, 15, 16, 16, 16, 16]);
  const secret = `ghp_${randomBytes(18).toString('hex')}`;
  const needles = reflectionNeedles(Buffer.from(secret));
  assert.equal(run(needles, Buffer.from(`x ${secret.slice(0, 16)} y`), 4).replaced, 1);
  assert.equal(run(needles, Buffer.from(`x ${secret.slice(0, 15)} y`), 4).replaced, 0);
});

test('scrubHeaders: a secret split across two headers is replaced in both, whatever the split', () => {
  const secret = `tok_${randomBytes(16).toString('hex')}`;
  const needles = reflectionNeedles(Buffer.from(secret));
  for (let cut = 1; cut < secret.length; cut++) {
    const { headers, replaced } = scrubHeaders({ 'content-type': 'text/plain', 'x-a': secret.slice(0, cut), 'x-b': secret.slice(cut), 'x-c': 'fine' }, needles);
    assert.ok(replaced >= 1, `cut ${cut}`);
    same(headers['x-a'], DEFAULT_REPLACEMENT, `cut ${cut}`);
    same(headers['x-b'], DEFAULT_REPLACEMENT, `cut ${cut}`);
    assert.equal(headers['x-c'], 'fine');
    assert.equal(headers['content-type'], 'text/plain');
  }
});

test('scrubHeaders: a secret split across two lines of one header (an array value) is replaced in both', () => {
  const secret = `tok_${randomBytes(16).toString('hex')}`;
  const { headers, replaced } = scrubHeaders({ 'x-part': [secret.slice(0, 9), secret.slice(9)], 'x-other': 'fine' }, reflectionNeedles(Buffer.from(secret)));
  assert.equal(replaced, 2);
  same(headers, { 'x-part': [DEFAULT_REPLACEMENT, DEFAULT_REPLACEMENT], 'x-other': 'fine' }, 'both lines scrubbed');
});
