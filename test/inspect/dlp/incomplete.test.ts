import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { brotliCompressSync, deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { createSafeDecompressor, DecompressionBombError, DecompressionError } from '../../../src/inspect/decompress.js';
import { DlpScanner } from '../../../src/inspect/dlp/scanner.js';

// Decoding limits fail closed (issue 10, class 7), at the engine and the decompressor.

const AWS = 'AKIAQYLPMN5HHHFPZAM2';
const b64 = (s: string): string => Buffer.from(s, 'latin1').toString('base64');
const nest = (s: string, times: number): string => (times === 0 ? s : nest(b64(s), times - 1));
const DECOY = b64(`\\x41%41${b64(`xyz${'Lorem ipsum dolor sit amet consectetur adipiscing elit '.repeat(2)}`)}%41\\x41`);
const types = (fs: readonly { type: string }[]): string[] => fs.map((f) => f.type);

test('encodings nested past the depth limit are a blocking dlp_scan_incomplete, not a silent pass', () => {
  const dlp = new DlpScanner();
  const deep = dlp.scanText(`data: ${nest(`aws key ${AWS}`, 10)}`, 'body');
  assert.ok(!types(deep).includes('aws_access_key_id'));
  const f = deep.find((x) => x.type === 'dlp_scan_incomplete');
  assert.ok(f, JSON.stringify(deep));
  assert.equal(f.action, 'block');
  assert.match(f.detail ?? '', /deeper than 8/);
  // within the depth (five deep, past the old limit of three), the secret itself is found and nothing is incomplete
  const three = dlp.scanText(`data: ${nest(`aws key ${AWS}`, 5)}`, 'body');
  assert.ok(types(three).includes('aws_access_key_id'));
  assert.ok(!types(three).includes('dlp_scan_incomplete'));
});

test('decoys cannot spend the budget a shallow secret needs: the secret is found wherever it sits, in every carrier', () => {
  const dlp = new DlpScanner({ onIncomplete: 'warn' });
  const secret = b64(`note: ${'the quick brown fox jumps over the lazy dog. '.repeat(6)} aws key ${AWS} ok`);
  const text = `${`${DECOY} `.repeat(64)} ${secret}`;
  assert.ok(types(dlp.scanText(text, 'body')).includes('aws_access_key_id'));
  assert.ok(types(dlp.scanHeaders({ 'x-data': text })).includes('aws_access_key_id'));
  assert.ok(types(dlp.scanUrl(`/p?d=${encodeURIComponent(text)}`)).includes('aws_access_key_id'));
  const body = dlp.bodyScanner('text/plain');
  const found = [...body.push(Buffer.from(text.repeat(8))), ...body.end()];
  assert.ok(types(found).includes('aws_access_key_id'));
  // under warn the unread part is still reported, as a warning
  assert.equal(found.find((f) => f.type === 'dlp_scan_incomplete')?.action, 'warn');
});

test('ordinary traffic is never incomplete: base64 images, base64 text, JWTs, escaped JSON, URLs', () => {
  const dlp = new DlpScanner();
  const jwt = `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64('{"sub":"1234567890","name":"John Doe","iat":1516239022}')}.${randomBytes(32).toString('base64url')}`;
  const samples = [
    JSON.stringify({ image: randomBytes(48 * 1024).toString('base64'), caption: 'a cat' }),
    JSON.stringify({ file: b64('# README\nThis project does things.\n'.repeat(200)) }),
    `Authorization: Bearer ${jwt}`,
    JSON.stringify({ content: '{"a":"caf\\u00e9","b":"%20 and \\x41"}'.repeat(50) }),
    '/search?q=hello%20world&next=https%3A%2F%2Fexample.com%2Fa%3Fb%3Dc%2520d',
  ];
  for (const s of samples) assert.ok(!types(dlp.scanText(s, 'body')).includes('dlp_scan_incomplete'), s.slice(0, 80));
  // random bytes (a binary upload): stray `\u12`, `%41` or zero-width sequences are no nested layers
  const b = dlp.bodyScanner(undefined);
  const bin = randomBytes(2 * 1024 * 1024);
  const found = [...b.push(bin.subarray(0, 1 << 20)), ...b.push(bin.subarray(1 << 20)), ...b.end()];
  assert.ok(!types(found).includes('dlp_scan_incomplete'), JSON.stringify(found));
});

test('a body past the scan limit is a dlp_scan_limit that blocks by default, warns when configured', () => {
  for (const [onIncomplete, action] of [
    [undefined, 'block'],
    ['warn', 'warn'],
  ] as const) {
    const dlp = new DlpScanner({ maxScanBytes: 64 * 1024, ...(onIncomplete ? { onIncomplete } : {}) });
    const b = dlp.bodyScanner('text/plain');
    const found = [...b.push(Buffer.alloc(48 * 1024, 'a')), ...b.push(Buffer.alloc(48 * 1024, 'b')), ...b.end()];
    assert.deepEqual(
      found.map((f) => [f.type, f.action]),
      [['dlp_scan_limit', action]],
    );
  }
});

const TEXT = Buffer.from('hello world, a perfectly ordinary body. '.repeat(100));

test('bytes after the end of a compressed stream make it corrupt at once (whole or split), never a hang', async () => {
  const cases: Array<[string, Buffer]> = [
    ['deflate', deflateSync(TEXT)],
    ['deflate', deflateRawSync(TEXT)],
    ['br', brotliCompressSync(TEXT)],
    ['gzip', gzipSync(TEXT)],
  ];
  for (const [enc, packed] of cases) {
    for (const trailing of [Buffer.from('X'), Buffer.alloc(8), Buffer.from('TRAILING GARBAGE')]) {
      for (const split of [false, true]) {
        const d = createSafeDecompressor(enc)!;
        const run = async (): Promise<void> => {
          if (split) {
            await d.push(packed);
            await d.push(trailing);
          } else await d.push(Buffer.concat([packed, trailing]));
          await d.end();
        };
        await assert.rejects(
          run(),
          (err: unknown) => err instanceof DecompressionError && err.code === 'decompression_failed',
          `${enc} ${JSON.stringify(trailing.toString())} split=${split}`,
        );
      }
    }
    // the exact stream decodes
    const d = createSafeDecompressor(enc)!;
    const out = Buffer.concat([...(await d.push(packed)), ...(await d.end())]);
    assert.deepEqual(out, TEXT);
  }
  // gzip members may be concatenated (RFC 1952): that is not trailing garbage
  const d = createSafeDecompressor('gzip')!;
  const two = Buffer.concat([gzipSync(TEXT), gzipSync(TEXT)]);
  assert.equal(Buffer.concat([...(await d.push(two)), ...(await d.end())]).length, 2 * TEXT.length);
});

test('the bomb ratio is to the input consumed: one written piece cannot inflate to the output limit', async () => {
  const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024), { level: 9 });
  const d = createSafeDecompressor('gzip', { maxOutputBytes: 1 << 30, maxRatio: 1000 })!;
  await assert.rejects(
    (async () => {
      await d.push(bomb);
      await d.end();
    })(),
    (err: unknown) => err instanceof DecompressionBombError && err.details.limit === 'max_ratio' && err.details.outputBytes < 4 * 1024 * 1024,
  );
});
