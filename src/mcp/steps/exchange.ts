/**
 * What the MCP guard's steps (index.ts) work on: one tool call from the client, or one
 * result from the server, with the guard's services they share. A step
 * (proxy/pipeline/compose.ts's Step) acts before `next()` (read, decide, inspect) or
 * after it (the audit record); a refusal sets `x.refusal` and does not call `next`.
 */
import { newDecisionId } from '../../audit/decision-id.js';
import type { AuditOutcome } from '../../audit/fields.js';
import type { Finding } from '../../inspect/finding.js';
import type { JsonRpcMessage, McpDenyData } from '../../inspect/mcp/jsonrpc.js';
import type { ToolPinStore } from '../../state/tool-pins.js';
import type { RateBucketStore } from '../../state/rate-buckets.js';
import type { BudgetStore } from '../../state/budgets.js';
import type { ApprovalStore } from '../../state/approvals.js';
import type { BlastRadiusStore } from '../../state/blast-radius.js';
import type { McpChannel, PendingRequest } from '../channel.js';
import type { ToolRecordFacts } from '../tool-record.js';
import type { ChainDetector, McpEnv, ToolVerdict } from '../types.js';

/** Where a message came from on the transport: the HTTP exchange that carried it, and its size. */
export interface MessageMeta {
  parentId: string | null;
  bytes: number;
}

/** The facts of one audit record the guard writes (tool-record.ts builds it); the time, bytes out and policy version have defaults. */
export type RecordFacts = Omit<ToolRecordFacts, 'time' | 'bytesOut' | 'policyVersion'> & {
  time?: string;
  bytesOut?: number;
  policyVersion?: string | undefined;
};

/** How a tool call's record ends (its result came, it was refused, or it went unanswered). */
export interface CallEnd {
  outcome: AuditOutcome;
  findings: Finding[];
  error: string | null;
  bytesOut: number;
  parentId: string | null;
  reason?: string;
  synthesised?: boolean;
  /** The record's rule instead of the call's (an operator's stop: `kill:k3`). */
  rule?: string;
}

/** What the steps use of the guard (McpGuard): its pin store, its records, its session state. */
export interface GuardCore {
  readonly pins: ToolPinStore | null;
  /** Rate-limit buckets of tool rules' `rate_limit:` (kept across reloads). */
  readonly rates: RateBucketStore;
  /** Budget counters; null: tool calls count in no budget. */
  readonly budgets: BudgetStore | null;
  /** Told when a pin store or scanner fails (the message is refused either way). */
  onError(err: unknown, what: string): void;
  record(ch: McpChannel, f: RecordFacts): void;
  finishCall(ch: McpChannel, p: PendingRequest, r: CallEnd): void;
  /** Remember a request in flight (the oldest dropped for room is recorded as unanswered). */
  track(ch: McpChannel, p: PendingRequest): void;
  /** The session's chain detector, or null when chain detection is off. */
  chainFor(ch: McpChannel, env: McpEnv): ChainDetector | null;
  /** Human approvals; null: an `approve` tool rule refuses. */
  readonly approvals: ApprovalStore | null;
  /** Per-session tool-call depth (blast radius). */
  readonly blast: BlastRadiusStore;
}

/** A refusal: the JSON-RPC error's code and text, and the audit record's reason. */
export interface Refusal {
  error: McpDenyData['error'];
  reason: string;
  audit: string;
  /** The approval the refusal is about (its id, expiry and diff), for `data.approval`. */
  approval?: unknown;
}

/** One tools/call from the client. */
export interface CallExchange {
  readonly guard: GuardCore;
  /** The gate's state for this message (read once: a reload applies to the next one). */
  readonly env: McpEnv;
  readonly ch: McpChannel;
  readonly msg: Extract<JsonRpcMessage, { kind: 'request' }>;
  readonly meta: MessageMeta;
  readonly decisionId: string;
  readonly startNs: bigint;
  /** The tool and its arguments, once read. */
  tool: string | null;
  args: Record<string, unknown>;
  verdict: ToolVerdict | null;
  /** What the steps found; recorded with the call. */
  findings: Finding[];
  refusal: Refusal | null;
  /** The human approval the call met, if it needed one (on its record). */
  approvalId: string | null;
  /** The operator's stop that refused it (`kill:k3`, stop.ts): the record's and the deny's rule. */
  stoppedBy?: string;
  /** The budget that refused it (its record's `budget`). */
  budget?: string;
}

/** One result from the server, to the request it answers (`pending`, if it was tracked). */
export interface AnswerExchange {
  readonly guard: GuardCore;
  readonly env: McpEnv;
  readonly ch: McpChannel;
  readonly msg: Extract<JsonRpcMessage, { kind: 'result' }>;
  readonly pending: PendingRequest | null;
  readonly meta: MessageMeta;
  /** The message the client gets (a tools/list with tools taken out, or the refusal). */
  out: Record<string, unknown>;
  /** What the scan of the result found, and the ones that block it. */
  findings: Finding[];
  stop: Finding[];
  blocked: boolean;
  /** Why a blocked result is withheld, when not for a prompt injection (redact-answer.ts); absent: injection_blocked. */
  withheld?: {
    error: McpDenyData['error'];
    reason: string;
    /** The operator's stop that withheld it (`kill:k3`): the record's and the error's rule. */
    by?: string;
  };
}

/** Refuse the call: the steps after this one do not run. */
export function refuse(x: CallExchange, error: Refusal['error'], reason: string, audit: string = error): void {
  x.refusal = { error, reason, audit };
}

export function changedReason(tool: string, server: string): string {
  return `tool ${tool} on server ${server} changed its definition since it was pinned; an operator must accept it first (sluice mcp accept ${server})`;
}

export function describe(findings: readonly Finding[]): string {
  return [...new Set(findings.map((f) => `${f.type} in ${f.location}${f.encoding ? ` (${f.encoding})` : ''}`))].join(', ');
}

/**
 * The record of a server's answer that is not a tool call's result (a tools/list, an
 * answer whose scan found something): no tool, no rule, the request's timing if known.
 */
export function recordServerAnswer(
  x: AnswerExchange,
  r: { method: string; outcome: RecordFacts['outcome']; reason: string; findings: Finding[]; synthesised: boolean },
): void {
  const p = x.pending;
  x.guard.record(x.ch, {
    method: r.method,
    tool: null,
    decisionId: newDecisionId(),
    startNs: p?.startNs ?? process.hrtime.bigint(),
    outcome: r.outcome,
    reason: r.reason,
    rule: null,
    intent: null,
    findings: r.findings,
    bytesIn: p?.bytesIn ?? 0,
    bytesOut: x.meta.bytes,
    error: null,
    parentId: x.meta.parentId,
    synthesised: r.synthesised,
  });
}
