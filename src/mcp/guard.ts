/**
 * The MCP guard: every JSON-RPC message between an MCP client and server passes
 * through it, whatever carries them (an HTTP exchange through the proxy, or the
 * stdio wrapper). Transport-neutral: callers split batches and frames, and hand
 * each message in; the guard says what to do with it.
 *
 * Client to server:
 * - tools/call: the policy decides (per tenant, agent, server, tool and argument
 *   conditions); a tool the last tools/list showed as poisoned or changed since
 *   pinned is refused; DLP (and, by default, injection) over the arguments; the
 *   session's chain detector. A refusal is a JSON-RPC error with the HTTP deny
 *   body's fields as `data`; nothing reaches the server.
 * - every other message: DLP over its params (or result, when the client answers a
 *   server's request), so a secret does not leave in a resources/read URI either.
 *
 * Server to client:
 * - tools/list: tools the policy would always deny are taken out (the model never
 *   sees them), and so are poisoned ones (names, descriptions, schemas) and, with
 *   pinning, ones changed since first pinned for this tenant (until `sluice mcp accept`).
 * - tools/call results, resources/read contents, prompts/get messages, and a
 *   server's sampling requests: prompt-injection scanning; a blocked result becomes
 *   a JSON-RPC error.
 *
 * Every tool call is one audit record (written when its result arrives, when it is
 * refused, or when its channel closes unanswered), and so is a tools/list from which
 * something was taken out for poisoning or a change.
 *
 * A tool call and a result go through ordered steps, one file each (steps/index.ts);
 * the guard keeps what the steps share: the records, the calls in flight, the
 * sessions' chain detectors.
 *
 * @example
 * const guard = new McpGuard({ env: () => env, pins, audit: (r) => sink.write(r) });
 * const ch = guard.open(info);
 * const step = await guard.client(ch, message, { parentId: null, bytes: 120 });
 * if (step.kind === 'reply') send(step.message);
 */
import type { AuditRecord } from '../audit/fields.js';
import { newDecisionId } from '../audit/decision-id.js';
import { foldKey } from '../inspect/json-strict.js';
import { isObject, jsonRpcDeny } from '../inspect/mcp/jsonrpc.js';
import type { JsonRpcId, JsonRpcMessage, McpDenyData } from '../inspect/mcp/jsonrpc.js';
import type { ToolPinStore } from '../state/tool-pins.js';
import { MemoryRateBuckets, type RateBucketStore } from '../state/rate-buckets.js';
import type { BudgetStore } from '../state/budgets.js';
import type { ApprovalStore } from '../state/approvals.js';
import { BlastRadius, type BlastRadiusStore } from '../state/blast-radius.js';
import { McpChannel, type PendingRequest } from './channel.js';
import { scanInbound, scanKnownElsewhere, scanOutbound } from './scan.js';
import { runAnswer, runCall } from './steps/index.js';
import { describe, type AnswerExchange, type CallEnd, type CallExchange, type GuardCore, type MessageMeta, type RecordFacts } from './steps/exchange.js';
import { toolRecord } from './tool-record.js';
import type { ChainDetector, ChannelInfo, McpEnv } from './types.js';

/** What to do with a client's message. */
export type ClientStep =
  | { kind: 'forward' }
  /** Answer the client with this message; send nothing to the server. */
  | { kind: 'reply'; message: Record<string, unknown> }
  /** Send this instead (a client's answer to a server request, refused). */
  | { kind: 'replace'; message: Record<string, unknown> }
  /** Send nothing (a refused notification has no one to answer). */
  | { kind: 'drop' };

/** What to do with a server's message. */
export type ServerStep =
  | { kind: 'forward'; message: Record<string, unknown> }
  /** Do not pass it on; answer the server with `message` if the transport can. */
  | { kind: 'refuse'; message: Record<string, unknown> | null };

