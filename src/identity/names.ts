/**
 * The syntax of the names a token carries (tenant, agent, session, labels). They end
 * up in audit records, log lines, policy matches and SQL parameters, so they are kept
 * to a small, printable alphabet: nothing to escape, nothing that splits a log line.
 *
 * @example
 * checkName('agent', 'billing-bot');         // 'billing-bot'
 * checkName('agent', 'rm -rf /');            // throws InvalidArgumentError
 */
import { InvalidArgumentError } from './errors.js';

/** Tenant, agent, session, token id and label keys/values. */
export const NAME_PATTERN = /^[A-Za-z0-9._:@-]{1,128}$/;
export const NAME_RULE = 'expected 1-128 characters from A-Z a-z 0-9 . _ : @ -';
export const MAX_LABELS = 32;
/** Free text (a human's name, a revocation reason): printable, no control characters, bounded. */
const TEXT_PATTERN = /^[^\p{Cc}\p{Cf}\u2028\u2029]{1,256}$/u;
export const TEXT_RULE = 'expected 1-256 printable characters (no control characters)';

/** True when `v` is a valid name. */
export function isName(v: unknown): v is string {
  return typeof v === 'string' && NAME_PATTERN.test(v);
}

/** True when `v` is valid free text. */
export function isText(v: unknown): v is string {
  return typeof v === 'string' && TEXT_PATTERN.test(v);
}

/**
 * `value` if it is a valid name, else InvalidArgumentError naming `field` (never the value:
 * a misplaced token pasted into `--agent` must not end up in a terminal log).
 *
 * @example
 * checkName('tenant', 'acme'); // 'acme'
 */
export function checkName(field: string, value: unknown): string {
  if (!isName(value)) throw new InvalidArgumentError(field, NAME_RULE);
  return value;
}

/**
 * `value` if it is valid free text, else InvalidArgumentError.
 *
 * @example
 * checkText('reason', 'leaked in CI logs'); // 'leaked in CI logs'
 */
export function checkText(field: string, value: unknown): string {
  if (!isText(value)) throw new InvalidArgumentError(field, TEXT_RULE);
  return value;
}

/**
 * A frozen copy of `labels` if every key and value is a valid name and there are at
 * most MAX_LABELS of them, else InvalidArgumentError.
 *
 * @example
 * checkLabels({ team: 'payments' }); // { team: 'payments' }
 */
export function checkLabels(labels: unknown): Readonly<Record<string, string>> {
  if (labels === undefined || labels === null) return Object.freeze({});
  if (typeof labels !== 'object' || Array.isArray(labels)) throw new InvalidArgumentError('labels', 'expected an object of name: value');
  const entries = Object.entries(labels);
  if (entries.length > MAX_LABELS) throw new InvalidArgumentError('labels', `at most ${MAX_LABELS} labels; got ${entries.length}`);
  // A null-prototype object: a label named __proto__ stays a label.
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of entries) {
    if (!isName(k)) throw new InvalidArgumentError('labels', `label name: ${NAME_RULE}`);
    if (!isName(v)) throw new InvalidArgumentError(`labels.${k}`, NAME_RULE);
    out[k] = v;
  }
  return Object.freeze(out);
}
