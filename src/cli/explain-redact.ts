/**
 * What `sluice explain` says of a rule's `redact:` (the partial_result fallback): the
 * fields an allowed request's response (or tool call's result) reaches the agent
 * without, and what is refused because it cannot be redacted. Text and `--json`.
 */
import type { RedactSpec } from '../inspect/redact-paths.js';
import { REDACTED_MARKER } from '../inspect/redact-paths.js';
import { FALLBACKS } from '../refusals.js';

/**
 * `lines` with a `redact:` line put before the `policy:` line, when there are specs.
 *
 * @example
 * withRedactions(['rule:       crm (rule_allow)', 'policy:     a1b2'], specs, 'response', 4194304);
 * // ['rule: ...', 'redact:     ssn, $.cards[*].number: replaced by "[REDACTED by sluice]" ...', 'policy: ...']
 */
export function withRedactions(
  lines: readonly string[],
  specs: readonly RedactSpec[] | undefined,
  what: 'response' | 'tool result',
  maxBytes: number,
): string[] {
  if (specs === undefined || specs.length === 0) return [...lines];
  const out = [...lines];
  const at = out.findIndex((l) => l.startsWith('policy:'));
  const refused =
    what === 'response'
      ? `a body that is not strict JSON, over ${maxBytes} bytes (inspect.max_response_scan_bytes), in an unknown encoding or an event stream is refused 403 response_unreadable`
      : 'a text item that is not strict JSON refuses the result (response_unreadable)';
  out.splice(
    at === -1 ? out.length : at,
    0,
    `redact:     ${specs.map((s) => s.text).join(', ')}: replaced by "${REDACTED_MARKER}" in the ${what} (partial_result; ${FALLBACKS.partial_result.header} names what matched); ${refused}`,
  );
  return out;
}

/** The same for `--json`: null when the rule redacts nothing. */
export function redactionsJson(specs: readonly RedactSpec[] | undefined): Record<string, unknown> | null {
  if (specs === undefined || specs.length === 0) return null;
  return { fields: specs.map((s) => s.text), replacement: REDACTED_MARKER, code: 'partial_result', header: FALLBACKS.partial_result.header };
}
