import { CHANGE_CLASSES, REPLAY_CLASSES, type ReplayEntry, type ReplayVerdict } from '../audit/replay.js';
import { replayPolicy, type PolicyReplay } from '../audit/replay-policy.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { ConfigError } from '../errors.js';
import { openRuntime } from '../runtime/index.js';
import { EXIT, UsageError } from '../usage-error.js';
import { when } from './audit.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';

export const help = `sluice replay --policy NEW.yaml [--config CURRENT] [--since WHEN] [--until WHEN] [--tenant T]
              [--limit N] [--all] [--json] [--fail-on-change]

Decide the recorded requests in the audit trail again, under the config in force
(--config, the gate's) and under a candidate (--policy), and print what would
change: newly denied, newly allowed, approval changed (allow against approve),
another credential, another route; then the same answer from another rule.
Nothing is sent and nothing changes: the trail is only read.

--since/--until: a duration back from now (30m, 24h, 2d) or an ISO time (default
--since 24h). --all also lists unchanged records.

Records whose decision depends on something the trail does not keep (an identity's
labels, an MCP tool call's arguments, a URL the DLP scanner redacted) are listed as
undecidable; records the rules never decided (no identity, an operator's stop) are
counted as not replayed (listed with --json).

Exit status: 0, also when something changes; with --fail-on-change, 1 when any
record is newly denied, newly allowed, or changes approval, credential or route
(for CI on policy changes); 2 when called wrongly or a config is invalid.

example: sluice replay --policy candidate.yaml --since 24h`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...shared('config', 'json', 'tenant'),
    policy: STRING,
    since: STRING,
    until: STRING,
    limit: STRING,
    all: { type: 'boolean', default: false },
    'fail-on-change': { type: 'boolean', default: false },
  });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n\n${help}`);
  if (values.policy === undefined) throw new UsageError(`expected --policy NEW.yaml, the candidate config\n\n${help}`);
  const now = new Date();
  const since = when(values.since ?? '24h', '--since', now);
  const until = values.until === undefined ? undefined : when(values.until, '--until', now);
  let limit: number | undefined;
  if (values.limit !== undefined) {
    if (!/^[1-9]\d*$/.test(values.limit)) throw new UsageError(`--limit: expected a whole number of records; got '${values.limit}'`);
    limit = Number(values.limit);
  }
  const current = await load(configPath(values.config), 'current config');
  const candidate = await load(configPath(values.policy), 'candidate policy (--policy)');
  if (current === null || candidate === null) return EXIT.usage;

  const { reader } = (await openRuntime({ dataDir: current.config.data_dir }, { need: ['auditReader'] })).audit;
  if (!reader.exists()) {
    process.stderr.write(`sluice: no audit database at ${reader.file}: nothing to replay\n`);
    return 1;
  }
  const result = replayPolicy(reader, candidate, { current, since, until, tenant: values.tenant, limit });
  if (values.json) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  else process.stdout.write(formatReplay(result, values.all));
  const changed = CHANGE_CLASSES.reduce((n, c) => n + result.counts[c], 0);
  return values['fail-on-change'] && changed > 0 ? 1 : EXIT.ok;
}

async function load(file: string, what: string): Promise<LoadedConfig | null> {
  try {
    return await loadConfig(file);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`sluice: invalid ${what} ${file}:\n${err.message}\n`);
    return null;
  }
}

const LABEL: Record<string, string> = {
  newly_denied: 'newly denied',
  newly_allowed: 'newly allowed',
  approval_changed: 'approval changed',
  credential_changed: 'credential changed',
  route_changed: 'route changed',
  rule_changed: 'other rule, same answer',
  unchanged: 'unchanged',
  undecidable: 'undecidable',
  not_replayed: 'not replayed (refused before the policy)',
};

/**
 * The text report: a heading, the summary table, then each changed (and undecidable)
 * record, one line each, grouped by class.
 *
 * @example
 * formatReplay(result, false);
 * // replay: 120 records from 2026-01-01T00:00:00.000Z; policy 1a2b3c → 4d5e6f
 * //   newly denied   2
 * //   ...
 * // newly denied:
 * //   dec_… 2026-… acme/coder DELETE api.example.com/items/1  allow (items) → deny (no-delete)
 */
export function formatReplay(r: PolicyReplay, all: boolean): string {
  const total = r.entries.length;
  const lines = [
    `replay: ${total} record(s) from ${r.window.since ?? 'the start'} to ${r.window.until ?? 'now'}${r.window.tenant ? `, tenant ${r.window.tenant}` : ''}; policy ${r.current} → ${r.candidate}`,
  ];
  if (r.truncated) lines.push(`note: stopped at ${total} records (--limit): later ones in the window were not read`);
  const width = Math.max(...REPLAY_CLASSES.map((c) => LABEL[c]!.length));
  for (const c of REPLAY_CLASSES) lines.push(`  ${LABEL[c]!.padEnd(width)}  ${r.counts[c]}`);
  const shown = REPLAY_CLASSES.filter((c) => c !== 'not_replayed' && (all || c !== 'unchanged'));
  for (const c of shown) {
    const list = r.entries.filter((e) => e.class === c);
    if (list.length === 0) continue;
    lines.push('', `${LABEL[c]}:`);
    for (const e of list) lines.push(`  ${entryLine(e)}`);
  }
  if (CHANGE_CLASSES.every((c) => r.counts[c] === 0)) lines.push('', 'no request would be answered differently');
  return `${lines.join('\n')}\n`;
}

/** `decision_id time tenant/agent METHOD host path  old → new`, or the note for an undecidable one. */
function entryLine(e: ReplayEntry): string {
  const who = e.agent === null ? '-' : `${e.tenant ?? '-'}/${e.agent}`;
  const what = e.protocol === 'mcp' ? `MCP ${e.server ?? e.host} ${e.tool ?? ''}` : `${e.method} ${e.host}${e.path}`;
  const change = e.class === 'undecidable' ? `undecidable: ${e.note ?? ''}` : `${verdictText(e.old)} → ${verdictText(e.new)}`;
  return `${e.decision_id} ${e.time} ${who} ${what}  ${change}`;
}

function verdictText(v: ReplayVerdict | null): string {
  if (v === null) return '?';
  const extra = [v.credential === null ? '' : `credential ${v.credential}`, v.route === null ? '' : `route ${v.route}`].filter((s) => s !== '');
  return `${v.outcome} (${v.rule}${extra.length > 0 ? `; ${extra.join(', ')}` : ''})`;
}
