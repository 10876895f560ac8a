/**
 * A2A responses and agent cards through the gate.
 *
 * - The answer to an A2A request (JSON, read whole and bounded by
 *   `a2a.max_message_bytes`, or an event stream read event by event) is scanned for
 *   prompt injection in everything the calling agent will read (messages, task
 *   status, history, artifacts). A JSON answer that carries one is replaced by a
 *   JSON-RPC error; in a stream the event is replaced by an error event and the rest
 *   of the stream is dropped.
 * - An agent card (`/.well-known/agent-card.json`, `/.well-known/agent.json`) is read
 *   whole (1 MiB at most), scanned with the strict description patterns (every name,
 *   description, skill, example), and pinned per tenant like MCP tools: a later card
 *   whose pinned fields changed is refused (403 `a2a_card_changed`) until an operator
 *   accepts it (`sluice mcp accept a2a:HOST`).
 *
 * @example
 * inspect: (status, headers) => a2aResponse(gate, state, ctx, 'message', fallback, status, headers)
 */
import type { IncomingHttpHeaders } from 'node:http';
import { auditFinding, type Finding } from '../../inspect/finding.js';
import { a2aJsonRpcDeny, A2aStreamScanner, agentCardPinTools, parseAgentCard, scanA2aResult, scanAgentCard } from '../../inspect/a2a/index.js';
import type { JsonRpcId, JsonRpcMessage } from '../../inspect/mcp/jsonrpc.js';
import { recogniseJsonRpc, unreadableReason, type Recognised } from '../../inspect/mcp/recognise.js';
import { SseLimitError, SseParser, serializeSseEvent, type SseEvent } from '../../inspect/mcp/sse.js';
import { envelopeOf } from '../../mcp/stdio/envelope.js';
import type { GateServices, GateState } from '../gate-runtime.js';
import type { RequestContext } from '../request-context.js';
import { ResponseBlockedError, type BodyInspector } from '../response-inspector.js';
import type { Fallback } from '../mcp/response.js';
import { BufferedInspector } from './buffered.js';
import { BoundedAnswer } from '../bounded-answer.js';
import { responseBody } from '../header-text.js';

/** The inspector for an A2A exchange's response: `message` answers, or an agent `card`. */
export function a2aResponse(
  gate: GateServices,
  state: GateState,
  ctx: RequestContext,
  kind: 'message' | 'card',
  fallback: Fallback,
  status: number,
  headers: IncomingHttpHeaders,
): BodyInspector | null {
  const body = responseBody(ctx.req.method, status, headers);
  if (body === null) return null;
  const { type, sse, json } = body;
  const injectionOff = (ctx.decision?.profile ?? state.policy.profile).injection === 'off';
  if (kind === 'card')
    return status >= 200 && status < 300 && (json || type === '') && !injectionOff ? new CardInspector(gate, state, ctx, headers) : fallback(status, headers);
  if (injectionOff || (!sse && !json)) return fallback(status, headers);
  return sse ? new A2aSseInspector(state, ctx, headers) : new A2aJsonInspector(state, ctx, headers);
}

/** A JSON answer: every result (and error) scanned; one that carries an injection is replaced. */
class A2aJsonInspector extends BufferedInspector {
  readonly #answer: BoundedAnswer;

  constructor(
    private readonly state: GateState,
    private readonly ctx: RequestContext,
    headers: IncomingHttpHeaders,
  ) {
    super(state, headers, state.a2aMaxMessageBytes, 'a2a.max_message_bytes');
    this.#answer = new BoundedAnswer(this.max, () => this.tooLarge());
  }

