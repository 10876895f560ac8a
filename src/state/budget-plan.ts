/**
 * Budgets as a config load states them (`budgets:`), which of them a request decided by
 * a rule counts against, and the account (whose spending) it counts in. The request
 * path (proxy/budgets.ts), the MCP guard and `sluice explain` all answer from here; the
 * counting itself is the store's (budgets.ts).
 *
 * An account is kept per tenant always: tenants never share one. Its key holds the
 * budget's name, so a reload that keeps a budget keeps what it has counted, and a
 * changed limit applies to what was already spent.
 */
import type { BudgetConfig, BudgetMetric, BudgetScope, BudgetsConfig } from '../config/budget-section.js';
import { BUDGET_METRICS } from '../config/budget-section.js';
import { formatDuration } from '../config/duration.js';
import type { Who } from '../policy/types.js';
import type { BudgetAsk, BudgetRefusal } from './budgets.js';

/** One budget as a config load states it. */
export interface Budget {
  readonly name: string;
  readonly per: BudgetScope;
  /** Fixed window length in ms; null: the account's whole life. */
  readonly windowMs: number | null;
  readonly pause: boolean;
  /** Only requests decided by these rules count; null: every request. */
  readonly rules: ReadonlySet<string> | null;
  readonly limits: Readonly<Partial<Record<BudgetMetric, number>>>;
}

/** Whose spending an account counts: a session, an agent or a tenant (subject ''). */
export interface BudgetAccount {
  readonly budget: string;
  readonly per: BudgetScope;
  readonly tenant: string;
  readonly subject: string;
}

export interface BudgetPlan {
  readonly budgets: readonly Budget[];
  /** Rules that say what what they allow does (`effect:`): a write or not, whatever the method. */
  readonly effects: ReadonlyMap<string, 'read' | 'write'>;
}

/**
 * @example
 * const plan = budgetPlan({ budgets: { s: { per: 'session', window: 'life', on_exhausted: 'refuse', calls: 3 } } });
 * plan.budgets[0]?.limits.calls; // 3
 */
export function budgetPlan(c: { budgets: BudgetsConfig; rules?: readonly { id: string; effect?: 'read' | 'write' | undefined }[] }): BudgetPlan {
  const effects = new Map<string, 'read' | 'write'>();
  for (const r of c.rules ?? []) if (r.effect !== undefined) effects.set(r.id, r.effect);
  return { budgets: Object.entries(c.budgets).map(([name, b]) => budgetOf(name, b)), effects };
}

function budgetOf(name: string, b: BudgetConfig): Budget {
  const limits: Partial<Record<BudgetMetric, number>> = {};
  for (const m of BUDGET_METRICS) if (b[m] !== undefined) limits[m] = b[m];
  return {
    name,
    per: b.per,
    windowMs: b.window === 'life' ? null : b.window,
    pause: b.on_exhausted === 'pause',
    rules: b.rules === undefined ? null : new Set(b.rules),
    limits,
  };
}

/** The budgets a request (or tool call) decided by `rule` counts against, in config order. */
export function budgetsFor(plan: BudgetPlan, rule: string): Budget[] {
  return plan.budgets.filter((b) => b.rules === null || b.rules.has(rule));
}

/**
 * The account `who` spends in under `b`. A caller without an identity
 * (`identity.required: false`) spends in one account shared by every such caller.
 */
export function accountOf(b: Budget, who: Pick<Who, 'tenant' | 'agent' | 'session'> | null): BudgetAccount {
  const tenant = who?.tenant ?? '';
  const subject = who === null || b.per === 'tenant' ? '' : b.per === 'agent' ? who.agent : who.session;
  return { budget: b.name, per: b.per, tenant, subject };
}

/** The budgets a request (or tool call) decided by `rule` from `who` counts in, with their accounts. */
export function asksFor(plan: BudgetPlan, rule: string, who: Pick<Who, 'tenant' | 'agent' | 'session'> | null): BudgetAsk[] {
  const out: BudgetAsk[] = [];
  for (const b of plan.budgets) {
    if (b.rules !== null && !b.rules.has(rule)) continue;
    const account = accountOf(b, who);
    out.push({ budget: b, account, key: accountKey(account) });
  }
  return out;
}

/** The key an account is held under (in memory and in the ledger). */
export function accountKey(a: BudgetAccount): string {
  return JSON.stringify([a.budget, a.per, a.tenant, a.subject]);
}

/** Where the window holding `now` began (0 for a life-long budget). */
export function windowStart(windowMs: number | null, now: number): number {
  return windowMs === null ? 0 : now - (now % windowMs);
}

/**
 * A budget in words, for the deny reason and `sluice explain`.
 *
 * @example
 * describeBudget(b); // "budget session-calls (calls 3, per session, for its life)"
 */
export function describeBudget(b: Budget): string {
  const caps = BUDGET_METRICS.filter((m) => b.limits[m] !== undefined).map((m) => `${m} ${formatAmount(m, b.limits[m]!)}`);
  const span = b.windowMs === null ? 'for its life' : `per ${formatDuration(b.windowMs)} window`;
  const rules = b.rules === null ? '' : `, rules ${[...b.rules].join(', ')}`;
  return `budget ${b.name} (${caps.join(', ')}, per ${b.per}, ${span}${b.pause ? ', pauses when exhausted' : ''}${rules})`;
}

/** An amount of one metric as a person reads it: time as a duration, cost to 6 decimals, counts as they are. */
export function formatAmount(m: BudgetMetric, v: number): string {
  if (m === 'time') return formatDuration(Math.round(v));
  if (m === 'cost') return String(Math.round(v * 1e6) / 1e6);
  return String(v);
}

/** Why `r` refuses, in words: the budget, what was used of its limit, and what happens next. */
export function budgetRefusalText(r: BudgetRefusal): string {
  const b = r.ask.budget;
  const a = r.ask.account;
  const who = a.per === 'tenant' ? `tenant ${a.tenant || '(none)'}` : `${a.per} ${a.subject || '(none)'}`;
  const used = `${r.metric} ${formatAmount(r.metric, r.used)} of ${formatAmount(r.metric, r.limit)}`;
  if (r.paused) return `${describeBudget(b)} is exhausted (${used}) and ${who} is paused until an operator raises it (sluice budget raise ${b.name})`;
  return `${describeBudget(b)} is exhausted (${used}) for ${who}${r.resetsAt === null ? '; it does not reset' : `; it resets at ${new Date(r.resetsAt).toISOString()}`}`;
}
