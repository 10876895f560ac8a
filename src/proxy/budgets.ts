/**
 * Budgets on the request path. The govern step asks `takeBudgets` before anything is
 * sent (a paused account, or any counter at its limit: 429 `budget_exhausted` or
 * `budget_paused`, the body naming the budget, its limit, what was used and when it
 * resets), charging the call (and a write for a non-safe method) in the same step, and
 * `refundCall` when the rate limits refuse it after all; the record step calls `settleBudgets` when the exchange is over, to
 * debit its bytes and, for an LLM API call, the tokens and cost its response reported
 * (read by a bounded tap on the response: usageTap). The counting: state/budgets.ts.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { LlmStyle } from '../config/budget-section.js';
import { UsageReader } from '../inspect/llm/usage-reader.js';
import type { LlmUsage } from '../inspect/llm/usage.js';
import { asksFor, budgetRefusalText } from '../state/budget-plan.js';
import type { BudgetAsk, BudgetRefusal, BudgetStore, Counts } from '../state/budgets.js';
import { Rejection } from './errors-map.js';
import type { GateState } from './gate-runtime.js';
import { costOf, llmStyleOf, modelFromPath, priceOf } from './llm-apis.js';
import type { RequestContext } from './request-context.js';
import type { McpIntake } from './mcp/intake.js';

/** What the exchange counts in, from govern to its record. */
export interface ExchangeBudget {
  readonly asks: readonly BudgetAsk[];
  /** An LLM API call: its style, and the tap reading its response's usage (set once the head came). */
  readonly llm: { readonly style: LlmStyle; reader: UsageReader | null; encoded: boolean } | null;
  settled: boolean;
  /** takeBudgets charged its call (refundCall takes it back). */
  charged: boolean;
}

/** What the record says about budgets and LLM usage (audit/fields.ts). */
export interface BudgetFacts {
  budget: string | null;
  model: string | null;
  tokens_in: number | null;
  tokens_out: number | null;
  cost: number | null;
}

