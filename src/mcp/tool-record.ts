/**
 * The audit record of one MCP exchange the guard acted on: a tool call (allowed,
 * denied, or its result refused) or a tools/list that had tools taken out. Built
 * from the channel's fixed facts plus what happened; never holds an argument or
 * result value, only findings (type and place). The record itself comes from the one
 * builder (audit/record.ts).
 */
import type { AuditOutcome, AuditRecord } from '../audit/fields.js';
import { auditRecord } from '../audit/record.js';
import { auditFinding, type Finding } from '../inspect/finding.js';
import type { ChannelInfo } from './types.js';

export interface ToolRecordFacts {
  decisionId: string;
  time: string;
  startNs: bigint;
  /** The JSON-RPC method: `tools/call`, `tools/list`, ... */
  method: string;
  tool: string | null;
  outcome: AuditOutcome;
  reason: string;
  rule: string | null;
  policyVersion: string;
  intent: string | null;
  findings: readonly Finding[];
  /** Message bytes from the client and to it. */
  bytesIn: number;
  bytesOut: number;
  /** The gate answered itself (a deny or a refused result). */
  synthesised: boolean;
  /** A JSON-RPC error the server returned, or why no result came (`no_result`). */
  error: string | null;
  /** The HTTP exchange that carried the message. */
  parentId: string | null;
  /** The budget that refused the call. */
  budget?: string | null;
  /** The human approval the call met, if it needed one. */
  approvalId?: string | null;
}

/**
 * @example
 * audit.write(toolRecord(channel.info, { decisionId, time, startNs, method: 'tools/call', tool: 'tickets.create', outcome: 'allow', ... }));
 */
export function toolRecord(info: ChannelInfo, f: ToolRecordFacts): AuditRecord {
  const a = info.audit;
  return auditRecord({
    decision_id: f.decisionId,
    time: f.time,
    who: info.who,
    method: f.method,
    scheme: a.scheme,
    host: a.host,
    port: a.port,
    path: a.path,
    intent: f.intent,
    outcome: f.outcome,
    reason: f.reason,
    rule: f.rule,
    policy_version: f.policyVersion,
    credential: a.credential,
    route: a.route,
    status: 0,
    bytes_in: f.bytesIn,
    bytes_out: f.bytesOut,
    startNs: f.startNs,
    findings: f.findings.map(auditFinding),
    transport: a.transport,
    address: a.address,
    error: f.error,
    synthesised: f.synthesised,
    protocol: 'mcp',
    server: info.serverKey,
    tool: f.tool,
    parent_id: f.parentId,
    budget: f.budget ?? null,
    approval_id: f.approvalId ?? null,
  });
}
