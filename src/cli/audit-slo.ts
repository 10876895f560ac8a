import { computeSlo, type SloReport } from '../audit/slo.js';
import { openRuntime } from '../runtime/index.js';
import { EXIT, UsageError } from '../usage-error.js';
import { when } from './audit.js';
import { durationFlag } from './duration-flag.js';
import { dataDirFor } from './emergency-config.js';
import { parseFlags, shared, STRING } from './flags.js';
import { configPath } from './paths.js';

export const help = `sluice audit slo [--since WHEN] [--idle D] [--json] [--config FILE]

Two service-level objectives from the audit trail and the revocations:
  safe completion rate  of the sessions that finished (revoked, or idle for D,
                        default 15m), the share never refused as unsafe (a policy
                        deny, DLP, injection, SSRF, a quarantine, ...; not rate
                        limits, budgets or upstream failures)
  containment time      per session with a finding, from its first finding (or
                        unsafe refusal) to the revocation of the session or its agent
--since: a duration back from now (24h, 7d) or an ISO time (default 24h).`;

/** `sluice audit slo`, reached through `sluice audit slo`. */
export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { ...shared('config', 'json'), since: STRING, idle: STRING });
  if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'\n\n${help}`);
  const now = new Date();
  const since = when(values.since ?? '24h', '--since', now);
  const idleMs = values.idle === undefined ? undefined : durationFlag('--idle', values.idle).ms;
  const dataDir = await dataDirFor(configPath(values.config), 'audit slo');
  const rt = await openRuntime({ dataDir }, { need: ['revocations', 'auditReader'], revocations: { watch: false } });
  try {
    const reader = rt.audit.reader;
    if (!reader.exists()) {
      process.stderr.write(`sluice: no audit database at ${reader.file}\n`);
      return 1;
    }
    const slo = computeSlo(reader.query({ since, order: 'asc', limit: 1_000_000 }), rt.revocations.list(), {
      now,
      ...(idleMs === undefined ? {} : { idleMs }),
    });
    process.stdout.write(values.json ? `${JSON.stringify(slo, null, 2)}\n` : formatSlo(slo, since));
    return EXIT.ok;
  } finally {
    await rt.close();
  }
}

/**
 * @example
 * formatSlo(slo, since);
 * // safe completion rate: 96.0% (24 of 25 finished sessions; 3 in progress)
 * // containment time:     3 session(s) with findings, 2 contained: p50 12.0s, p95 40.2s, max 40.2s; 1 not revoked
 */
export function formatSlo(s: SloReport, since: Date): string {
  const sec = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(1)}s`);
  const rate = s.safe_completion_rate === null ? '-' : `${(s.safe_completion_rate * 100).toFixed(1)}%`;
  const c = s.containment;
  const lines = [
    `since ${since.toISOString()}: ${s.sessions} session(s)`,
    `safe completion rate: ${rate} (${s.safe} of ${s.finished} finished sessions; ${s.in_progress} in progress)`,
    `containment time:     ${c.with_findings} session(s) with findings, ${c.contained} contained: p50 ${sec(c.p50_ms)}, p95 ${sec(c.p95_ms)}, max ${sec(c.max_ms)}; ${c.uncontained} not revoked`,
  ];
  for (const x of c.sessions) {
    lines.push(
      `  ${x.tenant ?? '-'}/${x.agent ?? '-'} ${x.session}: ${x.first_finding_what} at ${x.first_finding}, ${x.revoked_at === null ? 'not revoked' : `revoked after ${sec(x.containment_ms)}`}`,
    );
  }
  return `${lines.join('\n')}\n`;
}
