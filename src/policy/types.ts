/**
 * The policy's data: what a rule says (as the config states it), what the gate
 * knows about a request, who is asking, and the decision. Plain data only, so
 * decisions serialise into audit records and `sluice explain` output as they are.
 */
import type { CredentialInput, CredentialSpec } from '../credentials/forms/index.js';
import type { PlaceholderPlace } from '../credentials/inject-placeholder.js';
import type { McpMatchSpec } from './tool-types.js';
import type { ApprovalInput, ApprovalSpec } from './approval.js';

/** What the gate knows about a request when it decides. No I/O has happened yet. */
export interface RequestFacts {
  scheme: 'http' | 'https';
  /** Canonical host: lowercase ASCII name, or canonical IP text (IPv6 with or without brackets). */
  host: string;
  port: number;
  method: string;
  /** The request target's path; may carry `?query` (ignored by path patterns). Empty for CONNECT. */
  path: string;
}

/**
 * Who is asking. Structurally a subset of `identity/principal.ts` Principal, so a
 * verified principal is passed as is.
 */
export interface Who {
  readonly tenant: string;
  readonly agent: string;
  readonly session: string;
  readonly human: string | null;
  readonly labels: Readonly<Record<string, string>>;
}

/**
 * What a decision says to do. A union that grows (an approval outcome is next): the gate's
 * decide step switches on it exhaustively, so a new outcome cannot pass unhandled.
 */
/** `approve`: allowed once a person approves it (policy/approval.ts); the rest of the decision is as for allow. */
export type Outcome = 'allow' | 'deny' | 'approve';
export type RuleAction = 'allow' | 'deny' | 'approve';
/** `enforce` rules decide; `report` rules only record that they would have denied. */
export type RuleMode = 'enforce' | 'report';

/** The reason codes a decision can carry. Stable: audit queries filter on them. */
export type DecisionReason = 'rule_allow' | 'rule_deny' | 'no_rule_matched' | 'rule_approve';

export const DEFAULT_DENY_RULE = 'default-deny';
/** The rule a tool call names when no MCP rule matched and `mcp.default` is allow. */
export const DEFAULT_ALLOW_RULE = 'default-allow';

export type PlaceholderLocation = PlaceholderPlace;

/**
 * How a credential reaches the upstream (`type`: header, basic, query, placeholder, oauth2, token_exchange, jwt, gcp, hmac;
 * each form in credentials/forms/). `secret` names the value, never holds it.
 */
export type { CredentialSpec };

/** A synthesised answer: the gate replies itself and no upstream is contacted. */
export interface RespondSpec {
  status: number;
  headers: Readonly<Record<string, string>>;
  body: string;
}

/** Request header rewrite, applied before the credential is injected. Names are lower-case. */
export interface HeaderRewrite {
  set: Readonly<Record<string, string>>;
  remove: readonly string[];
}

/** A rule's credential as the config file writes it: `secret` plus exactly one injection form. */
export type { CredentialInput };

/**
 * A rule as the config file states it. Every key but `id` is optional: an absent
 * matcher matches anything, `action` defaults to allow and `mode` to enforce.
 */
export interface RuleSpec {
  id: string;
  tenants?: readonly string[] | undefined;
  agents?: readonly string[] | undefined;
  labels?: Readonly<Record<string, string>> | undefined;
  hosts?: readonly string[] | undefined;
  /** Port numbers, or ranges written "8000-8100". */
  ports?: readonly (number | string)[] | undefined;
  schemes?: readonly ('http' | 'https')[] | undefined;
  methods?: readonly string[] | undefined;
  paths?: readonly string[] | undefined;
  /**
   * How the upstream treats case in paths. Absent: deny rules ignore case (a
   * case-insensitive router serves `/ADMIN` as `/admin`), allow rules do not.
   * `true`: compare exactly (a deny rule then trusts the upstream to be
   * case-sensitive); `false`: an allow rule matches any case too.
   */
  case_sensitive?: boolean | undefined;
  intent?: string | undefined;
  action?: RuleAction | undefined;
  mode?: RuleMode | undefined;
  credential?: CredentialInput | undefined;
  route?: string | undefined;
  respond?: { status: number; headers?: Readonly<Record<string, string>> | undefined; body?: string | undefined } | undefined;
  headers?: { set?: Readonly<Record<string, string>> | undefined; remove?: readonly string[] | undefined } | undefined;
  inspect?: InspectProfile | undefined;
  /**
   * Makes this an MCP tool rule: it decides tool calls (`decideTool`) and never
   * HTTP requests; it may then state only id, tenants, agents, labels, intent,
   * action, mode and rate_limit besides.
   */
  mcp?: McpMatchSpec | undefined;
  /** With `action: approve`: who approves and how (policy/approval.ts). */
  approval?: ApprovalInput | undefined;
  /** Free tags; `critical` puts the rule's hosts under the blast radius. */
  tags?: readonly string[] | undefined;
}

/**
 * A rule's inspection overrides; absent fields fall back to the config's `inspect:`.
 * `off` turns that scanner off for the rule's traffic (for an API that legitimately
 * carries key-shaped data, say).
 */
export interface InspectProfile {
  dlp?: 'block' | 'redact' | 'warn' | 'off' | undefined;
  injection?: 'block' | 'strip' | 'warn' | 'off' | undefined;
}

/** A decision explains itself: which rule, why, under which policy version, and what to do next. */
export interface Decision {
  outcome: Outcome;
  /** The deciding rule's id, or `default-deny` when no enforce rule matched. */
  rule: string;
  reason: DecisionReason;
  policyVersion: string;
  /** The deciding rule's intent name, recorded in audit. */
  intent: string | null;
  /** Set only on allow: how to inject which secret. */
  credential: CredentialSpec | null;
  /** Name of a `routes:` entry to send the request through. */
  route: string | null;
  respond: RespondSpec | null;
  headers: HeaderRewrite | null;
  /** Report-mode deny rules that matched before the deciding rule: they would have denied. */
  wouldDeny: string[];
  /** The deciding rule's inspection overrides, if any (as written: what `explain` shows). */
  inspect: InspectProfile | null;
  /**
   * The inspection this exchange runs with: the rule's setting, else the config's
   * (`inspect.dlp.action`, `inspect.injection`), resolved once here so no step merges them again.
   */
  profile: ResolvedProfile;
  /** Set when the outcome is `approve`: who approves and how. */
  approval?: ApprovalSpec | null;
  /** The deciding rule is tagged `critical` (blast radius). */
  critical?: boolean;
}

/** An inspection profile with nothing left to default. */
export interface ResolvedProfile {
  readonly dlp: NonNullable<InspectProfile['dlp']>;
  readonly injection: NonNullable<InspectProfile['injection']>;
}

/** One rule's part in an explanation. */
export interface TraceEntry {
  rule: string;
  /** Position of the rule in the policy, from 0. */
  index: number;
  result: 'matched' | 'skipped';
  mode: RuleMode;
  action: RuleAction;
  /** Every reason the rule did not match (empty when it matched). */
  why: string[];
}

export interface Explanation {
  decision: Decision;
  /** Every rule up to and including the deciding one (all rules on a default deny). */
  trace: TraceEntry[];
}
