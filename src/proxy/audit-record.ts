import type { AuditRecord } from '../audit/fields.js';
import type { RequestContext } from './request-context.js';

/** The canonical record for a finished request. The query string is dropped on purpose. */
export function buildRecord(ctx: RequestContext): AuditRecord {
  const q = ctx.target.indexOf('?');
  const status = ctx.res.headersSent ? ctx.res.statusCode : 0;
  return {
    decision_id: ctx.decisionId,
    time: ctx.time,
    tenant: ctx.principal?.tenant ?? null,
    agent: ctx.principal?.agent ?? null,
    session: ctx.principal?.session ?? null,
    human: ctx.principal?.human ?? null,
    method: ctx.req.method ?? '',
    scheme: ctx.scheme,
    host: ctx.auditHost ?? ctx.hostText,
    port: ctx.port,
    path: ctx.auditPath ?? (q === -1 ? ctx.target : ctx.target.slice(0, q)),
    intent: ctx.decision?.intent ?? null,
    outcome: ctx.outcome ?? (ctx.res.writableFinished ? 'allow' : 'error'),
    reason: ctx.reason ?? (ctx.outcome === 'would_deny' ? 'report_mode' : (ctx.decision?.reason ?? 'aborted')),
    // A report-mode record names the rule that would have denied; the allowing rule is in `reason`'s context.
    rule: ctx.outcome === 'would_deny' ? (ctx.decision?.wouldDeny[0] ?? null) : (ctx.decision?.rule ?? null),
    policy_version: ctx.policyVersion,
    credential: ctx.credential,
    route: ctx.route,
    status,
    bytes_in: ctx.bytesIn,
    bytes_out: ctx.bytesOut,
    duration_ms: Number(process.hrtime.bigint() - ctx.startNs) / 1e6,
    findings: ctx.findings,
    transport: ctx.transport,
    address: ctx.address,
    error: ctx.error,
    synthesised: ctx.synthesised,
    rewritten: ctx.rewritten,
    protocol: ctx.protocol?.name ?? null,
    server: ctx.protocol?.server ?? null,
    tool: ctx.protocol?.tool ?? null,
    parent_id: null,
  };
}

/**
 * A record for an exchange that never became a request (a CONNECT's own record, a
 * connection refused at accept): every field at its empty value, then `fields`.
 *
 * @example
 * const record = blankRecord({ decision_id, time: new Date().toISOString(), policy_version, outcome: 'deny', reason: 'overloaded', status: 503 });
 */
export function blankRecord(fields: Pick<AuditRecord, 'decision_id' | 'time' | 'policy_version' | 'outcome' | 'reason' | 'status'> & Partial<AuditRecord>): AuditRecord {
  return {
    tenant: null,
    agent: null,
    session: null,
    human: null,
    method: '',
    scheme: 'http',
    host: '',
    port: 0,
    path: '',
    intent: null,
    rule: null,
    credential: null,
    route: null,
    bytes_in: 0,
    bytes_out: 0,
    duration_ms: 0,
    findings: [],
    transport: 'http',
    address: null,
    error: null,
    synthesised: false,
    rewritten: [],
    protocol: null,
    server: null,
    tool: null,
    parent_id: null,
    ...fields,
  };
}
