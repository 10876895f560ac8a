/**
 * One `sluice policy test` case: decide the request and compare the decision
 * with what the case expects. Pure, so the same check runs in tests and the CLI.
 */
import type { CompiledPolicy } from './compile.js';
import { decide } from './decide.js';
import type { Decision, RequestFacts, Who } from './types.js';

export interface CaseExpectation {
  outcome: 'allow' | 'deny';
  rule?: string | undefined;
  /** The secret's name. */
  credential?: string | undefined;
  intent?: string | undefined;
  route?: string | undefined;
  would_deny?: readonly string[] | undefined;
}

export interface CaseResult {
  pass: boolean;
  decision: Decision;
  /** One line per field that differs, like `rule: expected github-read, got default-deny`. */
  mismatches: string[];
}

/**
 * @example
 * checkCase(policy, facts, null, { outcome: 'deny', rule: 'default-deny' }); // { pass: true, mismatches: [], decision }
 */
export function checkCase(policy: CompiledPolicy, facts: RequestFacts, who: Who | null, expect: CaseExpectation): CaseResult {
  const decision = decide(facts, who, policy);
  const mismatches: string[] = [];
  const cmp = (field: string, want: string | undefined, got: string | null): void => {
    if (want !== undefined && want !== got) mismatches.push(`${field}: expected ${want}, got ${got ?? 'none'}`);
  };
  cmp('outcome', expect.outcome, decision.outcome);
  cmp('rule', expect.rule, decision.rule);
  cmp('credential', expect.credential, decision.credential?.secret ?? null);
  cmp('intent', expect.intent, decision.intent);
  cmp('route', expect.route, decision.route);
  if (expect.would_deny !== undefined) {
    const want = expect.would_deny.join(', ');
    const got = decision.wouldDeny.join(', ');
    if (want !== got) mismatches.push(`would_deny: expected [${want}], got [${got}]`);
  }
  return { pass: mismatches.length === 0, decision, mismatches };
}
