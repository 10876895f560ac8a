/**
 * The WebAssembly word pass (wasm/index-pass.ts) against the JavaScript loops it
 * replaced (index-loops.ts): the whole text index must come out the same, for texts
 * that hit every candidate kind (keywords, known-secret needles, runs, digit groups,
 * group separators), for texts that fit the module's block and texts that do not,
 * and after switching between keyword indexes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { indexText } from '../../../src/inspect/dlp/text-index.js';
import { KeywordIndex } from '../../../src/inspect/dlp/keyword-index.js';
import { KnownSecrets } from '../../../src/inspect/dlp/known-secrets.js';
import { builtinPatterns } from '../../../src/inspect/dlp/patterns/index.js';
import { BLOCK_BYTES, textBuffer, useWasm, wasmAvailable, wasmPass, wasmWordRuns } from '../../../src/inspect/dlp/wasm/index-pass.js';
import { jsPass, passLists } from '../../../src/inspect/dlp/index-loops.js';
import type { PassLists } from '../../../src/inspect/dlp/index-loops.js';
import { seedProbeRoom, seedProbes, wordRuns } from '../../../src/inspect/dlp/word-runs.js';
import type { WordRun } from '../../../src/inspect/dlp/word-runs.js';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { SAMPLES } from './pattern-samples.js';

const keywords = [...new Set(builtinPatterns.flatMap((p) => p.keywords.map((k) => k.toLowerCase())))];
const known = new KnownSecrets([
  { name: 'a', value: 'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz' },
  { name: 'b', value: 'hunter2hunter2' },
  { name: 'c', value: 'abc12' },
]);

function rng(seed: number): () => number {
  return () => {
    seed = (Math.imul(seed, 1103515245) + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

function texts(rnd: () => number, count: number, maxLen: number): string[] {
  const pick = (xs: string): string => xs[Math.floor(rnd() * xs.length)] as string;
  const samples = Object.values(SAMPLES).flatMap((s) => [s.text, s.near]);
  const pieces: Array<() => string> = [
    () => pick('0123456789abcdefABCDEF'),
    () => pick(' -\t:,\n='),
    () => pick('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=_-'),
    () => 'the agent asked for ',
    () => keywords[Math.floor(rnd() * keywords.length)] as string,
    () => samples[Math.floor(rnd() * samples.length)] as string,
    () => 'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz',
    () => 'hunter2hunter2',
    () => 'abc12',
    () => '4111 1111 1111 1111',
    () => 'de ad be ef 00 11 ',
    () => 'QUtJ QUZB S0Uw ',
    () => `0c6d2a8c-a763-4058-a4fd-91f9911da${Math.floor(rnd() * 900 + 100)}`,
    () => String.fromCharCode(Math.floor(rnd() * 256)),
    () => Buffer.from('AKIAFAKE0000TEST1234').toString('base64'),
    () => `${wordlist[Math.floor(rnd() * wordlist.length)] as string}${pick(' ,\n\t+')}`,
  ];
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    const len = 1 + Math.floor(rnd() * maxLen);
    let s = '';
    while (s.length < len) s += (pieces[Math.floor(rnd() * pieces.length)] as () => string)();
    out.push(s);
  }
  return out;
}

function both(ki: KeywordIndex, s: string): void {
  for (const [decodeInfo, seeds, regroup] of [
    [true, true, true],
    [false, false, false],
  ] as const) {
    useWasm(true);
    const a = indexText(ki, s, 15, decodeInfo, seeds, regroup);
    useWasm(false);
    const b = indexText(ki, s, 15, decodeInfo, seeds, regroup);
    assert.deepEqual(a, b, JSON.stringify(s.slice(0, 200)));
  }
}

test('the WebAssembly module loads here', () => {
  assert.equal(wasmAvailable, true);
});

test('the WebAssembly pass indexes short and window-sized texts exactly as the JS loops do', () => {
  const withNeedles = new KeywordIndex(keywords, known.needles());
  const plain = new KeywordIndex(keywords, []);
  const rnd = rng(11);
  try {
    for (const s of texts(rnd, 3000, 300)) {
      both(withNeedles, s);
      both(plain, s); // switching indexes reloads the module's tables
    }
    for (const s of texts(rnd, 20, 70000)) both(withNeedles, s);
  } finally {
    useWasm(true);
  }
});

test('texts longer than one block go through the module block by block, with the same result', () => {
  const ki = new KeywordIndex(keywords, known.needles());
  const rnd = rng(5);
  try {
    for (const s of texts(rnd, 3, 3 * BLOCK_BYTES)) both(ki, s.length > BLOCK_BYTES ? s : s + s + s + s);
    // a run of the base64 alphabet across the block boundary
    both(ki, `${'ab '.repeat(43000)}${'QUtJQUZBS0UwMDAwVEVTVDEyMzQ'.repeat(20)} x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz`);
  } finally {
    useWasm(true);
  }
});

test('the seed-phrase probes the module keeps are those of seedProbes, in one block and block by block', () => {
  const ki = new KeywordIndex(keywords, known.needles());
  const rnd = rng(17);
  let probes = 0;
  for (const s of [...texts(rnd, 400, 2000), ...texts(rnd, 2, 3 * BLOCK_BYTES).map((t) => t.padEnd(BLOCK_BYTES + 1000 + t.length, t))]) {
    const n = s.length;
    const m = ((n + 3) >>> 2) + 1;
    const bytes = Buffer.alloc(n + 32);
    bytes.write(s, 'latin1');
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
    const want = new Int32Array(seedProbeRoom(m));
    const count = seedProbes(words, m, want);
    let got;
    if (n <= BLOCK_BYTES) {
      const t = textBuffer();
      bytes.copy(t.bytes, 0, 0, n + 16);
      got = wasmPass(ki, t.words, m, passLists);
    } else got = wasmPass(ki, words, m, passLists);
    assert.deepEqual([...got.seed.subarray(0, got.ns)], [...want.subarray(0, count)], JSON.stringify(s.slice(0, 200)));
    probes += count;
  }
  assert.ok(probes > 1000, `probes passed (${probes})`);
});

/** The pass's candidate lists of `s`, by the module (in one block or block by block) and by the JS loops. */
function listsOf(ki: KeywordIndex, s: string): { wasm: number[][]; js: number[][] } {
  const n = s.length;
  const m = ((n + 3) >>> 2) + 1;
  const bytes = Buffer.alloc(n + 32);
  bytes.write(s, 'latin1');
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  const flat = (l: PassLists): number[][] => [
    [...l.tri.subarray(0, l.nt)],
    [...l.needle.subarray(0, l.nn)],
    [...l.bi.subarray(0, l.nb)],
    [...l.dig.subarray(0, l.nd)],
    [...l.run.subarray(0, l.nr)],
    [...l.grp.subarray(0, l.ng)],
    [...l.seed.subarray(0, l.ns)],
  ];
  const js = passLists(m);
  jsPass(ki, words, m, js);
  let got: PassLists;
  if (n <= BLOCK_BYTES) {
    const t = textBuffer();
    t.bytes.fill(0xa5, n, n + 32); // stale bytes past the padding must not matter
    bytes.copy(t.bytes, 0, 0, n + 16);
    got = wasmPass(ki, t.words, m, passLists);
  } else got = wasmPass(ki, words, m, passLists);
  return { wasm: flat(got), js: flat(js) };
}

