/**
 * Policy replay: decide recorded requests again, under the policy in force and under a
 * candidate, and say what would change. Pure over records and compiled policies (no
 * I/O), so the CLI (`sluice replay`), the admin API and tests share one answer.
 *
 * Both sides are decided here, from the same recorded facts, so `unchanged` means the
 * two policies agree, not that the candidate happens to match an older policy version
 * some record was written under; the recorded rule is kept beside the replay for that.
 *
 * What a record keeps is enough for most decisions (method, scheme, host, port, path,
 * tenant, agent, session, human, MCP server and tool): path patterns ignore the query
 * string, which is never recorded. Two things a rule may match on are not recorded,
 * on purpose: an identity's labels and an MCP tool call's arguments (values an agent
 * chose, which may hold secrets). A record whose decision could turn on them, under
 * either policy, is `undecidable` and listed as such, never silently counted as unchanged.
 */
import type { CompiledPolicy, CompiledRule } from '../policy/compile.js';
import { decide } from '../policy/decide.js';
import { buildToolDecision } from '../policy/decide-tool.js';
import { prepareFacts, type PreparedFacts } from '../policy/matcher.js';
import { mcpServerFor } from '../policy/mcp-servers.js';
import type { CompiledToolRule } from '../policy/tool-rule.js';
import type { McpServerRef } from '../policy/tool-types.js';
import type { Outcome, RequestFacts, Who } from '../policy/types.js';
import type { AuditRecord } from './fields.js';

/** A policy's answer to one recorded request, reduced to what replay compares. */
export interface ReplayVerdict {
  outcome: Outcome;
  rule: string;
  /** The credential's secret name (never a value), or null. */
  credential: string | null;
  route: string | null;
}

/**
 * How a record's answer changes. `newly_denied` / `newly_allowed`: deny against allow
 * or approve; `approval_changed`: allow against approve; `credential_changed`,
 * `route_changed`: same outcome, another credential or route; `rule_changed`: the
 * same answer from another rule (informational); `not_replayed`: the policy never
 * decided it (refused before the rules: no identity, a stop, a malformed request);
 * `undecidable`: the record lacks a fact the decision depends on.
 */
export type ReplayClass =
  | 'unchanged'
  | 'newly_denied'
  | 'newly_allowed'
  | 'approval_changed'
  | 'credential_changed'
  | 'route_changed'
  | 'rule_changed'
  | 'not_replayed'
  | 'undecidable';

/** Classes that change what the agent gets; `--fail-on-change` fails on these. */
export const CHANGE_CLASSES: readonly ReplayClass[] = ['newly_denied', 'newly_allowed', 'approval_changed', 'credential_changed', 'route_changed'];

export const REPLAY_CLASSES: readonly ReplayClass[] = [...CHANGE_CLASSES, 'rule_changed', 'unchanged', 'undecidable', 'not_replayed'];

export interface ReplayEntry {
  decision_id: string;
  time: string;
  tenant: string | null;
  agent: string | null;
  session: string | null;
  method: string;
  host: string;
  path: string;
  /** `mcp` for a tool call (then `server` and `tool` are set), else null. */
  protocol: string | null;
  server: string | null;
  tool: string | null;
  /** What the trail says happened (outcome, reason, rule). */
  recorded: { outcome: string; reason: string; rule: string | null };
  /** The current policy's and the candidate's answers; null when not replayed or undecidable. */
  old: ReplayVerdict | null;
  new: ReplayVerdict | null;
  class: ReplayClass;
  /** Why a record was not replayed or is undecidable. */
  note: string | null;
}

export interface ReplayResult {
  /** The versions of the two policies compared. */
  current: string;
  candidate: string;
  /** Records looked at, by class (every class present, zero or not). */
  counts: Record<ReplayClass, number>;
  entries: ReplayEntry[];
}

/** Records that never reached the rules: refused before the policy. */
const BEFORE_POLICY = new Set(['gate_killed', 'quarantined']);

/**
 * Decide every record under both policies and classify the difference.
 *
 * @example
 * const r = replayRecords(reader.query({ since, order: 'asc', limit: 100_000 }), currentPolicy, candidatePolicy);
 * r.counts.newly_denied; // 3
 * r.entries.filter((e) => e.class === 'newly_denied').map((e) => e.decision_id);
 */
