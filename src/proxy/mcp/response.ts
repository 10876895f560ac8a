/**
 * MCP responses through the gate. A JSON answer is read whole (bounded by
 * `mcp.max_message_bytes`), each JSON-RPC message goes through the guard, and
 * what the guard lets pass is sent on (re-serialised only when it changed). An
 * event stream is read event by event: an event carrying JSON-RPC goes through the
 * guard and is written back; any other event goes to the ordinary response
 * inspector, so a non-MCP stream is treated exactly as before. Nothing leaves
 * before the guard has seen it.
 *
 * The older HTTP+SSE transport is recognised by its `endpoint` event: the stream is
 * then bound to the conversation its `sessionId` names.
 *
 * @example
 * inspect: (status, headers) => mcpResponse(gate, state, ctx, channel, status, headers)
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { McpChannel } from '../../mcp/channel.js';
import type { ServerStep } from '../../mcp/guard.js';
import { createSafeDecompressor, type SafeDecompressor } from '../../inspect/decompress.js';
import type { Finding } from '../../inspect/finding.js';
import { PACED_BYTES, recogniseJsonRpc, recogniseJsonRpcPaced, unreadableReason } from '../../inspect/mcp/recognise.js';
import { ScanBudgetError, scanPaceOf, type ScanPace } from '../../inspect/scan-pace.js';
import { couldBeJson } from '../../inspect/mcp/rpc-markers.js';
import { envelopeOf } from '../../mcp/stdio/envelope.js';
import { isMcpMethod } from '../../inspect/mcp/messages.js';
import { SseLimitError, SseParser, serializeSseEvent, type SseEvent } from '../../inspect/mcp/sse.js';
import type { GateServices, GateState } from '../gate-runtime.js';
import type { RequestContext } from '../request-context.js';
import { decodeBody, ResponseBlockedError, type BodyInspector } from '../response-inspector.js';
import { channelKey } from './channels.js';
import { channelInfo } from './channel-info.js';
import { responseBody } from '../header-text.js';
import { BoundedAnswer } from '../bounded-answer.js';

/** What a non-MCP part of the body falls back to: the ordinary response inspector, if any. */
export type Fallback = (status: number, headers: IncomingHttpHeaders) => BodyInspector | null;

/**
 * The inspector for a response on an MCP conversation (`channel` known), or for an
 * event stream that may turn out to be one (`channel` null: found by its events).
 * Returns the fallback's inspector for anything else.
 */
export function mcpResponse(
  gate: GateServices,
  state: GateState,
  ctx: RequestContext,
  channel: McpChannel | null,
  fallback: Fallback,
  status: number,
  headers: IncomingHttpHeaders,
): BodyInspector | null {
  const body = responseBody(ctx.req.method, status, headers);
  // No body to read (HEAD, 204, 304); else an event stream, or JSON on a known conversation, is MCP.
  if (!body) return null;
  const { sse, json } = body;
  if (!sse && !(json && channel)) return channel ? strictFallback(fallback, status, headers) : fallback(status, headers);
  let decompressor: SafeDecompressor | null;
  try {
    decompressor = createSafeDecompressor(headers['content-encoding'], {
      maxOutputBytes: state.inspect.max_decompressed_bytes,
      maxRatio: state.inspect.max_decompression_ratio,
    });
  } catch {
    return fallback(status, headers);
  }
  const max = state.mcp.settings.maxMessageBytes;
  if (json) return new McpJsonInspector(gate, state, channel!, decompressor, max, ctx.decisionId, scanPaceOf(ctx, state.inspect.scan_budget_ms));
  const inner = fallback(status, { 'content-type': 'text/event-stream' });
  const bind = (sid: string): McpChannel =>
    gate.mcp.channels.get(channelKey(ctx.principal?.session ?? null, ctx.scheme, ctx.hostText, ctx.port, sid), () => channelInfo(state, ctx));
  const write = (text: string): void => {
    if (!ctx.res.writableEnded && !ctx.res.destroyed) ctx.res.write(text);
  };
  return new McpSseInspector(gate, decompressor, max, ctx.decisionId, inner, channel, bind, write);
}

/** On an MCP conversation, a body that is neither JSON nor an event stream still gets the ordinary inspection. */
function strictFallback(fallback: Fallback, status: number, headers: IncomingHttpHeaders): BodyInspector | null {
  return fallback(status, headers);
}

abstract class DecodingInspector implements BodyInspector {
  readonly findings: Finding[] = [];
  readonly decodes: boolean;
  abstract readonly holdBytes: number;

  constructor(
    protected readonly gate: GateServices,
    private readonly decompressor: SafeDecompressor | null,
    protected readonly max: number,
    protected readonly parentId: string,
  ) {
    this.decodes = decompressor !== null;
  }

