/**
 * Compile rules once per load so `decide` does no parsing: matchers built, globs
 * and port ranges precompiled, actions typed, rules indexed by host. Rules with
 * `mcp:` are MCP tool rules: they are compiled apart (compile-mcp.ts) and never
 * reach the host index, so they cannot match an HTTP request as any-host rules.
 */
import { compileCredential, compileHeaders, compileRespond } from './actions.js';
import { compileApproval, DEFAULT_APPROVAL_SETTINGS, settingsFrom, type ApprovalSettings, type ApprovalSpec } from './approval.js';
import { PolicyCompileError } from './compile-error.js';
import { compileMcpPolicy, type CompiledMcpPolicy } from './compile-mcp.js';
import { HostIndex } from './host-index.js';
import type { Matcher } from './matcher.js';
import { compileMatchers } from './matcher-kinds.js';
import type { McpSectionSpec } from './tool-types.js';
import type { CredentialSpec, HeaderRewrite, RespondSpec, RuleAction, RuleMode, RuleSpec, InspectProfile, ResolvedProfile } from './types.js';

export { PolicyCompileError } from './compile-error.js';

export interface CompiledRule {
  readonly id: string;
  /** Position in `rules:`, from 0 (MCP tool rules count too): first match wins. */
  readonly index: number;
  readonly action: RuleAction;
  readonly mode: RuleMode;
  readonly intent: string | null;
  /** Every matcher the rule states, hosts included (for `explain`). */
  readonly matchers: readonly Matcher[];
  /** The same without the host matcher: the host index has already matched the host. */
  readonly afterHost: readonly Matcher[];
  readonly credential: CredentialSpec | null;
  readonly route: string | null;
  readonly respond: RespondSpec | null;
  readonly headers: HeaderRewrite | null;
  readonly inspect: InspectProfile | null;
  /** `inspect` with the config's defaults filled in: what an exchange it decides runs with. */
  readonly profile: ResolvedProfile;
  /** The rule as written, for tools that print it. */
  readonly spec: RuleSpec;
  /** `action: approve`: who approves and how; null otherwise. */
  readonly approval: ApprovalSpec | null;
  /** Tagged `critical`: its hosts count toward a session's blast radius. */
  readonly critical: boolean;
}

/** A policy ready to decide with: HTTP rules indexed by host, MCP tool rules apart, stamped with a version. */
export interface CompiledPolicy {
  readonly version: string;
  /** The HTTP rules (rules without `mcp:`), in policy order. */
  readonly rules: readonly CompiledRule[];
  readonly byHost: HostIndex<CompiledRule>;
  /** MCP tool rules and the `mcp:` section's settings. */
  readonly mcp: CompiledMcpPolicy;
  /** The config's inspection defaults (`inspect.dlp.action`, `inspect.injection`): a default deny's profile. */
  readonly profile: ResolvedProfile;
  /** `approvals:` and `blast_radius:`. */
  readonly approvals: ApprovalSettings;
}

/** The inspection defaults when the config states none (the schema's own defaults). */
export const DEFAULT_PROFILE: ResolvedProfile = { dlp: 'block', injection: 'block' };

/**
 * @param routes names of the configured routes; when given, every rule's `route`
 *   must be one of them.
 * @param mcp the config's `mcp:` section (servers, default, ...); absent: its defaults (tool calls denied by default).
 * @param profile the config's inspection defaults, which a rule's `inspect:` overrides.
 * @example
 * const policy = compilePolicy([{ id: 'up', hosts: ['api.upstream.test'] }], 'a1b2c3');
 * policy.byHost.candidates('api.upstream.test')[0]?.id; // 'up'
 * compilePolicy(config.rules, version, config.routes, config.mcp).mcp.default; // 'deny'
 */
