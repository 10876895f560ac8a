/**
 * ByteQueue (src/inspect/byte-queue.ts) against a plain concatenation: any mix of chunk
 * sizes and takes gives the same bytes in the same order; small chunks are gathered into
 * blocks (a held stream of 256-byte chunks is a few objects, not thousands); a buffer
 * already taken is never written over by a later push.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { ByteQueue } from '../../src/inspect/byte-queue.js';
import { SseExtractor } from '../../src/inspect/injection/sse-extract.js';
import { prng } from '../helpers/prng.js';

test('random chunks and takes: the same bytes as a concatenation, in order, line ends tracked', () => {
  const rnd = prng(7);
  for (let round = 0; round < 200; round++) {
    const q = new ByteQueue();
    let model = Buffer.alloc(0);
    const taken: Array<{ buf: Buffer; copy: Buffer }> = [];
    for (let step = 0; step < 60; step++) {
      if (rnd() < 0.6) {
        const size = rnd() < 0.8 ? Math.floor(rnd() * 700) : Math.floor(rnd() * 40_000);
        const chunk = randomBytes(size);
        if (rnd() < 0.3 && size > 0) chunk[Math.floor(rnd() * size)] = 0x0a;
        q.push(chunk);
        model = Buffer.concat([model, chunk]);
      } else {
        const n = Math.floor(rnd() * (q.length + 10));
        const got = q.take(n);
        const want = model.subarray(0, Math.min(n, model.length));
        model = model.subarray(want.length);
        assert.ok(Buffer.concat(got).equals(want), `round ${round} step ${step}`);
        for (const b of got) taken.push({ buf: b, copy: Buffer.from(b) });
      }
      assert.equal(q.length, model.length);
      const nl = model.lastIndexOf(0x0a);
      assert.equal(q.lastLineEnd, nl + 1);
    }
    assert.ok(Buffer.concat(q.takeAll()).equals(model));
    for (const t of taken) assert.ok(t.buf.equals(t.copy), 'a taken buffer was written over');
  }
});

test('a MiB of 256-byte chunks is held as a few dozen blocks, and a lone small chunk as itself', () => {
  const q = new ByteQueue();
  const chunks = Array.from({ length: 4096 }, (_, i) => Buffer.alloc(256, i % 251));
  for (const c of chunks) q.push(c);
  const held = (q as unknown as { chunks: Buffer[] }).chunks;
  assert.ok(held.length <= 80, `${held.length} entries`);
  assert.ok(Buffer.concat(q.takeAll()).equals(Buffer.concat(chunks)));
  const one = Buffer.from('short body');
  const q2 = new ByteQueue();
  q2.push(one);
  assert.equal(q2.take(one.length)[0], one, 'a lone chunk is not copied');
});

test('SSE: a 1 MiB line in 256-character pieces reads as the same line in one piece', () => {
  const payload = 'x'.repeat(300_000) + ' ignore me ' + 'y'.repeat(300_000);
  const whole = new SseExtractor();
  const a = [...whole.push(`data: ${payload}\n\n`), ...whole.end()];
  const pieces = new SseExtractor();
  const text = `data: ${payload}\n\n`;
  const b = [];
  for (let i = 0; i < text.length; i += 256) b.push(...pieces.push(text.slice(i, i + 256)));
  b.push(...pieces.end());
  assert.equal(b.map((s) => s.text).join(''), a.map((s) => s.text).join(''));
  assert.ok(
    a
      .map((s) => s.text)
      .join('')
      .includes(' ignore me '),
  );
});