test('the SIMD pass gives the JS loops’ candidate lists (every byte value, class edges, every length mod 16, many anchors)', () => {
  // bytes at the edges of each class the SIMD compares test, and bytes with the high bit set
  const edges = '\t\n\x08\x0a ,-./09:;@AFGZ[_`afgz{+~\x7f\x80\xa0\xc0\xc1\xe1\xff';
  const rnd = rng(23);
  const byteText = (len: number, alphabet: string | null): string => {
    let s = '';
    for (let i = 0; i < len; i++)
      s += alphabet === null ? String.fromCharCode(Math.floor(rnd() * 256)) : (alphabet[Math.floor(rnd() * alphabet.length)] as string);
    return s;
  };
  // three-char keywords give bigram anchors: more than 8 share buckets, more than 64 are grouped by second byte
  const three = (count: number): string[] =>
    Array.from({ length: count }, (_, i) => `${'q~_.-/1'[i % 7]}${'abcdefghijklmnopqrstuvwxyz0123456789'[i % 36]}${'tkx\xe9_'[Math.floor(i / 36) % 5]}`);
  const indexes = [
    new KeywordIndex(keywords, known.needles()),
    // an 8-char needle: the filter at every word (needleStride 1)
    new KeywordIndex(keywords, new KnownSecrets([{ name: 'd', value: 'k9Q2xZ7p' }]).needles()),
    // 19+ chars only: the filter at every fourth word (needleStride 4)
    new KeywordIndex(keywords, new KnownSecrets([{ name: 'e', value: 'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz' }]).needles()),
    new KeywordIndex(keywords, []),
    new KeywordIndex([...new Set([...keywords, ...three(20)])], known.needles()),
    new KeywordIndex([...new Set(three(100))], []),
  ];
  let candidates = 0;
  for (const ki of indexes) {
    for (let len = 1; len <= 80; len++) {
      for (const alphabet of [null, edges, 'ab0 -:,\t', 'AZaz09+/_-= ', '0123456789 -', 'q~tkx_.-/1\xe9 ']) {
        const s = byteText(len, alphabet);
        const { wasm, js } = listsOf(ki, s);
        assert.deepEqual(wasm, js, JSON.stringify(s));
        candidates += wasm.reduce((a, l) => a + l.length, 0);
      }
    }
    for (const s of [
      ...texts(rnd, 300, 400),
      ...texts(rnd, 3, 40000),
      byteText(BLOCK_BYTES + 4099, edges),
      `${'xy '.repeat(43000)}${'QUtJQUZBS0UwMDAwVEVTVDEyMzQ'.repeat(300)}`,
    ]) {
      const { wasm, js } = listsOf(ki, s);
      assert.deepEqual(wasm, js, JSON.stringify(s.slice(0, 200)));
    }
  }
  assert.ok(candidates > 10000, `candidates compared (${candidates})`);
});

