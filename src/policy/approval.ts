/**
 * What an `action: approve` rule asks for, compiled: who may approve (names, and
 * roles resolved through `approvals.roles`), how long the approval may be decided,
 * and how the agent meets it (held open, or answered 428 at once). Also the blast
 * radius settings, which send a session's next critical write domain through the
 * same approval. Pure data with an `explain`, like the rule's other actions.
 */
import { PolicyCompileError } from './compile-error.js';

export type ApprovalMode = 'hold' | 'ask';

/** A rule's `approval:` as the config writes it (durations already in ms). */
export interface ApprovalInput {
  approvers?: readonly string[] | undefined;
  roles?: readonly string[] | undefined;
  timeout?: number | undefined;
  mode?: ApprovalMode | undefined;
}

/** The config's `approvals:` and `blast_radius:` sections, as the policy uses them. */
export interface ApprovalSettings {
  readonly holdMs: number;
  readonly timeoutMs: number;
  readonly mode: ApprovalMode;
  readonly roles: Readonly<Record<string, readonly string[]>>;
  readonly maxBodyBytes: number;
  /** Approvals one session may have pending at once (0: no cap of its own). */
  readonly maxPendingPerSession: number;
  readonly blast: {
    readonly criticalWriteDomains: number;
    /** Who approves a session's next critical domain. */
    readonly approval: ApprovalSpec;
    readonly mcpMaxChainDepth: number;
    readonly maxSessions: number;
  };
}

/** A compiled approval: every field resolved. */
export interface ApprovalSpec {
  /** Named approvers (roles already expanded into `allowed`). */
  readonly approvers: readonly string[];
  readonly roles: readonly string[];
  /** Everyone who may decide: the names plus every role's members. Empty: anyone who names themselves. */
  readonly allowed: readonly string[];
  readonly timeoutMs: number;
  readonly holdMs: number;
  readonly mode: ApprovalMode;
}

/** `approvals.max_pending_per_session` when the config does not say. */
export const DEFAULT_MAX_PENDING_PER_SESSION = 20;

export const DEFAULT_APPROVAL_SETTINGS: ApprovalSettings = settingsFrom({});

/**
 * The settings from the config's sections (absent: their defaults).
 *
 * @example
 * settingsFrom({ approvals: { hold: 30000, timeout: 900000, mode: 'ask', roles: { oncall: ['bob'] }, max_body_bytes: 1048576 } }).holdMs; // 30000
 */
export function settingsFrom(c: {
  approvals?: {
    hold: number;
    timeout: number;
    mode: ApprovalMode;
    roles: Readonly<Record<string, readonly string[]>>;
    max_body_bytes: number;
    max_pending_per_session?: number;
  };
  blast_radius?: {
    critical_write_domains: number;
    approvers?: readonly string[] | undefined;
    roles?: readonly string[] | undefined;
    mcp_max_chain_depth: number;
    max_sessions: number;
  };
}): ApprovalSettings {
  const a = c.approvals ?? { hold: 30_000, timeout: 900_000, mode: 'ask' as const, roles: {}, max_body_bytes: 1024 * 1024 };
  const b = c.blast_radius ?? { critical_write_domains: 1, mcp_max_chain_depth: 0, max_sessions: 10_000 };
  const base = {
    holdMs: a.hold,
    timeoutMs: a.timeout,
    mode: a.mode,
    roles: a.roles,
    maxBodyBytes: a.max_body_bytes,
    maxPendingPerSession: ('max_pending_per_session' in a ? a.max_pending_per_session : undefined) ?? DEFAULT_MAX_PENDING_PER_SESSION,
  };
  // The blast radius's approval defaults to every role's members: someone must be able to approve.
  const roles = b.roles ?? (b.approvers === undefined ? Object.keys(a.roles) : []);
  const blastApproval = resolveApproval('blast_radius', { approvers: b.approvers, roles }, { ...base, blast: null });
  return {
    ...base,
    blast: {
      criticalWriteDomains: b.critical_write_domains,
      approval: blastApproval,
      mcpMaxChainDepth: b.mcp_max_chain_depth,
      maxSessions: b.max_sessions,
    },
  };
}

/**
 * A rule's approval with the config's defaults applied and roles expanded. Throws
 * PolicyCompileError for a role the config does not define.
 *
 * @example
 * compileApproval('deploy', { roles: ['oncall'] }, settings).allowed; // ['bob', 'carol']
 */
export function compileApproval(ruleId: string, input: ApprovalInput | undefined, settings: ApprovalSettings): ApprovalSpec {
  return resolveApproval(ruleId, input ?? {}, settings);
}

function resolveApproval(
  ruleId: string,
  input: ApprovalInput,
  s: Pick<ApprovalSettings, 'holdMs' | 'timeoutMs' | 'mode' | 'roles'> & { blast: unknown },
): ApprovalSpec {
  const approvers = [...(input.approvers ?? [])];
  const roles = [...(input.roles ?? [])];
  const allowed = new Set(approvers);
  for (const r of roles) {
    const members = Object.hasOwn(s.roles, r) ? s.roles[r] : undefined;
    if (members === undefined) throw new PolicyCompileError(ruleId, `approval role '${r}' is not defined in approvals.roles`);
    for (const m of members) allowed.add(m);
  }
  return { approvers, roles, allowed: [...allowed], timeoutMs: input.timeout ?? s.timeoutMs, holdMs: s.holdMs, mode: input.mode ?? s.mode };
}

/**
 * Whether `who` may decide an approval under `spec` (an empty list: anyone).
 *
 * @example
 * mayApprove({ allowed: ['alice'] }, 'bob'); // false
 */
export function mayApprove(spec: Pick<ApprovalSpec, 'allowed'>, who: string): boolean {
  return spec.allowed.length === 0 || spec.allowed.includes(who);
}

/**
 * @example
 * explainApproval(spec); // 'needs a human approval from alice, role oncall (bob, carol); answered 428 at once; expires after 900s'
 */
export function explainApproval(a: ApprovalSpec): string {
  const who = [...a.approvers, ...a.roles.map((r) => `role ${r}`)];
  const from = who.length === 0 ? 'anyone who names themselves' : `${who.join(', ')}${a.roles.length > 0 ? ` (${a.allowed.join(', ')})` : ''}`;
  const how = a.mode === 'hold' ? `held up to ${a.holdMs / 1000}s while an approver decides` : 'answered 428 at once';
  return `needs a human approval from ${from}; ${how}; expires after ${a.timeoutMs / 1000}s`;
}
