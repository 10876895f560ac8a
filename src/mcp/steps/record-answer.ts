/**
 * A result's audit record: the tool call it answers is recorded with what its scan
 * found (any other answer only when something was found), and a blocked result goes
 * to the client as a JSON-RPC error instead.
 */
import type { Step } from '../../compose.js';
import { newDecisionId } from '../../audit/decision-id.js';
import type { Finding } from '../../inspect/finding.js';
import { jsonRpcDeny } from '../../inspect/mcp/jsonrpc.js';
import { recordServerAnswer, type AnswerExchange } from './exchange.js';

export const recordAnswer: Step<AnswerExchange> = async (x, next) => {
  await next();
  const { guard, ch, pending: p, meta, findings, blocked } = x;
  const method = p?.method ?? null;
  if (p?.call) {
    guard.finishCall(ch, p, {
      outcome: blocked ? 'deny' : p.call.verdict.wouldDeny.length > 0 ? 'would_deny' : 'allow',
      findings: [...p.call.findings, ...findings],
      error: null,
      bytesOut: meta.bytes,
      parentId: meta.parentId,
      ...(blocked ? { reason: x.withheld?.error ?? 'injection_blocked', synthesised: true } : partialIn(findings)),
      ...(x.withheld?.by !== undefined ? { rule: x.withheld.by } : {}),
    });
  } else if (findings.length > 0) {
    recordServerAnswer(x, {
      method: method ?? 'response',
      outcome: blocked ? 'deny' : 'allow',
      reason: blocked ? 'injection_blocked' : 'rule_allow',
      findings,
      synthesised: blocked,
    });
  }
  if (!blocked) return;
  const decisionId = p?.call?.decisionId ?? newDecisionId();
  const what = p?.call ? `the result of tool ${p.call.tool}` : `the ${method ?? 'response'} result`;
  x.out = {
    ...jsonRpcDeny(x.msg.id, {
      error: x.withheld?.error ?? 'injection_blocked',
      reason: x.withheld?.reason ?? `${what} carries a prompt injection (${[...new Set(x.stop.map((f) => f.type))].join(', ')}); refused`,
      rule: x.withheld?.by ?? p?.call?.verdict.rule ?? null,
      decision_id: decisionId,
    }),
  };
};

/** A result some of whose fields a tool rule's `redact:` replaced is recorded as a partial result (redact-answer.ts). */
function partialIn(findings: readonly Finding[]): { reason?: string } {
  return findings.some((f) => f.type === 'partial_result' && f.action === 'redact') ? { reason: 'partial_result' } : {};
}
