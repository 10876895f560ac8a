/**
 * The same secret in the clear, URL-encoded, base64, hex, nested, split across body
 * chunks and in a subdomain: found with the right type, location and encoding, and
 * the serialised finding never contains the value.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlpScanner, KnownSecrets } from '../../../src/inspect/dlp/index.js';
import type { Finding } from '../../../src/inspect/finding.js';
import { assertNoLeak, fakeGithubToken, fk } from './fakes.js';

const KEY = 'AKIAFAKE0000TEST1234';
const dlp = new DlpScanner();
const pct = (s: string): string => [...Buffer.from(s)].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');
const b64 = (s: string): string => Buffer.from(s).toString('base64');
const hex = (s: string): string => Buffer.from(s).toString('hex');

function one(findings: Finding[], type: string): Finding {
  const f = findings.filter((x) => x.type === type);
  assert.equal(f.length, 1, `expected one ${type}, got ${JSON.stringify(findings)}`);
  return f[0] as Finding;
}

function body(contentType: string, chunks: Array<string | Buffer>): Finding[] {
  const b = dlp.bodyScanner(contentType);
  const out: Finding[] = [];
  for (const c of chunks) out.push(...b.push(typeof c === 'string' ? Buffer.from(c) : c));
  out.push(...b.end());
  return out;
}

const URL_CASES: Array<[string, string | undefined]> = [
  [KEY, undefined],
  [pct(KEY), 'url'],
  [pct(pct(KEY)), 'url+url'],
  [b64(KEY), 'base64'],
  [b64(KEY).replace(/=+$/, ''), 'base64'],
  [hex(KEY), 'hex'],
  [hex(KEY).toUpperCase(), 'hex'],
  [pct(b64(KEY)), 'url+base64'],
  [b64(b64(KEY)), 'base64+base64'],
  [b64(hex(KEY)), 'base64+hex'],
  [hex(KEY).match(/../g)?.join('-') ?? '', 'hex'],
  ['\\x' + (hex(KEY).match(/../g)?.join('\\x') ?? ''), 'escape'],
];

for (const [value, encoding] of URL_CASES) {
  test(`query value ${encoding ?? 'clear'}: aws key found at url.query:data`, () => {
    const found = dlp.scanUrl(`/upload?x=1&data=${value}&y=2`);
    const f = one(found, 'aws_access_key_id');
    assert.equal(f.location, 'url.query:data');
    assert.equal(f.encoding, encoding);
    assert.equal(f.action, 'block');
    assertNoLeak(found, KEY);
    assertNoLeak(found, value);
  });
}

test('path, query key, header, fragment, userinfo locations', () => {
  assert.equal(one(dlp.scanUrl(`/v1/${KEY}/items`), 'aws_access_key_id').location, 'url.path');
  assert.equal(one(dlp.scanUrl(`/v1?${KEY}=1`), 'aws_access_key_id').location, 'url.query_key');
  assert.equal(one(dlp.scanUrl(`/v1#${KEY}`), 'aws_access_key_id').location, 'url.fragment');
  const creds = dlp.scanUrl('https://bob:FakePass123@example.com/x');
  assert.ok(creds.some((f) => f.type === 'url_credentials' && f.location === 'url.userinfo'));
  assertNoLeak(creds, 'FakePass123');
  const h = dlp.scanHeaders({ 'X-Trace': b64(KEY), Cookie: `a=1; sid=${KEY}`, 'Proxy-Authorization': `Basic ${b64(`u:${KEY}`)}` });
  assert.deepEqual(
    h.map((f) => [f.type, f.location, f.encoding]),
    [
      ['aws_access_key_id', 'header:x-trace', 'base64'],
      ['aws_access_key_id', 'header:cookie', undefined],
    ],
  );
});

test('a header name that is itself a secret is reported by position, not by name', () => {
  const found = dlp.scanHeaders({ accept: '*/*', [KEY]: '1' });
  assert.equal(one(found, 'aws_access_key_id').location, 'header:#2');
  assertNoLeak(found, KEY);
});

test('a query key that is itself a secret is not used as the location name', () => {
  const found = dlp.scanUrl(`/x?${KEY}=${b64(KEY)}`);
  for (const f of found) assert.ok(!f.location.includes('AKIA'), f.location);
});

test('body: clear, JSON with \\u and \\/ escapes, form, multipart, YAML', () => {
  const escaped = KEY.slice(0, 4) + [...KEY.slice(4, 8)].map((c) => `\\u00${c.charCodeAt(0).toString(16)}`).join('') + KEY.slice(8);
  assert.equal(one(body('application/json', [`{"k":"${escaped}"}`]), 'aws_access_key_id').location, 'body');
  const secret = `Fake${fk(14, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789')}/Te5t${fk(17)}`;
  const json = body('application/json', [`{"aws_secret_access_key":"${secret.replace('/', '\\/')}"}`]);
  one(json, 'aws_secret_access_key');
  assertNoLeak(json, secret);
  assert.equal(one(body('application/x-www-form-urlencoded', [`a=1&k=${pct(KEY)}`]), 'aws_access_key_id').encoding, 'url');
  const mp = body('multipart/form-data; boundary=XX', [`--XX\r\nContent-Disposition: form-data; name="f"; filename="a.txt"\r\n\r\n${KEY}\r\n--XX--`]);
  one(mp, 'aws_access_key_id');
  one(body('application/x-yaml', [`aws:\n  key: ${KEY}\n`]), 'aws_access_key_id');
});

