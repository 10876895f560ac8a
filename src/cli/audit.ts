import type { AuditOutcome, AuditRecord } from '../audit/fields.js';
import { errorText } from '../audit/health.js';
import type { AuditFilter } from '../audit/query.js';
import { parseDuration } from '../config/duration.js';
import { openRuntime, SqliteAuditReader, type AuditReader } from '../runtime/index.js';
import { renderToolGraph } from './audit-tools.js';
import { runtimeSourceFor } from './runtime-source.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';
import { UsageError } from '../usage-error.js';
import { chainHelp, isChainCommand, runChainCommand } from './audit-verify.js';

export const help = `sluice audit tail [-f] [-n N] [--json] [--config FILE]
sluice audit query [--agent A] [--tenant T] [--session S] [--outcome O] [--reason C]
                   [--rule R] [--host H] [--budget B] [--approval ID] [--since WHEN] [--until WHEN] [--limit N] [--json] [--config FILE]
sluice audit query --session S --tools [--json] [--config FILE]
sluice audit slo [--since WHEN] [--idle D] [--json] [--config FILE]

Read the audit trail in <data_dir>/audit.db (written by the gate's sqlite audit sink).

tail    the last N records (default 10); with -f, then each new record as the gate
        writes it, until Ctrl-C
query   the newest N records (default 100) matching every filter given, oldest first
        --outcome allow|deny|error|would_deny|challenge (repeatable; challenge:
        a 407 to a request with no credentials, which clients then resend)
        --reason: the reason code, as in the REASON column (no_rule_matched,
        identity_required, identity_invalid, ssrf_blocked, ...)
        --budget: records refused by budget B (budget_exhausted, budget_paused) or
        counted in it; --json shows each record's budget, model, tokens and cost
        --approval: every record of one human approval (sluice approvals list)
        --since/--until: a duration back from now (30m, 1h, 2d) or an ISO time
        --tools: the session's MCP tool calls as a graph, in order (server → tool,
        outcome, rule, findings); needs --session

slo     safe completion rate and containment time (sluice audit slo --help)

Output is an aligned table; --json prints one JSON record per line.

${chainHelp}`;

