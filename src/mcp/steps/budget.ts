/**
 * Budgets on a tool call (state/budget-plan.ts, proxy/budgets.ts for the HTTP side):
 * checked and charged last, so a call refused by another check spends nothing. A call
 * refused is answered `budget_exhausted` or `budget_paused` as a JSON-RPC error.
 *
 * What a tool call spends: a write when its rule says `effect: write`, in every budget
 * it counts in; a call in the budgets that name its rule (`rules:`), and in all of them
 * when no HTTP exchange carried it (`sluice mcp`, stdio): a call over HTTP has been
 * counted as the HTTP request it is.
 */
import type { Step } from '../../compose.js';
import { asksFor, budgetRefusalText } from '../../state/budget-plan.js';
import { refuse, type CallExchange } from './exchange.js';

export const budgetTool: Step<CallExchange> = async (x, next) => {
  const plan = x.env.budgets;
  const store = x.guard.budgets;
  const rule = x.verdict?.rule;
  if (plan !== undefined && store !== null && rule !== undefined) {
    const asks = asksFor(plan, rule, x.ch.info.who);
    const write = plan.effects.get(rule) === 'write';
    const refused = asks.length === 0 ? null : store.check(asks, { write, llm: false });
    if (refused !== null) {
      x.budget = refused.ask.budget.name;
      return refuse(x, refused.paused ? 'budget_paused' : 'budget_exhausted', `${budgetRefusalText(refused)} (tool ${x.tool!})`);
    }
    const stdio = x.meta.parentId === null;
    const calls = asks.filter((a) => stdio || a.budget.rules !== null);
    if (calls.length > 0) store.charge(calls, { calls: 1 });
    if (write && asks.length > 0) store.charge(asks, { writes: 1 });
  }
  await next();
};
