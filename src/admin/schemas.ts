/**
 * The zod schemas the admin routes share: errors, decision records, approvals, stops.
 * One definition serves request validation, the tests' answer checks, and the
 * OpenAPI document (openapi.ts).
 *
 * @example
 * errorSchema.parse({ error: 'not_found', reason: 'no approval apr_x' });
 */
import * as z from 'zod';
import { ADMIN_ERRORS } from './admin-errors.js';

const nullableString = z.string().nullable();
const isoTime = z.string().describe('ISO-8601 UTC time');

export const errorSchema = z
  .object({
    error: z.enum(Object.keys(ADMIN_ERRORS) as [keyof typeof ADMIN_ERRORS, ...Array<keyof typeof ADMIN_ERRORS>]),
    reason: z.string(),
  })
  .meta({ id: 'Error' });

export const findingSchema = z.object({
  type: z.string(),
  location: z.string(),
  action: z.string(),
  encoding: z.string().optional(),
  detail: z.string().optional(),
});

/** One audit record (audit/fields.ts): the decision trail's stable field set. */
export const decisionSchema = z
  .object({
    decision_id: z.string(),
    time: isoTime,
    tenant: nullableString,
    agent: nullableString,
    session: nullableString,
    human: nullableString,
    method: z.string(),
    scheme: z.string(),
    host: z.string(),
    port: z.number(),
    path: z.string(),
    intent: nullableString,
    outcome: z.enum(['allow', 'deny', 'error', 'would_deny', 'challenge']),
    reason: z.string(),
    rule: nullableString,
    policy_version: z.string(),
    credential: nullableString,
    route: nullableString,
    status: z.number(),
    bytes_in: z.number(),
    bytes_out: z.number(),
    duration_ms: z.number(),
    findings: z.array(findingSchema),
    transport: z.string(),
    address: nullableString,
    error: nullableString,
    synthesised: z.boolean(),
    rewritten: z.array(z.string()),
    protocol: nullableString,
    server: nullableString,
    tool: nullableString,
    parent_id: nullableString,
    budget: nullableString,
    model: nullableString,
    tokens_in: z.number().nullable(),
    tokens_out: z.number().nullable(),
    cost: z.number().nullable(),
    approval_id: nullableString,
  })
  .meta({ id: 'Decision' });

export const approvalDiffSchema = z.object({
  kind: z.enum(['http', 'mcp']),
  method: z.string(),
  url: z.string(),
  tenant: nullableString,
  agent: nullableString,
  session: nullableString,
  human: nullableString,
  body: nullableString,
  bodyBytes: z.number(),
  tool: z.string().optional(),
  args: z.unknown().optional(),
  why: z.string(),
});

export const approvalSchema = z
  .object({
    id: z.string(),
    status: z.enum(['pending', 'approved', 'denied', 'expired']),
    rule: z.string(),
    tenant: nullableString,
    session: nullableString,
    approvers: z.array(z.string()).describe('who may decide (names, role members expanded); empty: anyone'),
    created_at: isoTime,
    expires_at: isoTime,
    decided_by: nullableString,
    decided_at: isoTime.nullable(),
    reason: nullableString,
    scope: z.enum(['request', 'session', 'rule']),
    grant_until: isoTime.nullable(),
    used_at: isoTime.nullable(),
    decision_id: z.string().describe('the audit record that asked for it'),
    diff: approvalDiffSchema.describe('the proposed request, secrets redacted'),
  })
  .meta({ id: 'Approval' });

export const killSchema = z.object({ id: z.string(), tenant: nullableString, reason: nullableString, at: isoTime }).meta({ id: 'Kill' });
export const quarantineSchema = z
  .object({ id: z.string().describe('q and a number'), target: z.string(), reason: nullableString, at: isoTime, expires_at: isoTime.nullable() })
  .meta({ id: 'Quarantine' });
export const revocationSchema = z
  .object({
    id: z.string(),
    kind: z.enum(['session', 'agent', 'token']),
    value: z.string(),
    tenant: nullableString,
    reason: nullableString,
    revoked_at: isoTime,
  })
  .meta({ id: 'Revocation' });

/** Whether every gate on the shared state applied a change: the ones that had not within the wait. */
export const appliedSchema = z.object({ applied: z.boolean(), pending: z.array(z.string()) });

/** A path or query string that names something (tenant, agent, session, rule). */
export const nameParam = z.string().min(1).max(256);
/** Booleans in a query string. */
export const flagParam = z.enum(['true', 'false']).transform((v) => v === 'true');
/** A whole number in a query string. */
export const intParam = (min: number, max: number) =>
  z.string().regex(/^\d+$/, { error: 'expected a whole number' }).transform(Number).pipe(z.number().int().min(min).max(max));
/** An instant in a query string: ISO-8601. */
export const timeParam = z.iso.datetime({ offset: true }).transform((s) => new Date(s));

export const ms = (t: number | null): string | null => (t === null ? null : new Date(t).toISOString());