  async push(chunk: Buffer): Promise<Buffer[]> {
    return this.take(await this.decode(chunk, false), false);
  }

  async end(): Promise<Buffer[]> {
    return this.take(await this.decode(null, true), true);
  }

  protected abstract take(parts: Buffer[], last: boolean): Promise<Buffer[]>;

  private decode(chunk: Buffer | null, last: boolean): Promise<Buffer[]> {
    return decodeBody(this.decompressor, chunk, last, this.findings);
  }

  /** Reading the answer outran the exchange's inspection budget: refused, as any inspected body is. */
  private overBudget(err: unknown): never {
    if (!(err instanceof ScanBudgetError)) throw err;
    this.findings.push({ type: 'inspection_budget_exceeded', location: 'response.body', action: 'block', detail: err.message });
    throw new ResponseBlockedError(
      'inspection_budget_exceeded',
      `the MCP server's answer could not be read within its inspection budget (${err.message})`,
      this.findings,
    );
  }

  /**
   * Guard each message; what may pass, in order. A payload that is JSON-RPC to the
   * client but cannot be read strictly is replaced by a JSON-RPC error (`rpc` with
   * the error as `out`); one that is not JSON-RPC at all is left to the caller.
   */
  protected async guard(
    channel: McpChannel,
    payload: Buffer | string,
    bytes: number,
    invalidUtf8 = false,
    pace: ScanPace | null = null,
  ): Promise<{ out: Buffer | string | null; rpc: boolean }> {
    // A long answer is read in paced steps on the exchange's budget (never one long call of the strict reader).
    const parsed =
      pace !== null && typeof payload !== 'string' && payload.length > PACED_BYTES && !invalidUtf8
        ? await recogniseJsonRpcPaced(payload, { known: true, maxBytes: this.max }, pace).catch((err: unknown) => this.overBudget(err))
        : recogniseJsonRpc(payload, { known: true, maxBytes: this.max, invalidUtf8 });
    if (parsed.kind === 'ordinary') return { out: null, rpc: false };
    if (parsed.kind === 'unreadable') {
      this.findings.push({ type: 'jsonrpc_unreadable', location: 'response.body', action: 'block', detail: parsed.code });
      const id = envelopeOf(typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload).id;
      return { out: JSON.stringify(this.gate.mcp.guard.unreadable(channel, id, { parentId: this.parentId, bytes }, unreadableReason(parsed))), rpc: true };
    }
    const steps: ServerStep[] = [];
    for (const m of parsed.messages) steps.push(await this.gate.mcp.guard.server(channel, m, { parentId: this.parentId, bytes: parsed.batch ? 0 : bytes }));
    const kept = steps.flatMap((s, i) => {
      if (s.kind === 'forward') return [{ msg: s.message, same: s.message === parsed.messages[i]!.raw }];
      if (s.message)
        this.gate.logger.warn(
          { decision_id: this.parentId },
          'an MCP server request was refused; the HTTP transport cannot answer the server, so it was dropped',
        );
      return [];
    });
    if (kept.length === parsed.messages.length && kept.every((k) => k.same)) return { out: payload, rpc: true };
    if (kept.length === 0) return { out: '', rpc: true };
    return { out: JSON.stringify(parsed.batch ? kept.map((k) => k.msg) : kept[0]!.msg), rpc: true };
  }

  protected tooLarge(): ResponseBlockedError {
    const f: Finding = { type: 'message_too_large', location: 'response.body', action: 'block', detail: `over ${this.max} bytes (mcp.max_message_bytes)` };
    this.findings.push(f);
    return new ResponseBlockedError('response_unreadable', `the MCP server's message is over ${this.max} bytes (mcp.max_message_bytes); refused`, [f]);
  }
}

/** A JSON answer on an MCP conversation: read whole, guarded, sent. */
class McpJsonInspector extends DecodingInspector {
  readonly holdBytes = 1;
  readonly #answer: BoundedAnswer;

  constructor(
    gate: GateServices,
    private readonly state: GateState,
    private readonly channel: McpChannel,
    decompressor: SafeDecompressor | null,
    max: number,
    parentId: string,
    private readonly pace: ScanPace,
  ) {
    super(gate, decompressor, max, parentId);
    // Too large to read: the client gets a JSON-RPC error for its request (the SDK writes the id last, so read on for it).
    this.#answer = new BoundedAnswer(max, () => this.tooLarge());
  }

