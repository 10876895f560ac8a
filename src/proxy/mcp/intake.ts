/**
 * Recognising MCP in a request body, on any connection the gate reads (plain HTTP
 * or intercepted TLS), whatever the URL and whether it is labelled JSON, text/plain or
 * not at all: a POST whose body is JSON-RPC with an MCP method (or only responses, on a conversation already known as MCP) goes
 * through the MCP guard message by message. Everything else streams on untouched.
 *
 * Only JSON bodies are read ahead, and only up to `maxMessageBytes`: a larger body
 * that announces JSON-RPC is refused (413, nothing forwarded); one that does not is
 * passed on as an ordinary body (the bytes read ahead first, then the rest).
 *
 * @example
 * const intake = await intakeMcp(gate, state, ctx);
 * if (intake.kind === 'reply') return answer(ctx, intake.payload);
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { McpChannel } from '../../mcp/channel.js';
import type { ClientStep } from '../../mcp/guard.js';
import { jsonRpcError } from '../../inspect/mcp/jsonrpc.js';
import { REFUSALS } from '../../refusals.js';
import { unreadableReason } from '../../inspect/mcp/recognise.js';
import { couldBeJson, JsonRpcMention, mentionsJsonRpc } from '../../inspect/mcp/rpc-markers.js';
import { recogniseRequestPaced } from './charset.js';
import { DEFAULT_SCAN_BUDGET_MS, scanPaceOf } from '../../inspect/scan-pace.js';
import { overBudget } from '../inspect-request.js';
import type { JsonRpcMessage } from '../../inspect/mcp/jsonrpc.js';
import { isMcpMethod } from '../../inspect/mcp/messages.js';
import { Rejection } from '../errors-map.js';
import { createSafeDecompressor, DecompressionBombError } from '../../inspect/decompress.js';
import type { GateServices, GateState } from '../gate-runtime.js';
import type { RequestContext } from '../request-context.js';
import { channelKey } from './channels.js';
import { channelInfo } from './channel-info.js';
import { guardA2a, isA2aPayload } from '../a2a/request.js';
import { mcpCandidate } from './answer.js';
import { headerText } from '../header-text.js';
import { requestBody } from '../framing-guard.js';

export type McpIntake =
  /** Not MCP. `body` replays what was read ahead, then the rest; null when nothing was read. */
  | { kind: 'pass'; body: AsyncIterable<Buffer> | null }
  /** The gate answers the client itself: a JSON-RPC payload (null: 202 with no body). */
  | { kind: 'reply'; payload: unknown; refusal: { error: string; rule: string | null } | null }
  /** Forward `body` (the same bytes, or a rewritten message), then guard the response: on `channel` (MCP), or as A2A. */
  | { kind: 'forward'; body: Buffer; channel: McpChannel; protocol: 'mcp'; /** The body is the gate's own (uncompressed) JSON. */ rewritten?: true }
  | { kind: 'forward'; body: Buffer; channel: null; protocol: 'a2a' };

/**
 * Read and guard an MCP request; see the module comment.
 */
