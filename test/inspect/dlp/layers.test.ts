import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deflateSync, gzipSync } from 'node:zlib';
import { DlpScanner } from '../../../src/inspect/dlp/scanner.js';
import { KnownSecrets } from '../../../src/inspect/dlp/known-secrets.js';
import { foldUnicode } from '../../../src/inspect/dlp/unicode-fold.js';
import { regrouped, regroupStarts } from '../../../src/inspect/dlp/regrouped.js';
import { utf16Spans } from '../../../src/inspect/dlp/layer-decoders.js';
import { zip } from '../../../bench/detection/dlp-containers.js';
import type { Finding } from '../../../src/inspect/finding.js';

const KEY = 'AKIAFAKE0000TEST1234';
const bytes = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

function body(dlp: DlpScanner, data: Buffer, type = 'application/octet-stream'): Finding[] {
  const b = dlp.bodyScanner(type);
  const out: Finding[] = [];
  for (let i = 0; i < data.length; i += 1000) out.push(...b.push(data.subarray(i, i + 1000)));
  return [...out, ...b.end()];
}

test('Unicode folding drops every format character and variation selector and folds fullwidth forms; plain text is untouched', () => {
  const disguised = bytes(`A\u200bK\u00adI\u2066A\u{e0041}Ｆ\ufe0fＡ\u{e0100}KE`);
  assert.equal(foldUnicode(disguised)?.text, 'AKIAFAKE');
  assert.equal(foldUnicode(bytes('— “quoted” 日本語, Привет мир, καλημέρα')), undefined);
  // look-alikes, accents and dashes fold inside a token that mixes scripts, Greek capitals that
  // all look Latin alone; spaces, marks and controls go (the scanner's trigger keeps French prose away)
  assert.equal(
    foldUnicode(
      bytes('\u0410KIA\u0051Y sk\u2013ant d\u00e9j\u00e0 \u{1d400}\u24b6 A\u00a0B e\u0301 a\x00b \u039a\u0395\u03a5 RS\u00c1 \u00c1K\u00cdAQYLPMN5hhhfpzam2'),
    )?.text,
    'AKIAQY sk-ant deja AA AB e ab KEY RSA AKIAQYLPMN5hhhfpzam2',
  );
  // invalid UTF-8 is left alone, never thrown on
  assert.equal(foldUnicode('\xf7\xbf\xbf\xbf\xff'), undefined);
});

test('regrouping joins wrapped lines, groups and separated hex pairs, and leaves prose alone', () => {
  assert.deepEqual(
    regrouped('k=de:ad:be:ef:00:11:22:33:44').map((g) => g.text),
    ['deadbeef0011223344'],
  );
  assert.deepEqual(
    regrouped('0x41, 0x4b, 0x49, 0x41, 0x46, 0x41, 0x4b, 0x45').map((g) => g.text),
    ['414b494146414b45'],
  );
  assert.deepEqual(
    regrouped('QUtJ QUZB S0Uw MDAw').map((g) => g.text),
    ['QUtJQUZBS0UwMDAw'],
  );
  assert.equal(regrouped('the agent asked for the build logs of the failing job').length, 0);
});

test('regrouping starts: a sequence after prose words of its token length, and upper-case 0X prefixes after lower-case ones, are found', () => {
  // a gap's token is only read when the next gap is as long: the prose word before must not hide the sequence
  const joined = (s: string): string[] => regrouped(s, regroupStarts(s, [])).map((g) => g.text);
  assert.ok(joined('note: this QUtJ QUZB S0Uw MDAw').some((t) => t.includes('QUtJQUZBS0UwMDAw')));
  assert.ok(joined('so we go de ad be ef 00 11 22 33').some((t) => t.includes('deadbeef00112233')));
  assert.ok(joined('fine words here then QUtJ-QUZB-S0Uw-MDAw end').includes('QUtJQUZBS0UwMDAw'));
  const prefixed = joined('id 0x41,0x4b,0x49,0x41,0x46,0x41,0x4b,0x45 then 0X41,0X4B,0X49,0X41,0X46,0X41,0X4B,0X45.');
  assert.deepEqual(prefixed, ['414b494146414b45', '414B494146414B45']);
  assert.deepEqual(joined('the agent asked for the build logs of the failing job'), []);
});