export function replayRecords(records: readonly AuditRecord[], current: CompiledPolicy, candidate: CompiledPolicy): ReplayResult {
  const counts = Object.fromEntries(REPLAY_CLASSES.map((c) => [c, 0])) as Record<ReplayClass, number>;
  const entries: ReplayEntry[] = [];
  for (const r of records) {
    const e = replayRecord(r, current, candidate);
    counts[e.class]++;
    entries.push(e);
  }
  return { current: current.version, candidate: candidate.version, counts, entries };
}

/**
 * One record under both policies.
 *
 * @example
 * replayRecord(rec, current, candidate).class; // 'newly_denied'
 */
export function replayRecord(r: AuditRecord, current: CompiledPolicy, candidate: CompiledPolicy): ReplayEntry {
  const base: ReplayEntry = {
    decision_id: r.decision_id,
    time: r.time,
    tenant: r.tenant,
    agent: r.agent,
    session: r.session,
    method: r.method,
    host: r.host,
    path: r.path,
    protocol: r.protocol,
    server: r.server,
    tool: r.tool,
    recorded: { outcome: r.outcome, reason: r.reason, rule: r.rule },
    old: null,
    new: null,
    class: 'not_replayed',
    note: null,
  };
  const skip = notReplayable(r);
  if (skip !== null) return { ...base, note: skip };
  const who = whoOf(r);
  const oldV = verdictFor(r, who, current);
  const newV = verdictFor(r, who, candidate);
  if (typeof oldV === 'string' || typeof newV === 'string') {
    const why = typeof oldV === 'string' ? `current policy: ${oldV}` : `candidate policy: ${newV as string}`;
    return { ...base, class: 'undecidable', note: why, old: typeof oldV === 'string' ? null : oldV, new: typeof newV === 'string' ? null : newV };
  }
  return { ...base, old: oldV, new: newV, class: classify(oldV, newV) };
}

/**
 * The class of a change from `a` to `b`.
 *
 * @example
 * classify({ outcome: 'allow', rule: 'a', credential: null, route: null }, { outcome: 'deny', rule: 'b', credential: null, route: null }); // 'newly_denied'
 */
export function classify(a: ReplayVerdict, b: ReplayVerdict): ReplayClass {
  if (a.outcome !== b.outcome) {
    if (b.outcome === 'deny') return 'newly_denied';
    if (a.outcome === 'deny') return 'newly_allowed';
    return 'approval_changed';
  }
  if (a.outcome !== 'deny') {
    if (a.credential !== b.credential) return 'credential_changed';
    if (a.route !== b.route) return 'route_changed';
  }
  return a.rule === b.rule ? 'unchanged' : 'rule_changed';
}

/** Why a record is not replayed (the policy never decided it), or null when it is. */
function notReplayable(r: AuditRecord): string | null {
  if (r.outcome === 'challenge') return `refused before the policy (${r.reason}): no identity was offered`;
  if (BEFORE_POLICY.has(r.reason)) return `refused before the policy by an operator's stop (${r.reason})`;
  if (r.rule === null && r.intent === null) return `refused before the policy (${r.reason})`;
  if (r.protocol === 'a2a') return 'an A2A message: decided by its HTTP exchange, which is replayed on its own';
  if (r.protocol === 'mcp' && r.method !== 'tools/call') return `an MCP ${r.method || 'message'}, not a tool call: only tool calls are decided by rules`;
  if (r.protocol === 'mcp' && (r.tool === null || r.tool === '')) return 'an MCP tool call without a recorded tool name';
  return null;
}

function whoOf(r: AuditRecord): Who | null {
  if (r.agent === null || r.tenant === null) return null;
  return { tenant: r.tenant, agent: r.agent, session: r.session ?? '', human: r.human, labels: {} };
}

