/**
 * A tools/list from the server: tools the policy would always deny are taken out (the
 * model never sees them), and so are poisoned ones (names, descriptions, schemas) and,
 * with pinning, ones changed since first pinned for this tenant (until `sluice mcp
 * accept`). What is blocked is remembered on the channel for the calls that follow;
 * a list that had something taken out for poisoning or a change is recorded.
 */
import type { Step } from '../../compose.js';
import type { Finding } from '../../inspect/finding.js';
import { isObject } from '../../inspect/mcp/jsonrpc.js';
import { readToolList } from '../../inspect/mcp/messages.js';
import { filterToolList, scanToolList } from '../../inspect/mcp/tool-inspect.js';
import { changedReason, recordServerAnswer, type AnswerExchange } from './exchange.js';

export const toolList: Step<AnswerExchange> = async (x, next) => {
  const method = x.pending?.method ?? null;
  const listed = readToolList(x.msg.result);
  if (listed !== null && (method === 'tools/list' || method === null)) x.out = { ...x.msg.raw, result: await filtered(x, listed) };
  await next();
};

/** Take out what the model must not see; pin; remember what is blocked. */
async function filtered(x: AnswerExchange, tools: unknown[]): Promise<unknown> {
  const { guard, env, ch } = x;
  const poisoned = new Map<string, Finding[]>();
  for (const tool of tools) {
    const found = scanToolList([tool], env.injection).filter((f) => f.action === 'block');
    const name = isObject(tool) && typeof tool.name === 'string' ? tool.name : null;
    if (found.length > 0 && name !== null) poisoned.set(name, found);
  }
  let changed: string[] = [];
  if (env.settings.pinning !== 'off' && guard.pins) {
    try {
      changed = (await guard.pins.check(ch.info.who?.tenant ?? '-', ch.info.serverKey, tools)).changed;
    } catch (err) {
      guard.onError(err, 'tool pin store');
      // Unable to compare: no tool can be trusted not to have changed.
      changed = tools.flatMap((t) => (isObject(t) && typeof t.name === 'string' ? [t.name] : []));
    }
  }
  const enforce = env.settings.pinning === 'enforce';
  ch.blocked.clear();
  for (const name of poisoned.keys())
    ch.blocked.set(name, {
      error: 'tool_poisoning_blocked',
      reason: `tool ${name} on server ${ch.info.serverKey} has instructions hidden in its definition (tool poisoning); refused`,
    });
  if (enforce)
    for (const name of changed) if (!ch.blocked.has(name)) ch.blocked.set(name, { error: 'mcp_tool_changed', reason: changedReason(name, ch.info.serverKey) });
  ch.listed = true;
  const who = ch.info.who;
  const result = filterToolList(x.msg.result, (name) => !ch.blocked.has(name) && env.policy.listed(ch.info.server, name, who));
  const findings: Finding[] = [...[...poisoned.values()].flat()];
  for (const name of changed)
    findings.push({
      type: 'mcp_tool_changed',
      location: `mcp.tool:${name}`,
      action: enforce ? 'block' : 'warn',
      detail: enforce ? 'definition changed since pinned; waiting for sluice mcp accept' : 'definition changed since pinned (pinning: report)',
    });
  if (findings.length > 0) {
    const reason = poisoned.size > 0 ? 'tool_poisoning_blocked' : 'mcp_tool_changed';
    recordServerAnswer(x, { method: 'tools/list', outcome: enforce || poisoned.size > 0 ? 'deny' : 'would_deny', reason, findings, synthesised: false });
  }
  return result.result;
}
