/**
 * The reflection evaluator: what the agent would receive from the gate for a case's
 * response (the gate's own scrubber, applied as the gate applies it: status reason,
 * header values read joined, the body decoded from its content-encoding, one scrubber
 * per WebSocket session for messages and one for control payloads), and then, by an
 * independent reading (whole-text decoding of every escape layer, base64, hex,
 * UTF-16), whether any spelling of the secret or of a prefix long enough to matter is
 * left. Attack: true when none is. Benign: true when the scrubber changed anything
 * (a false positive).
 *
 * @example
 * const ok = evaluate(c); // attack: secret gone; benign: response altered
 */
import { brotliDecompressSync, gunzipSync, inflateSync } from 'node:zlib';
import { prefixLength, reflectionNeedles } from '../../src/credentials/reflection-needles.js';
import { ReflectionScrubber, scrubHeaders } from '../../src/credentials/reflection-scrubber.js';
import type { DetectionCase } from './case.js';

interface Received {
  /** Everything the agent reads, as separate texts and joined where the gate joins (headers, messages). */
  parts: Buffer[];
  changed: boolean;
}

function decodeBody(body: Buffer, encoding: string | undefined): Buffer {
  if (encoding === 'gzip') return gunzipSync(body);
  if (encoding === 'deflate') return inflateSync(body);
  if (encoding === 'br') return brotliDecompressSync(body);
  return body;
}

/** Push in uneven chunks, as a network would deliver them. */
function streamed(s: ReflectionScrubber, buf: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let at = 0, k = 0; at < buf.length; k++) {
    const n = 1 + ((k * 7) % 13);
    out.push(s.push(buf.subarray(at, at + n)));
    at += n;
  }
  return Buffer.concat(out);
}

function receive(c: DetectionCase, needles: readonly Buffer[]): Received {
  const parts: Buffer[] = [];
  let changed = false;
  const { headers, body, status, messages, frames } = c.input;
  if (status) {
    const r = scrubHeaders({ reason: status.reason }, needles);
    changed ||= r.replaced > 0;
    parts.push(Buffer.from(r.headers.reason, 'latin1'));
  }
  if (headers) {
    const { 'content-encoding': ce, ...rest } = headers;
    const r = scrubHeaders(rest, needles);
    changed ||= r.replaced > 0;
    const values = Object.values(r.headers).filter((v): v is string => typeof v === 'string');
    parts.push(...values.map((v) => Buffer.from(v, 'latin1')), Buffer.from(values.join(''), 'latin1'));
    if (body !== undefined) {
      const plain = decodeBody(Buffer.from(body), ce);
      const s = new ReflectionScrubber(needles);
      parts.push(Buffer.concat([streamed(s, plain), s.end()]));
      changed ||= s.replaced > 0;
    }
  }
  const data = new ReflectionScrubber(needles);
  const control = new ReflectionScrubber(needles, { replacement: '[REDACTED]' });
  const sent: Buffer[] = [];
  const all = [...(messages ?? []).map((m) => ({ type: typeof m === 'string' ? 'text' : 'binary', data: m })), ...(frames ?? [])];
  for (const f of all) {
    const payload = Buffer.from(f.data);
    const isControl = f.type === 'ping' || f.type === 'pong' || f.type === 'close';
    const s = isControl ? control : data;
    const head = f.type === 'close' ? payload.subarray(0, 2) : Buffer.alloc(0);
    const out = Buffer.concat([head, streamed(s, payload.subarray(head.length)), s.cut()]);
    sent.push(isControl ? out.subarray(0, 125) : out);
  }
  if (sent.length > 0) {
    changed ||= data.replaced + control.replaced > 0;
    parts.push(...sent, Buffer.concat(sent));
  }
  return { parts, changed };
}

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  plus: '+',
  equals: '=',
  sol: '/',
  percnt: '%',
  commat: '@',
  excl: '!',
  tilde: '~',
  lowbar: '_',
  colon: ':',
  num: '#',
};

/** One text read every way a client could: escapes of each kind decoded, line breaks removed. */
function views(buf: Buffer): string[] {
  const raw = buf.toString('latin1');
  const json = raw
    .replace(/\\u([0-9a-fA-F]{4})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/\\(["\\/])/g, '$1')
    .replace(/\\n/g, '\n');
  const html = json
    .replace(/&#x([0-9a-f]+);?/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)))
    .replace(/&#(\d+);?/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&([a-z]+);/gi, (m, n: string) => NAMED[n] ?? m);
  const pct = html.replace(/%([0-9a-f]{2})/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
  const out = [raw, json, html, pct].flatMap((v) => [v, v.replace(/[\r\n]/g, '')]);
  for (const at of [0, 1]) {
    const b = buf.subarray(at, buf.length - ((buf.length - at) % 2));
    out.push(b.toString('utf16le'), Buffer.from(b).swap16().toString('utf16le'));
  }
  return out;
}

/** The spellings of a value a reader would recognise in a decoded view. */
function spellings(value: string): string[] {
  const b = Buffer.from(value);
  const forms = [value, b.toString('hex'), b.toString('hex').toUpperCase()];
  for (const offset of [0, 1, 2]) {
    for (const enc of ['base64', 'base64url'] as const) {
      const text = Buffer.concat([Buffer.alloc(offset), b]).toString(enc);
      forms.push(text.slice(Math.ceil((offset * 8) / 6), Math.floor(((offset + b.length) * 8) / 6)));
    }
  }
  return forms;
}

/** Whether any spelling of `secret` (or of its prefix) can be read in `parts`. */
export function leaks(parts: readonly Buffer[], secret: string): boolean {
  const p = prefixLength(secret.length);
  const forms = [...spellings(secret), ...(p > 0 ? spellings(secret.slice(0, p)) : [])];
  return parts.some((part) => views(part).some((v) => forms.some((f) => v.includes(f))));
}

/** `needlesOf`: another needle list to evaluate (the bench compares the old fixed list; a test checks none fails). */
export function evaluate(c: DetectionCase, needlesOf: (secret: Buffer) => readonly Buffer[] = reflectionNeedles): boolean {
  const secrets = Object.values(c.secrets ?? {});
  const needles = Object.freeze(secrets.flatMap((s) => [...needlesOf(Buffer.from(s))]));
  const got = receive(c, needles);
  if (c.kind === 'benign') return got.changed;
  return secrets.every((s) => !leaks(got.parts, s));
}
