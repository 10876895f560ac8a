/** The policy decides (per tenant, agent, server, tool and argument conditions); tools are denied by default. */
import type { Step } from '../../compose.js';
import { refuse, type CallExchange } from './exchange.js';

export const decideTool: Step<CallExchange> = async (x, next) => {
  const { ch } = x;
  const name = x.tool!;
  const verdict = (x.verdict = x.env.policy.decide(ch.info.server, name, x.args, ch.info.who));
  if (verdict.outcome === 'deny') {
    const reason =
      verdict.reason === 'no_rule_matched'
        ? `no MCP rule allows tool ${name} on server ${ch.info.serverKey} (tools are denied by default)`
        : `rule ${verdict.rule} denies tool ${name} on server ${ch.info.serverKey}`;
    return refuse(x, 'policy_denied', reason, verdict.reason);
  }
  await next();
};
