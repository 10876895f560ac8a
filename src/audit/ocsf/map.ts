/**
 * Audit records as OCSF events (schema version pinned: OCSF_VERSION). One record gives:
 * an HTTP Activity (4002) for an HTTP exchange, WebSocket session or tunnel; an API
 * Activity (6003) for an MCP tool call (or any MCP/A2A message); and a Detection
 * Finding (2004) for each thing an inspector found. Only record fields are used: the
 * record never holds a secret value, so neither does an event (no headers, no bodies,
 * no query strings). The Sluice fields OCSF has no place for, the decision id and the
 * hash chain included, go under `unmapped`, so a SIEM can follow the chain.
 *
 * Schemas for exactly what is emitted: schemas/ocsf/ (checked in tests with ajv).
 */
import type { AuditRecord, Finding } from '../fields.js';

/** The OCSF schema version every event names. */
export const OCSF_VERSION = '1.3.0';
const PRODUCT = { name: 'Sluice', vendor_name: 'Sluice', version: '0.1.0' } as const;

/** An OCSF event: a plain JSON object. */
export type OcsfEvent = Record<string, unknown> & { class_uid: number; type_uid: number; time: number };

const HTTP_ACTIVITY: Readonly<Record<string, [number, string]>> = {
  CONNECT: [1, 'Connect'],
  DELETE: [2, 'Delete'],
  GET: [3, 'Get'],
  HEAD: [4, 'Head'],
  OPTIONS: [5, 'Options'],
  POST: [6, 'Post'],
  PUT: [7, 'Put'],
  TRACE: [8, 'Trace'],
  PATCH: [9, 'Patch'],
};

const SEVERITY = ['Unknown', 'Informational', 'Low', 'Medium', 'High', 'Critical'] as const;

/**
 * @example
 * toOcsf(record).map((e) => e.class_uid); // [4002] or [4002, 2004] or [6003, 2004]
 */
export function toOcsf(r: AuditRecord): OcsfEvent[] {
  const events: OcsfEvent[] = [r.protocol !== null ? apiActivity(r) : httpActivity(r)];
  r.findings.forEach((f, i) => events.push(detectionFinding(r, f, i)));
  return events;
}

function epochMs(iso: string): number {
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : 0;
}

function base(
  r: AuditRecord,
  classUid: number,
  className: string,
  categoryUid: number,
  categoryName: string,
  activityId: number,
  activityName: string,
  severityId: number,
) {
  return {
    activity_id: activityId,
    activity_name: activityName,
    category_uid: categoryUid,
    category_name: categoryName,
    class_uid: classUid,
    class_name: className,
    type_uid: classUid * 100 + activityId,
    type_name: `${className}: ${activityName}`,
    severity_id: severityId,
    severity: SEVERITY[severityId] ?? 'Other',
    time: epochMs(r.time),
    metadata: {
      version: OCSF_VERSION,
      product: PRODUCT,
      uid: r.decision_id,
      correlation_uid: r.decision_id,
      log_name: 'sluice.audit',
      profiles: classUid === 2004 ? [] : ['security_control', 'host'],
    },
  };
}

/** allow: Success; a refusal or a failure: Failure. */
function status(r: AuditRecord): { status_id: number; status: string; status_code: string; status_detail: string } {
  const ok = r.outcome === 'allow' && r.status < 400;
  return {
    status_id: ok ? 1 : 2,
    status: ok ? 'Success' : 'Failure',
    status_code: String(r.status),
    status_detail: r.error ? `${r.reason}: ${r.error}` : r.reason,
  };
}

/** The security-control profile: what the gate did. */
function action(r: AuditRecord): { action_id: number; action: string; disposition_id: number; disposition: string } {
  const allowed = r.outcome === 'allow' || r.outcome === 'would_deny';
  return allowed
    ? { action_id: 1, action: 'Allowed', disposition_id: 1, disposition: 'Allowed' }
    : { action_id: 2, action: 'Denied', disposition_id: 2, disposition: 'Blocked' };
}

function actor(r: AuditRecord) {
  const user: Record<string, unknown> = { uid: r.agent ?? 'unidentified', name: r.agent ?? 'unidentified', type_id: 99, type: 'Agent' };
  if (r.tenant !== null) user.org = { uid: r.tenant, name: r.tenant };
  return { user, ...(r.session !== null ? { session: { uid: r.session } } : {}), app_name: 'sluice' };
}

function dstEndpoint(r: AuditRecord) {
  const ep: Record<string, unknown> = { hostname: r.host || 'unknown' };
  if (r.port > 0) ep.port = r.port;
  const ip = r.address?.replace(/^\[?([^\]]+?)\]?:\d+$/, '$1');
  if (ip && /^[\d.]+$|:/.test(ip)) ep.ip = ip;
  return ep;
}

