/**
 * The deciding tool rule's `rate_limit:` (state/rate-plan.ts): one token per call,
 * taken last, so a call refused by another check spends nothing. Past the limit the call
 * is refused `rate_limited`; the JSON-RPC error's reason says when to retry. A tool
 * rule's `by: host` counts per MCP server.
 */
import type { Step } from '../../compose.js';
import { isPending } from '../../state/rate-buckets.js';
import { describeLimit, limitsFor, takeTokens } from '../../state/rate-plan.js';
import { refuse, type CallExchange } from './exchange.js';

export const rateLimitTool: Step<CallExchange> = async (x, next) => {
  const plan = x.env.rateLimits;
  const rule = x.verdict?.rule;
  if (plan !== undefined && rule !== undefined) {
    const limits = limitsFor(plan, rule, { tool: true });
    const took = limits.length === 0 ? null : takeTokens(plan, x.guard.rates, limits, x.ch.info.who, x.ch.info.serverKey);
    // A network store answers with a Promise; the in-memory one at once.
    const refused = isPending(took) ? await took : took;
    if (refused !== null) {
      return refuse(x, 'rate_limited', `${describeLimit(refused.limit)} is used up for tool ${x.tool!}; retry after ${refused.retryAfter}s`);
    }
  }
  await next();
};