test('the module’s gap starts (regrouped.ts gapStarts in WebAssembly) are the JS function’s, at text edges and in dense groups', () => {
  const ki = new KeywordIndex(keywords, known.needles());
  const rnd = rng(29);
  const tokens = ['de', 'AD', '0f', 'QUtJ', 'QUZB', 'S0Uw', 'ab12', 'Zz9a1', 'xY7wQ2', 'abcd', 'QUtJQUZB', 'QUtJQUZBx'];
  const seps = [' ', '-', '\t', ':', ',', '.', '\n', ' -'];
  let starts = 0;
  try {
    for (let i = 0; i < 4000; i++) {
      const sep = seps[Math.floor(rnd() * seps.length)] as string;
      const tok = tokens[Math.floor(rnd() * tokens.length)] as string;
      let s = rnd() < 0.5 ? '' : (tokens[Math.floor(rnd() * tokens.length)] as string).slice(0, Math.floor(rnd() * 9));
      const count = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < count; k++) s += (k > 0 || rnd() < 0.5 ? sep : '') + (rnd() < 0.85 ? tok : (tokens[Math.floor(rnd() * tokens.length)] as string));
      if (rnd() < 0.5) s += sep;
      if (rnd() < 0.3) s += 'tail text';
      useWasm(true);
      const a = indexText(ki, s, 15, true, true, true).groupStarts;
      useWasm(false);
      const b = indexText(ki, s, 15, true, true, true).groupStarts;
      assert.deepEqual(a, b, JSON.stringify(s));
      starts += a.length;
    }
  } finally {
    useWasm(true);
  }
  assert.ok(starts > 1000, `starts compared (${starts})`);
});