function httpRequest(r: AuditRecord) {
  const url: Record<string, unknown> = { hostname: r.host || 'unknown', path: r.path || '/', scheme: r.scheme };
  if (r.port > 0) url.port = r.port;
  // The query string is never recorded: url_string is scheme, host, port and path only.
  url.url_string = `${r.scheme}://${r.host}${r.port > 0 ? `:${r.port}` : ''}${r.path}`;
  return { http_method: r.method || 'UNKNOWN', url };
}

/** Sluice's own fields: the decision, the rule, and the hash chain. */
function unmapped(r: AuditRecord) {
  const u: Record<string, unknown> = {
    decision_id: r.decision_id,
    outcome: r.outcome,
    reason: r.reason,
    rule: r.rule,
    policy_version: r.policy_version,
    credential: r.credential,
    route: r.route,
    transport: r.transport,
    human: r.human,
    intent: r.intent,
    budget: r.budget,
    approval_id: r.approval_id,
    bytes_in: r.bytes_in,
    bytes_out: r.bytes_out,
    chain_id: r.chain_id ?? null,
    chain_seq: r.chain_seq ?? null,
    chain_hash: r.chain_hash ?? null,
  };
  for (const k of Object.keys(u)) if (u[k] === null) delete u[k];
  return { sluice: u };
}

function httpActivity(r: AuditRecord): OcsfEvent {
  const [id, name] = HTTP_ACTIVITY[r.method.toUpperCase()] ?? [r.method ? 99 : 0, r.method ? 'Other' : 'Unknown'];
  const denied = r.outcome === 'deny' || r.outcome === 'error';
  return {
    ...base(r, 4002, 'HTTP Activity', 4, 'Network Activity', id, name, denied ? 3 : 1),
    ...status(r),
    ...action(r),
    message: `${r.outcome} ${r.method} ${r.host}${r.path} (${r.reason})`,
    duration: Math.round(r.duration_ms),
    actor: actor(r),
    src_endpoint: { name: r.agent ?? 'unidentified' },
    dst_endpoint: dstEndpoint(r),
    http_request: httpRequest(r),
    http_response: { code: r.status },
    unmapped: unmapped(r),
  };
}

function apiActivity(r: AuditRecord): OcsfEvent {
  const denied = r.outcome === 'deny' || r.outcome === 'error';
  return {
    ...base(r, 6003, 'API Activity', 6, 'Application Activity', 99, r.method || 'Other', denied ? 3 : 1),
    ...status(r),
    ...action(r),
    message: `${r.outcome} ${r.protocol} ${r.method} ${r.server ?? r.host} ${r.tool ?? ''} (${r.reason})`.replace(/ +\(/, ' ('),
    duration: Math.round(r.duration_ms),
    actor: actor(r),
    api: {
      operation: r.tool ?? r.method ?? 'unknown',
      service: { name: r.server ?? r.host ?? 'unknown' },
      request: { uid: r.decision_id },
      ...(r.parent_id !== null ? { group: { uid: r.parent_id, name: 'carrying HTTP exchange' } } : {}),
    },
    src_endpoint: { name: r.agent ?? 'unidentified' },
    dst_endpoint: dstEndpoint(r),
    ...(r.method !== '' && r.host !== '' ? { http_request: httpRequest({ ...r, method: 'POST' }) } : {}),
    unmapped: { sluice: { ...unmapped(r).sluice, protocol: r.protocol, mcp_method: r.method } },
  };
}

function findingSeverity(f: Finding): number {
  return f.action === 'block' ? 4 : f.action === 'redact' || f.action === 'scrub' ? 3 : 2;
}

function detectionFinding(r: AuditRecord, f: Finding, i: number): OcsfEvent {
  const sev = findingSeverity(f);
  return {
    ...base(r, 2004, 'Detection Finding', 2, 'Findings', 1, 'Create', sev),
    status_id: 1,
    status: 'New',
    message: `${f.type} at ${f.location}: ${f.action}`,
    finding_info: {
      uid: `${r.decision_id}:${i}`,
      title: `${f.type} at ${f.location}`,
      ...(f.detail !== undefined ? { desc: f.detail } : {}),
      types: [f.type],
      analytic: { name: f.type, type_id: 1, type: 'Rule' },
      related_events: [{ uid: r.decision_id }],
      created_time: epochMs(r.time),
    },
    resources: [{ name: `${r.host}${r.path}`, type: r.protocol === 'mcp' ? 'mcp_tool' : 'url' }],
    unmapped: {
      sluice: { ...unmapped(r).sluice, location: f.location, finding_action: f.action, ...(f.encoding !== undefined ? { encoding: f.encoding } : {}) },
    },
  };
}
