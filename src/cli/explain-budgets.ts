/**
 * What `sluice explain` says about budgets: the ones an allowed request (or tool call)
 * counts in, and whether it is an LLM API call whose tokens and cost are counted too.
 *
 * @example
 * const b = explainBudgets(loaded.config, 'llm', { host: 'api.openai.com', path: '/v1/chat/completions' });
 * b.lines; // ['budget: budget tokens (tokens 100, per session, for its life)', 'llm: an openai-style LLM API call: ...']
 */
import type { Config } from '../config/schema.js';
import { llmPlan, llmStyleOf } from '../proxy/llm-apis.js';
import { budgetPlan, budgetsFor, describeBudget } from '../state/budget-plan.js';

export interface BudgetExplanation {
  readonly lines: string[];
  readonly json: { budgets: { name: string; per: string; window: number | null; on_exhausted: string; limits: Record<string, number> }[]; llm: string | null };
}

/** For the request `rule` allowed (null: refused, it counts in nothing); `target` absent for a tool call. */
export function explainBudgets(c: Pick<Config, 'budgets' | 'llm' | 'rules'>, rule: string | null, target?: { host: string; path: string }): BudgetExplanation {
  const budgets = rule === null ? [] : budgetsFor(budgetPlan(c), rule);
  const plan = llmPlan(c.llm);
  const style = rule === null || target === undefined ? null : llmStyleOf(plan, target.host, target.path);
  const lines = budgets.map((b) => `budget: ${describeBudget(b)}`);
  if (style !== null) {
    const priced = plan.exact.size + plan.prefixes.length;
    lines.push(`llm: an ${style}-style LLM API call: its tokens are read from the response, and its cost when llm.prices has its model (${priced} priced)`);
  }
  return {
    lines,
    json: {
      budgets: budgets.map((b) => ({ name: b.name, per: b.per, window: b.windowMs, on_exhausted: b.pause ? 'pause' : 'refuse', limits: { ...b.limits } })),
      llm: style,
    },
  };
}

/** `text` with `lines` put before its `policy:` line (where the rate limits go too). */
export function withBudgetLines(text: string, lines: readonly string[]): string {
  if (lines.length === 0) return text;
  const out = text.split('\n');
  const at = out.findIndex((l) => l.startsWith('policy:'));
  out.splice(at === -1 ? out.length : at, 0, ...lines);
  return out.join('\n');
}
