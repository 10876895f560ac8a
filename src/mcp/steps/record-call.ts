/**
 * A tool call's audit record (tool-record.ts, through the one builder): a refused call
 * is recorded at once; an allowed one is tracked, and recorded when its result comes,
 * when it is refused later, or when its channel closes unanswered.
 */
import type { Step } from '../../compose.js';
import type { CallExchange } from './exchange.js';

export const recordCall: Step<CallExchange> = async (x, next) => {
  await next();
  const { guard, ch, meta, verdict: v } = x;
  if (x.refusal) {
    guard.record(ch, {
      method: 'tools/call',
      tool: x.tool,
      decisionId: x.decisionId,
      startNs: x.startNs,
      bytesIn: meta.bytes,
      parentId: meta.parentId,
      outcome: 'deny',
      reason: x.refusal.audit,
      rule: x.stoppedBy ?? v?.rule ?? null,
      intent: v?.intent ?? x.tool,
      findings: x.findings,
      error: null,
      synthesised: true,
      policyVersion: v?.policyVersion,
      budget: x.budget ?? null,
      approvalId: x.approvalId,
    });
    return;
  }
  guard.track(ch, {
    method: 'tools/call',
    id: x.msg.id,
    call: { tool: x.tool!, verdict: v!, decisionId: x.decisionId, findings: x.findings, approvalId: x.approvalId },
    startNs: x.startNs,
    time: new Date().toISOString(),
    bytesIn: meta.bytes,
  });
};
