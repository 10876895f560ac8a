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
 * @example
 * const guard = new McpGuard({ env: () => env, pins, audit: (r) => sink.write(r) });
 * const ch = guard.open(info);
 * const step = await guard.client(ch, message, { parentId: null, bytes: 120 });
 * if (step.kind === 'reply') send(step.message);
 */
import type { AuditOutcome, AuditRecord } from '../audit/fields.js';
import { newDecisionId } from '../audit/decision-id.js';
import type { Finding } from '../inspect/finding.js';
import { foldKey } from '../inspect/json-strict.js';
import { isObject, jsonRpcDeny } from '../inspect/mcp/jsonrpc.js';
import type { JsonRpcId, JsonRpcMessage, McpDenyData } from '../inspect/mcp/jsonrpc.js';
import { readToolCall, readToolList } from '../inspect/mcp/messages.js';
import { filterToolList, scanToolList } from '../inspect/mcp/tool-inspect.js';
import { scanShellArgs } from '../inspect/mcp/shell-obfuscation.js';
import type { ToolPinStore } from '../state/tool-pins.js';
import { McpChannel, type PendingRequest } from './channel.js';
import { scanInbound, scanKnownElsewhere, scanOutbound } from './scan.js';
import { toolRecord } from './tool-record.js';
import type { ChainDetector, ChannelInfo, McpEnv, ToolVerdict } from './types.js';

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
  /** Told when a pin store or scanner fails (the message is refused either way). */
  onError?: (err: unknown, what: string) => void;
}

/** Where a message came from on the transport: the HTTP exchange that carried it, and its size. */
export interface MessageMeta {
  parentId: string | null;
  bytes: number;
}

/** Agent sessions whose tool-call chains are remembered at most (least recently used go first). */
const MAX_CHAINS = 10_000;

export class McpGuard {
  /** Chain detectors per agent session: a chain may cross servers (read with one, send with another). */
  readonly #chains = new Map<string, ChainDetector>();

  constructor(private readonly deps: McpGuardDeps) {}

  /** A new conversation. Close it with `close` so unanswered calls are recorded. */
  open(info: ChannelInfo): McpChannel {
    return new McpChannel(info);
  }

