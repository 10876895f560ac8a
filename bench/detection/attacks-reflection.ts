/**
 * Reflection cases for `npm run bench:detection`: an upstream echoes the credential the
 * gate injected, in every spelling an API, a page or a socket might use, at every place
 * of a response (JSON body, text, HTML, a header, the status line, WebSocket messages
 * and control frames); and benign responses that carry values that only look alike
 * (another token of the same shape, a short prefix, a masked tail, escaped text that
 * spells something else). Deterministic: the same ids and values every run.
 *
 * @example
 * for (const c of reflectionCases()) if (c.kind === 'attack') assert.ok(await evaluate(c));
 */
import { gzipSync, deflateSync, brotliCompressSync } from 'node:zlib';
import { prefixLength } from '../../src/credentials/reflection-needles.js';
import type { DetectionCase } from './case.js';

const SOURCE = 'bench/detection/attacks-reflection.ts';

let seed = 1337;
const rnd = (): number => {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
};
const from = (alphabet: string, n: number): string => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const B64 = ALNUM + '+/';

/** Secret shapes: vendor-prefixed tokens, base64 keys with `+` `/` `=`, a password with escape characters. */
const SHAPES: Record<string, () => string> = {
  github: () => `ghp_${from(ALNUM, 36)}`,
  stripe: () => `sk_live_${from(ALNUM, 24)}`,
  'aws-secret': () => from(B64, 40),
  'bearer-b64': () => Buffer.from(from(ALNUM, 32)).toString('base64'),
  password: () => `${from(ALNUM, 6)}&${from(ALNUM, 3)}%${from(ALNUM, 3)}+=/@!~${from(ALNUM, 3)}`,
};

const hex2 = (c: number, upper = false): string => (upper ? c.toString(16).toUpperCase() : c.toString(16)).padStart(2, '0');
const u = (c: number, upper = false): string => `\\u${(upper ? c.toString(16).toUpperCase() : c.toString(16)).padStart(4, '0')}`;
const each = (s: string, f: (c: number, i: number) => string): string => [...s].map((ch, i) => f(ch.charCodeAt(0), i)).join('');
const wrap = (s: string, width: number, nl = '\n'): string => s.match(new RegExp(`.{1,${width}}`, 'g'))!.join(nl);
const NAMED: Record<string, string> = {
  '+': '&plus;',
  '=': '&equals;',
  '/': '&sol;',
  '&': '&amp;',
  '%': '&percnt;',
  '@': '&commat;',
  '!': '&excl;',
  '~': '&tilde;',
  _: '&lowbar;',
};

type Placement = 'body-json' | 'text' | 'html' | 'header' | 'status' | 'websocket';
const SINGLE_LINE: Placement[] = ['body-json', 'text', 'html', 'header', 'status', 'websocket'];

/** An echo form: how the secret is spelled, and where that spelling can sit. */
interface Form {
  name: string;
  spell: (s: string) => string;
  where: Placement[];
}

