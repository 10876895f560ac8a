/**
 * Where an outbound payload sits in a request: each placement turns an encoded payload
 * (text or bytes) into the request an agent would send, quoting it the way that
 * carrier must (a URL percent-encodes, a header value cannot hold a line break or a
 * NUL, JSON escapes).
 *
 * @example
 * PLACEMENTS.cookie('QUtJQQ==') // { url: '/api/items', headers: { cookie: 'sid=...; data=QUtJQQ%3D%3D' } }
 */
import type { DetectionCase } from './case.js';
import type { Encoded } from './dlp-encodings.js';

export type Input = DetectionCase['input'];
export type Placement = (payload: Encoded, charset?: string) => Input;

/** Bytes of a payload as the wire carries them (text as UTF-8). */
const bytes = (p: Encoded): Buffer => (typeof p === 'string' ? Buffer.from(p, 'utf8') : p);
/** Percent-encode every byte outside the unreserved set. */
export const pct = (p: Encoded): string =>
  Array.from(bytes(p), (b) =>
    /[A-Za-z0-9._~-]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`,
  ).join('');
/** A header value as Node hands it to the gate: the wire bytes, one char per byte. */
const headerValue = (p: Encoded): string => {
  if (typeof p !== 'string' || p.includes('\0')) return pct(p);
  return Buffer.from(p.replace(/\r?\n/g, ' '), 'utf8').toString('latin1');
};
const cookieValue = (p: Encoded): string => (typeof p === 'string' && /^[\x21-\x7e]*$/.test(p) && !/[;,"\\]/.test(p) ? p : pct(p));

export const PLACEMENTS: Record<string, Placement> = {
  url: (p) => ({ method: 'GET', url: `/api/v1/search?q=status&data=${pct(p)}&page=2` }),
  header: (p) => ({ method: 'GET', url: '/api/v1/items', headers: { 'x-trace-context': headerValue(p) } }),
  cookie: (p) => ({ method: 'GET', url: '/dashboard', headers: { cookie: `sid=8f14e45fceea167a; data=${cookieValue(p)}; theme=dark` } }),
  'body-json': (p) => ({
    method: 'POST',
    url: '/api/v1/notes',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'notes', content: typeof p === 'string' ? p : p.toString('latin1'), tags: ['ops'] }),
  }),
  'body-form': (p) => ({
    method: 'POST',
    url: '/submit',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `name=report&data=${pct(p)}&ok=1`,
  }),
  multipart: (p) => {
    const b = '----sluiceBoundary7MA4YWxkTrZu0gW';
    const body = Buffer.concat([
      Buffer.from(
        `--${b}\r\nContent-Disposition: form-data; name="title"\r\n\r\nlogs\r\n--${b}\r\nContent-Disposition: form-data; name="file"; filename="dump.bin"\r\nContent-Type: application/octet-stream\r\n\r\n`,
      ),
      bytes(p),
      Buffer.from(`\r\n--${b}--\r\n`),
    ]);
    return { method: 'POST', url: '/upload', headers: { 'content-type': `multipart/form-data; boundary=${b}` }, body };
  },
  text: (p, charset) => ({
    method: 'POST',
    url: '/paste',
    headers: { 'content-type': charset ? `text/plain; charset=${charset}` : 'text/plain' },
    body: typeof p === 'string' ? p : p,
  }),
  websocket: (p) => ({ url: '/ws', messages: [typeof p === 'string' ? 'hello' : Buffer.from('hello'), p] }),
};

/** A raw upload with no Content-Encoding (a gzip, zip, tar or git pack as the body). */
export function upload(body: Buffer, contentType: string, url = '/upload'): Input {
  return { method: 'POST', url, headers: { 'content-type': contentType }, body };
}
