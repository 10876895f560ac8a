/**
 * Which requests are calls to an LLM API (`llm.apis`, and with `llm.detect_by_path` the
 * well-known paths of each style on any host), and what their tokens cost
 * (`llm.prices`: a model's exact name, else the longest `prefix*` that matches it).
 *
 * @example
 * const plan = llmPlan(config.llm);
 * llmStyleOf(plan, 'api.openai.com', '/v1/chat/completions'); // 'openai'
 * costOf(priceOf(plan, 'gpt-4o-2024-08-06'), 1000, 500); // 0.0075 with gpt-4o*: { input: 2.5, output: 10 }
 */
import type { LlmConfig, LlmPrice, LlmStyle } from '../config/budget-section.js';
import { HostIndex } from '../policy/host-index.js';

export interface LlmPlan {
  readonly apis: HostIndex<{ style: LlmStyle; path: string | undefined }>;
  readonly detect: boolean;
  readonly exact: ReadonlyMap<string, LlmPrice>;
  /** `prefix*` prices, longest prefix first. */
  readonly prefixes: readonly (readonly [string, LlmPrice])[];
}

/** Paths each style's APIs answer on, whatever the host (a self-hosted or proxied API). */
const WELL_KNOWN: readonly (readonly [RegExp, LlmStyle])[] = [
  [/^(?:\/[^?]*)?\/v1\/(?:chat\/completions|completions|responses)(?:[/?]|$)/, 'openai'],
  [/^(?:\/[^?]*)?\/v1\/messages(?:\?|$)/, 'anthropic'],
  [/^\/v1(?:beta)?\/models\/[^/?:]+:(?:stream)?[gG]enerateContent(?:\?|$)/, 'gemini'],
];

export function llmPlan(c: LlmConfig): LlmPlan {
  const apis = new HostIndex<{ style: LlmStyle; path: string | undefined }>();
  for (const a of c.apis) apis.add(a.host, { style: a.style, path: a.path });
  const exact = new Map<string, LlmPrice>();
  const prefixes: [string, LlmPrice][] = [];
  for (const [model, price] of Object.entries(c.prices)) {
    if (model.endsWith('*')) prefixes.push([model.slice(0, -1), price]);
    else exact.set(model, price);
  }
  prefixes.sort((a, b) => b[0].length - a[0].length);
  return { apis, detect: c.detect_by_path, exact, prefixes };
}

/** The style of LLM API `host` and `path` (origin-form, query included) are, or null when it is not one. */
export function llmStyleOf(plan: LlmPlan, host: string, path: string): LlmStyle | null {
  for (const a of plan.apis.candidates(host)) if (a.path === undefined || path.startsWith(a.path)) return a.style;
  if (!plan.detect) return null;
  for (const [re, style] of WELL_KNOWN) if (re.test(path)) return style;
  return null;
}

/** The model a Gemini-style path names (`/v1beta/models/gemini-1.5-flash:generateContent`), for a response that does not say. */
export function modelFromPath(path: string): string | undefined {
  return /\/models\/([^/?:]{1,120}):/.exec(path)?.[1];
}

export function priceOf(plan: LlmPlan, model: string | undefined): LlmPrice | null {
  if (model === undefined) return null;
  const p = plan.exact.get(model);
  if (p !== undefined) return p;
  for (const [prefix, price] of plan.prefixes) if (model.startsWith(prefix)) return price;
  return null;
}

/** The cost of `input` and `output` tokens at `price` (per million tokens). */
export function costOf(price: LlmPrice, input: number, output: number): number {
  return (input * price.input + output * price.output) / 1_000_000;
}