test('keyword hits are the same when the index’s keyword tables do not fit the module (verified in JS) and when they do', () => {
  // 3,000 keywords: more trigram anchors than the module holds
  const many = [...new Set([...keywords, ...Array.from({ length: 3000 }, (_, i) => `kw${i.toString(36)}x${'abcdefgh'[i % 8]}`)])];
  const big = new KeywordIndex(many, known.needles());
  const rnd = rng(31);
  let hits = 0;
  try {
    for (const s of [...texts(rnd, 300, 400), `kw1x kw2bxb ${'kwzzxa '.repeat(50)} KW10XC`]) {
      both(big, s);
      hits += indexText(big, s, 15).hits.length;
    }
  } finally {
    useWasm(true);
  }
  assert.ok(hits > 100, `hits compared (${hits})`);
});

test('the module’s runs, kinds and alnum pieces (text-index.ts runAt in WebAssembly) are the JS ones, for every minPiece', () => {
  const ki = new KeywordIndex(keywords, known.needles());
  const rnd = rng(37);
  const pieces = [
    () => Buffer.from(Array.from({ length: 4 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))).toString('base64'),
    () => Buffer.from(Array.from({ length: 4 + Math.floor(rnd() * 40) }, () => Math.floor(rnd() * 256))).toString('base64url'),
    () => Buffer.from('printable text in here ' + Math.floor(rnd() * 1e9)).toString(rnd() < 0.5 ? 'base64' : 'hex'),
    () => Buffer.from(Array.from({ length: 8 + Math.floor(rnd() * 30) }, () => Math.floor(rnd() * 256))).toString('hex'),
    () => 'DEADbeef'.repeat(1 + Math.floor(rnd() * 4)),
    () => Array.from({ length: 8 + Math.floor(rnd() * 4) }, () => 'de').join('-'),
    () => `0c6d2a8c-a763-4058-a4fd-91f9911da${Math.floor(rnd() * 900 + 100)}`,
    () => '/usr/local/lib/node_modules/some_pkg',
    () => 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJ'.slice(Math.floor(rnd() * 30)),
    () => ['=', '==', '===', ' ', '\n', '"', ':', '.', '%'][Math.floor(rnd() * 9)] as string,
  ];
  let runs = 0;
  try {
    for (let i = 0; i < 1500; i++) {
      let s = '';
      const count = 1 + Math.floor(rnd() * 12);
      for (let k = 0; k < count; k++) s += (pieces[Math.floor(rnd() * pieces.length)] as () => string)();
      const minPiece = [1, 2, 4, 15, 16, 20, 34][i % 7] as number;
      for (const decodeInfo of [true, false]) {
        useWasm(true);
        const a = indexText(ki, s, minPiece, decodeInfo, false, false);
        useWasm(false);
        const b = indexText(ki, s, minPiece, decodeInfo, false, false);
        assert.deepEqual([a.runs, a.kinds, a.pieces], [b.runs, b.kinds, b.pieces], JSON.stringify({ s, minPiece, decodeInfo }));
        runs += a.runs.length;
      }
    }
  } finally {
    useWasm(true);
  }
  assert.ok(runs > 3000, `runs compared (${runs})`);
});

