/**
 * The file `sluice policy test` reads: named requests, who makes them, and what
 * the policy is expected to decide.
 *
 * @example
 * // cases:
 * //   - name: support bot reads acme repos
 * //     identity: { tenant: acme, agent: support-bot }
 * //     request: GET https://api.github.com/repos/acme/widgets
 * //     expect: { outcome: allow, rule: github-read, credential: github_token }
 */
import * as z from 'zod';
import { parsedBy, strictSection } from './fields.js';
import { describeValue } from './describe-value.js';
import { parseRequestLine } from './request-line.js';

const identitySchema = strictSection({
  tenant: z.string().min(1),
  agent: z.string().min(1),
  session: z.string().min(1).optional(),
  human: z.string().min(1).nullable().optional(),
  labels: z.record(z.string().min(1), z.string()).optional(),
});

const requestField = parsedBy((v) => {
  if (typeof v !== 'string') throw new TypeError(`expected "METHOD URL", like "GET https://api.github.com/"; got ${describeValue(v)}`);
  return parseRequestLine(v);
});

const expectSchema = strictSection({
  outcome: z.enum(['allow', 'deny', 'approve']),
  rule: z.string().min(1).optional(),
  /** The credential's secret name (never a value). */
  credential: z.string().min(1).optional(),
  intent: z.string().min(1).optional(),
  route: z.string().min(1).optional(),
  would_deny: z.array(z.string().min(1)).optional(),
  /** The deny contract's error the gate answers (`ssrf_blocked`, `policy_denied`, `credential_plaintext_refused`, ...). */
  error: z.string().min(1).optional(),
});

const caseSchema = strictSection({
  name: z.string().min(1),
  // Absent means the same as null: a request with no identity.
  identity: identitySchema.nullable().optional(),
  request: requestField,
  expect: expectSchema,
});

export const casesSchema = strictSection({
  cases: z.array(caseSchema).min(1, { error: 'expected at least one case' }),
});

export type PolicyCasesFile = z.output<typeof casesSchema>;
export type PolicyCaseInput = PolicyCasesFile['cases'][number];
