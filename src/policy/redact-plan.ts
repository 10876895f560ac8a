/**
 * The rules' `redact:` lists as one config load states them, parsed once, by rule id:
 * the response side of an HTTP exchange (proxy/partial-result.ts) and the MCP guard's
 * answer steps (mcp/steps/redact-answer.ts) look up the deciding rule here, as rate
 * limits are looked up in state/rate-plan.ts.
 *
 * @example
 * const plan = redactPlan(config.rules);
 * plan.get('crm-read')?.map((s) => s.text); // ['ssn', '$.customers[*].card.number']
 */
import { parseRedactSpec, type RedactSpec } from '../inspect/redact-paths.js';

export type RedactPlan = ReadonlyMap<string, readonly RedactSpec[]>;

export function redactPlan(rules: readonly { id: string; redact?: readonly string[] | undefined }[]): RedactPlan {
  const plan = new Map<string, readonly RedactSpec[]>();
  for (const r of rules) if (r.redact !== undefined && r.redact.length > 0) plan.set(r.id, r.redact.map(parseRedactSpec));
  return plan;
}
