/** What the gate knows about a request when it decides. No I/O has happened yet. */
export interface RequestFacts {
  scheme: 'http' | 'https';
  /** Canonical host: lowercase ASCII name, or canonical IP text. */
  host: string;
  port: number;
  method: string;
  path: string;
}

export type Outcome = 'allow' | 'deny';

/** The reason codes a decision can carry. Stable: audit queries filter on them. */
export type DecisionReason = 'rule_allow' | 'rule_deny' | 'no_rule_matched';

/** A decision explains itself: which rule, why, under which policy version. */
export interface Decision {
  outcome: Outcome;
  /** The matching rule's id, or `default-deny` when nothing matched. */
  rule: string;
  reason: DecisionReason;
  policyVersion: string;
}

export const DEFAULT_DENY_RULE = 'default-deny';
