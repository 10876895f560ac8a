/**
 * A result's audit record: the tool call it answers is recorded with what its scan
 * found (any other answer only when something was found), and a blocked result goes
 * to the client as a JSON-RPC error instead.
 */
import type { Step } from '../../compose.js';
import { newDecisionId } from '../../audit/decision-id.js';
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
      ...(blocked ? { reason: 'injection_blocked', synthesised: true } : {}),
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
      error: 'injection_blocked',
      reason: `${what} carries a prompt injection (${[...new Set(x.stop.map((f) => f.type))].join(', ')}); refused`,
      rule: p?.call?.verdict.rule ?? null,
      decision_id: decisionId,
    }),
  };
};
