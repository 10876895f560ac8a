import type { BudgetMetric } from '../config/budget-section.js';
import { BUDGET_METRICS } from '../config/budget-section.js';
import { loadConfig } from '../config/load.js';
import { InvalidArgumentError } from '../identity/errors.js';
import { openRuntime } from '../runtime/index.js';
import { budgetPlan, formatAmount, type Budget, type BudgetAccount } from '../state/budget-plan.js';
import { limitInForce, usedOf, type BudgetAccountView, type BudgetStore } from '../state/budgets.js';
import { EXIT, UsageError } from '../usage-error.js';
import { printList } from './applied.js';
import { durationFlag } from './duration-flag.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';

export const help = `sluice budget show [--session S | --agent A | --tenant T] [--budget NAME] [--json] [--config FILE]
sluice budget raise NAME (--session S | --agent A | --tenant T) (--by N | --to N) [--metric M] [--tenant T] [--config FILE]

Budgets (config 'budgets:') cap what a session, an agent or a tenant may spend:
calls, writes, bytes, time, LLM tokens and cost.

show    every account that has spent (or those of one session, agent, tenant or
        budget): what it used of each limit in its current window, and whether it
        is paused. Running gates write their counts about once a second.
raise   give an account more: --by adds to the limit in force, --to sets it, for
        the budget's current window (a life-long budget: for good). A paused
        account is resumed at its next request (if the raise is enough).
        --metric names the limit (calls, writes, bytes_in, bytes_out, time,
        input_tokens, output_tokens, tokens, cost); without it, the one the account
        paused on, or the budget's only limit. --tenant says whose session or agent
        when names repeat across tenants. For time, N is a duration (30m).`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...shared('config', 'tenant', 'agent', 'session', 'json'),
    budget: STRING,
    by: STRING,
    to: STRING,
    metric: STRING,
  });
  const [sub, name, ...extra] = positionals;
  if (extra.length > 0) throw new UsageError(`unexpected argument '${extra[0]}'`);
  const loaded = await loadConfig(configPath(values.config));
  const plan = new Map(budgetPlan(loaded.config).budgets.map((b) => [b.name, b]));
  const { budgets: store, close } = await openRuntime(loaded, { need: ['budgets'], budgets: { cli: true, flushMs: 0 } });
  try {
    if (sub === 'show') {
      if (name !== undefined) throw new UsageError(`'sluice budget show' takes no NAME; filter with --budget ${name}`);
      return await show(store, plan, values);
    }
    if (sub === 'raise') {
      if (name === undefined) throw new UsageError('sluice budget raise needs the budget NAME');
      return await raise(store, plan, name, values);
    }
    throw new UsageError(sub === undefined ? 'sluice budget needs show or raise' : `unknown subcommand '${sub}'; expected show or raise`);
  } finally {
    await close();
  }
}

interface Who {
  tenant?: string | undefined;
  agent?: string | undefined;
  session?: string | undefined;
}

/** The one of --session, --agent (and --tenant alone) that names the account's subject. */
function subjectOf(v: Who): { per: BudgetAccount['per']; subject: string } | null {
  if (v.session !== undefined && v.agent !== undefined) throw new UsageError('give one of --session and --agent');
  if (v.session !== undefined) return { per: 'session', subject: v.session };
  if (v.agent !== undefined) return { per: 'agent', subject: v.agent };
  if (v.tenant !== undefined) return { per: 'tenant', subject: '' };
  return null;
}

async function show(store: BudgetStore, plan: ReadonlyMap<string, Budget>, v: Who & { budget?: string | undefined; json: boolean }): Promise<number> {
  const s = subjectOf(v);
  const views = await store.accounts(
    { ...(v.budget === undefined ? {} : { budget: v.budget }), ...(s ?? {}), ...(v.tenant === undefined ? {} : { tenant: v.tenant }) },
    (b) => plan.get(b)?.windowMs ?? null,
  );
  const now = Date.now();
  if (v.json) {
    process.stdout.write(
      `${JSON.stringify(
        views.map((a) => viewJson(a, plan.get(a.account.budget), now)),
        null,
        2,
      )}\n`,
    );
    return EXIT.ok;
  }
  return printList(views, 'no budget account has spent yet', (a) => viewLine(a, plan.get(a.account.budget), now));
}

function whoText(a: BudgetAccount): string {
  return a.per === 'tenant' ? `tenant ${a.tenant || '(none)'}` : `${a.per} ${a.subject || '(none)'} (tenant ${a.tenant || '(none)'})`;
}

function viewLine(a: BudgetAccountView, b: Budget | undefined, now: number): string {
  const used = metricsOf(a, b).map((m) => `${m} ${formatAmount(m, usedOf(m, a.used, a.startedAt, now))}${b ? `/${formatAmount(m, limitOf(a, b, m))}` : ''}`);
  const state = a.pausedAt === null ? '' : `\tPAUSED since ${new Date(a.pausedAt).toISOString()} (${a.pausedMetric ?? '?'})`;
  const span = b === undefined ? 'no longer in the config' : b.windowMs === null ? 'life' : `window from ${new Date(a.windowStart).toISOString()}`;
  return `${a.account.budget}\t${whoText(a.account)}\t${used.join(', ')}\t${span}${state}`;
}