export function compilePolicy(
  rules: readonly RuleSpec[],
  version: string,
  routes?: Iterable<string> | Readonly<Record<string, unknown>>,
  mcp?: McpSectionSpec,
  profile: ResolvedProfile = DEFAULT_PROFILE,
  approvals: ApprovalSettings = DEFAULT_APPROVAL_SETTINGS,
): CompiledPolicy {
  const routeNames = routes === undefined ? null : new Set(isIterable(routes) ? routes : Object.keys(routes));
  const seen = new Set<string>();
  const byHost = new HostIndex<CompiledRule>();
  const compiled: CompiledRule[] = [];
  const toolRules: { spec: RuleSpec; index: number }[] = [];
  rules.forEach((spec, index) => {
    if (seen.has(spec.id)) throw new PolicyCompileError(spec.id, 'duplicate rule id');
    seen.add(spec.id);
    if (spec.mcp !== undefined) return void toolRules.push({ spec, index });
    const rule = compileRule(spec, index, routeNames, profile, approvals);
    if (spec.hosts === undefined) byHost.addAny(rule);
    else for (const h of spec.hosts) byHost.add(h, rule);
    compiled.push(rule);
  });
  return { version, rules: compiled, byHost, mcp: compileMcpPolicy(toolRules, mcp, approvals), profile, approvals };
}

function compileRule(spec: RuleSpec, index: number, routes: ReadonlySet<string> | null, defaults: ResolvedProfile, approvals: ApprovalSettings): CompiledRule {
  const action = spec.action ?? 'allow';
  if (spec.hosts !== undefined && spec.hosts.length === 0) throw new PolicyCompileError(spec.id, 'hosts is empty; leave it out to match any host');
  if (spec.case_sensitive !== undefined && spec.paths === undefined)
    throw new PolicyCompileError(spec.id, "'case_sensitive' says how 'paths' compare; add paths or remove it");
  if (action === 'deny') {
    for (const k of ['credential', 'route', 'respond', 'headers'] as const) {
      if (spec[k] !== undefined) throw new PolicyCompileError(spec.id, `'${k}' is only for allow rules`);
    }
  }
  if (spec.respond !== undefined && (spec.route !== undefined || spec.credential !== undefined)) {
    throw new PolicyCompileError(spec.id, "'respond' answers without an upstream, so it cannot go with 'route' or 'credential'");
  }
  if (spec.route !== undefined && routes !== null && !routes.has(spec.route)) throw new PolicyCompileError(spec.id, `no route named '${spec.route}'`);
  let matchers: Matcher[];
  let credential: CredentialSpec | null;
  try {
    matchers = compileMatchers(spec);
    credential = spec.credential === undefined ? null : compileCredential(spec.credential);
  } catch (err) {
    throw new PolicyCompileError(spec.id, (err as Error).message);
  }
  return {
    id: spec.id,
    index,
    action,
    mode: spec.mode ?? 'enforce',
    intent: spec.intent ?? null,
    matchers,
    afterHost: matchers.filter((m) => m.type !== 'hosts'),
    credential,
    route: spec.route ?? null,
    respond: spec.respond === undefined ? null : compileRespond(spec.respond),
    headers: spec.headers === undefined ? null : compileHeaders(spec.headers),
    inspect: spec.inspect === undefined ? null : { ...spec.inspect },
    profile: spec.inspect === undefined ? defaults : { dlp: spec.inspect.dlp ?? defaults.dlp, injection: spec.inspect.injection ?? defaults.injection },
    spec,
    approval: action === 'approve' ? compileApproval(spec.id, spec.approval, approvals) : null,
    critical: spec.tags?.includes('critical') ?? false,
  };
}

function isIterable(v: unknown): v is Iterable<string> {
  return typeof v === 'object' && v !== null && Symbol.iterator in v;
}

/**
 * The policy a config states: its rules, routes, `mcp:` section and inspection defaults.
 *
 * @example
 * const policy = compileConfigPolicy(loaded.config, loaded.version);
 */
export function compileConfigPolicy(
  c: {
    rules: readonly RuleSpec[];
    routes: Readonly<Record<string, unknown>>;
    mcp: McpSectionSpec;
    inspect: { dlp: { action: ResolvedProfile['dlp'] }; injection: ResolvedProfile['injection'] };
    approvals?: Parameters<typeof settingsFrom>[0]['approvals'];
    blast_radius?: Parameters<typeof settingsFrom>[0]['blast_radius'];
  },
  version: string,
): CompiledPolicy {
  const approvals = settingsFrom({
    ...(c.approvals ? { approvals: c.approvals } : {}),
    ...(c.blast_radius ? { blast_radius: c.blast_radius } : {}),
  });
  return compilePolicy(c.rules, version, c.routes, c.mcp, { dlp: c.inspect.dlp.action, injection: c.inspect.injection }, approvals);
}