export async function intakeMcp(gate: GateServices, state: GateState, ctx: RequestContext): Promise<McpIntake> {
  const req = ctx.req;
  if (!mcpCandidate(req)) return { kind: 'pass', body: null };
  const max = state.mcp.settings.maxMessageBytes;
  const it = requestBody(req);
  const head: Buffer[] = [];
  let size = 0;
  // A body of declared length is copied into place as it comes: gathered and joined at
  // the end, a 4 MiB body was one call of ~12 ms here, most of it the first touch of the
  // joined copy's fresh pages (the event loop waits for all of it); a piece at a time,
  // each turn pays for 64 KiB.
  const declared = Number(req.headers['content-length'] ?? -1);
  let whole = Number.isSafeInteger(declared) && declared > 0 && declared <= max ? Buffer.allocUnsafe(declared) : null;
  for (;;) {
    const n = await it.next();
    if (n.done) break;
    const chunk = n.value;
    ctx.bytesIn += chunk.length;
    if (whole !== null && size + chunk.length <= whole.length) chunk.copy(whole, size);
    else {
      if (whole !== null) head.push(whole.subarray(0, size));
      whole = null;
      head.push(chunk);
    }
    size += chunk.length;
    if (size > max) {
      const enc = headerText(req.headers['content-encoding']);
      const prefix = await prefixText(Buffer.concat(head), enc);
      if (prefix === null || (couldBeJson(prefix) && mentionsJsonRpc(prefix))) {
        throw new Rejection(
          'message_too_large',
          `the JSON-RPC message is over ${max} bytes (mcp.max_message_bytes); nothing was forwarded`,
          ctx.decision?.rule ?? null,
        );
      }
      // Passed on as ordinary, but watched: should it turn out to be JSON-RPC after all, it is cut before its end.
      return { kind: 'pass', body: replay(head, it, ctx, couldBeJson(prefix) && isIdentity(enc) ? watcher(prefix) : null) };
    }
  }
  const body = whole !== null ? whole.subarray(0, size) : head.length === 1 ? head[0]! : Buffer.concat(head);
  // A compressed body is read decoded: compression must not be a way around the guard.
  const plain = await decoded(body, headerText(req.headers['content-encoding']), max);
  if (plain === 'bomb')
    throw new Rejection(
      'decompression_bomb',
      'the request body expands beyond the decompression limits (a decompression bomb); refused',
      ctx.decision?.rule ?? null,
    );
  if (plain !== null && !Buffer.isBuffer(plain)) {
    // Past the bound: refused only when it announces JSON-RPC, like an uncompressed body.
    if (couldBeJson(plain.tooLarge) && mentionsJsonRpc(plain.tooLarge)) {
      throw new Rejection(
        'message_too_large',
        `the decoded JSON-RPC body is over ${max} bytes (mcp.max_message_bytes); nothing was forwarded`,
        ctx.decision?.rule ?? null,
      );
    }
    return { kind: 'pass', body: replay([body], null, ctx) };
  }
  if (plain === null) return { kind: 'pass', body: replay([body], null, ctx) };
  const sid = transportSession(req.headers, ctx.target);
  const key = channelKey(ctx.principal?.session ?? null, ctx.scheme, ctx.hostText, ctx.port, sid);
  const known = gate.mcp.channels.find(key) !== null || req.headers['mcp-protocol-version'] !== undefined;
  let parsed = recogniseRequestPaced(
    plain,
    headerText(req.headers['content-type']),
    known,
    max,
    scanPaceOf(ctx, state.dlp.scanBudgetMs ?? DEFAULT_SCAN_BUDGET_MS),
  );
  if (parsed instanceof Promise) parsed = await parsed.catch((err: unknown) => overBudget(ctx, err, ctx.decision?.rule ?? null));
  if (parsed.kind === 'unreadable') {
    throw new Rejection('jsonrpc_unreadable', `${unreadableReason(parsed)}; nothing was forwarded`, ctx.decision?.rule ?? null);
  }
  if (parsed.kind === 'ordinary') return { kind: 'pass', body: replay([body], null, ctx) };
  if (isA2aPayload(parsed.messages)) {
    const step = guardA2a(state, ctx, parsed.messages, parsed.batch);
    return step.kind === 'reply' ? step : { kind: 'forward', body, channel: null, protocol: 'a2a' };
  }
  const mcp = parsed.messages.some((m) => (m.kind === 'request' || m.kind === 'notification') && isMcpMethod(m.method));
  if (!mcp && !(known && parsed.messages.every((m) => m.kind === 'result' || m.kind === 'error'))) {
    return { kind: 'pass', body: replay([body], null, ctx) };
  }
  const channel = gate.mcp.channels.get(key, () => channelInfo(state, ctx));
  const meta = { parentId: ctx.decisionId, bytes: parsed.batch ? 0 : body.length };
  const steps: ClientStep[] = [];
  for (const m of parsed.messages) steps.push(await gate.mcp.guard.client(channel, m, parsed.batch ? { ...meta, bytes: JSON.stringify(m.raw).length } : meta));
  if (steps.every((s) => s.kind === 'forward')) return { kind: 'forward', body, channel, protocol: 'mcp' };
  if (!parsed.batch) {
    const s = steps[0]!;
    if (s.kind === 'reply' && channel.deliver) {
      // The old HTTP+SSE transport reads answers from its event stream; the POST only gets 202.
      channel.deliver(s.message);
      return { kind: 'reply', payload: null, refusal: refusalOf(s.message) };
    }
    if (s.kind === 'reply') return { kind: 'reply', payload: s.message, refusal: refusalOf(s.message) };
    if (s.kind === 'drop') return { kind: 'reply', payload: null, refusal: { error: 'dlp_blocked', rule: null } };
    if (s.kind === 'replace') return { kind: 'forward', body: Buffer.from(JSON.stringify(s.message)), channel, protocol: 'mcp', rewritten: true };
  }
  const answers = refuseBatch(gate, channel, parsed.messages, steps, ctx.decisionId);
  if (channel.deliver) {
    for (const a of answers) channel.deliver(a as Record<string, unknown>);
    return { kind: 'reply', payload: null, refusal: { error: 'batch_refused', rule: null } };
  }
  return { kind: 'reply', payload: answers, refusal: { error: 'batch_refused', rule: null } };
}

/**
 * A batch with any refused message is refused whole (fail closed): each request gets
 * its own refusal, or `batch_refused` when it was only refused for its company.
 */