const OUTCOMES: readonly AuditOutcome[] = ['allow', 'deny', 'error', 'would_deny', 'challenge'];

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === 'slo') return (await import('./audit-slo.js')).run(argv.slice(1));
  if (isChainCommand(argv[0])) return runChainCommand(argv);
  const { values, positionals } = parseFlags(argv, {
    ...shared('config', 'json', 'agent', 'tenant', 'session'),
    follow: { type: 'boolean', short: 'f', default: false },
    lines: { type: 'string', short: 'n' },
    outcome: { type: 'string', multiple: true },
    rule: STRING,
    reason: STRING,
    host: STRING,
    budget: STRING,
    approval: STRING,
    since: STRING,
    until: STRING,
    limit: STRING,
    tools: { type: 'boolean', default: false },
  });
  const sub = positionals[0];
  if (sub !== 'tail' && sub !== 'query') throw new UsageError(`expected 'sluice audit tail', 'query', 'verify', 'prune' or 'key'`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument '${positionals[1]}'`);
  const queryOnly = ['agent', 'tenant', 'session', 'outcome', 'reason', 'rule', 'host', 'budget', 'approval', 'since', 'until', 'limit'] as const;
  if (values.tools && (sub !== 'query' || values.session === undefined))
    throw new UsageError("--tools draws one session's tool calls: sluice audit query --session S --tools");
  if (sub === 'tail') {
    const bad = queryOnly.find((k) => values[k] !== undefined);
    if (bad) throw new UsageError(`--${bad} is for 'sluice audit query'; tail shows every record`);
  } else if (values.follow || values.lines !== undefined) {
    throw new UsageError(`-f and -n are for 'sluice audit tail'; query takes --limit`);
  }

  const now = new Date();
  const filter: AuditFilter = {
    agent: values.agent,
    tenant: values.tenant,
    session: values.session,
    outcome: values.outcome?.map(outcome),
    rule: values.rule,
    reason: values.reason,
    host: values.host,
    budget: values.budget,
    approval: values.approval,
    since: values.since === undefined ? undefined : when(values.since, '--since', now),
    until: values.until === undefined ? undefined : when(values.until, '--until', now),
    limit: values.limit === undefined && values.tools ? 1000 : count(values.limit, '--limit', 100),
  };
  const lines = count(values.lines, '-n', 10);

  const rt = await openRuntime(await runtimeSourceFor(configPath(values.config), `audit ${sub}`), { need: ['auditReader'] });
  try {
    return await read(rt.audit.reader, sub, filter, lines, values.follow, values.json, values.tools ? values.session! : null);
  } finally {
    await rt.close();
  }
}

async function read(
  reader: AuditReader,
  sub: 'tail' | 'query',
  filter: AuditFilter,
  lines: number,
  follows: boolean,
  json: boolean,
  tools: string | null,
): Promise<number> {
  const dbPath = reader.file;
  let exists: boolean;
  try {
    exists = await reader.exists();
  } catch (err) {
    process.stderr.write(`sluice: cannot read ${dbPath}: ${errorText(err)}\n`);
    return 1;
  }
  if (!exists) {
    process.stderr.write(
      reader instanceof SqliteAuditReader
        ? `sluice: no audit database at ${dbPath}: the gate has not run with the sqlite audit sink on this data_dir (audit records are only on its log)\n`
        : `sluice: no audit trail at ${dbPath}: no gate has run with this state.namespace yet\n`,
    );
    return 1;
  }
  const out = new Printer(json);
  try {
    if (sub === 'query' && tools !== null) {
      const records = (await reader.query({ ...filter, protocol: ['mcp', 'a2a'], limit: filter.limit ?? 1000, order: 'desc' })).reverse();
      if (json) out.print(records);
      else process.stdout.write(renderToolGraph(tools, records));
      return 0;
    }
    if (sub === 'query') {
      const records = (await reader.query({ ...filter, order: 'desc' })).reverse();
      if (records.length === 0) process.stderr.write('no audit records match\n');
      out.print(records);
      return 0;
    }
    const { records, lastRowid } = await reader.latest(lines);
    if (records.length === 0 && !follows) process.stderr.write('no audit records match\n');
    out.print(records);
    if (!follows) return 0;
    return await follow(reader, lastRowid, out);
  } catch (err) {
    process.stderr.write(`sluice: cannot read ${dbPath}: ${errorText(err)}\n`);
    return 1;
  }
}

/** Print each new record until SIGINT/SIGTERM (exit 0) or stdout closes (a pipe to `head`). */
function follow(reader: AuditReader, fromRowid: number, out: Printer): Promise<number> {
  return new Promise((resolve) => {
    let failed: string | null = null;
    const finish = (code: number): void => {
      stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      process.stdout.off('error', onPipe);
      resolve(code);
    };
    const onSignal = (): void => finish(0);
    const onPipe = (): void => finish(0);
    const stop = reader.tail({
      fromRowid,
      pollMs: 200,
      keepAlive: true,
      onRecord: (r) => out.print([r]),
      onError: (err) => {
        const msg = errorText(err);
        if (msg !== failed) process.stderr.write(`sluice: reading ${reader.file}: ${msg}\n`);
        failed = msg;
      },
    });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    process.stdout.once('error', onPipe);
  });
}

function outcome(v: string): AuditOutcome {
  const found = OUTCOMES.find((o) => o === v);
  if (!found) throw new UsageError(`--outcome: expected one of ${OUTCOMES.join(', ')}; got '${v}'`);
  return found;
}

function count(v: string | undefined, flag: string, dflt: number): number {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v)) throw new UsageError(`${flag}: expected a whole number of records; got '${v}'`);
  return Number(v);
}

/** `30m`, `1h`, `2d` back from now, or an ISO time. */
export function when(v: string, flag: string, now: Date): Date {
  const days = /^(\d+)d$/.exec(v);
  if (days) return new Date(now.getTime() - Number(days[1]) * 86_400_000);
  if (/^(?:\d+(?:\.\d+)?(?:ms|s|m|h))+$/.test(v)) {
    try {
      return new Date(now.getTime() - parseDuration(v));
    } catch (err) {
      throw new UsageError(`${flag}: ${(err as Error).message}`);
    }
  }
  const t = /^\d{4}-\d{2}-\d{2}/.test(v) ? Date.parse(v) : Number.NaN;
  if (Number.isNaN(t)) throw new UsageError(`${flag}: expected a duration back from now (30m, 1h, 2d) or an ISO time (2025-01-31T12:00:00Z); got '${v}'`);
  return new Date(t);
}

/** The table's columns, in order: the record's field of that name (a long path cut to 60 characters). */
const COLUMN_FIELDS = [
  'time',
  'outcome',
  'reason',
  'method',
  'host',
  'port',
  'path',
  'status',
  'rule',
  'policy_version',
  'agent',
  'session',
  'credential',
  'decision_id',
] as const;

const COLUMNS: readonly (readonly [string, (r: AuditRecord) => string | number | null])[] = COLUMN_FIELDS.map((k) => [
  k,
  k === 'path' ? (r) => (r.path.length > 60 ? `${r.path.slice(0, 59)}…` : r.path) : (r) => r[k],
]);

/** Table or JSON lines; in follow mode column widths only grow, so earlier lines stay aligned as far as they can. */
class Printer {
  private widths: number[] = COLUMNS.map(([h]) => h.length);
  private headed = false;
  constructor(private readonly json: boolean) {}

  print(records: readonly AuditRecord[]): void {
    if (this.json) {
      for (const r of records) process.stdout.write(`${JSON.stringify(r)}\n`);
      return;
    }
    if (records.length === 0) return;
    const rows = records.map((r) => COLUMNS.map(([, get]) => cell(get(r))));
    for (const row of rows) row.forEach((c, i) => (this.widths[i] = Math.max(this.widths[i] ?? 0, c.length)));
    let text = '';
    if (!this.headed) {
      text += this.line(COLUMNS.map(([h]) => h.toUpperCase()));
      this.headed = true;
    }
    for (const row of rows) text += this.line(row);
    process.stdout.write(text);
  }

  private line(cells: readonly string[]): string {
    return `${cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(this.widths[i] ?? 0))).join('  ')}\n`;
  }
}

function cell(v: string | number | null): string {
  if (v === null || v === '') return '-';
  // Control characters in a path or host must not rewrite the operator's terminal.
  // eslint-disable-next-line no-control-regex
  return String(v).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
