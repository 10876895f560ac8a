/**
 * Token usage as LLM APIs report it, read from one parsed JSON object: a whole
 * response, or one event of a streamed one. The three families differ in names only:
 *
 * - OpenAI-style: chat completions `usage.prompt_tokens` / `completion_tokens` (streamed:
 *   the last chunk, with `stream_options.include_usage`); the Responses API
 *   `usage.input_tokens` / `output_tokens`, streamed in `response.completed`'s `response`.
 * - Anthropic-style: `usage.input_tokens` / `output_tokens`; streamed, `message_start`'s
 *   `message.usage`, then `message_delta`'s `usage` (output so far).
 * - Gemini-style: `usageMetadata.promptTokenCount` / `candidatesTokenCount` /
 *   `totalTokenCount`, in every streamed chunk (so far).
 *
 * Streamed counts are totals so far, so a later report replaces an earlier one, field
 * by field (mergeUsage). The style is not needed to read them; it is kept for the record.
 *
 * @example
 * readUsage({ model: 'gpt-4o', usage: { prompt_tokens: 12, completion_tokens: 30 } });
 * // { model: 'gpt-4o', input: 12, output: 30 }
 */

/** What one object said; absent fields were not in it. */
export interface LlmUsage {
  model?: string;
  input?: number;
  output?: number;
}

const MAX_MODEL = 120;

/** The usage and model in `v` (a response, or one streamed event), or null when it carries neither. */
export function readUsage(v: unknown): LlmUsage | null {
  if (!isObject(v)) return null;
  // Streamed wrappers: Responses API events carry the response, Anthropic's message_start the message.
  const inner = isObject(v.response) ? v.response : isObject(v.message) ? v.message : null;
  const out: LlmUsage = {};
  const model = text(v.model) ?? text(v.modelVersion) ?? (inner ? (text(inner.model) ?? null) : null);
  if (model !== null) out.model = model;
  counts(out, v.usage);
  if (inner) counts(out, inner.usage);
  const g = v.usageMetadata;
  if (isObject(g)) {
    setCount(out, 'input', g.promptTokenCount);
    const total = num(g.totalTokenCount);
    const cand = num(g.candidatesTokenCount);
    // Gemini's total includes thinking tokens that candidatesTokenCount leaves out: bill the total.
    if (total !== null && out.input !== undefined) out.output = Math.max(cand ?? 0, total - out.input);
    else if (cand !== null) out.output = cand;
  }
  return out.model === undefined && out.input === undefined && out.output === undefined ? null : out;
}

/** `later` over `earlier`, field by field (streamed counts are running totals). */
export function mergeUsage(earlier: LlmUsage | null, later: LlmUsage | null): LlmUsage | null {
  if (later === null) return earlier;
  if (earlier === null) return later;
  return { ...earlier, ...later };
}

function counts(out: LlmUsage, u: unknown): void {
  if (!isObject(u)) return;
  setCount(out, 'input', u.prompt_tokens ?? u.input_tokens);
  setCount(out, 'output', u.completion_tokens ?? u.output_tokens);
}

function setCount(out: LlmUsage, k: 'input' | 'output', v: unknown): void {
  const n = num(v);
  if (n !== null) out[k] = n;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0 ? v : null;
}

/** A model name fit for the record: printable, bounded (it comes from the upstream). */
function text(v: unknown): string | null {
  if (typeof v !== 'string' || v === '') return null;
  const clean = v.replace(/[^\x21-\x7e]/g, '?');
  return clean.length > MAX_MODEL ? clean.slice(0, MAX_MODEL) : clean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
