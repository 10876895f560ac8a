import { explainApproval } from '../policy/approval.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { parseRequestLine } from '../config/request-line.js';
import { ConfigError } from '../errors.js';
import { explainCredential, explainHeaders, explainRespond } from '../policy/actions.js';
import { compileConfigPolicy, type CompiledPolicy } from '../policy/compile.js';
import { explainTool } from '../policy/explain-tool.js';
import { mcpServerFor } from '../policy/mcp-servers.js';
import type { Explanation, TraceEntry, Who } from '../policy/types.js';
import { gateVerdict } from '../proxy/gate-verdict.js';
import { limitsFor, ratePlan } from '../state/rate-plan.js';
import { explainBudgets, withBudgetLines } from './explain-budgets.js';
import { argsFromArg, formatToolExplanation, serverFromArg } from './explain-tool.js';
import { formatVerdict, rateLimitsJson, verdictJson, withRateLimits } from './explain-verdict.js';
import { stopsForExplain } from './explain-stops.js';
import { redactionsJson, withRedactions } from './explain-redact.js';
import { redactPlan } from '../policy/redact-plan.js';
import { gateChecks } from './gate-checks.js';
import { IDENTITY, parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';
import { runIdentity } from './run-identity.js';
import { EXIT, UsageError } from '../usage-error.js';

export const help = `sluice explain [--agent A] [--tenant T] [--session S] [--label k=v ...] [--no-token] [--config F] [--json] METHOD URL
sluice explain --mcp-server S --tool T [--args JSON] [--agent A] [--tenant T] ... [--config F]

Say what the gate would answer one request, without sending it, and why: first
the checks the gate makes before any rule (SSRF for IP literals and loopback
names, hostname DLP), then the policy (the deciding rule and reason, intent,
credential (its name only), route and policy version), then the refusal of a
credential that would travel over plain HTTP; then every earlier rule with each
reason it did not match. An allowed request also shows the rate limits it counts
against and the response fields its rule redacts (redact:, a partial result). --json prints the same as one JSON object.
The identity is the one 'sluice run' gets with the same --tenant and --agent:
both default to 'default'. --no-token explains a request that carries no token.
Exit status: 0 when the gate would let it through, 3 when it would refuse it
(also with --json), 2 when called wrongly or the config is invalid.

The second form decides one MCP tool call against the MCP tool rules (rules with
'mcp:'), then mcp.default: S is a server name from mcp.servers, a host, or the
server's URL (its path then counts, as mcp.servers paths do); --args is
the call's arguments as a JSON object (default {}). It also says whether the tool
stays in tools/list. The server's HTTP request is decided by the first form.

examples: sluice explain --agent support-bot GET https://api.github.com/repos/acme/x
          sluice explain --agent coder --mcp-server tickets --tool tickets.delete
          sluice explain --agent coder --mcp-server fs.internal --tool fs.read --args '{"path":"/etc/passwd"}'`;

/** Where the command writes; tests pass their own. */
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export const stdio: Io = { out: (t) => void process.stdout.write(t), err: (t) => void process.stderr.write(t) };

export async function run(argv: string[], io: Io = stdio): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...IDENTITY,
    ...shared('json'),
    'mcp-server': STRING,
    tool: STRING,
    args: STRING,
    'no-token': { type: 'boolean' },
  });
  if (values['mcp-server'] !== undefined || values.tool !== undefined || values.args !== undefined) return runTool(values, positionals, io);
  if (positionals.length !== 2) throw new UsageError(`expected METHOD URL, like: sluice explain --agent bot GET https://api.example.com/\n\n${help}`);
  let facts;
  try {
    facts = parseRequestLine(positionals.join(' '));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const who = whoFrom(values);
  const loadedPolicy = await loadPolicy(values.config, io);
  if (loadedPolicy === null) return EXIT.usage;
  const { loaded, policy } = loadedPolicy;
  // The gate's whole answer, from the gate's own checks: host checks, policy, credential transport.
  // And the operator's stops in force on its data directory (kill switch, quarantines).
  const stops = await stopsForExplain(loaded);
  let verdict;
  try {
    verdict = gateVerdict({ ...(await gateChecks(loaded)), ...(stops ? { stops: stops.store } : {}) }, facts, who, policy);
  } finally {
    await stops?.close();
  }
  const notes: string[] = [];
  const mcp = mcpServerFor(facts.host, facts.path, policy);
  if (mcp.name != null) {
    notes.push(
      `this is MCP server '${mcp.name}' (mcp.servers): its tool calls are decided by the MCP tool rules; see sluice explain --mcp-server ${mcp.name} --tool NAME`,
    );
  }
  if (who === null && loaded.config.identity.required) notes.push(IDENTITY_NOTE);
  // The rate limits an allowed request counts against (rule's `rate_limit:`, `rate_limits:`).
  const limits = verdict.outcome !== 'deny' ? limitsFor(ratePlan(loaded.config), verdict.explanation.decision.rule) : [];
  // The fields its response reaches the agent without (the rule's `redact:`).
  const redact = verdict.outcome === 'allow' ? redactPlan(loaded.config.rules).get(verdict.explanation.decision.rule) : undefined;
  const maxBytes = loaded.config.inspect.max_response_scan_bytes;
  const budgets = explainBudgets(loaded.config, verdict.outcome === 'allow' ? verdict.explanation.decision.rule : null, facts);
  if (values.json === true)
    io.out(`${JSON.stringify({ ...verdictJson(verdict, who, notes, limits), redact: redactionsJson(redact), budgets: budgets.json }, null, 2)}\n`);
  else {
    const lines = withRedactions(formatVerdict(verdict, who, limits).split('\n'), redact, 'response', maxBytes).join('\n');
    io.out(withBudgetLines(lines, budgets.lines) + notes.map((n) => `\nnote: ${n}\n`).join(''));
  }
  return verdict.outcome === 'deny' ? EXIT_DENIED : EXIT.ok;
}

