/**
 * A tool the last tools/list showed as poisoned or changed since pinned is refused;
 * so is one whose change waits for an operator in the pin store (another gate may
 * have seen the list).
 */
import type { Step } from '../../compose.js';
import type { BlockedTool } from '../channel.js';
import { changedReason, refuse, type CallExchange } from './exchange.js';

export const pinnedTool: Step<CallExchange> = async (x, next) => {
  const name = x.tool!;
  const held = x.ch.blocked.get(name) ?? (await pendingChange(x, name));
  if (held) {
    x.findings = [{ type: held.error, location: `mcp.tool:${name}`, action: 'block' }];
    return refuse(x, held.error, held.reason);
  }
  await next();
};

/** A changed definition waiting for an operator, from the pin store (fail closed when it cannot be read). */
async function pendingChange(x: CallExchange, tool: string): Promise<BlockedTool | null> {
  const { guard, ch } = x;
  if (x.env.settings.pinning !== 'enforce' || !guard.pins) return null;
  const tenant = ch.info.who?.tenant ?? '-';
  try {
    const rows = await guard.pins.list(ch.info.serverKey);
    const row = rows.find((r) => r.tenant === tenant && r.tool === tool && r.pending !== null);
    return row ? { error: 'mcp_tool_changed', reason: changedReason(tool, ch.info.serverKey) } : null;
  } catch (err) {
    guard.onError(err, 'tool pin store');
    return { error: 'mcp_tool_changed', reason: `the tool pin store cannot be read, so tool ${tool} cannot be checked for changes; refused (fail closed)` };
  }
}
