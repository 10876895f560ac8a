/**
 * A2A (Agent-to-Agent) requests through the gate: a JSON-RPC POST with an A2A
 * method (`message/send`, `message/stream`, `tasks/*`, and the v1.0 names) has every
 * message part scanned before anything is forwarded: DLP with all its decoding
 * layers, and prompt injection (an agent relaying injected text to another agent).
 * A refusal is a JSON-RPC error (code -32000; -32001 means TaskNotFound in A2A) with
 * the HTTP deny body's fields as `data`. The exchange's audit record says `a2a`, the
 * agent's host and the method.
 *
 * @example
 * const step = guardA2a(state, ctx, parsed.messages);
 * if (step.kind === 'reply') answer(step.payload);
 */
import type { Finding } from '../../inspect/finding.js';
import { a2aJsonRpcDeny, isA2aMethod, scanA2aRequest } from '../../inspect/a2a/index.js';
import type { JsonRpcMessage } from '../../inspect/mcp/jsonrpc.js';
import type { GateState } from '../gate-runtime.js';
import { settle } from '../../inspect/dlp/dlp-setup.js';
import type { RequestContext } from '../request-context.js';

export type A2aStep = { kind: 'forward' } | { kind: 'reply'; payload: unknown; refusal: { error: string; rule: string | null } };

/** True when the payload is A2A: a request or notification with an A2A method. */
export function isA2aPayload(messages: readonly JsonRpcMessage[]): boolean {
  return messages.some((m) => (m.kind === 'request' || m.kind === 'notification') && isA2aMethod(m.method));
}

/** Scan every A2A request in the payload; refuse the whole payload when any carries what must not leave. */
export function guardA2a(state: GateState, ctx: RequestContext, messages: readonly JsonRpcMessage[], batch: boolean): A2aStep {
  const first = messages.find((m) => m.kind === 'request' || m.kind === 'notification');
  ctx.protocol = { name: 'a2a', server: ctx.hostText, tool: first && 'method' in first ? first.method : 'response' };
  const profile = ctx.decision?.profile ?? state.policy.profile;
  const level = profile.dlp;
  const injection = profile.injection === 'off' ? undefined : state.injection;
  const perMessage: Finding[][] = [];
  for (const m of messages) {
    if (m.kind !== 'request' && m.kind !== 'notification') {
      perMessage.push([]);
      continue;
    }
    const raw = scanA2aRequest({ method: m.method, params: m.params }, state.dlp.scanner, injection);
    const found = level === 'off' ? raw.filter((f) => f.type.startsWith('prompt_injection') || f.type.startsWith('a2a_')) : settle(raw, state.dlp, level);
    const hard = found.map((f) => (f.action === 'redact' ? { ...f, action: 'block' as const } : f));
    ctx.findings.push(...hard);
    perMessage.push(hard.filter((f) => f.action === 'block'));
  }
  const stopped = perMessage.flat();
  if (stopped.length === 0) return { kind: 'forward' };
  const injected = stopped.every((f) => f.type.startsWith('prompt_injection'));
  const error = injected ? 'injection_blocked' : 'dlp_blocked';
  const what = [...new Set(stopped.map((f) => `${f.type} in ${f.location}${f.encoding ? ` (${f.encoding})` : ''}`))].join(', ');
  const reason = injected ? `the A2A message carries a prompt injection: ${what}` : `the A2A message carries data that must not leave: ${what}`;
  const rule = ctx.decision?.rule ?? null;
  const answers = messages.flatMap((m) => (m.kind === 'request' ? [a2aJsonRpcDeny(m.id, { error, reason, rule, decision_id: ctx.decisionId })] : []));
  return { kind: 'reply', payload: batch ? answers : (answers[0] ?? null), refusal: { error, rule } };
}
