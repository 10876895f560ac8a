/**
 * Budgets on a tool call (state/budget-plan.ts, proxy/budgets.ts for the HTTP side):
 * checked and charged last (one step: atomic with a shared backend), so a call refused
 * by another check spends nothing. A call refused is answered `budget_exhausted` or
 * `budget_paused` as a JSON-RPC error; with the shared state unreachable,
 * `state_unavailable` (or, `state.redis_down: allow`, it goes on uncounted, marked).
 *
 * What a tool call spends: a write when its rule says `effect: write`, in every budget
 * it counts in; a call in the budgets that name its rule (`rules:`), and in all of them
 * when no HTTP exchange carried it (`sluice mcp`, stdio): a call over HTTP has been
 * counted as the HTTP request it is.
 */
import type { Step } from '../../compose.js';
import { asksFor, budgetRefusalText } from '../../state/budget-plan.js';
import type { BudgetRefusal } from '../../state/budgets.js';
import { StateUnavailableError } from '../../state/state-unavailable.js';
import { refuse, type CallExchange } from './exchange.js';

export const budgetTool: Step<CallExchange> = async (x, next) => {
  const plan = x.env.budgets;
  const store = x.guard.budgets;
  const rule = x.verdict?.rule;
  if (plan !== undefined && store !== null && rule !== undefined) {
    const asks = asksFor(plan, rule, x.ch.info.who);
    const write = plan.effects.get(rule) === 'write';
    const stdio = x.meta.parentId === null;
    // A call in the budgets that count calls here, a write in all of them: checked and charged in one step.
    const spend = asks.map((a) => ({ calls: stdio || a.budget.rules !== null ? 1 : 0, writes: write ? 1 : 0 }));
    let refused: BudgetRefusal | null;
    try {
      refused = asks.length === 0 ? null : await store.take(asks, { write, llm: false }, spend);
    } catch (err) {
      if (!(err instanceof StateUnavailableError)) throw err;
      if (!err.failOpen) return refuse(x, 'state_unavailable', `${err.message}; refused (state.redis_down: refuse) (tool ${x.tool!})`);
      x.findings.push({
        type: 'state_unavailable',
        location: 'request',
        action: 'warn',
        detail: 'budgets not counted: Redis unreachable, allowed (state.redis_down: allow)',
      });
      refused = null;
    }
    if (refused !== null) {
      x.budget = refused.ask.budget.name;
      return refuse(x, refused.paused ? 'budget_paused' : 'budget_exhausted', `${budgetRefusalText(refused)} (tool ${x.tool!})`);
    }
  }
  await next();
};
