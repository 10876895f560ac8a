/**
 * What the agent is told about an approval, the same over HTTP (the deny body's
 * `approval` member) and MCP (the JSON-RPC error's `data.approval`): the refusal code,
 * a sentence saying what to do, and the approval a person judges (id, expiry, the
 * proposed diff, who may decide). Never a secret: the diff was redacted when opened.
 */
import type { RefusalCode } from '../refusals.js';
import type { ApprovalDiff, ApprovalEntry } from './approvals.js';
import type { ApprovalMeeting } from './approval-flow.js';

/** The `approval` member of a refusal body. */
export interface ApprovalView {
  id: string;
  status: string;
  rule: string;
  expires_at: string;
  approvers: readonly string[];
  diff: ApprovalDiff;
}

/**
 * @example
 * approvalView(entry); // { id: 'apr_…', status: 'pending', rule: 'deploy', expires_at: '2026-…', approvers: ['alice'], diff: { … } }
 */
export function approvalView(e: ApprovalEntry): ApprovalView {
  return { id: e.id, status: e.status, rule: e.rule, expires_at: new Date(e.expiresAt).toISOString(), approvers: e.allowed, diff: e.diff };
}

/**
 * The refusal for a meeting that did not pass (ask, denied, expired, too many pending:
 * then no approval was opened, and `approval` is null).
 *
 * @example
 * approvalRefusal({ kind: 'denied', entry }); // { error: 'approval_denied', reason: 'approval apr_… was denied by alice: …', approval: {...} }
 */
export function approvalRefusal(m: Exclude<ApprovalMeeting, { kind: 'pass' | 'gone' }>): { error: RefusalCode; reason: string; approval: ApprovalView | null } {
  if (m.kind === 'too_many') {
    return {
      error: 'too_many_pending_approvals',
      reason: `this session already has ${m.pending} approvals pending, the most approvals.max_pending_per_session allows; no new one is opened until some are decided or expire (sluice approvals list)`,
      approval: null,
    };
  }
  const e = m.entry;
  const approval = approvalView(e);
  switch (m.kind) {
    case 'ask':
      return {
        error: 'human_approval_required',
        reason: `${e.diff.why}: approval ${e.id} is pending until ${approval.expires_at}; retry the same request once it is approved (sluice approvals approve ${e.id})`,
        approval,
      };
    case 'denied':
      return { error: 'approval_denied', reason: `approval ${e.id} was denied by ${e.decidedBy ?? 'an approver'}${e.reason ? `: ${e.reason}` : ''}`, approval };
    case 'expired':
      return { error: 'approval_expired', reason: `approval ${e.id} expired at ${approval.expires_at} before anyone decided it`, approval };
  }
}
