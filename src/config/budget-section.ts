/**
 * Budgets (`budgets:`) and the LLM APIs whose usage they count (`llm:`). A budget caps
 * what one session, agent or tenant may spend, over a fixed window (`1h`, `24h`) or the
 * account's whole life: calls, writes (non-safe methods; MCP tool calls whose rule is
 * labelled `effect: write`), bytes in and out (the audit record's `bytes_in`, what the
 * agent sent, and `bytes_out`, what it was answered), wall-clock time since the account
 * first spent, LLM tokens and LLM cost (from `llm.prices`). Exhausted, it refuses (429
 * `budget_exhausted`) until its window resets, or pauses the account until an operator
 * raises it (`sluice budget raise`). The counting: state/budget-ledger.ts.
 *
 * @example
 * budgets:
 *   session-calls: { per: session, calls: 100, writes: 10 }
 *   llm-daily: { per: tenant, window: 24h, tokens: 2000000, cost: 25, on_exhausted: pause }
 * llm:
 *   apis: [{ host: api.openai.com, style: openai }]
 *   prices: { gpt-4o*: { input: 2.5, output: 10 } }
 */
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { parseDuration } from './duration.js';
import { durationField, hostPatternField, intInRange, parsedBy, strictSection } from './fields.js';
import { refNameField } from './rule-fields.js';

/** Whose spending one account of a budget counts (always within a tenant). */
export const BUDGET_SCOPES = ['session', 'agent', 'tenant'] as const;
export type BudgetScope = (typeof BUDGET_SCOPES)[number];

/** What a budget may cap, in the order `sluice budget show` prints them. */
export const BUDGET_METRICS = ['calls', 'writes', 'bytes_in', 'bytes_out', 'time', 'input_tokens', 'output_tokens', 'tokens', 'cost'] as const;
export type BudgetMetric = (typeof BUDGET_METRICS)[number];

export const LLM_STYLES = ['openai', 'anthropic', 'gemini'] as const;
export type LlmStyle = (typeof LLM_STYLES)[number];

const COUNT = intInRange(1, Number.MAX_SAFE_INTEGER);

/** Money in the price table's currency (the same one as `llm.prices`). */
const amountField = (what: string): z.ZodType<number, unknown> =>
  parsedBy((v): number => {
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new TypeError(`expected ${what} (a number, 0 or more); got ${describeValue(v)}`);
    return v;
  });

/** `life` (never resets) or a duration: fixed windows aligned to the epoch (a `1h` window resets on the hour, UTC). */
const windowField = parsedBy((v): number | 'life' => {
  if (v === 'life') return v;
  const expected = `expected 'life' (the account's whole life) or a duration like 1h or 24h; got ${describeValue(v)}`;
  if (typeof v !== 'string' && typeof v !== 'number') throw new TypeError(expected);
  let ms: number;
  try {
    ms = parseDuration(v);
  } catch (err) {
    // A typo in a unit keeps the parser's precise hint.
    throw new TypeError(/^\d/.test(String(v)) ? (err as Error).message : expected);
  }
  if (ms === 0) throw new RangeError("expected a window longer than 0, like 1h, or 'life'");
  return ms;
});

export const budgetSchema = strictSection({
  per: z.enum(BUDGET_SCOPES).default('session'),
  window: windowField.default('life'),
  on_exhausted: z.enum(['refuse', 'pause']).default('refuse'),
  /** Only requests (and tool calls) decided by these rules count; absent: every one. */
  rules: z.array(refNameField).min(1).optional(),
  calls: COUNT.optional(),
  writes: COUNT.optional(),
  bytes_in: COUNT.optional(),
  bytes_out: COUNT.optional(),
  time: durationField({ positive: true }).optional(),
  input_tokens: COUNT.optional(),
  output_tokens: COUNT.optional(),
  tokens: COUNT.optional(),
  cost: amountField('an amount of money').optional(),
}).superRefine((b, ctx) => {
  if (!BUDGET_METRICS.some((m) => b[m] !== undefined)) {
    ctx.addIssue({ code: 'custom', message: `a budget caps at least one of ${BUDGET_METRICS.join(', ')}` });
  }
  if (b.time !== undefined && b.window !== 'life') {
    ctx.addIssue({ code: 'custom', path: ['time'], message: "'time' counts from the account's first call, so it needs window: life" });
  }
});
export type BudgetConfig = z.output<typeof budgetSchema>;

export const budgetsSchema = z.record(refNameField, budgetSchema);
export type BudgetsConfig = z.output<typeof budgetsSchema>;

const priceSchema = strictSection({
  /** Per million input (prompt) tokens. */
  input: amountField('a price per million input tokens'),
  /** Per million output (completion) tokens. */
  output: amountField('a price per million output tokens'),
});
export type LlmPrice = z.output<typeof priceSchema>;

const apiSchema = strictSection({
  host: hostPatternField,
  style: z.enum(LLM_STYLES),
  /** Only requests whose path starts with this; absent: every path on the host. */
  path: z.string().startsWith('/', { error: "expected a path prefix starting with '/'" }).optional(),
});
export type LlmApiConfig = z.output<typeof apiSchema>;

/** The `llm:` section: which destinations are LLM APIs, and what their tokens cost. */
export const llmSchema = strictSection({
  apis: z.array(apiSchema).default([]),
  /** Also treat requests to any host on a well-known LLM path (`/v1/chat/completions`, `/v1/messages`, `:generateContent`) as LLM calls. */
  detect_by_path: z.boolean().default(true),
  /** Model name (exact, or a prefix ending in `*`) to price per million tokens. */
  prices: z.record(z.string().min(1), priceSchema).default({}),
});
export type LlmConfig = z.output<typeof llmSchema>;

/**
 * Budgets naming a rule the config does not have (checked with the whole config, as
 * rule routes are): a typo would silently count nothing.
 */
export function unknownBudgetRules(budgets: unknown, rules: unknown): { path: (string | number)[]; message: string }[] {
  if (typeof budgets !== 'object' || budgets === null || !Array.isArray(rules)) return [];
  const ids = new Set(rules.map((r) => (r as { id?: unknown } | null)?.id).filter((id) => typeof id === 'string'));
  const out: { path: (string | number)[]; message: string }[] = [];
  for (const [name, b] of Object.entries(budgets)) {
    const listed = (b as { rules?: unknown } | null)?.rules;
    if (!Array.isArray(listed)) continue;
    listed.forEach((id, i) => {
      if (typeof id === 'string' && !ids.has(id)) out.push({ path: ['budgets', name, 'rules', i], message: `no rule with id '${id}'` });
    });
  }
  return out;
}
