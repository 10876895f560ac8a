import type { BudgetPlan } from '../state/budget-plan.js';
import { limitInForce, usedOf, type BudgetStore } from '../state/budgets.js';

/**
 * Per budget name, the fullest account's use of its limit in its current window
 * (used/limit, the highest over the metrics the budget caps), as `sluice budget show`
 * computes each account's use and limit. Read when `/metrics` is scraped.
 *
 * @example
 * await budgetUse(state.budgets, store); // Map { 'llm-daily' => 0.42 }
 */
export async function budgetUse(plan: BudgetPlan, store: BudgetStore, now = Date.now()): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (plan.budgets.length === 0) return out;
  const byName = new Map(plan.budgets.map((b) => [b.name, b]));
  for (const b of plan.budgets) out.set(b.name, 0);
  const views = await store.accounts({}, (name) => byName.get(name)?.windowMs ?? null, now);
  for (const a of views) {
    const b = byName.get(a.account.budget);
    if (b === undefined) continue;
    let worst = out.get(b.name) ?? 0;
    for (const [metric, base] of Object.entries(b.limits) as [keyof typeof b.limits, number | undefined][]) {
      if (base === undefined) continue;
      const limit = limitInForce(base, metric, a.raises);
      if (limit <= 0) continue;
      worst = Math.max(worst, usedOf(metric, a.used, a.startedAt, now) / limit);
    }
    out.set(b.name, worst);
  }
  return out;
}