const FORMS: Form[] = [
  { name: 'raw', spell: (s) => s, where: SINGLE_LINE },
  { name: 'json-u-all', spell: (s) => each(s, (c) => u(c)), where: ['body-json', 'header', 'websocket'] },
  // System.Text.Json's default encoder escapes `+` (and HTML-sensitive characters) as \u002B.
  {
    name: 'json-u-dotnet',
    spell: (s) => each(s, (c) => ("+<>&'".includes(String.fromCharCode(c)) ? u(c, true) : String.fromCharCode(c))),
    where: ['body-json', 'websocket'],
  },
  { name: 'json-u-subset', spell: (s) => each(s, (c, i) => (i % 3 === 1 ? u(c) : String.fromCharCode(c))), where: ['body-json', 'text', 'websocket'] },
  { name: 'json-slash', spell: (s) => s.replace(/\//g, '\\/'), where: ['body-json'] },
  { name: 'html-dec', spell: (s) => each(s, (c) => `&#${c};`), where: ['html', 'text'] },
  {
    name: 'html-hex-subset',
    spell: (s) => each(s, (c, i) => (i % 2 === 0 ? `&#x${hex2(c, i % 4 === 0)};` : String.fromCharCode(c))),
    where: ['html', 'header'],
  },
  {
    name: 'html-named',
    spell: (s) => each(s, (c, i) => NAMED[String.fromCharCode(c)] ?? (i % 5 === 2 ? `&#${c};` : String.fromCharCode(c))),
    where: ['html', 'status'],
  },
  { name: 'pct-all', spell: (s) => each(s, (c) => `%${hex2(c, true)}`), where: ['body-json', 'text', 'header'] },
  { name: 'pct-subset', spell: (s) => each(s, (c, i) => (i % 2 === 1 ? `%${hex2(c)}` : String.fromCharCode(c))), where: ['text', 'html', 'header', 'status'] },
  { name: 'pct-uri', spell: (s) => encodeURIComponent(s), where: ['html', 'header'] },
  { name: 'hex-lower', spell: (s) => Buffer.from(s).toString('hex'), where: ['body-json', 'text', 'header'] },
  { name: 'hex-upper', spell: (s) => Buffer.from(s).toString('hex').toUpperCase(), where: ['text', 'header', 'websocket'] },
  { name: 'base64', spell: (s) => Buffer.from(s).toString('base64'), where: ['body-json', 'header', 'websocket'] },
  { name: 'base64url', spell: (s) => Buffer.from(s).toString('base64url'), where: ['text', 'header'] },
  { name: 'base64-basic', spell: (s) => `Basic ${Buffer.from(`svc-user:${s}`).toString('base64')}`, where: ['header', 'body-json'] },
  { name: 'base64-wrap76', spell: (s) => wrap(Buffer.from(`-- key --\n${s}\n-- end --`).toString('base64'), 76), where: ['text'] },
  { name: 'base64-wrap16', spell: (s) => wrap(Buffer.from(s).toString('base64'), 16), where: ['text', 'html'] },
  { name: 'base64-wrap5-crlf', spell: (s) => wrap(Buffer.from(s).toString('base64'), 5, '\r\n'), where: ['text'] },
  { name: 'base64-wrap-json', spell: (s) => wrap(Buffer.from(s).toString('base64'), 8, '\\n'), where: ['body-json'] },
  { name: 'prefix-16', spell: (s) => `${s.slice(0, 16)}...`, where: ['text', 'header', 'websocket'] },
  { name: 'prefix-60pct', spell: (s) => `${s.slice(0, Math.ceil(s.length * 0.6))}...`, where: ['body-json', 'html', 'status'] },
  { name: 'prefix-json-u', spell: (s) => each(s.slice(0, prefixLength(s.length)), (c) => u(c)), where: ['body-json'] },
];

function place(p: Placement, echo: string): DetectionCase['input'] {
  switch (p) {
    case 'body-json':
      return { headers: { 'content-type': 'application/json' }, body: `{"id":"req_01","echo":"${echo}","ok":true}` };
    case 'text':
      return { headers: { 'content-type': 'text/plain' }, body: `Stored value:\n${echo}\nend of note\n` };
    case 'html':
      return {
        headers: { 'content-type': 'text/html' },
        body: `<html><body><p>Your key: <code>${echo}</code></p><a href="/k?v=${echo}">link</a></body></html>`,
      };
    case 'header':
      return { headers: { 'content-type': 'text/plain', 'x-echo': echo }, body: 'ok' };
    case 'status':
      return { headers: { 'content-type': 'text/plain' }, status: { code: 200, reason: `OK ${echo}` }, body: 'see the status line' };
    case 'websocket':
      return { messages: [`{"event":"echo","value":"${echo}"}`] };
  }
}

/** Forms that exist only as a whole response: UTF-16 text, compressed bodies, split headers, WebSocket frames. */
function special(s: string): { name: string; placement: string; input: DetectionCase['input'] }[] {
  const text = `Stored value: ${s} (keep it safe)\n`;
  const half = Math.floor(s.length / 2);
  const third = Math.floor(s.length / 3);
  const small = Math.max(1, prefixLength(s.length) - 4);
  return [
    { name: 'utf16le', placement: 'text', input: { headers: { 'content-type': 'text/plain; charset=utf-16le' }, body: Buffer.from(text, 'utf16le') } },
    {
      name: 'utf16le-bom',
      placement: 'text',
      input: { headers: { 'content-type': 'text/plain; charset=utf-16' }, body: Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]) },
    },
    {
      name: 'utf16be',
      placement: 'body-json',
      input: { headers: { 'content-type': 'application/json; charset=utf-16be' }, body: Buffer.from(`{"v":"${s}"}`, 'utf16le').swap16() },
    },
    {
      name: 'gzip-json',
      placement: 'body-json',
      input: { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' }, body: gzipSync(`{"echo":"${s}"}`) },
    },
    {
      name: 'gzip-octet-stream',
      placement: 'text',
      input: { headers: { 'content-type': 'application/octet-stream', 'content-encoding': 'gzip' }, body: gzipSync(text) },
    },
    { name: 'gzip-image', placement: 'text', input: { headers: { 'content-type': 'image/png', 'content-encoding': 'gzip' }, body: gzipSync(text) } },
    {
      name: 'deflate-html',
      placement: 'html',
      input: { headers: { 'content-type': 'text/html', 'content-encoding': 'deflate' }, body: deflateSync(`<p>${s}</p>`) },
    },
    { name: 'br-text', placement: 'text', input: { headers: { 'content-type': 'text/plain', 'content-encoding': 'br' }, body: brotliCompressSync(text) } },
    { name: 'header-split', placement: 'header', input: { headers: { 'x-part-1': s.slice(0, half), 'x-part-2': s.slice(half) }, body: 'ok' } },
    { name: 'header-split-small-head', placement: 'header', input: { headers: { 'x-token-a': s.slice(0, small), 'x-token-b': s.slice(small) }, body: 'ok' } },
    {
      name: 'header-split-pct',
      placement: 'header',
      input: { headers: { 'x-a': encodeURIComponent(s.slice(0, half)), 'x-b': each(s.slice(half), (c) => `%${hex2(c)}`) }, body: 'ok' },
    },
    { name: 'ws-split-2', placement: 'websocket', input: { messages: [`{"chunk":"${s.slice(0, half)}`, `${s.slice(half)}"}`] } },
    { name: 'ws-split-small-head', placement: 'websocket', input: { messages: [s.slice(0, small), s.slice(small)] } },
    { name: 'ws-split-3', placement: 'websocket', input: { messages: [s.slice(0, third), s.slice(third, 2 * third), s.slice(2 * third)] } },
    { name: 'ws-binary', placement: 'websocket', input: { messages: [Buffer.from(`\x00\x01bin:${s}\xff`, 'latin1')] } },
    { name: 'ws-binary-split', placement: 'websocket', input: { messages: [Buffer.from(s.slice(0, half)), Buffer.from(s.slice(half))] } },
    { name: 'ws-ping', placement: 'websocket', input: { frames: [{ type: 'ping', data: `ping ${s}` }] } },
    { name: 'ws-pong', placement: 'websocket', input: { frames: [{ type: 'pong', data: s }] } },
    {
      name: 'ws-close',
      placement: 'websocket',
      input: { frames: [{ type: 'close', data: Buffer.concat([Buffer.from([0x0f, 0xa0]), Buffer.from(`bye ${s}`)]) }] },
    },
    {
      name: 'ws-ping-split',
      placement: 'websocket',
      input: {
        frames: [
          { type: 'ping', data: s.slice(0, half) },
          { type: 'ping', data: s.slice(half) },
        ],
      },
    },
  ];
}

/** Benign look-alikes for a secret `s` of a shape: none of them is the secret. */
function benign(shape: string, s: string, other: string): { name: string; placement: string; input: DetectionCase['input'] }[] {
  const short = s.slice(0, Math.min(8, prefixLength(s.length) - 4));
  return [
    { name: 'same-shape-other-value', placement: 'body-json', input: place('body-json', other) },
    { name: 'same-shape-other-header', placement: 'header', input: place('header', other) },
    { name: 'short-prefix', placement: 'text', input: place('text', `${short}${'*'.repeat(12)}`) },
    { name: 'masked-tail', placement: 'html', input: place('html', `••••${s.slice(-4)}`) },
    {
      name: 'other-json-u',
      placement: 'body-json',
      input: place(
        'body-json',
        each(other, (c) => u(c)),
      ),
    },
    { name: 'other-base64', placement: 'websocket', input: place('websocket', Buffer.from(other).toString('base64')) },
    { name: 'other-hex', placement: 'text', input: place('text', Buffer.from(other).toString('hex')) },
    { name: 'other-pct', placement: 'status', input: place('status', encodeURIComponent(other)) },
    { name: 'escaped-page', placement: 'html', input: place('html', `&lt;token&gt; &amp; 100%25 \\u0041 ${shape}`) },
    {
      name: 'other-utf16',
      placement: 'text',
      input: { headers: { 'content-type': 'text/plain; charset=utf-16le' }, body: Buffer.from(`value ${other}`, 'utf16le') },
    },
  ];
}

/** Every reflection case: ~300 attacks (every echo form x 5 secret shapes x its placements) and 50 benign. */
export function reflectionCases(): DetectionCase[] {
  seed = 1337;
  const cases: DetectionCase[] = [];
  for (const [shape, make] of Object.entries(SHAPES)) {
    const secret = make();
    const other = make();
    const secrets = { [shape]: secret };
    for (const f of FORMS) {
      for (const p of f.where) {
        cases.push({
          id: `reflection/${shape}/${f.name}/${p}`,
          scanner: 'reflection',
          kind: 'attack',
          category: f.name,
          placement: p,
          source: SOURCE,
          input: place(p, f.spell(secret)),
          secrets,
        });
      }
    }
    for (const x of special(secret)) {
      cases.push({
        id: `reflection/${shape}/${x.name}/${x.placement}`,
        scanner: 'reflection',
        kind: 'attack',
        category: x.name,
        placement: x.placement,
        source: SOURCE,
        input: x.input,
        secrets,
      });
    }
    for (const x of benign(shape, secret, other)) {
      cases.push({
        id: `reflection/${shape}/benign-${x.name}/${x.placement}`,
        scanner: 'reflection',
        kind: 'benign',
        category: `benign-${x.name}`,
        placement: x.placement,
        source: SOURCE,
        input: x.input,
        secrets,
      });
    }
  }
  return cases;
}
