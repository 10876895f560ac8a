/**
 * A tool result under a tool rule with `redact:` (the partial_result fallback for MCP,
 * stdio and HTTP alike): the named fields are replaced by REDACTED_MARKER in
 * `structuredContent` and in every text content item (`text`, and an embedded
 * resource's `text`) that holds JSON, each read as its own document (a spec's `$` is
 * that document's root). One `partial_result` finding per entry that matched; the
 * call's record says `partial_result`.
 *
 * Fail closed: a text item that is not strict JSON (inspect/json-strict.ts) cannot be
 * redacted field by field, so the whole result is replaced by a JSON-RPC error
 * (`response_unreadable`) rather than passed on unredacted. Images and audio carry no
 * fields and pass.
 */
import type { Step } from '../../compose.js';
import type { Finding } from '../../inspect/finding.js';
import { readJsonStrict } from '../../inspect/json-strict.js';
import { isObject } from '../../inspect/mcp/jsonrpc.js';
import { redactValue, type RedactSpec } from '../../inspect/redact-paths.js';
import type { AnswerExchange } from './exchange.js';

export const redactAnswer: Step<AnswerExchange> = async (x, next) => {
  const call = x.pending?.call;
  const specs = call ? x.env.redactions?.get(call.verdict.rule) : undefined;
  if (call && specs !== undefined && !x.blocked) {
    const done = redactResult(x.msg.result, specs, x.env.settings.maxMessageBytes);
    if (done.unreadable !== null) {
      const f: Finding = { type: 'partial_result', location: 'mcp.result', action: 'block', detail: 'not strict JSON' };
      x.findings.push(f);
      x.stop = [f];
      x.blocked = true;
      x.withheld = {
        error: 'response_unreadable',
        reason: `rule ${call.verdict.rule} redacts fields of the result of tool ${call.tool}, but ${done.unreadable}; refused rather than passed unredacted`,
      };
    } else if (done.matched.length > 0) {
      for (const spec of done.matched) x.findings.push({ type: 'partial_result', location: 'mcp.result', action: 'redact', detail: spec });
      x.out = { ...x.out, result: done.result };
    }
  }
  await next();
};

/** The result with its fields replaced (a copy), the entries that matched, or why it cannot be redacted. */
function redactResult(result: unknown, specs: readonly RedactSpec[], maxBytes: number): { result: unknown; matched: string[]; unreadable: string | null } {
  const copy = structuredClone(result);
  const matched = new Set<string>();
  /** Redact `v` in place; whether anything was replaced. */
  const apply = (v: unknown): boolean => {
    const r = redactValue(v, specs);
    for (const m of r.matched) matched.add(m);
    return r.replaced > 0;
  };
  if (!isObject(copy)) return { result: copy, matched: [], unreadable: null };
  if (copy.structuredContent !== undefined) apply(copy.structuredContent);
  const items = Array.isArray(copy.content) ? copy.content : [];
  for (const [i, item] of items.entries()) {
    const holder = !isObject(item) ? null : item.type === 'resource' && isObject(item.resource) ? item.resource : item.type === 'text' ? item : null;
    if (holder === null || typeof holder.text !== 'string') continue;
    const read = readJsonStrict(holder.text, { maxBytes });
    if (!read.ok) return { result: null, matched: [], unreadable: `its content item ${i} is not JSON it can read strictly (${read.message})` };
    if (apply(read.value)) holder.text = JSON.stringify(read.value);
  }
  // Entries in the order the rule gives them.
  return { result: copy, matched: specs.map((s) => s.text).filter((t) => matched.has(t)), unreadable: null };
}
