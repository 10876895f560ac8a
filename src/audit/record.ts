/**
 * The one builder of audit records: HTTP exchanges and WebSocket sessions
 * (`proxy/audit-record.ts`), CONNECT tunnels and connections refused at accept
 * (`proxy/handle-connect.ts`, `proxy/overload.ts`) and MCP tool calls
 * (`mcp/tool-record.ts`) all state their facts and get the record from here, so the
 * field set and every empty value are written once (DESIGN.md: "the record (one
 * builder)"). A literal on purpose, in the order of `F`: no spread per request.
 */
import type { AuditRecord } from './fields.js';

/** Who asked; fills `tenant`, `agent`, `session` and `human`. */
export interface RecordWho {
  readonly tenant: string;
  readonly agent: string;
  readonly session: string;
  readonly human: string | null;
}

/** What every record must say; anything else left out takes its empty value. */
export type RecordFacts = Pick<AuditRecord, 'decision_id' | 'time' | 'policy_version' | 'outcome' | 'reason' | 'status'> &
  Partial<AuditRecord> & {
    who?: RecordWho | null;
    /** When the exchange started (`process.hrtime.bigint()`): `duration_ms` runs to now unless given. */
    startNs?: bigint;
  };

/**
 * @example
 * audit.write(auditRecord({ decision_id, time: new Date().toISOString(), policy_version, outcome: 'deny', reason: 'overloaded', status: 503 }));
 */
export function auditRecord(f: RecordFacts): AuditRecord {
  return {
    decision_id: f.decision_id,
    time: f.time,
    tenant: f.who ? f.who.tenant : (f.tenant ?? null),
    agent: f.who ? f.who.agent : (f.agent ?? null),
    session: f.who ? f.who.session : (f.session ?? null),
    human: f.who ? f.who.human : (f.human ?? null),
    method: f.method ?? '',
    scheme: f.scheme ?? 'http',
    host: f.host ?? '',
    port: f.port ?? 0,
    path: f.path ?? '',
    intent: f.intent ?? null,
    outcome: f.outcome,
    reason: f.reason,
    rule: f.rule ?? null,
    policy_version: f.policy_version,
    credential: f.credential ?? null,
    route: f.route ?? null,
    status: f.status,
    bytes_in: f.bytes_in ?? 0,
    bytes_out: f.bytes_out ?? 0,
    duration_ms: f.duration_ms ?? (f.startNs === undefined ? 0 : Number(process.hrtime.bigint() - f.startNs) / 1e6),
    findings: f.findings ?? [],
    transport: f.transport ?? 'http',
    address: f.address ?? null,
    error: f.error ?? null,
    synthesised: f.synthesised ?? false,
    rewritten: f.rewritten ?? [],
    protocol: f.protocol ?? null,
    server: f.server ?? null,
    tool: f.tool ?? null,
    parent_id: f.parent_id ?? null,
    budget: f.budget ?? null,
    model: f.model ?? null,
    tokens_in: f.tokens_in ?? null,
    tokens_out: f.tokens_out ?? null,
    cost: f.cost ?? null,
    approval_id: f.approval_id ?? null,
    // Set by the trail's hash chain (chain.ts) just before the journal and the sinks see it.
    chain_id: null,
    chain_seq: null,
    chain_prev: null,
    chain_hash: null,
  };
}