type Ctx = RequestContext & {
  readonly state: GateState;
  readonly gate: { readonly budgets?: BudgetStore };
  readonly intake: McpIntake | null;
  /** A raw carrier (WebSocket, CONNECT): its bytes count, but it has no response body to read usage from. */
  readonly carrier: object | null;
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The budgets a request decided by `rule` counts in: refused (thrown, or the returned
 * Promise rejects) when one is paused or exhausted, else its call (and a write for a
 * write: isWrite) charged in the same step (atomic on a shared backend). Returns a
 * Promise only when the store answers with one (Redis); the SQLite ledger answers at
 * once. Sets `x.budget` for refundCall and settleBudgets.
 */
export function takeBudgets(x: Ctx, rule: string): void | Promise<void> {
  const store = x.gate.budgets;
  if (store === undefined) return;
  const asks = asksFor(x.state.budgets, rule, x.principal);
  const style = x.carrier !== null ? null : llmStyleOf(x.state.llm, x.hostText, x.target);
  if (asks.length === 0 && style === null) return;
  const budget: ExchangeBudget = { asks, llm: style === null ? null : { style, reader: null, encoded: false }, settled: false, charged: false };
  x.budget = budget;
  if (asks.length === 0) return;
  const write = isWrite(x, rule);
  const call = { calls: 1, writes: write ? 1 : 0 };
  const refused = store.take(
    asks,
    { write, llm: style !== null },
    asks.map(() => call),
  );
  const decide = (r: BudgetRefusal | null): void => {
    if (r === null) {
      budget.charged = true;
      return;
    }
    budget.settled = true;
    x.budgetFacts = { ...NO_FACTS, budget: r.ask.budget.name };
    throw budgetRejection(r, rule);
  };
  const failed = (err: unknown): void => {
    // Nothing counted, and nothing to debit later: the exchange is refused or allowed uncounted.
    budget.settled = true;
    throw err;
  };
  if (refused instanceof Promise) return refused.then(decide, failed);
  decide(refused);
}

/** Take back the call takeBudgets charged: the request was refused after it (a rate limit), and sends nothing. */
export function refundCall(x: Ctx, rule: string): void {
  const b = x.budget;
  if (b === undefined || !b.charged) return;
  b.charged = false;
  x.gate.budgets?.charge(b.asks, { calls: -1, writes: isWrite(x, rule) ? -1 : 0 });
}

/**
 * What the deciding rule says (`effect:`), else a non-safe method outside an MCP message
 * (every MCP message is a POST: the guard counts a tool call's write by its rule). A
 * passthrough tunnel (CONNECT) may carry anything: it counts as a write.
 */
function isWrite(x: Ctx, rule: string): boolean {
  const effect = x.state.budgets.effects.get(rule);
  if (effect !== undefined) return effect === 'write';
  const mcp = x.intake?.kind === 'forward' && x.intake.protocol === 'mcp';
  return !mcp && !SAFE_METHODS.has((x.req.method ?? 'GET').toUpperCase());
}

/** The refusal for `r`: 429, the body's `budget` naming the budget, limit, use and reset; `Retry-After` when it resets. */
export function budgetRejection(r: BudgetRefusal, rule: string | null): Rejection {
  const b = r.ask.budget;
  const a = r.ask.account;
  const reason = budgetRefusalText(r);
  const headers: Record<string, string> = r.resetsAt === null ? {} : { 'retry-after': String(Math.max(1, Math.ceil((r.resetsAt - Date.now()) / 1000))) };
  const budget = {
    name: b.name,
    per: a.per,
    metric: r.metric,
    limit: r.limit,
    used: r.used,
    resets_at: r.resetsAt === null ? null : new Date(r.resetsAt).toISOString(),
    state: r.paused ? 'paused' : 'exhausted',
  };
  return new Rejection(r.paused ? 'budget_paused' : 'budget_exhausted', reason, rule ?? b.name, headers, { budget });
}

/**
 * The response tap of an LLM API call (null for any other request): reads usage from
 * the body as it passes. An encoded body (the upstream ignored `accept-encoding:
 * identity`) is counted by bytes and flagged instead.
 */
export function usageTap(x: RequestContext): ((status: number, headers: IncomingHttpHeaders) => UsageReader | null) | null {
  const llm = x.budget?.llm;
  if (llm == null) return null;
  return (status, headers) => {
    if (status < 200 || status >= 300) return null;
    const enc = headers['content-encoding'];
    if (enc !== undefined && enc.trim().toLowerCase() !== 'identity') {
      llm.encoded = true;
      return null;
    }
    llm.reader = new UsageReader(headers['content-type']);
    return llm.reader;
  };
}

/**
 * The exchange is over: debit its bytes (the record's `bytes_in`, `bytes_out`) and an
 * LLM call's tokens and cost to every account it counted in, and state the record's
 * budget facts. An LLM call whose usage could not be read, or whose model has no price,
 * is counted by bytes and flagged (a finding).
 */
export function settleBudgets(x: Ctx): void {
  const b = x.budget;
  if (b === undefined || b.settled) return;
  b.settled = true;
  const spend: Partial<Counts> = { bytes_in: x.bytesIn, bytes_out: x.bytesOut };
  const facts: BudgetFacts = { ...NO_FACTS, budget: b.asks.length === 0 ? null : b.asks.map((a) => a.budget.name).join(',') };
  if (b.llm !== null && x.res.statusCode >= 200 && x.res.statusCode < 300) llmSpend(x, b.llm, spend, facts);
  x.budgetFacts = facts;
  if (b.asks.length > 0) x.gate.budgets?.charge(b.asks, spend);
}

function llmSpend(x: Ctx, llm: NonNullable<ExchangeBudget['llm']>, spend: Partial<Counts>, facts: BudgetFacts): void {
  const usage: LlmUsage | null = llm.reader?.end() ?? null;
  const model = usage?.model ?? modelFromPath(x.target);
  facts.model = model ?? null;
  if (llm.encoded || usage === null || (usage.input === undefined && usage.output === undefined)) {
    x.findings.push({
      type: 'llm_usage_unread',
      location: 'response',
      action: 'counted_by_bytes',
      detail: llm.encoded ? 'the response was compressed' : `no ${llm.style}-style usage in the response`,
    });
    return;
  }
  const input = usage.input ?? 0;
  const output = usage.output ?? 0;
  spend.input_tokens = input;
  spend.output_tokens = output;
  facts.tokens_in = input;
  facts.tokens_out = output;
  const price = priceOf(x.state.llm, model);
  if (price === null) {
    x.findings.push({
      type: 'llm_unknown_model',
      location: 'response',
      action: 'counted_by_bytes',
      detail: `no price in llm.prices for model ${model ?? '(unnamed)'}`,
    });
    return;
  }
  spend.cost = costOf(price, input, output);
  facts.cost = spend.cost;
}

const NO_FACTS: BudgetFacts = { budget: null, model: null, tokens_in: null, tokens_out: null, cost: null };
