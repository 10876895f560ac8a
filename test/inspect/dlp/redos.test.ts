/**
 * Catastrophic-backtracking guard: every built-in regex against long runs of its own
 * alphabet, near-misses and 100 KB inputs, and a seeded fuzz loop through the whole
 * scanner. No timing assertions: each test only has to finish under a generous
 * timeout (a super-linear regex would take hours on these inputs).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DlpScanner, builtinPatterns, compileOperatorPattern, UnsafePatternError } from '../../../src/inspect/dlp/index.js';
import { SAMPLES } from './pattern-samples.js';

const SIZE = 100_000;
const ALPHABETS = [
  'a',
  'A',
  '0',
  'aA0',
  'a-',
  'a_',
  '0 ',
  '0-',
  'a=',
  'a:',
  'a.',
  'A0/+',
  'x@',
  '%4',
  '\\u',
  'ey',
  'AKIA',
  'sk-',
  'ghp_',
  'password=',
  ':aa',
  'Q~',
  '-----BEGIN ',
];

function adversarial(sample: string | undefined): string[] {
  const out = ALPHABETS.map((a) => a.repeat(Math.ceil(SIZE / a.length)).slice(0, SIZE));
  if (sample !== undefined) {
    // near-misses: the sample truncated and repeated, and the sample with its tail cut
    const cut = sample.slice(0, Math.max(1, sample.length - 2));
    out.push(cut.repeat(Math.ceil(SIZE / cut.length)).slice(0, SIZE));
    out.push((sample.slice(0, 12) + ' ').repeat(Math.ceil(SIZE / 13)).slice(0, SIZE));
  }
  return out;
}

test('every built-in regex finishes on 100 KB adversarial inputs', { timeout: 120_000 }, () => {
  for (const p of builtinPatterns) {
    const re = new RegExp(p.regex.source, p.regex.flags.replace(/[gy]/g, '') + 'g');
    for (const input of adversarial(SAMPLES[p.id]?.text)) {
      re.lastIndex = 0;
      let guard = 0;
      for (let m = re.exec(input); m !== null && guard < 200_000; m = re.exec(input), guard++) if (m[0].length === 0) re.lastIndex++;
    }
  }
});

test('the scanner finishes on the same inputs through every entry point', { timeout: 120_000 }, () => {
  const dlp = new DlpScanner();
  for (const input of adversarial('AKIAFAKE0000TEST1234')) {
    dlp.scanText(input, 'body');
    dlp.scanUrl(`/${input.slice(0, 20000)}?q=${input.slice(0, 20000)}`);
    dlp.scanHeaders({ 'x-a': input.slice(0, 20000) });
    dlp.scanHostname(input.slice(0, 2000));
    const b = dlp.bodyScanner('application/json');
    b.push(Buffer.from(input));
    b.end();
  }
});

test('seeded fuzz: random inputs through the scanner never throw', { timeout: 120_000 }, () => {
  const dlp = new DlpScanner();
  let seed = 7;
  const rnd = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed % n;
  };
  const pieces = [
    'AKIA',
    'ghp_',
    'sk-',
    '%',
    '%2',
    '%41',
    '\\u00',
    '\\x4',
    '=',
    '==',
    'eyJ',
    '.',
    '-',
    '_',
    ' ',
    '\n',
    '"',
    ':',
    '4111',
    'bc1',
    'password',
    'token=',
    '\u200b',
    'é',
    '\u0000',
  ];
  for (let i = 0; i < 400; i++) {
    let s = '';
    const len = rnd(3000);
    while (s.length < len) s += rnd(3) === 0 ? (pieces[rnd(pieces.length)] as string) : String.fromCharCode(rnd(128));
    dlp.scanText(s, 'body');
    dlp.scanUrl(s);
    dlp.scanHostname(s.slice(0, 300));
    const b = dlp.bodyScanner(['application/json', 'text/plain', 'application/x-www-form-urlencoded'][i % 3]);
    for (let j = 0; j < s.length; j += 1 + rnd(200)) b.push(Buffer.from(s.slice(j, j + 1 + rnd(200)), 'latin1'));
    b.end();
  }
});

test('decoding stays bounded: a deeply nested blob decodes at most 8 layers and within budget', () => {
  let v = 'AKIAFAKE0000TEST1234';
  for (let i = 0; i < 10; i++) v = Buffer.from(v).toString('base64');
  const dlp = new DlpScanner();
  assert.ok(!dlp.scanText(v, 'body').some((f) => f.type === 'aws_access_key_id'));
  let w = 'AKIAFAKE0000TEST1234';
  for (let i = 0; i < 5; i++) w = Buffer.from(w).toString('base64');
  assert.ok(dlp.scanText(w, 'body').some((f) => f.type === 'aws_access_key_id' && f.encoding === 'base64+base64+base64+base64+base64'));
});

test('operator patterns: unsafe shapes are refused with a clear error', () => {
  for (const [regex, why] of [
    ['(a+)+$', /nested quantifier/],
    ['(a|ab)*c', /quantified alternation/],
    ['(\\w+\\s?)*$', /nested quantifier/],
    ['(x)\\1', /backreference/],
    ['(?<n>x)\\k<n>', /backreference/],
    ['a{1,5000}', /over 1000/],
    ['', /1\.\.1000/],
    ['a*', /empty string/],
    ['(abc', /invalid regex|unbalanced/],
  ] as const) {
    assert.throws(
      () => compileOperatorPattern({ id: 'op_test', regex }),
      (err: unknown) => err instanceof UnsafePatternError && why.test(err.message),
      regex,
    );
  }
  assert.throws(() => compileOperatorPattern({ id: 'Bad-Id', regex: 'x' }), /snake_case/);
  assert.throws(() => compileOperatorPattern({ id: 'ok', regex: 'x', flags: 'gs' }), /only "i"/);
  assert.throws(() => compileOperatorPattern({ id: 'ok', regex: 'ab+', keywords: ['ab'] }), /at least 3/);
});

test('operator patterns: safe ones work, with and without keywords, and keep their action', () => {
  const dlp = new DlpScanner({
    extraPatterns: [
      { id: 'acme_key', regex: 'acme_[a-z0-9]{16}', keywords: ['acme_'], action: 'redact' },
      { id: 'employee_id', regex: '(?:EMP|emp)-[0-9]{6}(?![0-9])', action: 'warn' },
      { id: 'ticket_ref', regex: 'tkt-[0-9]{4}-(?:x|y)', flags: 'i', keywords: ['tkt-'] },
    ],
  });
  const found = dlp.scanText(`hi acme_0123456789abcdef and EMP-123456 ${'pad '.repeat(3000)} TKT-1234-X`, 'body');
  assert.deepEqual(found.map((f) => [f.type, f.action]).sort(), [
    ['acme_key', 'redact'],
    ['employee_id', 'warn'],
    ['ticket_ref', 'block'],
  ]);
  assert.throws(() => new DlpScanner({ extraPatterns: [{ id: 'jwt', regex: 'x' }] }), /defined twice/);
});
