import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { createSafeDecompressor, DecompressionBombError, DecompressionError } from '../../../src/inspect/decompress.js';
import type { SafeDecompressor } from '../../../src/inspect/decompress.js';

const MiB = 1024 * 1024;

/** ~10 MB of gzip that inflates to ~10 GiB: 1 MiB-of-zeros members, concatenated (RFC 1952 allows it). */
function gzipBomb(): Buffer {
  const member = zlib.gzipSync(Buffer.alloc(MiB), { level: 9 });
  const count = Math.ceil((10 * 1000 * 1000) / member.length);
  return Buffer.concat(Array.from({ length: count }, () => member));
}

async function drain(d: SafeDecompressor, body: Buffer, step = 64 * 1024, onOut?: (b: Buffer) => void): Promise<number> {
  let total = 0;
  const take = (bufs: Buffer[]): void => {
    for (const b of bufs) {
      total += b.length;
      onOut?.(b);
    }
  };
  for (let i = 0; i < body.length; i += step) take(await d.push(body.subarray(i, i + step)));
  take(await d.end());
  return total;
}

function rssWatcher(): { peak: () => number; stop: () => void } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 5);
  return { peak: () => Math.max(peak, process.memoryUsage().rss), stop: () => clearInterval(timer) };
}

test('a 10 MB gzip bomb (~10 GiB of zeros) is stopped by the ratio limit, RSS within +128 MiB', async () => {
  const bomb = gzipBomb();
  assert.ok(bomb.length >= 9 * 1000 * 1000);
  global.gc?.();
  const base = process.memoryUsage().rss;
  const w = rssWatcher();
  const d = createSafeDecompressor('gzip')!;
  await assert.rejects(drain(d, bomb), (err: unknown) => {
    assert.ok(err instanceof DecompressionBombError);
    assert.equal(err.code, 'decompression_bomb');
    assert.equal(err.details.limit, 'max_ratio');
    return true;
  });
  w.stop();
  assert.ok(w.peak() - base < 128 * MiB, `RSS grew by ${((w.peak() - base) / MiB).toFixed(1)} MiB`);
});

test('with the ratio limit off, the output cap stops the same bomb, RSS within +128 MiB', async () => {
  const bomb = gzipBomb();
  global.gc?.();
  const base = process.memoryUsage().rss;
  const w = rssWatcher();
  const d = createSafeDecompressor('x-gzip', { maxRatio: Number.POSITIVE_INFINITY })!;
  let seen = 0;
  await assert.rejects(
    drain(d, bomb, 64 * 1024, (b) => (seen += b.length)),
    (err: unknown) => {
      assert.ok(err instanceof DecompressionBombError);
      assert.equal(err.details.limit, 'max_output_bytes');
      return true;
    },
  );
  w.stop();
  assert.ok(seen <= 64 * MiB, `passed on ${seen} bytes`);
  assert.ok(w.peak() - base < 128 * MiB, `RSS grew by ${((w.peak() - base) / MiB).toFixed(1)} MiB`);
});

test('one huge push is split internally, so the ratio limit still applies early', async () => {
  const d = createSafeDecompressor('deflate')!;
  const bomb = zlib.deflateSync(Buffer.alloc(32 * MiB));
  await assert.rejects(d.push(bomb), (err: unknown) => err instanceof DecompressionBombError && err.details.outputBytes < 16 * MiB);
});

test('brotli bomb is stopped too', async () => {
  const bomb = zlib.brotliCompressSync(Buffer.alloc(32 * MiB), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 4 } });
  await assert.rejects(drain(createSafeDecompressor('br')!, bomb), DecompressionBombError);
});

test('a 50 MB text body streams through gzip intact (hash compare)', async () => {
  const words = 'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua 0123456789'.split(
    ' ',
  );
  let seed = 42;
  const rand = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 4294967296;
  const gz = zlib.createGzip({ level: 1 });
  const compressed: Buffer[] = [];
  gz.on('data', (b: Buffer) => compressed.push(b));
  const inHash = createHash('sha256');
  let produced = 0;
  while (produced < 50 * 1000 * 1000) {
    const line = Array.from({ length: 4000 }, () => words[Math.floor(rand() * words.length)]).join(' ') + '\n';
    const buf = Buffer.from(line);
    inHash.update(buf);
    gz.write(buf);
    produced += buf.length;
  }
  await new Promise<void>((resolve) => gz.end(resolve));
  const body = Buffer.concat(compressed);
  const outHash = createHash('sha256');
  const total = await drain(createSafeDecompressor('gzip')!, body, 16 * 1024, (b) => outHash.update(b));
  assert.equal(total, produced);
  assert.equal(outHash.digest('hex'), inHash.digest('hex'));
});

test('corrupt and truncated bodies fail with a clear error', async () => {
  await assert.rejects(drain(createSafeDecompressor('gzip')!, Buffer.from('this is not gzip at all')), (err: unknown) => {
    assert.ok(err instanceof DecompressionError);
    assert.equal(err.code, 'decompression_failed');
    assert.match(err.message, /^corrupt gzip body: /);
    return true;
  });
  const good = zlib.gzipSync(Buffer.from('hello world '.repeat(1000)));
  await assert.rejects(drain(createSafeDecompressor('gzip')!, good.subarray(0, good.length - 20)), /corrupt gzip body: unexpected end of file/);
  await assert.rejects(drain(createSafeDecompressor('br')!, Buffer.from([0xff, 0xff, 0xff, 0xff])), /corrupt br body/);
});

test('deflate (zlib-wrapped and raw), br, stacked encodings, identity and unknown', async () => {
  const text = Buffer.from('The quick brown fox. '.repeat(500));
  const collect = async (enc: string, body: Buffer, step = 7): Promise<Buffer> => {
    const parts: Buffer[] = [];
    await drain(createSafeDecompressor(enc)!, body, step, (b) => parts.push(b));
    return Buffer.concat(parts);
  };
  assert.deepEqual(await collect('deflate', zlib.deflateSync(text)), text);
  assert.deepEqual(await collect('deflate', zlib.deflateRawSync(text), 1), text);
  assert.deepEqual(await collect('br', zlib.brotliCompressSync(text)), text);
  // "gzip, br": gzip was applied first, then br; decoding undoes br, then gzip.
  assert.deepEqual(await collect('gzip, br', zlib.brotliCompressSync(zlib.gzipSync(text))), text);
  assert.equal(createSafeDecompressor(undefined), null);
  assert.equal(createSafeDecompressor('identity'), null);
  assert.equal(createSafeDecompressor(' '), null);
  assert.throws(
    () => createSafeDecompressor('zstd'),
    (err: unknown) => err instanceof DecompressionError && err.code === 'unsupported_encoding' && /zstd/.test(err.message),
  );
  assert.throws(() => createSafeDecompressor('gzip, gzip, gzip, gzip, gzip'), /at most 4/);
});
