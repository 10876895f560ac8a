/**
 * Forensics capture of one exchange: what the agent sent (its request head, without
 * its gate token, and its body before the gate added or took anything) and what the
 * agent received (the status, headers and body the gate wrote back), each body kept
 * up to a bound, written as one JSON file under `<data_dir>/forensics/<session>/` when
 * the exchange ends.
 *
 * Never a secret on disk: an injected credential is added to the upstream request,
 * never to what the agent sent, and the gate scrubs it from what the upstream
 * reflects; every text is then redacted by the DLP scanner (as approval diffs are),
 * and each needle of the exchange's injected secret is replaced once more. Headers
 * that carry credentials by name (authorization, cookies, API keys) keep no value. A body
 * with a content encoding is not decoded: only its size and encoding are kept.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { OutgoingHttpHeaders } from 'node:http';
import type { DlpScanner } from '../inspect/dlp/scanner.js';
import type { Exchange } from './pipeline/exchange.js';

/** Each body kept up to this many bytes (the rest is counted, not kept). */
export const FORENSICS_BODY_BYTES = 1024 * 1024;

/** Request headers never kept: the agent's gate token. */
const DROPPED = new Set(['proxy-authorization']);

/**
 * Headers whose values are credentials whatever their shape (a session cookie the DLP
 * scanner has no pattern for): kept as their name only, both ways.
 */
const WITHHELD = new Set(['authorization', 'cookie', 'set-cookie', 'x-api-key', 'x-auth-token', 'proxy-authenticate']);

/** One exchange as `sluice forensics show` prints it. */
export interface ForensicsExchange {
  decision_id: string;
  time: string;
  session: string;
  agent: string;
  tenant: string;
  outcome: string | null;
  reason: string | null;
  rule: string | null;
  request: { method: string; url: string; headers: Record<string, string>; body: string; body_bytes: number; truncated: boolean };
  response: { status: number; headers: Record<string, string>; body: string; body_bytes: number; truncated: boolean };
}

/** A body kept up to the bound, and the bytes seen in all. */
class Kept {
  readonly parts: Buffer[] = [];
  kept = 0;
  seen = 0;

  add(chunk: unknown, encoding?: unknown): void {
    if (chunk == null || typeof chunk === 'function') return;
    const b = Buffer.isBuffer(chunk)
      ? chunk
      : typeof chunk === 'string'
        ? Buffer.from(chunk, typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8')
        : chunk instanceof Uint8Array
          ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
          : null;
    if (b === null) return;
    this.seen += b.length;
    const room = FORENSICS_BODY_BYTES - this.kept;
    if (room <= 0) return;
    const part = b.length <= room ? Buffer.from(b) : Buffer.from(b.subarray(0, room));
    this.parts.push(part);
    this.kept += part.length;
  }
}

/**
 * Start capturing `x` (its session is under forensics): tap the agent's body as the
 * gate reads it and the response as the gate writes it; write the file on close.
 *
 * @example
 * if (x.principal && forensics.store.active(x.principal.session)) captureExchange(x, forensics.dir);
 */
export function captureExchange(x: Exchange, dir: string): void {
  const p = x.principal!;
  const req = x.req;
  const res = x.res;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (!DROPPED.has(k) && v !== undefined) headers[k] = Array.isArray(v) ? v.join(', ') : v;
  // An intercepted request's target is origin-form: say which origin it went to.
  const target = req.url ?? '';
  const url = target.startsWith('/') && x.tunnel !== undefined ? `https://${headers.host ?? ''}${target}` : target;
  const method = req.method ?? '';
  const sent = new Kept();
  const got = new Kept();
  // Every reader of the body (the MCP intake, approvals, inspect-out) takes it with read().
  const read = req.read.bind(req);
  req.read = (size?: number): unknown => {
    const c = read(size) as unknown;
    sent.add(c);
    return c;
  };
  const write = res.write.bind(res) as (...a: unknown[]) => boolean;
  const end = res.end.bind(res) as (...a: unknown[]) => typeof res;
  (res as { write: unknown }).write = (...a: unknown[]): boolean => {
    got.add(a[0], a[1]);
    return write(...a);
  };
  (res as { end: unknown }).end = (...a: unknown[]): typeof res => {
    got.add(a[0], a[1]);
    return end(...a);
  };
  res.once('close', () => {
    const scanner = x.state.dlp.scanner;
    const needles = (x.up?.scrub ?? []).map((b) => b.toString('latin1')).filter((s) => s.length >= 4);
    const clean = (text: string): string => scrubNeedles(redactAll(scanner, text), needles);
    const record: ForensicsExchange = {
      decision_id: x.decisionId,
      time: x.time,
      session: p.session,
      agent: p.agent,
      tenant: p.tenant,
      outcome: x.outcome ?? null,
      reason: x.reason ?? x.decision?.reason ?? null,
      rule: x.decision?.rule ?? null,
      request: {
        method,
        url: clean(url),
        headers: cleanHeaders(headers, clean),
        body: bodyText(sent, headers['content-encoding'], clean),
        body_bytes: sent.seen,
        truncated: sent.seen > sent.kept,
      },
      response: {
        status: res.statusCode,
        headers: cleanHeaders(flatHeaders(res.getHeaders()), clean),
        body: bodyText(got, headerValue(res.getHeader('content-encoding')), clean),
        body_bytes: got.seen,
        truncated: got.seen > got.kept,
      },
    };
    void writeExchange(dir, record).catch((err: unknown) => x.gate.logger.error({ err, decision_id: x.decisionId }, 'forensics: could not write the exchange'));
  });
}

/** The folder of one session's exchanges (a session id that is not a plain name is hex-encoded). */
export function sessionDir(dir: string, session: string): string {
  return join(dir, /^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(session) ? session : `x-${Buffer.from(session).toString('hex')}`);
}

async function writeExchange(dir: string, r: ForensicsExchange): Promise<void> {
  const folder = sessionDir(dir, r.session);
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await writeFile(join(folder, `${r.time.replace(/[:.]/g, '-')}-${r.decision_id}.json`), `${JSON.stringify(r, null, 2)}\n`, { mode: 0o600 });
}

function redactAll(scanner: DlpScanner, text: string): string {
  if (text === '') return text;
  return scanner.redactText(text, scanner.scanText(text, 'forensics'));
}

function scrubNeedles(text: string, needles: readonly string[]): string {
  let out = text;
  for (const n of needles) if (out.includes(n)) out = out.split(n).join('[REDACTED:credential]');
  return out;
}

function cleanHeaders(h: Record<string, string>, clean: (t: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k] = WITHHELD.has(k.toLowerCase()) ? `[REDACTED:${k.toLowerCase()} header]` : clean(v);
  return out;
}

function flatHeaders(h: OutgoingHttpHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : String(v);
  return out;
}

function headerValue(v: string | number | string[] | undefined): string | undefined {
  return v === undefined ? undefined : Array.isArray(v) ? v.join(', ') : String(v);
}

function bodyText(k: Kept, encoding: string | undefined, clean: (t: string) => string): string {
  if (k.seen === 0) return '';
  if (encoding !== undefined && encoding !== '' && encoding.toLowerCase() !== 'identity') return `(${encoding}-encoded body, ${k.seen} bytes, not kept)`;
  return clean(Buffer.concat(k.parts).toString('utf8'));
}