/** `sluice explain`'s answer for a request or tool call the gate would refuse; 1 stays "the command failed". */
export const EXIT_DENIED = 3;

/** The config and its compiled policy; null (after saying why on stderr) when the config is invalid. */
async function loadPolicy(config: string | undefined, io: Io): Promise<{ loaded: LoadedConfig; policy: CompiledPolicy } | null> {
  try {
    const loaded = await loadConfig(configPath(config));
    return { loaded, policy: compileConfigPolicy(loaded.config, loaded.version) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    io.err(`sluice: invalid config:\n${err.message}\n`);
    return null;
  }
}

const IDENTITY_NOTE =
  'identity.required is on: the gate answers a request without an agent token with 407 identity_required before any rule is consulted; leave out --no-token to explain a request with a token.';

type Values = {
  json?: boolean | undefined;
  agent?: string | undefined;
  tenant?: string | undefined;
  session?: string | undefined;
  human?: string | undefined;
  label?: string[] | undefined;
  config?: string | undefined;
  'no-token'?: boolean | undefined;
  'mcp-server'?: string | undefined;
  tool?: string | undefined;
  args?: string | undefined;
};

async function runTool(values: Values, positionals: string[], io: Io): Promise<number> {
  if (positionals.length > 0) throw new UsageError(`the tool form takes no METHOD URL; got '${positionals.join(' ')}'\n\n${help}`);
  const serverArg = values['mcp-server'];
  const tool = values.tool;
  if (serverArg === undefined || tool === undefined || tool === '') {
    throw new UsageError(`expected both --mcp-server S and --tool T, like: sluice explain --agent bot --mcp-server tickets --tool tickets.create\n\n${help}`);
  }
  const args = argsFromArg(values.args);
  const who = whoFrom(values);
  const loadedPolicy = await loadPolicy(values.config, io);
  if (loadedPolicy === null) return EXIT.usage;
  const { loaded, policy } = loadedPolicy;
  const server = serverFromArg(serverArg, policy);
  const explanation = explainTool({ server, tool, args }, who, policy);
  const notes = who === null && loaded.config.identity.required ? [IDENTITY_NOTE] : [];
  // A tool call counts against its rule's `rate_limit:` only (the HTTP request carrying it meets the gate-wide ones).
  const limits = explanation.decision.outcome === 'allow' ? limitsFor(ratePlan(loaded.config), explanation.decision.rule, { tool: true }) : [];
  const redact = explanation.decision.outcome === 'allow' ? redactPlan(loaded.config.rules).get(explanation.decision.rule) : undefined;
  const budgets = explainBudgets(loaded.config, explanation.decision.outcome === 'allow' ? explanation.decision.rule : null);
  if (values.json === true)
    io.out(
      `${JSON.stringify({ server, tool, identity: who, ...explanation, rate_limits: rateLimitsJson(limits), redact: redactionsJson(redact), budgets: budgets.json, notes }, null, 2)}\n`,
    );
  else {
    const lines = withRateLimits(formatToolExplanation(explanation, server, tool, who, policy, formatTrace).split('\n'), limits);
    const text = withBudgetLines(withRedactions(lines, redact, 'tool result', loaded.config.mcp.max_message_bytes).join('\n'), budgets.lines);
    io.out(text + notes.map((n) => `\nnote: ${n}\n`).join(''));
  }
  return explanation.decision.outcome === 'deny' ? EXIT_DENIED : EXIT.ok;
}

/** The identity `sluice run` would get with these flags (runIdentity), or none with --no-token. */
function whoFrom(v: Values): Who | null {
  if (v['no-token'] === true) {
    const named = (['agent', 'tenant', 'session', 'human', 'label'] as const).find((k) => v[k] !== undefined);
    if (named !== undefined) throw new UsageError(`--no-token explains a request without an identity; --${named} describes one`);
    return null;
  }
  const labels: Record<string, string> = {};
  for (const l of v.label ?? []) {
    const eq = l.indexOf('=');
    if (eq <= 0) throw new UsageError(`--label takes key=value; got '${l}'`);
    labels[l.slice(0, eq)] = l.slice(eq + 1);
  }
  return { ...runIdentity(v), session: v.session ?? 'explain', human: v.human ?? null, labels };
}

/**
 * The text `sluice explain` prints.
 *
 * @example
 * formatExplanation(explain(facts, who, policy), who);
 * // decision:   allow
 * // rule:       github-read (rule_allow)
 * // ...
 */
export function formatExplanation({ decision: d, trace }: Explanation, who: Who | null): string {
  const lines = [
    `decision:   ${d.outcome}`,
    `rule:       ${d.rule} (${d.reason})`,
    `identity:   ${who === null ? 'none' : `tenant ${who.tenant}, agent ${who.agent}, session ${who.session}`}`,
    `intent:     ${d.intent ?? '-'}`,
    `credential: ${d.credential === null ? '-' : `${d.credential.secret} (${explainCredential(d.credential)})`}`,
    `route:      ${d.route ?? '-'}`,
  ];
  if (d.respond !== null) lines.push(`respond:    ${explainRespond(d.respond)}`);
  if (d.headers !== null) lines.push(`headers:    ${explainHeaders(d.headers)}`);
  if (d.approval) lines.push(`approval:   ${explainApproval(d.approval)}`);
  if (d.critical === true) lines.push('critical:   yes (blast_radius: a session writes to at most so many critical domains without an approval)');
  if (d.wouldDeny.length > 0) lines.push(`would deny: ${d.wouldDeny.join(', ')} (report mode)`);
  lines.push(`policy:     ${d.policyVersion}`, '');
  if (trace.length === 0) lines.push('no rules: deny by default');
  lines.push(...formatTrace(trace));
  if (d.rule === 'default-deny' && trace.length > 0) lines.push('no enforce rule matched: deny by default');
  return `${lines.join('\n')}\n`;
}

/**
 * One line per rule (`#N id: ...`), then its reasons indented; shared by both forms.
 *
 * @example
 * formatTrace([{ rule: 'a', index: 0, result: 'matched', mode: 'enforce', action: 'deny', why: [] }]); // ['#0 a: matched: denies']
 */
export function formatTrace(trace: readonly TraceEntry[]): string[] {
  const lines: string[] = [];
  for (const t of trace) {
    const mode = t.mode === 'report' ? ', report mode' : '';
    if (t.result === 'skipped') {
      lines.push(`#${t.index} ${t.rule}: no match${mode}`);
      for (const why of t.why) lines.push(`    - ${why}`);
    } else if (t.mode === 'report') {
      lines.push(`#${t.index} ${t.rule}: matched${mode}: ${t.action === 'deny' ? 'would deny' : 'allow not applied'}; evaluation goes on`);
    } else {
      lines.push(`#${t.index} ${t.rule}: matched: ${t.action === 'allow' ? 'allows' : t.action === 'approve' ? 'allows once a human approves' : 'denies'}`);
    }
  }
  return lines;
}