test('UTF-16 stretches are found in either byte order, a big-endian last char included', () => {
  for (const buf of [Buffer.from(`x ${KEY}`, 'utf16le'), Buffer.from(`x ${KEY}`, 'utf16le').swap16()]) {
    const spans = utf16Spans(`${buf.toString('latin1')};tail`);
    assert.ok(
      spans.some((s) => s.text.includes(KEY)),
      JSON.stringify(spans.map((s) => s.text)),
    );
  }
});

test('unlabelled uploads: a key in a zip, gzip or zlib body is found, encoded as the container', () => {
  const dlp = new DlpScanner();
  const file = `AWS_ACCESS_KEY_ID=${KEY}\n`;
  for (const [kind, data] of [
    ['zip', zip([{ name: '.env', data: file }])],
    ['gzip', gzipSync(file)],
    ['zlib', deflateSync(file)],
  ] as const) {
    const found = body(dlp, data);
    assert.ok(
      found.some((f) => f.type === 'aws_access_key_id' && f.encoding === kind),
      `${kind}: ${JSON.stringify(found)}`,
    );
  }
});

test('an unlabelled upload that inflates past the scan limit, or uses a method DLP cannot read, fails closed; on_incomplete: warn lets it pass as a warning', () => {
  const bomb = gzipSync(Buffer.alloc(4 * 1024 * 1024, 'a'));
  const strict = new DlpScanner({ maxScanBytes: 1024 * 1024 });
  const f = body(strict, bomb).find((x) => x.type === 'dlp_scan_limit');
  assert.equal(f?.action, 'block');
  const lenient = new DlpScanner({ maxScanBytes: 1024 * 1024, onIncomplete: 'warn' });
  assert.equal(body(lenient, bomb).find((x) => x.type === 'dlp_scan_limit')?.action, 'warn');
  const odd = zip([{ name: 'a.txt', data: 'hello world' }]);
  odd.writeUInt16LE(12, 8); // bzip2
  assert.equal(body(strict, odd).find((x) => x.type === 'dlp_scan_limit')?.action, 'block');
});

test('text that only starts like a zlib header is read as text, with no finding', () => {
  const dlp = new DlpScanner();
  assert.deepEqual(body(dlp, Buffer.from(`x^ marks the spot, ${'and then some prose. '.repeat(10)}`), 'text/plain'), []);
});

test('a known hex value matches in the other case and in mixed case; a secret split across request parts is joined', () => {
  const hex = '9f86d081884c7d659a2feaa0c55ad015';
  const dlp = new DlpScanner({ known: new KnownSecrets([{ name: 'hook', value: hex }]) });
  assert.ok(dlp.scanUrl(`/x?sig=${hex.toUpperCase()}`).some((f) => f.type === 'known_secret'));
  const mixed = Array.from(hex, (c, i) => (i % 2 ? c.toUpperCase() : c)).join('');
  assert.ok(dlp.scanText(`sig=${mixed}`, 'body').some((f) => f.type === 'known_secret'));
  const joined = dlp.scanRequestJoins(`/c?a=${KEY.slice(0, 8)}&b=${KEY.slice(8)}`, { accept: 'application/json' });
  assert.ok(
    joined.some((f) => f.type === 'aws_access_key_id' && f.location === 'request.joined'),
    JSON.stringify(joined),
  );
  assert.deepEqual(dlp.scanRequestJoins('/repos/o/r/commits/8f14e45fceea167a?page=2', { cookie: 'sid=6f1ed002ab5595859014ebf0951522d9; theme=dark' }), []);
});
