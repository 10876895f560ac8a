/**
 * One `sluice policy test` case: decide the request and compare the decision (or,
 * when given, the gate's whole answer) with what the case expects. Pure, so the
 * same check runs in tests and the CLI.
 */
import type { CompiledPolicy } from './compile.js';
import { decide } from './decide.js';
import type { Decision, RequestFacts, Who } from './types.js';

export interface CaseExpectation {
  outcome: 'allow' | 'deny' | 'approve';
  /** The deny contract's error, like `ssrf_blocked` or `policy_denied`. */
  error?: string | undefined;
  rule?: string | undefined;
  /** The secret's name. */
  credential?: string | undefined;
  intent?: string | undefined;
  route?: string | undefined;
  would_deny?: readonly string[] | undefined;
}

/**
 * What the gate answers, when more than the policy decides it (host checks before
 * policy, the credential transport check after it); see proxy/gate-verdict.ts.
 */
export interface GateOutcome {
  outcome: 'allow' | 'deny' | 'approve';
  /** The deny contract's error; null on allow. */
  error: string | null;
  /** The rule the deny names (null for a refusal before any rule). */
  rule: string | null;
}

export interface CaseResult {
  pass: boolean;
  decision: Decision;
  /** What the case was compared with: the gate's answer when given, else the policy's. */
  outcome: GateOutcome;
  /** One line per field that differs, like `rule: expected github-read, got default-deny`. */
  mismatches: string[];
}

/**
 * @example
 * checkCase(policy, facts, null, { outcome: 'deny', rule: 'default-deny' }); // { pass: true, mismatches: [], decision }
 */
export function checkCase(policy: CompiledPolicy, facts: RequestFacts, who: Who | null, expect: CaseExpectation, gate?: GateOutcome): CaseResult {
  const decision = decide(facts, who, policy);
  const outcome = gate ?? {
    outcome: decision.outcome,
    error: decision.outcome === 'deny' ? 'policy_denied' : decision.outcome === 'approve' ? 'human_approval_required' : null,
    rule: decision.rule,
  };
  const mismatches: string[] = [];
  const cmp = (field: string, want: string | undefined, got: string | null): void => {
    if (want !== undefined && want !== got) mismatches.push(`${field}: expected ${want}, got ${got ?? 'none'}`);
  };
  cmp('outcome', expect.outcome, outcome.outcome);
  cmp('error', expect.error, outcome.error);
  cmp('rule', expect.rule, outcome.rule);
  cmp('credential', expect.credential, decision.credential?.secret ?? null);
  cmp('intent', expect.intent, decision.intent);
  cmp('route', expect.route, decision.route);
  if (expect.would_deny !== undefined) {
    const want = expect.would_deny.join(', ');
    const got = decision.wouldDeny.join(', ');
    if (want !== got) mismatches.push(`would_deny: expected [${want}], got [${got}]`);
  }
  return { pass: mismatches.length === 0, decision, outcome, mismatches };
}
