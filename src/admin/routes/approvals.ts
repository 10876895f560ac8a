/**
 * Human approvals (`sluice approvals`): list them, show one with its proposed diff
 * (secrets redacted when it was opened), approve or deny it. The approver is the
 * operator the token names: it must be one of the rule's approvers or a member of one
 * of its roles, as `sluice approvals approve --as NAME` requires.
 *
 * @example
 * curl -H "Authorization: Bearer $OP" -d '{"reason":"looks right"}' http://127.0.0.1:9090/api/v1/approvals/apr_1/approve
 */
import * as z from 'zod';
import { InvalidArgumentError } from '../../identity/errors.js';
import { statusAt, type ApprovalEntry, type ApprovalStore } from '../../state/approvals.js';
import { AdminError } from '../admin-errors.js';
import type { AdminHost } from '../context.js';
import { json, route, type RouteDef } from '../route.js';
import { approvalSchema, flagParam, ms } from '../schemas.js';

export function approvalView(e: ApprovalEntry, now = Date.now()): z.output<typeof approvalSchema> {
  return {
    id: e.id,
    status: statusAt(e, now),
    rule: e.rule,
    tenant: e.tenant,
    session: e.session,
    approvers: [...e.allowed],
    created_at: ms(e.createdAt)!,
    expires_at: ms(e.expiresAt)!,
    decided_by: e.decidedBy,
    decided_at: ms(e.decidedAt),
    reason: e.reason,
    scope: e.scope,
    grant_until: ms(e.grantUntil),
    used_at: ms(e.usedAt),
    decision_id: e.decisionId,
    diff: e.diff,
  };
}

function storeOf(host: AdminHost): ApprovalStore {
  if (host.approvals === null) throw new AdminError('unavailable', 'this gate has no approval store');
  return host.approvals;
}

const idParams = z.object({ id: z.string().min(1).max(128) });

export const approvalsList = route({
  id: 'approvals.list',
  method: 'GET',
  path: '/api/v1/approvals',
  role: 'auditor',
  summary: 'Pending approvals (all=true: every one still remembered), oldest first',
  query: z.object({ all: flagParam.optional() }),
  response: z.object({ approvals: z.array(approvalSchema) }),
  handle: ({ host, query }) =>
    json({
      approvals: storeOf(host)
        .list({ all: query.all ?? false })
        .map((e) => approvalView(e)),
    }),
});

export const approvalsShow = route({
  id: 'approvals.show',
  method: 'GET',
  path: '/api/v1/approvals/{id}',
  role: 'auditor',
  summary: 'One approval with its proposed diff',
  params: idParams,
  response: z.object({ approval: approvalSchema }),
  handle: ({ host, params }) => {
    const e = storeOf(host).get(params.id);
    if (e === null) throw new AdminError('not_found', `no approval ${params.id} (GET /api/v1/approvals?all=true lists them)`);
    return json({ approval: approvalView(e) });
  },
});

function decideRoute(approve: boolean): RouteDef {
  const verb = approve ? 'approve' : 'deny';
  return route({
    id: `approvals.${verb}`,
    method: 'POST',
    path: `/api/v1/approvals/{id}/${verb}`,
    role: 'approver',
    summary: approve ? 'Approve: the held request goes on (or the retry passes)' : 'Deny: the agent gets 403 approval_denied',
    description: "Decided as the operator the token names; it must be one of the rule's approvers (or in one of its roles) when the rule names any.",
    params: idParams,
    body: z
      .object({
        reason: z.string().max(256).optional(),
        ...(approve
          ? {
              scope: z
                .enum(['request', 'session', 'rule'])
                .default('request')
                .describe('widen the grant: this request once, the session under this rule, or the rule in the tenant'),
              for_ms: z.number().int().positive().optional().describe('how long a widened grant lasts; required for rule'),
            }
          : {}),
      })
      .default({}),
    response: z.object({ approval: approvalSchema }),
    handle: async ({ host, params, body, operator }) => {
      const store = storeOf(host);
      const e = store.get(params.id);
      if (e === null) throw new AdminError('not_found', `no approval ${params.id}`);
      const status = statusAt(e, Date.now());
      if (status !== 'pending')
        throw new AdminError('conflict', `approval ${e.id} is ${status}${e.decidedBy ? ` (by ${e.decidedBy})` : ''}; nothing to decide`);
      if (e.allowed.length > 0 && !e.allowed.includes(operator.name))
        throw new AdminError('approver_not_allowed', `${operator.name} may not decide approval ${e.id} (rule ${e.rule}); approvers: ${e.allowed.join(', ')}`);
      const b = body as { reason?: string; scope?: 'request' | 'session' | 'rule'; for_ms?: number };
      try {
        const d = await store.decide(e.id, { approve, by: operator.name, reason: b.reason ?? null, scope: b.scope ?? 'request', forMs: b.for_ms ?? null });
        return json({ approval: approvalView(d) });
      } catch (err) {
        if (err instanceof InvalidArgumentError) throw new AdminError(/already|nothing to decide/.test(err.message) ? 'conflict' : 'bad_request', err.message);
        throw err;
      }
    },
  });
}

export const approvalsApprove = decideRoute(true);
export const approvalsDeny = decideRoute(false);
