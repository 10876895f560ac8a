/**
 * A rule's `redact:` (HTTP rule: fields of its JSON responses; MCP tool rule: fields of
 * its tool results), checked by the same parser the gate applies (inspect/redact-paths.ts),
 * so a rule that loads always redacts as written and a bad path points at its line.
 *
 * @example
 * rules:
 *   - id: crm-read
 *     hosts: [crm.example.com]
 *     methods: [GET]
 *     redact: [ssn, '$.customers[*].card.number']
 */
import * as z from 'zod';
import { parseRedactSpec } from '../inspect/redact-paths.js';
import { describeValue } from './describe-value.js';
import { parsedBy } from './fields.js';

/** Entries at most: each one is a walk of the response. */
export const MAX_REDACT_ENTRIES = 64;

const redactEntry = parsedBy((v): string => {
  if (typeof v !== 'string') throw new TypeError(`expected a field name (ssn) or a JSON path ($.user.ssn); got ${describeValue(v)}`);
  parseRedactSpec(v);
  return v;
});

export const redactField = z
  .array(redactEntry)
  .min(1, { error: "expected at least one field, like [ssn, '$.items[*].token']; leave the key out to redact nothing" })
  .max(MAX_REDACT_ENTRIES, { error: `expected at most ${MAX_REDACT_ENTRIES} fields` });
