/**
 * An unlabelled archive in a body is unpacked at the body's end in paced steps
 * (`endPaced`): each member inflated on the thread pool, its text scanned a slice at a
 * time with turns for the event loop between them, with the findings `end()` gives.
 * Issue 10, class 6: a 600 KB gzip of 12 MiB was read in one call of ~300 ms.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { gitPushBody, tar, zip } from '../../../bench/detection/dlp-containers.js';
import { DlpScanner } from '../../../src/inspect/dlp/scanner.js';
import { ScanPace } from '../../../src/inspect/scan-pace.js';
import type { Finding } from '../../../src/inspect/finding.js';

const KEY = 'AKIAFAKE0000TEST1234';
const GH = 'ghp_' + 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6Q7r8';
const dlp = new DlpScanner({ maxScanBytes: 8 << 20 });

/** Prose of about `n` bytes with `secret` in the middle. */
function prose(n: number, secret: string): string {
  const line = 'The build finished and the release notes were published to the team wiki today.\n';
  const half = line.repeat(Math.ceil(n / 2 / line.length));
  return `${half}aws_access_key_id = ${secret}\n${half}`;
}

function fed(data: Buffer): ReturnType<DlpScanner['bodyScanner']> {
  const b = dlp.bodyScanner('application/octet-stream');
  for (let i = 0; i < data.length; i += 16384) b.push(data.subarray(i, i + 16384));
  return b;
}

const strip = (fs: Finding[]): string[] => fs.map((f) => `${f.type}|${f.action}|${f.encoding ?? ''}|${f.detail ?? ''}`).sort();

const BODIES: Array<[string, Buffer]> = [
  ['gzip of 3 MiB', gzipSync(prose(3 << 20, KEY))],
  ['zlib', deflateSync(prose(200_000, KEY))],
  [
    'zip of two entries',
    zip([
      { name: 'a.txt', data: Buffer.from(prose(300_000, KEY)) },
      { name: 'b/env', data: Buffer.from(`TOKEN=${GH}\n`) },
    ]),
  ],
  ['tar.gz', gzipSync(tar([{ name: 'notes.txt', data: Buffer.from(prose(100_000, GH)) }]))],
  [
    'git push',
    gitPushBody([
      { name: 'config.py', data: Buffer.from(prose(150_000, KEY)) },
      { name: 'x', data: Buffer.from(GH) },
    ]),
  ],
  ['gzip past the scan limit', gzipSync(Buffer.alloc(9 << 20, 'a'))],
  ['corrupt gzip', Buffer.concat([gzipSync(prose(100_000, KEY)).subarray(0, 40), Buffer.alloc(5000, 7)])],
];

for (const [name, data] of BODIES) {
  test(`${name}: endPaced finds what end() finds`, async () => {
    const whole = fed(data).end();
    const pace = new ScanPace(60_000);
    const b = fed(data);
    assert.equal(typeof b.endPaced, 'function', 'the body scanner paces its end');
    const paced = await b.endPaced?.(pace);
    assert.ok(paced);
    assert.deepEqual(strip(paced), strip(whole));
    assert.ok(whole.length > 0, 'each case has a finding to agree on');
  });
}

test('a large archive is unpacked with turns for the event loop (a slice of its text per turn at most)', async () => {
  const pace = new ScanPace(60_000);
  let turns = 0;
  let spinning = true;
  const spin = (): void => {
    if (!spinning) return;
    turns++;
    setImmediate(spin);
  };
  spin();
  const found = await fed(gzipSync(prose(4 << 20, KEY))).endPaced!(pace);
  spinning = false;
  assert.ok(
    found.some((f) => f.type.includes('aws') && f.encoding === 'gzip'),
    JSON.stringify(found.map((f) => f.type)),
  );
  // 4 MiB of text in 64 KiB slices: the loop ran between them.
  assert.ok(pace.yields >= 32, `yields: ${pace.yields}`);
  assert.ok(turns >= 32, `event-loop turns meanwhile: ${turns}`);
});

test('a body that is not an archive ends without a promise', () => {
  const b = dlp.bodyScanner('text/plain');
  b.push(Buffer.from(`key ${KEY}\n`));
  const r = b.endPaced!(new ScanPace(1000));
  assert.ok(Array.isArray(r));
});
