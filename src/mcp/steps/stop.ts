/**
 * The operator's kill switch for MCP tool calls (`sluice kill`, every tenant or the
 * caller's): a call is refused `gate_killed` (a JSON-RPC error whose data names the
 * kill, `kill:k3`), and so is a result that comes back after the kill (the call was in
 * flight). The gate's HTTP path refuses the request that carries a call before it gets
 * here; this is what stops `sluice mcp`'s stdio servers, whose tool calls never cross
 * the proxy. A stop store that cannot be read refuses (fail closed). A quarantine names
 * a destination host: a stdio server has none of its own, and its own network traffic
 * goes through the gate, which refuses quarantined hosts there.
 */
import type { Step } from '../../compose.js';
import { killMessage } from '../../state/stops.js';
import type { AnswerExchange, CallExchange } from './exchange.js';
import { refuse } from './exchange.js';

/** The kill refusing `tenant`'s tool calls, as a refusal's text and the stop's name; null when none. */
export function killedCall(x: { env: CallExchange['env'] }, tenant: string | null): { reason: string; by: string } | null {
  const stops = x.env.stops;
  if (stops === undefined) return null;
  try {
    const k = stops.killedFor(tenant);
    return k === null ? null : { reason: killMessage(k), by: `kill:k${k.id}` };
  } catch {
    return { reason: 'the kill switch state cannot be read; refused (fail closed)', by: 'kill:unreadable' };
  }
}

export const stopCall: Step<CallExchange> = async (x, next) => {
  const killed = killedCall(x, x.ch.info.who?.tenant ?? null);
  if (killed !== null) {
    x.stoppedBy = killed.by;
    return refuse(x, 'gate_killed', killed.reason);
  }
  await next();
};

export const stopAnswer: Step<AnswerExchange> = async (x, next) => {
  const killed = x.pending?.call ? killedCall(x, x.ch.info.who?.tenant ?? null) : null;
  if (killed !== null) {
    x.blocked = true;
    x.withheld = { error: 'gate_killed', reason: killed.reason, by: killed.by };
    x.findings.push({ type: 'gate_killed', location: 'mcp.result', action: 'block', detail: killed.by });
    return;
  }
  await next();
};