  protected async take(parts: Buffer[], last: boolean): Promise<Buffer[]> {
    this.#answer.push(parts);
    if (!last) return [];
    const over = this.#answer.over;
    if (over) {
      this.findings.push({ type: 'message_too_large', location: 'response.body', action: 'block', detail: `over ${this.max} bytes (mcp.max_message_bytes)` });
      const reason = `the MCP server's message is over ${this.max} bytes (mcp.max_message_bytes); refused`;
      return [
        Buffer.from(
          JSON.stringify(
            this.gate.mcp.guard.unreadable(this.channel, over.result().id, { parentId: this.parentId, bytes: this.#answer.size }, reason, 'message_too_large'),
          ),
          'utf8',
        ),
      ];
    }
    const body = this.#answer.body();
    if (body.length === 0) return [];
    const g = await this.guard(this.channel, body, body.length, false, this.pace);
    if (!g.rpc) {
      // Not JSON-RPC (an error page, say): still text the model may read.
      const found = this.state.injection.scanText(body.toString('utf8'), 'response.body').filter((f) => f.action === 'block');
      if (found.length > 0 && this.state.inspect.injection !== 'warn' && this.state.inspect.injection !== 'off') {
        const clean = found.map((f) => ({ type: f.type, location: f.location, action: 'block' as const }));
        this.findings.push(...clean);
        throw new ResponseBlockedError('injection_blocked', 'the response carries a prompt injection; refused', clean);
      }
      return [body];
    }
    if (g.out === null || g.out.length === 0) return [];
    return [Buffer.isBuffer(g.out) ? g.out : Buffer.from(g.out, 'utf8')];
  }
}

/** An event stream: JSON-RPC events guarded, others to the ordinary inspector. */
class McpSseInspector extends DecodingInspector {
  readonly holdBytes = 0;
  readonly #parser: SseParser;

  constructor(
    gate: GateServices,
    decompressor: SafeDecompressor | null,
    max: number,
    parentId: string,
    private readonly inner: BodyInspector | null,
    private channel: McpChannel | null,
    private readonly bind: (transportSession: string) => McpChannel,
    private readonly write: (text: string) => void,
  ) {
    super(gate, decompressor, max, parentId);
    this.#parser = new SseParser({ maxEventBytes: max });
  }

  /** The gate's own answers on this stream (only ever between whole events). */
  private readonly deliver = (message: Record<string, unknown>): void => {
    this.write(serializeSseEvent({ event: 'message', data: JSON.stringify(message) }));
  };

  protected async take(parts: Buffer[], last: boolean): Promise<Buffer[]> {
    const events: SseEvent[] = [];
    try {
      for (const p of parts) events.push(...this.#parser.push(p));
      if (last) events.push(...this.#parser.end());
    } catch (err) {
      if (err instanceof SseLimitError) throw this.tooLarge();
      throw err;
    }
    const out: Buffer[] = [];
    for (const e of events) {
      const text = await this.event(e);
      if (text !== null) out.push(Buffer.from(text, 'utf8'));
    }
    if (last && this.inner) {
      out.push(...(await this.inner.end()));
      this.findings.push(...this.inner.findings);
    }
    if (last && this.channel?.deliver === this.deliver) this.channel.deliver = null;
    return out;
  }

  private async event(e: SseEvent): Promise<string | null> {
    if (e.event === 'endpoint' && e.data !== undefined && this.channel === null) {
      // The old HTTP+SSE transport: the client will POST to this URL; its sessionId ties the two together.
      const q = e.data.indexOf('?');
      const sid = q === -1 ? '' : (new URLSearchParams(e.data.slice(q + 1)).get('sessionId') ?? '');
      this.channel = this.bind(sid);
      this.channel.deliver = this.deliver;
    }
    const data = e.data;
    if (data !== undefined && couldBeJson(data)) {
      // A stream not yet known as MCP becomes one with its first MCP message, or with one that claims JSON-RPC but cannot be read.
      const channel = this.channel ?? (looksMcp(data, e.invalidUtf8 === true, this.max) ? (this.channel = this.bind('')) : null);
      if (channel) {
        const g = await this.guard(channel, data, Buffer.byteLength(data), e.invalidUtf8 === true);
        if (g.rpc) return g.out === '' || g.out === null ? null : serializeSseEvent(g.out === data ? e : { ...e, data: g.out.toString() });
      }
    }
    return this.plain(e);
  }

  /** A non-MCP event: through the ordinary inspector (or as is when there is none). */
  private async plain(e: SseEvent): Promise<string | null> {
    const bytes = Buffer.from(serializeSseEvent(e), 'utf8');
    if (!this.inner) return bytes.toString('utf8');
    const parts = await this.inner.push(bytes);
    return parts.length === 0 ? null : Buffer.concat(parts).toString('utf8');
  }
}

function looksMcp(data: string, invalidUtf8: boolean, max: number): boolean {
  const p = recogniseJsonRpc(data, { known: false, maxBytes: max, invalidUtf8 });
  return p.kind === 'unreadable' || (p.kind === 'rpc' && p.messages.some((m) => (m.kind === 'request' || m.kind === 'notification') && isMcpMethod(m.method)));
}