test('the module’s digit stretches (text-index.ts digitsAt in WebAssembly) are the JS ones', () => {
  const ki = new KeywordIndex(keywords, []);
  const rnd = rng(41);
  let stretches = 0;
  try {
    for (let i = 0; i < 3000; i++) {
      let s = '';
      const len = 1 + Math.floor(rnd() * 120);
      while (s.length < len) s += rnd() < 0.6 ? '0123456789'[Math.floor(rnd() * 10)] : (' --  x\n:' as string)[Math.floor(rnd() * 8)];
      useWasm(true);
      const a = indexText(ki, s, 15, true, false, false).digits;
      useWasm(false);
      const b = indexText(ki, s, 15, true, false, false).digits;
      assert.deepEqual(a, b, JSON.stringify(s));
      stretches += a.length / 2;
    }
  } finally {
    useWasm(true);
  }
  assert.ok(stretches > 2000, `stretches compared (${stretches})`);
});

test('the module’s seed-phrase runs (word-runs.ts wordRuns in WebAssembly) are the JS ones, at text edges, every separator, near-words', () => {
  const ki = new KeywordIndex(keywords, []);
  const rnd = rng(43);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const seps = [' ', ',', '\n', '\r', '\t', '+', ', ', ',\n', '\r\n', '  ', ',,', '\n\r', ' ,', '-', '.', ''];
  const word = (): string => {
    const w = pick(wordlist);
    const r = rnd();
    if (r < 0.06) return w.toUpperCase();
    if (r < 0.1) return w[0]?.toUpperCase() + w.slice(1);
    if (r < 0.13) return w.slice(0, -1); // a prefix: a wordlist word or not
    if (r < 0.16) return w + pick(['s', 'x', 'ing', 'e']);
    if (r < 0.18) return pick(['the', 'and', 'xq', 'a', 'zzzz', '12', 'é']);
    // a letter range's neighbours before the word, after letters or not
    if (r < 0.24) return pick(['', 'x', 'ab']) + pick(['@', '[', '`', '{', '/', '\x80', '\xc1']) + w;
    if (r < 0.26) {
      // one letter from the fifth on changed: the same first four letters and length, another word
      const at = Math.min(w.length - 1, 4 + Math.floor(rnd() * 4));
      return w.slice(0, at) + (w[at] === 'z' ? 'a' : String.fromCharCode(w.charCodeAt(at) + 1)) + w.slice(at + 1);
    }
    return w;
  };
  let runs = 0;
  let modulePath = 0;
  for (let i = 0; i < 2500; i++) {
    let s = rnd() < 0.5 ? '' : pick(['x', 'ab ', '{"m":"', 'word', '12 ', 'abandon']);
    const count = 1 + Math.floor(rnd() * 40);
    const sep = pick(seps);
    for (let k = 0; k < count; k++) s += (k > 0 ? (rnd() < 0.9 ? sep : pick(seps)) : '') + word();
    if (rnd() < 0.5) s += pick(['', ' ', '"}', 'tail', ',', 'x']);
    const n = s.length;
    const m = ((n + 3) >>> 2) + 1;
    const t = textBuffer();
    t.bytes.fill(0xa5, n, n + 48); // stale bytes past the padding
    t.bytes.write(s, 0, 'latin1');
    t.bytes.fill(0, n, n + 16);
    const lists = wasmPass(ki, t.words, m, passLists);
    // the pass's probes, then each word from the third on as the one probe (every word start and run edge, not only those a probe reaches)
    const seed = lists.seed;
    for (let probe = 1; probe < m; probe++) {
      let ns = lists.ns;
      if (probe > 1) [seed[0], ns] = [probe, 1];
      const want: WordRun[] = [];
      wordRuns(t.bytes, t.words, n, seed, ns, want);
      const got: WordRun[] = [];
      assert.equal(wasmWordRuns(n, ns, got), true);
      assert.deepEqual(got, want, JSON.stringify({ probe, s: s.slice(0, 300) }));
      runs += want.length;
    }
    modulePath++;
    if (i % 10 === 0) both(ki, s);
  }
  // a word-list dump longer than the module's run list: the JS twin takes over, same runs
  const dump = Array.from({ length: 20000 }, (_, i) => wordlist[(i * 7) % 2048] as string).join(' ');
  try {
    both(ki, dump);
  } finally {
    useWasm(true);
  }
  assert.equal(modulePath, 2500);
  assert.ok(runs > 3000, `runs compared (${runs})`);
});