/** The policy's verdict on the record, or why it cannot be known from what was recorded. */
function verdictFor(r: AuditRecord, who: Who | null, policy: CompiledPolicy): ReplayVerdict | string {
  if (r.protocol === 'mcp') return toolVerdict(r, who, policy);
  if (r.findings.some((f) => f.location === 'host' || f.location.startsWith('url'))) {
    return 'its host or path was redacted in the record (a DLP finding in the URL), so the request cannot be decided again';
  }
  const facts: RequestFacts = {
    scheme: r.scheme === 'https' || r.scheme === 'wss' ? 'https' : 'http',
    host: r.host,
    port: r.port,
    method: r.method,
    path: r.path,
  };
  const d = decide(facts, who, policy);
  const hidden = labelRuleBefore(facts, who, policy, d.rule);
  if (hidden !== null) return `rule ${hidden} matches on identity labels, which records do not keep, and could decide it`;
  return { outcome: d.outcome, rule: d.rule, credential: d.credential?.secret ?? null, route: d.route };
}

/**
 * An enforce rule with a `labels:` condition, before the deciding rule, that matches
 * the request in every other respect: with the identity's real labels it might have
 * decided instead. Labels are not recorded, so such a decision cannot be replayed.
 */
function labelRuleBefore(facts: RequestFacts, who: Who | null, policy: CompiledPolicy, decidedBy: string): string | null {
  if (who === null || !anyLabels(policy)) return null;
  let f: PreparedFacts | null = null;
  for (const rule of policy.rules) {
    if (rule.id === decidedBy && rule.mode === 'enforce') return null;
    if (rule.mode !== 'enforce' || !hasLabels(rule)) continue;
    f ??= prepareFacts(facts);
    if (rule.matchers.every((m) => m.type === 'labels' || m.matches(f!, who))) return rule.id;
  }
  return null;
}

const LABELLED = new WeakMap<CompiledPolicy, boolean>();

/** Whether any enforce rule of the policy matches on labels (most policies: none, and the walk is skipped). */
function anyLabels(policy: CompiledPolicy): boolean {
  let v = LABELLED.get(policy);
  if (v === undefined) {
    v = policy.rules.some((r) => r.mode === 'enforce' && hasLabels(r));
    LABELLED.set(policy, v);
  }
  return v;
}

function hasLabels(rule: CompiledRule): boolean {
  return rule.matchers.some((m) => m.type === 'labels');
}

/**
 * `decideTool` without the call's arguments: a rule with argument conditions that
 * targets the tool for this identity, before any unconditional enforce rule does,
 * makes the call undecidable (its arguments are not recorded). Labels likewise.
 */
function toolVerdict(r: AuditRecord, who: Who | null, policy: CompiledPolicy): ReplayVerdict | string {
  const server: McpServerRef = mcpServerFor(r.host, r.path, policy);
  const tool = r.tool!;
  let wouldDeny: string[] = [];
  for (const rule of policy.mcp.rules) {
    if (!rule.targets(server, tool)) continue;
    if (labelsUnknown(rule, who)) return `MCP rule ${rule.id} matches on identity labels, which records do not keep, and could decide it`;
    if (!rule.forWho(who)) continue;
    if (rule.conditional) {
      if (rule.mode === 'enforce') return `MCP rule ${rule.id} matches on the tool call's arguments, which records do not keep`;
      continue;
    }
    if (rule.mode === 'enforce') return toolReplayVerdict(rule, tool, wouldDeny, policy, r);
    if (rule.action === 'deny') wouldDeny = [...wouldDeny, rule.id];
  }
  return toolReplayVerdict(null, tool, wouldDeny, policy, r);
}

function labelsUnknown(rule: CompiledToolRule, who: Who | null): boolean {
  const labels = rule.spec.labels;
  if (who === null || labels === undefined || Object.keys(labels).length === 0 || rule.mode !== 'enforce') return false;
  // It would match but for the labels: check it with the labels it asks for.
  return rule.forWho({ ...who, labels }) && !rule.forWho(who);
}

function toolReplayVerdict(rule: CompiledToolRule | null, tool: string, wouldDeny: string[], policy: CompiledPolicy, r: AuditRecord): ReplayVerdict {
  const d = buildToolDecision(rule, tool, wouldDeny, policy);
  // A tool call travels in its HTTP exchange: its credential and route are that exchange's.
  return { outcome: d.outcome, rule: d.rule, credential: r.credential, route: r.route };
}