function viewJson(a: BudgetAccountView, b: Budget | undefined, now: number): Record<string, unknown> {
  return {
    budget: a.account.budget,
    per: a.account.per,
    tenant: a.account.tenant,
    subject: a.account.subject,
    window_start: b?.windowMs == null ? null : new Date(a.windowStart).toISOString(),
    started_at: new Date(a.startedAt).toISOString(),
    paused_at: a.pausedAt === null ? null : new Date(a.pausedAt).toISOString(),
    paused_metric: a.pausedMetric,
    metrics: Object.fromEntries(metricsOf(a, b).map((m) => [m, { used: usedOf(m, a.used, a.startedAt, now), limit: b ? limitOf(a, b, m) : null }])),
  };
}

/** The budget's limits; a budget gone from the config shows its counters. */
function metricsOf(a: BudgetAccountView, b: Budget | undefined): BudgetMetric[] {
  return b === undefined
    ? BUDGET_METRICS.filter((m) => m !== 'time' && m !== 'tokens' && usedOf(m, a.used, null, 0) > 0)
    : BUDGET_METRICS.filter((m) => b.limits[m] !== undefined);
}

function limitOf(a: BudgetAccountView, b: Budget, m: BudgetMetric): number {
  return limitInForce(b.limits[m] ?? 0, m, a.raises);
}

async function raise(
  store: BudgetStore,
  plan: ReadonlyMap<string, Budget>,
  name: string,
  v: Who & { by?: string | undefined; to?: string | undefined; metric?: string | undefined },
): Promise<number> {
  const b = plan.get(name);
  if (b === undefined) throw new UsageError(`no budget named '${name}' in the config${plan.size > 0 ? `; budgets are: ${[...plan.keys()].join(', ')}` : ''}`);
  const s = subjectOf(v);
  if (s === null || s.per !== b.per)
    throw new UsageError(`budget ${name} counts per ${b.per}: name the account with --${b.per}${b.per === 'tenant' ? '' : ' (and --tenant)'}`);
  if ((v.by === undefined) === (v.to === undefined)) throw new UsageError('give exactly one of --by and --to');
  const tenant = v.tenant ?? (await tenantOf(store, b, s.subject));
  const account: BudgetAccount = { budget: name, per: b.per, tenant, subject: s.subject };
  const [current] = await store.accounts(account, () => b.windowMs);
  const metric = metricOf(b, v.metric, current);
  const amount = amountOf(metric, (v.by ?? v.to)!);
  try {
    const entry = await store.raise({ account, metric, ...(v.by !== undefined ? { by: amount } : { to: amount }), windowMs: b.windowMs });
    const limit = limitInForce(b.limits[metric] ?? 0, metric, [
      ...(current?.raises ?? []),
      { metric, by: v.by !== undefined ? amount : null, to: v.to !== undefined ? amount : null },
    ]);
    process.stdout.write(
      `raised budget ${name} for ${whoText(account)}: ${metric} limit ${formatAmount(metric, limit)}${b.windowMs === null ? '' : ' for this window'}${entry.unpaused ? '; no longer paused' : ''}\n`,
    );
  } catch (err) {
    if (err instanceof InvalidArgumentError) throw new UsageError(`--${err.message}`);
    throw err;
  }
  return EXIT.ok;
}

/** Without --tenant: the tenant of the only account with this subject (names may repeat across tenants). */
async function tenantOf(store: BudgetStore, b: Budget, subject: string): Promise<string> {
  if (b.per === 'tenant') throw new UsageError(`budget ${b.name} counts per tenant: name it with --tenant`);
  const found = await store.accounts({ budget: b.name, per: b.per, subject }, () => b.windowMs);
  const tenants = [...new Set(found.map((a) => a.account.tenant))];
  if (tenants.length === 1) return tenants[0]!;
  if (tenants.length === 0)
    throw new UsageError(`budget ${b.name} has no account for ${b.per} ${subject} yet; name its tenant with --tenant to raise it ahead`);
  throw new UsageError(`${b.per} ${subject} has accounts of budget ${b.name} in tenants ${tenants.join(', ')}: say which with --tenant`);
}

function metricOf(b: Budget, given: string | undefined, current: BudgetAccountView | undefined): BudgetMetric {
  const limited = BUDGET_METRICS.filter((m) => b.limits[m] !== undefined);
  if (given !== undefined) {
    if (!(limited as string[]).includes(given)) throw new UsageError(`--metric: budget ${b.name} limits ${limited.join(', ')}; got '${given}'`);
    return given as BudgetMetric;
  }
  if (current?.pausedMetric != null) return current.pausedMetric;
  if (limited.length === 1) return limited[0]!;
  throw new UsageError(`budget ${b.name} limits ${limited.join(', ')}: say which with --metric`);
}

function amountOf(m: BudgetMetric, text: string): number {
  if (m === 'time') return durationFlag('--by/--to', text).ms;
  const n = Number(text);
  const ok = m === 'cost' ? Number.isFinite(n) && n >= 0 && text.trim() !== '' : /^\d+$/.test(text.trim()) && Number.isSafeInteger(n);
  if (!ok) throw new UsageError(`--by/--to: expected ${m === 'cost' ? 'an amount, 0 or more' : 'a whole number, 0 or more'} of ${m}; got '${text}'`);
  return n;
}