  /** The session's chain detector (the channel's own when there is no agent session). */
  private chainFor(ch: McpChannel, env: McpEnv): ChainDetector | null {
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
  unreadable(ch: McpChannel, id: JsonRpcId | null, meta: MessageMeta, reason: string, error: 'jsonrpc_unreadable' | 'message_too_large' = 'jsonrpc_unreadable'): Record<string, unknown> {
    const asked = id === null ? null : (ch.pending.get(McpChannel.key(id))?.method ?? null);
    let decisionId = id === null ? null : this.abandon(ch, id, meta.parentId, error);
    if (decisionId === null) {
      decisionId = newDecisionId();
      this.record(ch, { method: asked ?? 'response', tool: null, decisionId, startNs: process.hrtime.bigint(), outcome: 'deny', reason: error, rule: null, intent: null, findings: [], bytesIn: 0, bytesOut: meta.bytes, error: null, parentId: meta.parentId, synthesised: true });
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
      this.record(ch, { method: where, tool: null, decisionId, startNs: process.hrtime.bigint(), outcome: 'deny', reason: 'dlp_blocked', rule: null, intent: null, findings, bytesIn: meta.bytes, error: null, parentId: meta.parentId, synthesised: true });
      const deny: McpDenyData = { error: 'dlp_blocked', reason, rule: null, decision_id: decisionId };
      if (msg.kind === 'request') return { kind: 'reply', message: { ...jsonRpcDeny(msg.id, deny) } };
      if (msg.kind === 'result' || msg.kind === 'error') return { kind: 'replace', message: { ...jsonRpcDeny(msg.id, deny) } };
      return { kind: 'drop' };
    }
    if (msg.kind === 'request') this.track(ch, { method: msg.method, id: msg.id, call: null, startNs: process.hrtime.bigint(), time: new Date().toISOString(), bytesIn: meta.bytes });
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
        if (p?.call) this.finishCall(ch, p, { outcome: p.call.verdict.wouldDeny.length > 0 ? 'would_deny' : 'allow', findings: [], error: `rpc_error:${msg.error.code}`, bytesOut: meta.bytes, parentId: meta.parentId });
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
        this.record(ch, { method: msg.method, tool: null, decisionId, startNs: process.hrtime.bigint(), outcome: 'deny', reason: 'injection_blocked', rule: null, intent: null, findings: found, bytesIn: 0, bytesOut: meta.bytes, error: null, parentId: meta.parentId, synthesised: true });
        return { kind: 'refuse', message: { ...jsonRpcDeny(msg.id, { error: 'injection_blocked', reason: `the server's ${msg.method} request carries a prompt injection; refused`, rule: null, decision_id: decisionId }) } };
      }
    }
    return { kind: 'forward', message: msg.raw };
  }

  // ---- tools/call -------------------------------------------------------------

  private async call(ch: McpChannel, msg: Extract<JsonRpcMessage, { kind: 'request' }>, meta: MessageMeta): Promise<ClientStep> {
    const env = this.deps.env();
    const decisionId = newDecisionId();
    const startNs = process.hrtime.bigint();
    const base = { method: 'tools/call', decisionId, startNs, bytesIn: meta.bytes, parentId: meta.parentId };
    const refuse = (error: McpDenyData['error'], reason: string, tool: string | null, v: ToolVerdict | null, findings: Finding[], auditReason: string = error): ClientStep => {
      this.record(ch, { ...base, tool, outcome: 'deny', reason: auditReason, rule: v?.rule ?? null, intent: v?.intent ?? tool, findings, error: null, synthesised: true, policyVersion: v?.policyVersion });
      return { kind: 'reply', message: { ...jsonRpcDeny(msg.id, { error, reason, rule: v?.rule ?? null, decision_id: decisionId }) } };
    };
    const read = readToolCall(msg);
    if (read === null || typeof read === 'string') {
      const why = read ?? 'not a tool call';
      this.record(ch, { ...base, tool: null, outcome: 'deny', reason: 'mcp_invalid_call', rule: null, intent: null, findings: [], error: null, synthesised: true });
      return { kind: 'reply', message: { ...jsonRpcDeny(msg.id, { error: 'mcp_invalid_call', reason: why, rule: null, decision_id: decisionId }) } };
    }
    const { name, args } = read;
    const verdict = env.policy.decide(ch.info.server, name, args, ch.info.who);
    if (verdict.outcome === 'deny') {
      const reason = verdict.reason === 'no_rule_matched'
        ? `no MCP rule allows tool ${name} on server ${ch.info.serverKey} (tools are denied by default)`
        : `rule ${verdict.rule} denies tool ${name} on server ${ch.info.serverKey}`;
      return refuse('policy_denied', reason, name, verdict, [], verdict.reason);
    }
    const held = ch.blocked.get(name) ?? (await this.pendingChange(ch, name, env.settings.pinning));
    if (held) return refuse(held.error, held.reason, name, verdict, [{ type: held.error, location: `mcp.tool:${name}`, action: 'block' }]);

    const findings = [...scanOutbound(env, ch.info.profile, args, env.settings.scanArgsInjection), ...(await scanKnownElsewhere(env, ch.info.profile, args))];
    const stop = findings.filter((f) => f.action !== 'warn');
    if (stop.length > 0) {
      // Injected instructions relayed in the arguments are named as such, not as a data leak.
      if (stop.every((f) => f.type.startsWith('prompt_injection'))) return refuse('injection_blocked', `the arguments of tool ${name} carry a prompt injection: ${describe(stop)}`, name, verdict, findings);
      return refuse('dlp_blocked', `the arguments of tool ${name} carry data that must not leave: ${describe(stop)}`, name, verdict, findings);
    }

    // An obfuscated command word (r\m, `rm`, $'\162\155', fullwidth letters...) has no honest use.
    const shell = scanShellArgs(args, name);
    findings.push(...shell);
    if (shell.some((f) => f.action === 'block')) return refuse('shell_obfuscation_blocked', `the arguments of tool ${name} carry an obfuscated shell command: ${describe(shell.filter((f) => f.action === 'block'))}`, name, verdict, findings);

    const detector = env.settings.chain === 'off' ? null : this.chainFor(ch, env);
    if (detector) {
      const chain = detector.observe({ name, args }, Date.now()).map((f) => (env.settings.chain === 'warn' ? { ...f, action: 'warn' as const } : f));
      findings.push(...chain);
      const bad = chain.filter((f) => f.action === 'block');
      if (bad.length > 0) return refuse('chain_blocked', `tool ${name} completes a dangerous sequence of tool calls in this session: ${bad.map((f) => f.detail ?? f.type).join('; ')}`, name, verdict, findings);
    }
    this.track(ch, { method: 'tools/call', id: msg.id, call: { tool: name, verdict, decisionId, findings }, startNs, time: new Date().toISOString(), bytesIn: meta.bytes });
    return { kind: 'forward' };
  }

  /** A changed definition waiting for an operator, from the pin store (another gate may have seen the list). */
  private async pendingChange(ch: McpChannel, tool: string, pinning: McpEnv['settings']['pinning']): Promise<{ error: 'mcp_tool_changed'; reason: string } | null> {
    if (pinning !== 'enforce' || !this.deps.pins) return null;
    const tenant = ch.info.who?.tenant ?? '-';
    try {
      const rows = await this.deps.pins.list(ch.info.serverKey);
      const row = rows.find((r) => r.tenant === tenant && r.tool === tool && r.pending !== null);
      return row ? { error: 'mcp_tool_changed', reason: changedReason(tool, ch.info.serverKey) } : null;
    } catch (err) {
      this.deps.onError?.(err, 'tool pin store');
      return { error: 'mcp_tool_changed', reason: `the tool pin store cannot be read, so tool ${tool} cannot be checked for changes; refused (fail closed)` };
    }
  }

  // ---- results ----------------------------------------------------------------

  private async result(env: McpEnv, ch: McpChannel, msg: Extract<JsonRpcMessage, { kind: 'result' }>, p: PendingRequest | null, meta: MessageMeta): Promise<ServerStep> {
    const method = p?.method ?? null;
    let out: Record<string, unknown> = msg.raw;
    const listed = readToolList(msg.result);
    if (listed !== null && (method === 'tools/list' || method === null)) {
      const r = await this.toolList(env, ch, msg.result, p, meta);
      out = { ...msg.raw, result: r };
    }
    const findings = scanInbound(env, msg.result, 'mcp.result');
    const stop = findings.filter((f) => f.action === 'block');
    const blocked = stop.length > 0 && env.injectionAction !== 'warn';
    if (p?.call) {
      this.finishCall(ch, p, {
        outcome: blocked ? 'deny' : p.call.verdict.wouldDeny.length > 0 ? 'would_deny' : 'allow',
        findings: [...p.call.findings, ...findings],
        error: null,
        bytesOut: meta.bytes,
        parentId: meta.parentId,
        ...(blocked ? { reason: 'injection_blocked', synthesised: true } : {}),
      });
    } else if (findings.length > 0) {
      this.record(ch, { method: method ?? 'response', tool: null, decisionId: newDecisionId(), startNs: p?.startNs ?? process.hrtime.bigint(), outcome: blocked ? 'deny' : 'allow', reason: blocked ? 'injection_blocked' : 'rule_allow', rule: null, intent: null, findings, bytesIn: p?.bytesIn ?? 0, bytesOut: meta.bytes, error: null, parentId: meta.parentId, synthesised: blocked });
    }
    if (!blocked) return { kind: 'forward', message: out };
    const decisionId = p?.call?.decisionId ?? newDecisionId();
    const what = p?.call ? `the result of tool ${p.call.tool}` : `the ${method ?? 'response'} result`;
    return {
      kind: 'forward',
      message: { ...jsonRpcDeny(msg.id, { error: 'injection_blocked', reason: `${what} carries a prompt injection (${[...new Set(stop.map((f) => f.type))].join(', ')}); refused`, rule: p?.call?.verdict.rule ?? null, decision_id: decisionId }) },
    };
  }

  /** Take out what the model must not see; pin; remember what is blocked. */
  private async toolList(env: McpEnv, ch: McpChannel, result: unknown, p: PendingRequest | null, meta: MessageMeta): Promise<unknown> {
    const tools = readToolList(result) ?? [];
    const poisoned = new Map<string, Finding[]>();
    for (const tool of tools) {
      const found = scanToolList([tool], env.injection).filter((f) => f.action === 'block');
      const name = isObject(tool) && typeof tool.name === 'string' ? tool.name : null;
      if (found.length > 0 && name !== null) poisoned.set(name, found);
    }
    let changed: string[] = [];
    if (env.settings.pinning !== 'off' && this.deps.pins) {
      try {
        changed = (await this.deps.pins.check(ch.info.who?.tenant ?? '-', ch.info.serverKey, tools)).changed;
      } catch (err) {
        this.deps.onError?.(err, 'tool pin store');
        // Unable to compare: no tool can be trusted not to have changed.
        changed = tools.flatMap((t) => (isObject(t) && typeof t.name === 'string' ? [t.name] : []));
      }
    }
    const enforce = env.settings.pinning === 'enforce';
    ch.blocked.clear();
    for (const name of poisoned.keys()) ch.blocked.set(name, { error: 'tool_poisoning_blocked', reason: `tool ${name} on server ${ch.info.serverKey} has instructions hidden in its definition (tool poisoning); refused` });
    if (enforce) for (const name of changed) if (!ch.blocked.has(name)) ch.blocked.set(name, { error: 'mcp_tool_changed', reason: changedReason(name, ch.info.serverKey) });
    ch.listed = true;
    const who = ch.info.who;
    const filtered = filterToolList(result, (name) => !ch.blocked.has(name) && env.policy.listed(ch.info.server, name, who));
    const findings: Finding[] = [...[...poisoned.values()].flat()];
    for (const name of changed) findings.push({ type: 'mcp_tool_changed', location: `mcp.tool:${name}`, action: enforce ? 'block' : 'warn', detail: enforce ? 'definition changed since pinned; waiting for sluice mcp accept' : 'definition changed since pinned (pinning: report)' });
    if (findings.length > 0) {
      const reason = poisoned.size > 0 ? 'tool_poisoning_blocked' : 'mcp_tool_changed';
      this.record(ch, { method: 'tools/list', tool: null, decisionId: newDecisionId(), startNs: p?.startNs ?? process.hrtime.bigint(), outcome: enforce || poisoned.size > 0 ? 'deny' : 'would_deny', reason, rule: null, intent: null, findings, bytesIn: p?.bytesIn ?? 0, bytesOut: meta.bytes, error: null, parentId: meta.parentId, synthesised: false });
    }
    return filtered.result;
  }

  // ---- records ----------------------------------------------------------------

  private track(ch: McpChannel, p: PendingRequest): PendingRequest | null {
    const dropped = ch.track(p);
    if (dropped) this.unanswered(ch, dropped);
    return dropped;
  }

  private unanswered(ch: McpChannel, p: PendingRequest): void {
    if (!p.call) return;
    this.finishCall(ch, p, { outcome: p.call.verdict.wouldDeny.length > 0 ? 'would_deny' : 'allow', findings: p.call.findings, error: 'no_result', bytesOut: 0, parentId: null });
  }

  private finishCall(
    ch: McpChannel,
    p: PendingRequest,
    r: { outcome: AuditOutcome; findings: Finding[]; error: string | null; bytesOut: number; parentId: string | null; reason?: string; synthesised?: boolean },
  ): void {
    const c = p.call!;
    this.record(ch, {
      method: 'tools/call',
      tool: c.tool,
      decisionId: c.decisionId,
      startNs: p.startNs,
      time: p.time,
      outcome: r.outcome,
      reason: r.reason ?? (r.outcome === 'would_deny' ? 'report_mode' : c.verdict.reason),
      rule: r.outcome === 'would_deny' ? (c.verdict.wouldDeny[0] ?? c.verdict.rule) : c.verdict.rule,
      intent: c.verdict.intent,
      findings: r.findings,
      bytesIn: p.bytesIn,
      bytesOut: r.bytesOut,
      error: r.error,
      parentId: r.parentId,
      synthesised: r.synthesised ?? false,
      policyVersion: c.verdict.policyVersion,
    });
  }

  private record(
    ch: McpChannel,
    f: {
      method: string; tool: string | null; decisionId: string; startNs: bigint; time?: string; outcome: AuditOutcome; reason: string; rule: string | null;
      intent: string | null; findings: readonly Finding[]; bytesIn: number; bytesOut?: number; error: string | null; parentId: string | null; synthesised: boolean; policyVersion?: string | undefined;
    },
  ): void {
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

function changedReason(tool: string, server: string): string {
  return `tool ${tool} on server ${server} changed its definition since it was pinned; an operator must accept it first (sluice mcp accept ${server})`;
}

function describe(findings: readonly Finding[]): string {
  return [...new Set(findings.map((f) => `${f.type} in ${f.location}${f.encoding ? ` (${f.encoding})` : ''}`))].join(', ');
}