test('body: HTML numeric character references, decimal and hex, with and without the semicolon', () => {
  const forms = [
    [...KEY].map((c) => `&#${c.charCodeAt(0)};`).join(''),
    [...KEY].map((c) => `&#x${c.charCodeAt(0).toString(16)};`).join(''),
    [...KEY].map((c) => `&#X${c.charCodeAt(0).toString(16).toUpperCase()}`).join(''),
    `<p>${KEY.slice(0, 6)}${[...KEY.slice(6)].map((c) => `&#${c.charCodeAt(0)}`).join('')}</p>`,
  ];
  for (const form of forms) {
    for (const type of ['text/html', 'text/plain', 'application/json']) {
      const found = body(type, [type === 'application/json' ? JSON.stringify({ note: form }) : form]);
      assert.equal(one(found, 'aws_access_key_id').encoding, 'escape', `${type}: ${form.slice(0, 30)}`);
      assertNoLeak(found, KEY);
    }
  }
  // Ordinary entities around text are no layer with a finding.
  assert.deepEqual(body('text/html', ['<p>Caf&#233; &#8220;quoted&#8221; &#x2014; 3 &#60; 4</p>']), []);
});

test('split across two chunks, and one byte per chunk: found exactly once', () => {
  const text = `{"pad":"${'x'.repeat(20000)}","k":"${KEY}","b":"${b64(KEY)}"}`;
  const cut = text.indexOf(KEY) + 7;
  const two = body('application/json', [text.slice(0, cut), text.slice(cut)]);
  assert.equal(two.filter((f) => f.type === 'aws_access_key_id').length, 2); // clear + base64
  assert.deepEqual(two.map((f) => f.encoding).sort(), ['base64', undefined].sort());
  const small = `junk ${KEY} more ${b64(KEY)} end`;
  const bytes = body(
    'text/plain',
    [...Buffer.from(small)].map((b) => Buffer.from([b])),
  );
  assert.deepEqual(bytes.map((f) => `${f.type}:${f.encoding ?? ''}`).sort(), ['aws_access_key_id:', 'aws_access_key_id:base64']);
  assertNoLeak(bytes, KEY);
});

test('a base64 blob longer than the window keeps its alignment across windows', () => {
  const payload = Buffer.concat([Buffer.alloc(100001, 7), Buffer.from(` ${KEY} `), Buffer.alloc(5000, 9)]);
  const blob = payload.toString('base64');
  const chunks: string[] = [];
  for (let i = 0; i < blob.length; i += 4099) chunks.push(blob.slice(i, i + 4099));
  const found = body('text/plain', chunks);
  assert.equal(one(found, 'aws_access_key_id').encoding, 'base64');
});

test('in a subdomain: clear (upper/lower case), hex, base32', () => {
  assert.ok(dlp.scanHostname(`${KEY.toLowerCase()}.exfil.example.com`).some((f) => f.type === 'aws_access_key_id'));
  const h = dlp.scanHostname(`${hex(KEY)}.exfil.example.com`);
  assert.ok(
    h.some((f) => f.type === 'aws_access_key_id' && f.encoding === 'hex' && f.location === 'host'),
    JSON.stringify(h),
  );
  assertNoLeak(h, KEY);
});

test('known secrets: clear, every base64 alignment inside a blob, base64url, hex (both cases), URL-encoded, name in detail', () => {
  const secret = `Fake+Secret/Value?${fk(12)}&x`;
  const ks = new KnownSecrets([{ name: 'billing-api', value: secret }, { name: 'too-short', value: 'abc' }, Buffer.from('also-short')]);
  assert.equal(ks.ignored, 1);
  const d = new DlpScanner({ known: ks });
  const expect = (text: string, encoding: string | RegExp | undefined): void => {
    const found = d.scanText(text, 'body');
    const f = found.find((x) => x.type === 'known_secret');
    assert.ok(f !== undefined, `not found in ${text.slice(0, 40)}`);
    assert.equal(f.detail, 'billing-api');
    if (encoding instanceof RegExp) assert.match(f.encoding ?? '', encoding);
    else assert.equal(f.encoding, encoding);
    assertNoLeak(found, secret);
  };
  expect(`log ${secret} end`, undefined);
  for (let pad = 0; pad < 3; pad++) {
    expect(`blob ${Buffer.concat([Buffer.alloc(pad + 30, 1), Buffer.from(secret), Buffer.alloc(7, 2)]).toString('base64')} end`, 'base64');
    expect(`blob ${Buffer.concat([Buffer.alloc(pad + 30, 250), Buffer.from(secret)]).toString('base64url')} end`, /^base64(url)?$/); // identical cores are labelled base64
  }
  expect(`h=${Buffer.from(secret).toString('hex')}`, 'hex');
  expect(`h=${Buffer.from(secret).toString('hex').toUpperCase()}`, 'hex');
  expect(`q=${encodeURIComponent(secret)}`, 'url');
});

test('known secrets: ~100 secrets, none matching in clean text', () => {
  const ks = new KnownSecrets(Array.from({ length: 100 }, (_, i) => ({ name: `s${i}`, value: `known-${i}-${fk(24)}` })));
  const d = new DlpScanner({ known: ks });
  assert.equal(d.scanText('nothing to see here '.repeat(5000), 'body').length, 0);
  assert.ok(d.scanText(`x known-57-${'q'}`, 'body').length === 0);
});

test('redact replaces the value (clear and encoded) and nothing else', () => {
  const gh = fakeGithubToken();
  const d = new DlpScanner({ actions: { github_token: 'redact', aws_access_key_id: 'redact' } });
  const text = `/x?t=${gh}&k=${b64(KEY)}&keep=1`;
  const findings = d.scanUrl(text);
  assert.ok(findings.every((f) => f.action === 'redact'));
  const out = d.redact(text, findings);
  assert.equal(out, '/x?t=[REDACTED:github_token]&k=[REDACTED:aws_access_key_id]&keep=1');
});