  /** Read whole; a JSON-RPC answer too large to read becomes a JSON-RPC error for its request. */
  protected override take(parts: Buffer[], last: boolean): Buffer[] {
    this.#answer.push(parts);
    if (!last) return [];
    const over = this.#answer.over;
    if (!over) return this.finish(this.#answer.body());
    this.findings.push({ type: 'message_too_large', location: 'a2a.result', action: 'block', detail: `over ${this.max} bytes (a2a.max_message_bytes)` });
    const reason = `the agent's answer is over ${this.max} bytes (a2a.max_message_bytes); refused`;
    return [
      Buffer.from(
        JSON.stringify(
          a2aJsonRpcDeny(over.result().id, { error: 'message_too_large', reason, rule: this.ctx.decision?.rule ?? null, decision_id: this.ctx.decisionId }),
        ),
        'utf8',
      ),
    ];
  }

  protected finish(body: Buffer): Buffer[] {
    const parsed = recogniseJsonRpc(body, { known: true, maxBytes: this.max });
    if (parsed.kind === 'ordinary') return [plainScan(this.state, body, this.findings)];
    if (parsed.kind === 'unreadable') return [Buffer.from(JSON.stringify(unreadable(this.ctx, this.findings, parsed, envelopeOf(body).id)), 'utf8')];
    let changed = false;
    const out = parsed.messages.map((m) => {
      const stop = this.scan(m);
      if (stop.length === 0) return m.raw;
      changed = true;
      return a2aJsonRpcDeny('id' in m ? m.id : null, {
        error: 'injection_blocked',
        reason: refusalText(stop),
        rule: this.ctx.decision?.rule ?? null,
        decision_id: this.ctx.decisionId,
      });
    });
    if (!changed) return [body];
    return [Buffer.from(JSON.stringify(parsed.batch ? out : out[0]), 'utf8')];
  }

  private scan(m: JsonRpcMessage): Finding[] {
    const payload = m.kind === 'result' ? m.result : m.kind === 'error' ? m.error : m.kind === 'request' || m.kind === 'notification' ? m.params : undefined;
    const found = clean(scanA2aResult(payload, this.state.injection));
    this.findings.push(...found);
    return this.state.inspect.injection === 'warn' ? [] : found.filter((f) => f.action === 'block');
  }
}

/** An event stream (message/stream): each event scanned, text joined across events. */
class A2aSseInspector extends BufferedInspector {
  override readonly holdBytes = 0;
  readonly #parser: SseParser;
  readonly #stream: A2aStreamScanner;
  #closed = false;

  constructor(
    private readonly state: GateState,
    private readonly ctx: RequestContext,
    headers: IncomingHttpHeaders,
  ) {
    super(state, headers, state.a2aMaxMessageBytes, 'a2a.max_message_bytes');
    this.#parser = new SseParser({ maxEventBytes: this.max });
    this.#stream = new A2aStreamScanner(state.injection);
  }