export interface McpGuardDeps {
  env: () => McpEnv;
  pins: ToolPinStore | null;
  audit: (r: AuditRecord) => void;
  /** Rate-limit buckets (the gate shares its own); absent: the guard keeps its own in memory. */
  rates?: RateBucketStore;
  /** Budget counters (the gate shares its own); absent: tool calls count in no budget. */
  budgets?: BudgetStore;
  /** Told when a pin store or scanner fails (the message is refused either way). */
  onError?: (err: unknown, what: string) => void;
  /** Human approvals for `action: approve` tool rules; absent: such a call is refused. */
  approvals?: ApprovalStore;
  /** Per-session tool-call depth (the gate shares its own); absent: the guard keeps its own. */
  blast?: BlastRadiusStore;
}

export type { MessageMeta };

/** Agent sessions whose tool-call chains are remembered at most (least recently used go first). */
const MAX_CHAINS = 10_000;

export class McpGuard implements GuardCore {
  /** Chain detectors per agent session: a chain may cross servers (read with one, send with another). */
  readonly #chains = new Map<string, ChainDetector>();

  readonly rates: RateBucketStore;
  readonly budgets: BudgetStore | null;
  readonly blast: BlastRadiusStore;

  constructor(private readonly deps: McpGuardDeps) {
    this.rates = deps.rates ?? new MemoryRateBuckets();
    this.budgets = deps.budgets ?? null;
    this.blast = deps.blast ?? new BlastRadius(MAX_CHAINS);
  }

  get approvals(): ApprovalStore | null {
    return this.deps.approvals ?? null;
  }

  get pins(): ToolPinStore | null {
    return this.deps.pins;
  }

  onError(err: unknown, what: string): void {
    this.deps.onError?.(err, what);
  }

  /** A new conversation. Close it with `close` so unanswered calls are recorded. */
  open(info: ChannelInfo): McpChannel {
    return new McpChannel(info);
  }

  /** The session's chain detector (the channel's own when there is no agent session). */
  chainFor(ch: McpChannel, env: McpEnv): ChainDetector | null {
    if (!env.newChain) return null;
    const session = ch.info.who?.session;
    if (session === undefined) return (ch.chain ??= env.newChain());
    let c = this.#chains.get(session);
    if (c) {
      this.#chains.delete(session);
    } else {
      c = env.newChain();
      if (this.#chains.size >= MAX_CHAINS) {
        const oldest = this.#chains.keys().next();
        if (!oldest.done) this.#chains.delete(oldest.value);
      }
    }
    this.#chains.set(session, c);
    return c;
  }

  /** Record every call still waiting for a result, as unanswered. */
  close(ch: McpChannel): void {
    for (const p of ch.pending.values()) this.unanswered(ch, p);
    ch.pending.clear();
  }

  /**
   * A forwarded request that will not be sent after all (its batch was refused), or
   * whose answer the transport refused (too large, unreadable): record it as refused,
   * with `reason`. Returns the tool call's decision id (null for any other request).
   */
  abandon(ch: McpChannel, id: JsonRpcId, parentId: string | null, reason = 'batch_refused'): string | null {
    const p = ch.take(id);
    if (!p?.call) return null;
    this.finishCall(ch, p, { outcome: 'deny', findings: p.call.findings, error: null, bytesOut: 0, parentId, reason, synthesised: true });
    return p.call.decisionId;
  }

  /**
   * A server message the transport cannot read the way the client would (see
   * recognise.ts): never passed on. The request it answers (by its envelope id) is
   * closed as refused, or the refusal gets a record of its own; the client gets the
   * returned error instead.
   */
  unreadable(
    ch: McpChannel,
    id: JsonRpcId | null,
    meta: MessageMeta,
    reason: string,
    error: 'jsonrpc_unreadable' | 'message_too_large' = 'jsonrpc_unreadable',
  ): Record<string, unknown> {
    const asked = id === null ? null : (ch.pending.get(McpChannel.key(id))?.method ?? null);
    let decisionId = id === null ? null : this.abandon(ch, id, meta.parentId, error);
    if (decisionId === null) {
      decisionId = newDecisionId();
      this.record(ch, {
        method: asked ?? 'response',
        tool: null,
        decisionId,
        startNs: process.hrtime.bigint(),
        outcome: 'deny',
        reason: error,
        rule: null,
        intent: null,
        findings: [],
        bytesIn: 0,
        bytesOut: meta.bytes,
        error: null,
        parentId: meta.parentId,
        synthesised: true,
      });
    }
    return { ...jsonRpcDeny(id, { error, reason, rule: null, decision_id: decisionId }) };
  }

