/**
 * Differential check of two builds' BIP-39 seed-phrase search (not a test: it needs
 * another build). Texts dense in wordlist words, for the word lookups of word-runs.ts and
 * wasm/index-pass.wat's wruns: valid phrases of every length, with every separator and
 * case, wordlist words mixed with near-words (a letter changed, a prefix, a suffix), words
 * glued to letters, prose around them, JSON and base64 around them; through `scanText` and
 * `bodyScanner` (random chunks) of both. Findings and their order are compared.
 *
 *   node dist/bench/dlp-seed-differential.js /tmp/base/dist [seed] [texts]
 */
import { entropyToMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import * as ours from '../src/inspect/dlp/index.js';
import type { Finding } from '../src/inspect/finding.js';
import { otherDlp, seeded } from './differential.js';

type Dlp = typeof ours;
const [otherDir, seedArg, countArg] = process.argv.slice(2);
if (otherDir === undefined) throw new Error('usage: dlp-seed-differential.js <other build dist> [seed] [texts]');
const other = await otherDlp<Dlp>(otherDir);

const firstSeed = Number(seedArg ?? 1);
const { rnd, pick } = seeded(firstSeed);
const SEPS = [' ', ',', '\n', '\r', '\t', '+', ', ', ',\n', '\r\n', '  ', ',,', '\n\r', ' ,', '-', '.', '"'];
const PROSE = ['the', 'agent', 'asked', 'for', 'a', 'summary', 'of', 'open', 'issues', 'and', 'build', 'logs', 'connecting', 'to', 'job'];

function phrase(): string[] {
  const words = pick([12, 15, 18, 21, 24]);
  const entropy = Uint8Array.from({ length: (words / 3) * 4 }, () => Math.floor(rnd() * 256));
  return entropyToMnemonic(entropy, wordlist).split(' ');
}

function word(w: string): string {
  const r = rnd();
  if (r < 0.05) return w.toUpperCase();
  if (r < 0.08) return (w[0] as string).toUpperCase() + w.slice(1);
  if (r < 0.1) return w.slice(0, -1);
  if (r < 0.12) return w + pick(['s', 'x', 'ing']);
  if (r < 0.14) {
    const at = Math.min(w.length - 1, 3 + Math.floor(rnd() * 5));
    return w.slice(0, at) + (w[at] === 'z' ? 'a' : String.fromCharCode(w.charCodeAt(at) + 1)) + w.slice(at + 1);
  }
  if (r < 0.15) return pick(['x', 'Q', '9']) + w;
  return w;
}

function text(): string {
  const parts: string[] = [];
  const pieces = 1 + Math.floor(rnd() * 6);
  for (let p = 0; p < pieces; p++) {
    const r = rnd();
    const sep = pick(SEPS);
    if (r < 0.4) {
      const ws = phrase().map((w) => (rnd() < 0.85 ? w : word(w)));
      parts.push(ws.join(rnd() < 0.9 ? sep : pick(SEPS)));
    } else if (r < 0.6) {
      parts.push(Array.from({ length: 5 + Math.floor(rnd() * 40) }, () => word(pick(wordlist))).join(sep));
    } else if (r < 0.75) {
      parts.push(Array.from({ length: 5 + Math.floor(rnd() * 30) }, () => (rnd() < 0.5 ? pick(PROSE) : pick(wordlist))).join(' ') + '.');
    } else if (r < 0.85) {
      parts.push(JSON.stringify({ mnemonic: phrase().join(' '), note: pick(PROSE) }));
    } else if (r < 0.92) {
      parts.push(Buffer.from(phrase().join(' ')).toString('base64'));
    } else
      parts.push(
        phrase()
          .join(' ')
          .replace(/ /g, pick(['%20', '+', '\\n'])),
      );
  }
  return parts.join(pick(['\n', ' ', '', '\r\n', '; ']));
}

const flat = (fs: readonly Finding[]): string => JSON.stringify(fs);
const a = new ours.DlpScanner();
const b = new other.DlpScanner();
const count = Number(countArg ?? 300);
let findings = 0;
let phrases = 0;
let differences = 0;
for (let i = 0; i < count; i++) {
  const t = text();
  const x = a.scanText(t, 'body');
  const y = b.scanText(t, 'body');
  const chunk = 1 + Math.floor(rnd() * 4096);
  const body = (d: { bodyScanner(ct: string): { push(c: Buffer): Finding[]; end(): Finding[] } }): Finding[] => {
    const s = d.bodyScanner('text/plain');
    const buf = Buffer.from(t, 'latin1');
    const out: Finding[] = [];
    for (let k = 0; k < buf.length; k += chunk) out.push(...s.push(buf.subarray(k, k + chunk)));
    return [...out, ...s.end()];
  };
  const bx = body(a);
  const by = body(b);
  findings += x.length + bx.length;
  phrases += x.filter((f) => f.type === 'bip39_mnemonic').length;
  if (flat(x) !== flat(y) || flat(bx) !== flat(by)) {
    differences++;
    if (differences <= 5) console.log('difference:', JSON.stringify(t.slice(0, 300)), flat(x) === flat(y) ? 'bodyScanner' : 'scanText');
  }
}
console.log(`seed ${firstSeed}: ${count} texts, ${findings} findings (${phrases} seed phrases by scanText), ${differences} differences`);
