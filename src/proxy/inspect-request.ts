import type { Finding } from '../inspect/finding.js';
import type { ResolvedProfile } from '../policy/types.js';
import { settle, type DlpSetup } from '../inspect/dlp/dlp-setup.js';
import { Rejection } from './errors-map.js';
import { requestBodyDecoder } from '../inspect/aws-chunked.js';
import { DecompressionBombError, type SafeDecompressor } from '../inspect/decompress.js';
import type { RequestContext } from './request-context.js';
import { endPaced, SCAN_LIMIT } from '../inspect/dlp/body-scanner.js';
import { INCOMPLETE } from '../inspect/dlp/engine.js';
import { ByteQueue } from '../inspect/byte-queue.js';
import { DEFAULT_SCAN_BUDGET_MS, eachSlice, ScanBudgetError, scanPaceOf, SLICE_BYTES, type ScanPace } from '../inspect/scan-pace.js';
import { jsonGroups, neighbourFindings } from '../inspect/dlp/sibling-joins.js';

/**
 * Raw body bytes kept back until the scanner has looked past them. The scanner works
 * on decoded text and scans once 16 KiB + 64 characters are pending; a JSON `\uXXXX`
 * escape is 6 raw bytes for one character, so the raw hold is six times that (plus
 * margin). Otherwise escape padding could push a secret out before it was scanned.
 */
const BODY_HOLD = 6 * (16 * 1024 + 64) + 4096;

function blocked(findings: readonly Finding[], rule: string | null): Rejection {
  const what = [...new Set(findings.map((f) => `${f.type} in ${f.location}${f.encoding ? ` (${f.encoding})` : ''}`))].join(', ');
  return new Rejection('dlp_blocked', `the request carries data that must not leave: ${what}`, rule);
}

/**
 * Hostname exfiltration (`<secret-as-hex>.attacker.example`), checked before the name
 * is looked up anywhere. A finding also keeps the name out of the audit trail.
 */
export function inspectHostname(dlp: DlpSetup, ctx: Pick<RequestContext, 'host' | 'hostText' | 'findings' | 'auditHost'>): void {
  if (!dlp.hostnames || ctx.host?.kind !== 'name') return;
  const findings = settle(dlp.scanner.scanHostname(ctx.hostText), dlp, undefined);
  if (findings.length === 0) return;
  ctx.findings.push(...findings);
  ctx.auditHost = redactHost(ctx.hostText);
  const stop = findings.filter((f) => f.action !== 'warn');
  if (stop.length > 0) throw blocked(stop, null);
}

/**
 * URL and headers as the agent sent them (before any credential is injected). Block
 * findings refuse the request; redact findings rewrite the value in place.
 */
export function inspectHead(
  dlp: DlpSetup,
  ctx: RequestContext,
  profile: ResolvedProfile,
  view: { path: string; headers: Record<string, string | string[]> },
): void {
  const level = profile.dlp;
  if (level === 'off') return;
  const rule = ctx.decision?.rule ?? null;
  const urlFindings = settle(dlp.scanner.scanUrl(view.path), dlp, level);
  const headerFindings = settle(dlp.scanner.scanHeaders(view.headers), dlp, profile.dlp);
  // a secret cut into neighbouring parts blocks: no one part holds it to redact
  const joinFindings = settle(dlp.scanner.scanRequestJoins(view.path, view.headers), dlp, profile.dlp).map((f) =>
    f.action === 'redact' ? { ...f, action: 'block' as const } : f,
  );
  const all = [...urlFindings, ...headerFindings, ...joinFindings];
  if (all.length === 0) return;
  ctx.findings.push(...all);
  if (urlFindings.length > 0) ctx.auditPath = dlp.scanner.redact(ctx.target.split('?')[0] ?? '', urlFindings);
  // What DLP could not read cannot be redacted either: it blocks.
  const stop = all.filter((f) => f.action === 'block' || (f.action === 'redact' && f.type === INCOMPLETE));
  if (stop.length > 0) throw blocked(stop, rule);
  const redactUrl = urlFindings.filter((f) => f.action === 'redact');
  if (redactUrl.length > 0) view.path = dlp.scanner.redact(view.path, redactUrl);
  for (const f of headerFindings.filter((x) => x.action === 'redact')) {
    const name = f.location.startsWith('header:') ? f.location.slice(7) : '';
    const v = view.headers[name];
    if (typeof v === 'string') view.headers[name] = dlp.scanner.redact(v, [f]);
    else if (Array.isArray(v)) view.headers[name] = v.map((x) => dlp.scanner.redact(x, [f]));
  }
}