  async client(ch: McpChannel, msg: JsonRpcMessage, meta: MessageMeta): Promise<ClientStep> {
    if (msg.kind === 'request' && msg.method === 'tools/call') return this.call(ch, msg, meta);
    const env = this.deps.env();
    const payload = msg.kind === 'request' || msg.kind === 'notification' ? msg.params : msg.kind === 'result' ? msg.result : msg.error;
    const where = msg.kind === 'request' || msg.kind === 'notification' ? msg.method : 'response';
    const findings = [...scanOutbound(env, ch.info.profile, payload, false), ...(await scanKnownElsewhere(env, ch.info.profile, payload))];
    const stop = findings.filter((f) => f.action !== 'warn');
    if (stop.length > 0) {
      const decisionId = newDecisionId();
      const reason = `the ${where} message carries data that must not leave: ${describe(stop)}`;
      this.record(ch, {
        method: where,
        tool: null,
        decisionId,
        startNs: process.hrtime.bigint(),
        outcome: 'deny',
        reason: 'dlp_blocked',
        rule: null,
        intent: null,
        findings,
        bytesIn: meta.bytes,
        error: null,
        parentId: meta.parentId,
        synthesised: true,
      });
      const deny: McpDenyData = { error: 'dlp_blocked', reason, rule: null, decision_id: decisionId };
      if (msg.kind === 'request') return { kind: 'reply', message: { ...jsonRpcDeny(msg.id, deny) } };
      if (msg.kind === 'result' || msg.kind === 'error') return { kind: 'replace', message: { ...jsonRpcDeny(msg.id, deny) } };
      return { kind: 'drop' };
    }
    if (msg.kind === 'request')
      this.track(ch, { method: msg.method, id: msg.id, call: null, startNs: process.hrtime.bigint(), time: new Date().toISOString(), bytesIn: meta.bytes });
    return { kind: 'forward' };
  }

  async server(ch: McpChannel, msg: JsonRpcMessage, meta: MessageMeta): Promise<ServerStep> {
    const env = this.deps.env();
    if (msg.kind === 'result' && isObject(msg.result) && Object.keys(msg.result).some((k) => k !== 'tools' && foldKey(k) === 'tools')) {
      // A case-insensitive client (Go's encoding/json) reads `Tools` as the tool list, which would dodge filtering and pinning.
      return { kind: 'forward', message: this.unreadable(ch, msg.id, meta, 'the result has a member spelled like "tools" in another case; refused') };
    }
    if (msg.kind === 'result' || msg.kind === 'error') {
      const p = ch.take(msg.id);
      if (msg.kind === 'error') {
        if (p?.call)
          this.finishCall(ch, p, {
            outcome: p.call.verdict.wouldDeny.length > 0 ? 'would_deny' : 'allow',
            findings: [],
            error: `rpc_error:${msg.error.code}`,
            bytesOut: meta.bytes,
            parentId: meta.parentId,
          });
        return { kind: 'forward', message: msg.raw };
      }
      return this.result(env, ch, msg, p, meta);
    }
    if (msg.kind === 'request') {
      // A server's request reaches the client (and, for sampling, the model): scan what it says.
      const found = scanInbound(env, msg.params, `mcp.request:${msg.method}`);
      const stop = found.filter((f) => f.action === 'block');
      if (stop.length > 0 && env.injectionAction !== 'warn') {
        const decisionId = newDecisionId();
        this.record(ch, {
          method: msg.method,
          tool: null,
          decisionId,
          startNs: process.hrtime.bigint(),
          outcome: 'deny',
          reason: 'injection_blocked',
          rule: null,
          intent: null,
          findings: found,
          bytesIn: 0,
          bytesOut: meta.bytes,
          error: null,
          parentId: meta.parentId,
          synthesised: true,
        });
        return {
          kind: 'refuse',
          message: {
            ...jsonRpcDeny(msg.id, {
              error: 'injection_blocked',
              reason: `the server's ${msg.method} request carries a prompt injection; refused`,
              rule: null,
              decision_id: decisionId,
            }),
          },
        };
      }
    }
    return { kind: 'forward', message: msg.raw };
  }