test('needles of 11+ chars are tested at even words only, and every occurrence is still found (each alignment, overlaps, repeats)', () => {
  const long = new KnownSecrets([
    { name: 'a', value: 'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz' },
    { name: 'b', value: 'hunter2hunter2' },
    { name: 'c', value: 'aaaaaaaaaaaaaaaa' },
  ]);
  const ki = new KeywordIndex(keywords, long.needles());
  assert.equal(ki.needleStride, 2);
  // an 8-char needle: every word is tested
  assert.equal(new KeywordIndex(keywords, new KnownSecrets([{ name: 'd', value: 'k9Q2xZ7p' }]).needles()).needleStride, 1);
  const rnd = rng(43);
  const needles = ki.needles.map((nd) => nd.text);
  let found = 0;
  try {
    for (let i = 0; i < 1500; i++) {
      let s = '';
      const parts = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < parts; k++) {
        s += 'xyz-.'.slice(0, Math.floor(rnd() * 6));
        s += rnd() < 0.7 ? (needles[Math.floor(rnd() * needles.length)] as string) : 'a'.repeat(Math.floor(rnd() * 24));
      }
      // every occurrence of every needle, by start then needle
      const want: number[] = [];
      for (let at = 0; at < s.length; at++) needles.forEach((t, id) => s.startsWith(t, at) && want.push(id, at));
      for (const wasm of [true, false]) {
        useWasm(wasm);
        assert.deepEqual(indexText(ki, s, 15).needles, want, JSON.stringify(s));
      }
      const { wasm, js } = listsOf(ki, s);
      assert.deepEqual(wasm, js, JSON.stringify(s));
      found += want.length / 2;
    }
  } finally {
    useWasm(true);
  }
  assert.ok(found > 2000, `occurrences found (${found})`);
});

test('needles of 19+ chars are tested at every fourth word only (the first of each 16 bytes), and every occurrence is still found', () => {
  const long = new KnownSecrets([
    { name: 'a', value: 'x7Kp2mQ9vR4sL8nW1bY6cT3fA0jH5dEz' },
    { name: 'b', value: 'hunter2hunter2hunter' },
    { name: 'c', value: 'aaaaaaaaaaaaaaaaaaaaaaaa' },
  ]);
  const ki = new KeywordIndex(keywords, long.needles());
  assert.equal(ki.needleStride, 4);
  // one needle of 11-18 chars: even words again
  assert.equal(new KeywordIndex(keywords, new KnownSecrets([{ name: 'd', value: 'k9Q2xZ7pW3eR5t' }]).needles()).needleStride, 2);
  const rnd = rng(47);
  const needles = ki.needles.map((nd) => nd.text);
  let found = 0;
  try {
    for (let i = 0; i < 1500; i++) {
      let s = '';
      const parts = 1 + Math.floor(rnd() * 6);
      for (let k = 0; k < parts; k++) {
        s += 'xyz-.0123456789ab'.slice(0, Math.floor(rnd() * 17));
        s += rnd() < 0.7 ? (needles[Math.floor(rnd() * needles.length)] as string) : 'a'.repeat(Math.floor(rnd() * 40));
      }
      const want: number[] = [];
      for (let at = 0; at < s.length; at++) needles.forEach((t, id) => s.startsWith(t, at) && want.push(id, at));
      for (const wasm of [true, false]) {
        useWasm(wasm);
        assert.deepEqual(indexText(ki, s, 15).needles, want, JSON.stringify(s));
      }
      const { wasm, js } = listsOf(ki, s);
      assert.deepEqual(wasm, js, JSON.stringify(s));
      found += want.length / 2;
    }
  } finally {
    useWasm(true);
  }
  assert.ok(found > 2000, `occurrences found (${found})`);
});
