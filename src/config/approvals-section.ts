/**
 * Human approvals (`action: approve` rules) and the blast radius, as the config writes
 * them. A rule's `approval:` says who may approve (named approvers, or roles that the
 * `approvals.roles` map turns into names), how long a pending approval lives and
 * whether the agent's request is held open meanwhile (`hold`) or answered at once with
 * 428 (`ask`). The top-level `approvals:` section holds the defaults and the role map;
 * `blast_radius:` caps what one session may touch (critical write domains, tool-chain depth).
 *
 * @example
 * approvals:
 *   hold: 30s            # how long a held request waits for a decision
 *   timeout: 15m         # how long a pending approval may be decided
 *   roles: { oncall: [alice, bob] }
 * blast_radius:
 *   critical_write_domains: 1
 *   roles: [oncall]
 *   mcp_max_chain_depth: 20
 */
import * as z from 'zod';
import { durationField, intInRange, strictSection } from './fields.js';
import { NAME_PATTERN, NAME_RULE } from '../identity/names.js';
import { listOf } from './rule-fields.js';

/** An approver's name or a role's: what `sluice approvals approve --as NAME` gives. */
const approverField = z.string().regex(NAME_PATTERN, { error: `expected an approver or role name (${NAME_RULE})` });

/** The two ways an approval meets the agent. */
export const APPROVAL_MODES = ['hold', 'ask'] as const;
export type ApprovalMode = (typeof APPROVAL_MODES)[number];

/** A rule's `approval:` (only with `action: approve`). */
export const ruleApprovalSchema = strictSection({
  approvers: listOf(approverField, '[alice, bob]').optional(),
  roles: listOf(approverField, '[oncall]').optional(),
  timeout: durationField({ positive: true }).optional(),
  mode: z.enum(APPROVAL_MODES).optional(),
});
export type RuleApprovalConfig = z.output<typeof ruleApprovalSchema>;

export const approvalsSchema = strictSection({
  /** How long a held request waits for a decision before it is answered 428 (the approval stays pending). */
  hold: durationField({ positive: true }).prefault('30s'),
  /** How long a pending approval may be decided, unless the rule says otherwise. */
  timeout: durationField({ positive: true }).prefault('15m'),
  /** The mode of rules that do not name one. */
  mode: z.enum(APPROVAL_MODES).default('ask'),
  /** Role name to the approvers it stands for. */
  roles: z.record(approverField, listOf(approverField, '[alice, bob]')).default({}),
  /** A request body larger than this cannot be bound to an approval (its digest needs the whole body): refused. */
  max_body_bytes: intInRange(0).prefault(1024 * 1024),
  /** Approvals one session may have pending at once; past it no new one is opened (429 too_many_pending_approvals). 0: no cap but the store's. */
  max_pending_per_session: intInRange(0).prefault(20),
});
export type ApprovalsConfig = z.output<typeof approvalsSchema>;

export const blastRadiusSchema = strictSection({
  /** Domains of rules tagged `critical` one session may write to without an approval. */
  critical_write_domains: intInRange(0).prefault(1),
  /** Who approves a session's next critical write domain (default: anyone in `approvals.roles`). */
  approvers: listOf(approverField, '[alice]').optional(),
  roles: listOf(approverField, '[oncall]').optional(),
  /** Tool calls one session may make in all (0: no cap). */
  mcp_max_chain_depth: intInRange(0).prefault(0),
  /** Sessions remembered at most (least recently seen forgotten first). */
  max_sessions: intInRange(1).prefault(10_000),
});
export type BlastRadiusConfig = z.output<typeof blastRadiusSchema>;

/**
 * How `action` and `approval` combine: `approval:` only on an approve rule.
 *
 * @example
 * approvalRuleIssues({ id: 'x', approval: {} }); // [{ key: 'approval', message: "'approval' goes with 'action: approve'" }]
 */
export function approvalRuleIssues(raw: Readonly<Record<string, unknown>>): { key: string; message: string }[] {
  if (raw.approval !== undefined && raw.action !== 'approve') return [{ key: 'approval', message: "'approval' goes with 'action: approve'" }];
  return [];
}