  // ---- tools/call and results: steps/index.ts -------------------------------

  private async call(ch: McpChannel, msg: Extract<JsonRpcMessage, { kind: 'request' }>, meta: MessageMeta): Promise<ClientStep> {
    const x: CallExchange = {
      guard: this,
      env: this.deps.env(),
      ch,
      msg,
      meta,
      decisionId: newDecisionId(),
      startNs: process.hrtime.bigint(),
      tool: null,
      args: {},
      verdict: null,
      findings: [],
      refusal: null,
      approvalId: null,
    };
    await runCall(x);
    if (x.refusal === null) return { kind: 'forward' };
    const deny: McpDenyData = { error: x.refusal.error, reason: x.refusal.reason, rule: x.stoppedBy ?? x.verdict?.rule ?? null, decision_id: x.decisionId };
    if (x.refusal.approval !== undefined) deny.approval = x.refusal.approval;
    return { kind: 'reply', message: { ...jsonRpcDeny(msg.id, deny) } };
  }

  private async result(
    env: McpEnv,
    ch: McpChannel,
    msg: Extract<JsonRpcMessage, { kind: 'result' }>,
    p: PendingRequest | null,
    meta: MessageMeta,
  ): Promise<ServerStep> {
    const x: AnswerExchange = { guard: this, env, ch, msg, pending: p, meta, out: msg.raw, findings: [], stop: [], blocked: false };
    await runAnswer(x);
    return { kind: 'forward', message: x.out };
  }

  // ---- records ----------------------------------------------------------------

  track(ch: McpChannel, p: PendingRequest): void {
    const dropped = ch.track(p);
    if (dropped) this.unanswered(ch, dropped);
  }

  private unanswered(ch: McpChannel, p: PendingRequest): void {
    if (!p.call) return;
    this.finishCall(ch, p, {
      outcome: p.call.verdict.wouldDeny.length > 0 ? 'would_deny' : 'allow',
      findings: p.call.findings,
      error: 'no_result',
      bytesOut: 0,
      parentId: null,
    });
  }

  finishCall(ch: McpChannel, p: PendingRequest, r: CallEnd): void {
    const c = p.call!;
    this.record(ch, {
      method: 'tools/call',
      tool: c.tool,
      decisionId: c.decisionId,
      startNs: p.startNs,
      time: p.time,
      outcome: r.outcome,
      reason: r.reason ?? (r.outcome === 'would_deny' ? 'report_mode' : c.verdict.reason),
      rule: r.rule ?? (r.outcome === 'would_deny' ? (c.verdict.wouldDeny[0] ?? c.verdict.rule) : c.verdict.rule),
      intent: c.verdict.intent,
      findings: r.findings,
      bytesIn: p.bytesIn,
      bytesOut: r.bytesOut,
      error: r.error,
      parentId: r.parentId,
      synthesised: r.synthesised ?? false,
      policyVersion: c.verdict.policyVersion,
      approvalId: c.approvalId ?? null,
    });
  }

  record(ch: McpChannel, f: RecordFacts): void {
    try {
      this.deps.audit(
        toolRecord(ch.info, {
          ...f,
          time: f.time ?? new Date().toISOString(),
          bytesOut: f.bytesOut ?? 0,
          policyVersion: f.policyVersion ?? this.deps.env().policy.version,
        }),
      );
    } catch (err) {
      this.deps.onError?.(err, 'audit');
    }
  }
}

export type { JsonRpcId };
