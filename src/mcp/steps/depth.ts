/**
 * Blast radius: a session may make at most `blast_radius.mcp_max_chain_depth` tool
 * calls in all (0: no cap), counted per tenant and session across servers; the next is
 * refused `chain_depth_exceeded`. A channel without an agent session is not capped here.
 */
import type { Step } from '../../compose.js';
import { sessionKey } from '../../state/blast-radius.js';
import { isPending } from '../../state/rate-buckets.js';
import { refuse, type CallExchange } from './exchange.js';

export const chainDepth: Step<CallExchange> = async (x, next) => {
  const max = x.env.approvals?.blast.mcpMaxChainDepth ?? 0;
  const key = sessionKey(x.ch.info.who);
  const ok = max > 0 && key !== null ? await counted(x, key, max) : true;
  if (ok === null) {
    return refuse(x, 'state_unavailable', `the blast radius state could not count this tool call, so tool ${x.tool!} is refused`);
  }
  if (!ok) {
    return refuse(
      x,
      'chain_depth_exceeded',
      `this session has made ${max} tool calls, the most blast_radius.mcp_max_chain_depth allows; tool ${x.tool!} refused`,
    );
  }
  await next();
};

/** Count the call in the session's radius: false past the cap, null when the store cannot count it (the call is refused). */
async function counted(x: CallExchange, key: string, max: number): Promise<boolean | null> {
  try {
    const ok = x.guard.blast.toolCall(key, max);
    return isPending(ok) ? await ok : ok;
  } catch (err) {
    x.guard.onError(err, 'counting the tool call in the blast radius');
    return null;
  }
}
