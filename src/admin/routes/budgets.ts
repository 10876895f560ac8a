/**
 * Budgets: what accounts spent of their limits (`sluice budget show`), and raising one
 * (`sluice budget raise`), which also resumes a paused account.
 *
 * @example
 * curl -H "Authorization: Bearer $OP" -d '{"budget":"daily","session":"ses_1","tenant":"acme","by":100}' http://127.0.0.1:9090/api/v1/budgets/raise
 */
import * as z from 'zod';
import { BUDGET_METRICS, type BudgetMetric } from '../../config/budget-section.js';
import { InvalidArgumentError } from '../../identity/errors.js';
import type { Budget, BudgetAccount } from '../../state/budget-plan.js';
import { limitInForce, usedOf, type BudgetAccountFilter, type BudgetAccountView, type BudgetStore } from '../../state/budgets.js';
import { AdminError } from '../admin-errors.js';
import type { AdminHost } from '../context.js';
import { json, route } from '../route.js';
import { ms, nameParam } from '../schemas.js';

export const budgetAccountSchema = z
  .object({
    budget: z.string(),
    per: z.enum(['session', 'agent', 'tenant']),
    tenant: z.string(),
    subject: z.string(),
    window_start: z.string().nullable(),
    started_at: z.string(),
    paused_at: z.string().nullable(),
    paused_metric: z.string().nullable(),
    in_config: z.boolean(),
    metrics: z.record(z.string(), z.object({ used: z.number(), limit: z.number().nullable() })),
  })
  .meta({ id: 'BudgetAccount' });

/** One account as the API shows it: used and limit (as raised) per metric. */
export function accountView(a: BudgetAccountView, b: Budget | undefined, now: number): z.output<typeof budgetAccountSchema> {
  const metrics: BudgetMetric[] =
    b === undefined
      ? BUDGET_METRICS.filter((m) => m !== 'time' && m !== 'tokens' && usedOf(m, a.used, null, 0) > 0)
      : BUDGET_METRICS.filter((m) => b.limits[m] !== undefined);
  return {
    budget: a.account.budget,
    per: a.account.per,
    tenant: a.account.tenant,
    subject: a.account.subject,
    window_start: b?.windowMs == null ? null : ms(a.windowStart),
    started_at: ms(a.startedAt)!,
    paused_at: ms(a.pausedAt),
    paused_metric: a.pausedMetric,
    in_config: b !== undefined,
    metrics: Object.fromEntries(
      metrics.map((m) => [m, { used: usedOf(m, a.used, a.startedAt, now), limit: b ? limitInForce(b.limits[m] ?? 0, m, a.raises) : null }]),
    ),
  };
}

export function storeOf(host: AdminHost): BudgetStore {
  if (host.budgets === null) throw new AdminError('unavailable', 'this gate counts no budgets (no budget store)');
  return host.budgets;
}

/** Accounts matching `f`, as views. */
export async function accountsOf(host: AdminHost, f: BudgetAccountFilter): Promise<Array<z.output<typeof budgetAccountSchema>>> {
  const plan = new Map(host.budgetPlan().budgets.map((b) => [b.name, b]));
  const views = await storeOf(host).accounts(f, (name) => plan.get(name)?.windowMs ?? null);
  const now = Date.now();
  return views.map((a) => accountView(a, plan.get(a.account.budget), now));
}

export const budgetsShow = route({
  id: 'budgets.show',
  method: 'GET',
  path: '/api/v1/budgets',
  role: 'auditor',
  summary: 'What budget accounts spent',
  query: z.object({
    budget: nameParam.optional(),
    per: z.enum(['session', 'agent', 'tenant']).optional(),
    tenant: nameParam.optional(),
    subject: nameParam.optional().describe('the session or agent'),
  }),
  response: z.object({ accounts: z.array(budgetAccountSchema) }),
  handle: async ({ host, query }) => {
    const f: BudgetAccountFilter = {};
    if (query.budget !== undefined) f.budget = query.budget;
    if (query.per !== undefined) f.per = query.per;
    if (query.tenant !== undefined) f.tenant = query.tenant;
    if (query.subject !== undefined) f.subject = query.subject;
    return json({ accounts: await accountsOf(host, f) });
  },
});

export const budgetsRaise = route({
  id: 'budgets.raise',
  method: 'POST',
  path: '/api/v1/budgets/raise',
  role: 'admin',
  summary: "Raise an account's limit (and resume it if paused)",
  body: z
    .object({
      budget: nameParam,
      tenant: z.string().max(256).describe("the account's tenant"),
      subject: z.string().max(256).default('').describe('the session or agent; empty for a tenant budget'),
      metric: z.enum(BUDGET_METRICS).optional().describe('default: the one the account paused on, or the budget’s only limit'),
      by: z.number().positive().optional(),
      to: z.number().nonnegative().optional(),
    })
    .refine((b) => (b.by === undefined) !== (b.to === undefined), { error: 'give exactly one of by and to' }),
  response: z.object({ account: budgetAccountSchema, unpaused: z.boolean() }),
  handle: async ({ host, body }) => {
    const b = host.budgetPlan().budgets.find((x) => x.name === body.budget);
    if (b === undefined) throw new AdminError('not_found', `no budget named '${body.budget}' in the config`);
    const account: BudgetAccount = { budget: b.name, per: b.per, tenant: body.tenant, subject: b.per === 'tenant' ? '' : body.subject };
    if (b.per !== 'tenant' && account.subject === '') throw new AdminError('bad_request', `budget ${b.name} counts per ${b.per}: give subject`);
    const store = storeOf(host);
    const [current] = await store.accounts(account, () => b.windowMs);
    const limited = BUDGET_METRICS.filter((m) => b.limits[m] !== undefined);
    const metric = body.metric ?? current?.pausedMetric ?? (limited.length === 1 ? limited[0] : undefined);
    if (metric === undefined) throw new AdminError('bad_request', `budget ${b.name} has several limits: name the metric (${limited.join(', ')})`);
    if (b.limits[metric] === undefined) throw new AdminError('bad_request', `budget ${b.name} has no ${metric} limit; it limits ${limited.join(', ')}`);
    let entry;
    try {
      entry = await store.raise({ account, metric, ...(body.by !== undefined ? { by: body.by } : { to: body.to! }), windowMs: b.windowMs });
    } catch (err) {
      if (err instanceof InvalidArgumentError) throw new AdminError('bad_request', err.message);
      throw err;
    }
    const [after] = await accountsOf(host, account);
    return json({
      account:
        after ??
        accountView(
          { account, windowStart: entry.windowStart, used: zero(), startedAt: entry.at, pausedAt: null, pausedMetric: null, raises: [] },
          b,
          Date.now(),
        ),
      unpaused: entry.unpaused,
    });
  },
});

function zero(): BudgetAccountView['used'] {
  return { calls: 0, writes: 0, bytes_in: 0, bytes_out: 0, input_tokens: 0, output_tokens: 0, cost: 0 };
}