/**
 * The request body, scanned as it streams. Bytes are released only once the scanner
 * has looked past them (a trailing window stays back), so when a secret is found the
 * upstream has received none of it and the request is aborted. Redaction inside a
 * streamed body is not done: a redact finding there blocks (fail closed).
 *
 * A body the scanner cannot read to the end (past `inspect.dlp.max_body_bytes`, plain
 * or decoded) is refused, 413 `body_too_large_to_scan`, unless `inspect.dlp.on_incomplete`
 * is `warn`; a plain body that declares such a length is refused before it is dialled.
 */
export function inspectBody(dlp: DlpSetup, ctx: RequestContext, profile: ResolvedProfile, body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const level = profile.dlp;
  const declared = Number(headerValue(ctx.req.headers['content-length']) ?? NaN);
  const encoded = (ctx.req.headers['content-encoding'] ?? 'identity').trim().toLowerCase() !== 'identity';
  if (level !== 'off' && !encoded && declared > dlp.maxBodyBytes) {
    const f = settle(
      [{ type: SCAN_LIMIT, location: 'body', action: dlp.scanner.limitAction, detail: `body of ${declared} bytes, beyond ${dlp.maxBodyBytes} scanned` }],
      dlp,
      profile.dlp,
    );
    if (f.some((x) => x.action !== 'warn')) {
      ctx.findings.push(...f);
      throw tooLarge(ctx.decision?.rule ?? null);
    }
  }
  return scanBody(dlp, ctx, profile, body);
}

async function* scanBody(dlp: DlpSetup, ctx: RequestContext, profile: ResolvedProfile, body: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  const level = profile.dlp;
  if (level === 'off') {
    // No scan, but the readers before this one (the `_method` reader) still spend the
    // exchange's budget: past it, the same refusal as a scan's.
    try {
      for await (const chunk of body) yield chunk;
    } catch (err) {
      overBudget(ctx, err, ctx.decision?.rule ?? null);
    }
    return;
  }
  const scanner = dlp.scanner.bodyScanner(headerValue(ctx.req.headers['content-type']));
  const rule = ctx.decision?.rule ?? null;
  // A compressed body is scanned as the upstream will read it (decoded, with the bomb
  // limits); the bytes forwarded are the agent's own. An encoding the gate cannot read
  // is refused: what cannot be scanned does not leave. Past the scan limit (under
  // `on_incomplete: warn`) decoding goes on, unscanned, so a bomb or a corrupt tail is
  // still refused.
  const decoder = requestDecoder(ctx, dlp);
  // Chunks as they came, not one growing buffer re-concatenated per chunk: a body sent
  // as many tiny chunks must not cost a copy of the whole hold each time.
  const held = new ByteQueue();
  // Scanning in bounded slices, the event loop getting turns between them, within the
  // exchange's CPU budget: one body must not stall every other agent.
  const pace = scanPaceOf(ctx, dlp.scanBudgetMs ?? DEFAULT_SCAN_BUDGET_MS);
  const push = (data: Buffer): Promise<void> => eachSlice(pace, data, (piece) => scanner.push(piece), check);
  const check = (found: Finding[]): void => {
    const settled = settle(found, dlp, profile.dlp);
    ctx.findings.push(...settled);
    const stop = settled.filter((f) => f.action !== 'warn');
    if (stop.length === 0) return;
    throw stop.every((f) => f.type === SCAN_LIMIT) ? tooLarge(rule) : blocked(stop, rule);
  };
  const scan = async (chunk: Buffer | null): Promise<void> => {
    if (!decoder) {
      if (chunk) await push(chunk);
      return;
    }
    try {
      const plain = chunk ? await decoder.push(chunk) : await decoder.end();
      for (const p of plain) await push(p);
    } catch (err) {
      if (err instanceof Rejection || err instanceof ScanBudgetError) throw err;
      const bomb = err instanceof DecompressionBombError;
      const f: Finding = { type: bomb ? 'decompression_bomb' : 'body_unreadable', location: 'body', action: 'block' };
      ctx.findings.push(f);
      throw new Rejection(
        bomb ? 'decompression_bomb' : 'bad_request',
        bomb
          ? 'the request body expands beyond the decompression limits; refused'
          : 'the request body cannot be decoded for inspection (corrupt or truncated); refused',
        rule,
      );
    }
  };
  let released = false;
  try {
    for await (const chunk of body) {
      await scan(chunk);
      held.push(chunk);
      // Release in steps of at least a slice: many tiny chunks go on as one write.
      // An unlabelled compressed upload is read whole at its end: nothing goes before that.
      if (!scanner.holding && held.length >= BODY_HOLD + SLICE_BYTES) {
        released = true;
        yield* held.take(held.length - BODY_HOLD);
      }
    }
    await scan(null);
    check(await endPaced(scanner, pace));
    // A JSON or form body held whole: a secret cut across neighbouring values (joins
    // block: no one value holds it to redact).
    if (!released && !decoder && held.length > 0 && held.length <= JOIN_BODY_MAX) {
      const whole = held.take(held.length)[0]!;
      held.push(whole);
      const joins = bodyJoins(whole, headerValue(ctx.req.headers['content-type']) ?? '', dlp, pace);
      check(joins.map((f) => (f.action === 'redact' ? { ...f, action: 'block' as const } : f)));
    }
  } catch (err) {
    overBudget(ctx, err, rule);
  }
  yield* held.takeAll();
}