function refuseBatch(gate: GateServices, channel: McpChannel, messages: JsonRpcMessage[], steps: ClientStep[], decisionId: string): unknown[] {
  const out: unknown[] = [];
  messages.forEach((m, i) => {
    const s = steps[i]!;
    if (s.kind === 'reply') out.push(s.message);
    else if (m.kind === 'request') {
      gate.mcp.guard.abandon(channel, m.id, decisionId);
      const reason = 'another message in the same JSON-RPC batch was refused, so none of it was forwarded';
      out.push(jsonRpcError(m.id, REFUSALS.batch_refused.jsonRpc, reason, { error: 'batch_refused', reason, rule: null, decision_id: decisionId }));
    }
  });
  return out;
}

function refusalOf(message: Record<string, unknown>): { error: string; rule: string | null } | null {
  const e = message.error as { data?: { error?: unknown; rule?: unknown } } | undefined;
  const d = e?.data;
  if (!d || typeof d.error !== 'string') return null;
  return { error: d.error, rule: typeof d.rule === 'string' ? d.rule : null };
}

/** The transport's own session: `Mcp-Session-Id`, or the old HTTP+SSE endpoint's `sessionId`. */
export function transportSession(headers: IncomingHttpHeaders, target: string): string {
  const h = headerText(headers['mcp-session-id']);
  if (h !== '') return h;
  const q = target.indexOf('?');
  if (q === -1) return '';
  return new URLSearchParams(target.slice(q + 1)).get('sessionId') ?? '';
}

/**
 * The body as JSON text for parsing: itself when not compressed, else decoded (bounded
 * by `max`). Null when it cannot be decoded (the DLP step refuses it later); 'bomb' past
 * the expansion ratio; `{ tooLarge }` with the decoded prefix when it decodes past `max`.
 */
async function decoded(body: Buffer, encoding: string, max: number): Promise<Buffer | null | 'bomb' | { tooLarge: Buffer }> {
  const enc = encoding.trim().toLowerCase();
  if (enc === '' || enc === 'identity') return body;
  const out: Buffer[] = [];
  try {
    const d = createSafeDecompressor(enc, { maxOutputBytes: max, maxRatio: 1000 });
    if (!d) return body;
    // In slices, so that what was decoded before the limit is still in hand.
    for (let at = 0; at < body.length; at += SLICE) out.push(...(await d.push(body.subarray(at, at + SLICE))));
    out.push(...(await d.end()));
    return Buffer.concat(out);
  } catch (err) {
    if (err instanceof DecompressionBombError && err.details.limit === 'max_output_bytes') return { tooLarge: Buffer.concat(out) };
    // A bomb is refused here: passing it on unparsed would let padding carry a tool call past the guard.
    if (err instanceof DecompressionBombError) return 'bomb';
    return null;
  }
}

const SLICE = 16 * 1024;

/**
 * What was read of an over-size body, as the gate can read it: the bytes themselves
 * when not compressed, else the first 4 KiB decoded; null when it cannot be decoded
 * (then it cannot be shown not to be JSON-RPC: fail closed).
 */
async function prefixText(raw: Buffer, encoding: string): Promise<Buffer | null> {
  if (isIdentity(encoding)) return raw;
  const enc = encoding.trim().toLowerCase();
  try {
    const d = createSafeDecompressor(enc, { maxOutputBytes: 1 << 30, maxRatio: 1 << 30 });
    if (!d) return raw;
    const out: Buffer[] = [];
    let size = 0;
    for (let at = 0; at < raw.length && size < 4096; at += SLICE) {
      for (const b of await d.push(raw.subarray(at, at + SLICE))) {
        out.push(b);
        size += b.length;
      }
    }
    return Buffer.concat(out).subarray(0, 4096);
  } catch {
    return null;
  }
}

/**
 * The body read ahead, then the rest. With `watch`, every later chunk is scanned
 * before it is sent: one that shows JSON-RPC ends the upload there (the upstream
 * never gets a whole message), refused as too large.
 */
async function* replay(head: Buffer[], rest: AsyncIterator<Buffer> | null, ctx: RequestContext, watch: JsonRpcMention | null = null): AsyncGenerator<Buffer> {
  for (const b of head) yield b;
  if (!rest) return;
  for (;;) {
    const n = await rest.next();
    if (n.done) return;
    ctx.bytesIn += n.value.length;
    if (watch?.push(n.value)) {
      throw new Rejection(
        'message_too_large',
        'the body turned out to be a JSON-RPC message over mcp.max_message_bytes; it was cut before its end',
        ctx.decision?.rule ?? null,
      );
    }
    yield n.value;
  }
}

function watcher(seen: Buffer): JsonRpcMention {
  const w = new JsonRpcMention();
  w.push(seen);
  return w;
}

function isIdentity(encoding: string): boolean {
  const e = encoding.trim().toLowerCase();
  return e === '' || e === 'identity';
}
