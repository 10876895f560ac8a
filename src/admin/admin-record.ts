/**
 * The audit record of one admin call, allowed or refused: through the same trail as
 * the gate's decisions (protocol `admin`, host `sluice-admin`), so `sluice audit query
 * --agent NAME` and the decisions API (`?protocol=admin`) find who did what. The operator is the identity tuple
 * (tenant `sluice:operators`, agent and human the operator's name, session the token
 * id); the token itself is never in it, nor the query string or the body.
 *
 * @example
 * audit.write(adminRecord({ method: 'POST', path: '/api/v1/kill', port: 9090, routeId: 'kill.set', operator, status: 200, reason: 'admin_ok', ... }));
 */
import type { AuditRecord } from '../audit/fields.js';
import { newDecisionId } from '../audit/decision-id.js';
import { auditRecord } from '../audit/record.js';
import { OPERATOR_TENANT, type OperatorIdentity } from './operator-token.js';

/** The host name admin records carry, so they are never mistaken for an agent's destination. */
export const ADMIN_HOST = 'sluice-admin';

export function adminRecord(f: {
  method: string;
  path: string;
  port: number;
  routeId: string | null;
  operator: OperatorIdentity | null;
  status: number;
  /** `admin_ok`, or the refusal code (operator_token_missing, role_insufficient, not_found, ...). */
  reason: string;
  policyVersion: string;
  bytesIn: number;
  bytesOut: number;
  startNs: bigint;
}): AuditRecord {
  const o = f.operator;
  return auditRecord({
    decision_id: newDecisionId(),
    time: new Date().toISOString(),
    policy_version: f.policyVersion,
    outcome: f.status < 400 ? 'allow' : f.status >= 500 ? 'error' : 'deny',
    reason: f.reason,
    status: f.status,
    ...(o === null ? {} : { who: { tenant: OPERATOR_TENANT, agent: o.name, session: o.tokenId, human: o.name } }),
    method: f.method,
    scheme: 'http',
    host: ADMIN_HOST,
    port: f.port,
    path: f.path,
    intent: f.routeId === null ? null : `admin.${f.routeId}`,
    error: f.status >= 500 ? f.reason : null,
    bytes_in: f.bytesIn,
    bytes_out: f.bytesOut,
    startNs: f.startNs,
    protocol: 'admin',
  });
}
