/**
 * Blast radius: a session may make at most `blast_radius.mcp_max_chain_depth` tool
 * calls in all (0: no cap), counted per tenant and session across servers; the next is
 * refused `chain_depth_exceeded`. A channel without an agent session is not capped here.
 */
import type { Step } from '../../compose.js';
import { sessionKey } from '../../state/blast-radius.js';
import { refuse, type CallExchange } from './exchange.js';

export const chainDepth: Step<CallExchange> = async (x, next) => {
  const max = x.env.approvals?.blast.mcpMaxChainDepth ?? 0;
  const key = sessionKey(x.ch.info.who);
  if (max > 0 && key !== null && !x.guard.blast.toolCall(key, max)) {
    return refuse(
      x,
      'chain_depth_exceeded',
      `this session has made ${max} tool calls, the most blast_radius.mcp_max_chain_depth allows; tool ${x.tool!} refused`,
    );
  }
  await next();
};