  protected override take(parts: Buffer[], last: boolean): Promise<Buffer[]> {
    const out: Buffer[] = [];
    try {
      for (const p of parts) for (const e of this.#parser.push(p)) this.event(e, out);
      if (last) for (const e of this.#parser.end()) this.event(e, out);
    } catch (err) {
      if (err instanceof SseLimitError) throw this.tooLarge();
      throw err;
    }
    if (last) this.findings.push(...clean(this.#stream.end()).map((f) => ({ ...f, action: 'warn' as const })));
    return Promise.resolve(out);
  }

  protected finish(): Buffer[] {
    return [];
  }

  private event(e: SseEvent, out: Buffer[]): void {
    if (this.#closed) return;
    const parsed = e.data === undefined ? null : recogniseJsonRpc(e.data, { known: true, maxBytes: this.max, invalidUtf8: e.invalidUtf8 === true });
    if (parsed?.kind === 'unreadable') {
      // Never passed on unread: an error event instead, and the stream ends there.
      const deny = unreadable(this.ctx, this.findings, parsed, envelopeOf(Buffer.from(e.data!, 'utf8')).id);
      out.push(Buffer.from(serializeSseEvent({ data: JSON.stringify(deny) }), 'utf8'));
      this.#closed = true;
      return;
    }
    const results = parsed?.kind === 'rpc' ? parsed.messages : [];
    const found: Finding[] = [];
    for (const m of results) found.push(...clean(this.#stream.push(m.kind === 'result' ? m.result : m.kind === 'error' ? m.error : undefined)));
    if (results.length === 0 && e.data !== undefined) found.push(...clean(this.state.injection.scanText(e.data, 'a2a.stream')));
    this.findings.push(...found);
    const stop = this.state.inspect.injection === 'warn' ? [] : found.filter((f) => f.action === 'block');
    if (stop.length === 0) {
      out.push(Buffer.from(serializeSseEvent(e), 'utf8'));
      return;
    }
    const first = results[0];
    const deny = a2aJsonRpcDeny(first && 'id' in first ? first.id : null, {
      error: 'injection_blocked',
      reason: refusalText(stop),
      rule: this.ctx.decision?.rule ?? null,
      decision_id: this.ctx.decisionId,
    });
    out.push(Buffer.from(serializeSseEvent({ data: JSON.stringify(deny) }), 'utf8'));
    this.#closed = true;
  }
}

/** An agent card: strict scan and pinning; refused whole (403) when poisoned or changed. */
class CardInspector extends BufferedInspector {
  constructor(
    private readonly gate: GateServices,
    private readonly state: GateState,
    private readonly ctx: RequestContext,
    headers: IncomingHttpHeaders,
  ) {
    super(state, headers, 1024 * 1024, 'the agent card limit');
  }

  protected override async take(parts: Buffer[], last: boolean): Promise<Buffer[]> {
    const body = this.collect(parts, last);
    if (body === null) return [];
    const card = parseAgentCard(body);
    if (!card.ok) {
      const f: Finding = { type: 'a2a_card_invalid', location: 'a2a.card', action: 'block', detail: card.code };
      this.findings.push(f);
      throw new ResponseBlockedError('response_unreadable', `the agent card cannot be read (${card.message}); refused`, [f]);
    }
    const poison = clean(scanAgentCard(card.card, this.state.injection));
    this.findings.push(...poison);
    const stop = poison.filter((f) => f.action === 'block');
    if (stop.length > 0 && this.state.inspect.injection !== 'warn') {
      throw new ResponseBlockedError(
        'injection_blocked',
        `the agent card carries instructions for the model (${[...new Set(stop.map((f) => f.type))].join(', ')}); refused`,
        stop,
      );
    }
    await this.pin(card.card);
    return [body];
  }

  protected finish(): Buffer[] {
    return [];
  }

  private async pin(card: Record<string, unknown>): Promise<void> {
    const mode = this.state.a2aCardPinning;
    if (mode === 'off') return;
    const server = `a2a:${this.ctx.hostText}`;
    let changed: string[];
    try {
      changed = (await this.gate.mcp.pins.check(this.ctx.principal?.tenant ?? '-', server, agentCardPinTools(card).tools)).changed;
    } catch (err) {
      this.gate.logger.error({ err }, 'agent card pins unreadable');
      throw new ResponseBlockedError(
        'a2a_card_changed',
        'the agent card pin store cannot be read, so the card cannot be checked for changes; refused (fail closed)',
        [],
      );
    }
    if (changed.length === 0) return;
    const found = changed.map((name): Finding => ({
      type: 'a2a_card_changed',
      location: `a2a.card:${name}`,
      action: mode === 'enforce' ? 'block' : 'warn',
      detail: 'changed since pinned',
    }));
    this.findings.push(...found);
    if (mode === 'enforce') {
      throw new ResponseBlockedError(
        'a2a_card_changed',
        `the agent card of ${this.ctx.hostText} changed since it was pinned (${changed.join(', ')}); an operator must accept it first (sluice mcp accept ${server})`,
        found,
      );
    }
  }
}

/** An answer the gate cannot read as the calling agent will: a JSON-RPC error in its place, recorded as a finding. */
function unreadable(ctx: RequestContext, findings: Finding[], r: Extract<Recognised, { kind: 'unreadable' }>, id: JsonRpcId | null): unknown {
  findings.push({ type: 'jsonrpc_unreadable', location: 'a2a.result', action: 'block', detail: r.code });
  return a2aJsonRpcDeny(id, { error: 'jsonrpc_unreadable', reason: unreadableReason(r), rule: ctx.decision?.rule ?? null, decision_id: ctx.decisionId });
}

/** A body read whole, scanned as text for prompt injection; refused when one blocks (unless `inspect.injection: warn`). */
export function plainScan(state: GateState, body: Buffer, findings: Finding[]): Buffer {
  const found = clean(state.injection.scanText(body.toString('utf8'), 'response.body')).filter((f) => f.action === 'block');
  findings.push(...found);
  if (found.length > 0 && state.inspect.injection !== 'warn')
    throw new ResponseBlockedError('injection_blocked', 'the response carries a prompt injection; refused', found);
  return body;
}

function refusalText(stop: readonly Finding[]): string {
  return `the A2A answer carries a prompt injection (${[...new Set(stop.map((f) => `${f.type} in ${f.location}`))].join(', ')}); refused`;
}

function clean(found: readonly Finding[]): Finding[] {
  return found.map(auditFinding);
}