/**
 * JSON and form bodies up to this size (held whole before anything leaves) have their
 * neighbouring values joined: API calls with fields to split a key across; an LLM
 * conversation is larger, and its parse and walk would cost more than its scan.
 */
const JOIN_BODY_MAX = 16 * 1024;
const JSON_TYPE = /^\s*application\/(?:[\w.+-]*\+)?json\s*(?:;|$)/i;
const FORM_TYPE = /^\s*application\/x-www-form-urlencoded\s*(?:;|$)/i;

/**
 * What the joins of neighbouring values of a JSON or form body show (`{"a": "AKIAIOSF",
 * "b": "ODNN7EXAMPLE"}`, `a=AKIAIOSF&b=ODNN7EXAMPLE`): one scan of the joined values,
 * within the exchange's budget. A body that is neither has no values to join (the stream
 * scan has read its bytes).
 */
function bodyJoins(body: Buffer, type: string, dlp: DlpSetup, pace: ScanPace): Finding[] {
  if (FORM_TYPE.test(type)) {
    // the same joins as a URL's query values: pairs and triples of neighbours
    return settle(
      pace.run(() => dlp.scanner.scanRequestJoins(`/?${body.toString('latin1')}`, {})),
      dlp,
      undefined,
    ).map((f) => ({ ...f, location: 'body.form' }));
  }
  if (!JSON_TYPE.test(type)) return [];
  return settle(
    pace.run(() => neighbourFindings(dlp.scanner, jsonGroups(body), 'body.json', true)),
    dlp,
    undefined,
  );
}

/**
 * A request body whose inspection (DLP, or the MCP intake's reading) outran the
 * exchange's budget is refused, with its finding; any other error is thrown on.
 */
export function overBudget(ctx: Pick<RequestContext, 'findings'>, err: unknown, rule: string | null): never {
  if (!(err instanceof ScanBudgetError)) throw err;
  ctx.findings.push({ type: 'inspection_budget_exceeded', location: 'body', action: 'block', detail: err.message });
  throw new Rejection('inspection_budget_exceeded', `the request body could not be inspected within its budget (${err.message}); refused`, rule);
}

/** A decoder for a compressed request body, or null when it is not compressed. Throws a Rejection for an unknown encoding. */
function requestDecoder(ctx: RequestContext, dlp: DlpSetup): SafeDecompressor | null {
  const enc = ctx.req.headers['content-encoding'];
  if (enc === undefined || enc.trim() === '' || enc.trim().toLowerCase() === 'identity') return null;
  try {
    return requestBodyDecoder(enc, { maxOutputBytes: dlp.maxDecodedBytes ?? Math.max(64 * 1024 * 1024, dlp.maxBodyBytes + 1), maxRatio: 1000 });
  } catch {
    ctx.findings.push({ type: 'body_unreadable', location: 'body', action: 'block', detail: 'unsupported content-encoding' });
    throw new Rejection(
      'unsupported_encoding',
      `the request body's content-encoding cannot be decoded for inspection (gzip, deflate, br, aws-chunked and identity can); refused`,
      ctx.decision?.rule ?? null,
    );
  }
}

function tooLarge(rule: string | null): Rejection {
  return new Rejection(
    'body_too_large_to_scan',
    'the request body (decoded, if compressed) is larger than DLP reads (inspect.dlp.max_body_bytes); nothing unscanned leaves, refused',
    rule,
  );
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** Keep the registrable-looking end of a name, drop the labels that carried data. */
export function redactHost(host: string): string {
  const labels = host.split('.');
  return labels.length <= 2 ? '[redacted]' : `[redacted].${labels.slice(-2).join('.')}`;
}
