/**
 * What the stdio wrapper builds from the gate's config file, the same way the gate
 * does: the policy (tool rules), DLP (patterns, and `inspect.dlp.known_secrets`
 * given as `env:` or `file:`; the secret store's values are matched by the gate,
 * over the control socket, through `knownSecrets`: the wrapper never opens the
 * store or reads the master key), the
 * injection scanner, the `mcp:` settings (buildMcpEnv), the tool pin store in the
 * data dir (shared with the gate and `sluice mcp accept`), and the audit sinks
 * (`audit.db`, the log, JSON lines). One difference: stdout is the MCP channel, so
 * `audit.jsonl: stdout` is not written by the wrapper (the log and audit.db still are).
 *
 * @example
 * const s = await openStdioServices(loaded, logger, warn);
 * const ch = s.guard.open(stdioChannelInfo(principal, 'everything'));
 * await s.close();
 */
import type { Logger } from 'pino';
import type { AuditSink } from '../../audit/sink.js';
import type { LoadedConfig } from '../../config/load.js';
import { SecretResolver } from '../../credentials/refs.js';
import { injectionScannerFor } from '../../inspect/injection/scanner.js';
import { compileConfigPolicy } from '../../policy/compile.js';
import { buildDlp } from '../../inspect/dlp/dlp-setup.js';
import { buildMcpEnv } from '../env.js';
import { openRuntime, type Runtime, type ToolPinStore } from '../../runtime/index.js';
import { McpGuard } from '../guard.js';
import type { Finding } from '../../inspect/finding.js';
import type { McpEnv } from '../types.js';

/** No store here: store references resolve to nothing (the gate matches them). */
const NO_STORE = { reveal: (): undefined => undefined, list: (): { name: string }[] => [] };

export interface StdioServices {
  guard: McpGuard;
  env: McpEnv;
  audit: AuditSink;
  pins: ToolPinStore;
  /** Flush the audit trail and close the stores. */
  close(): Promise<void>;
}

/**
 * Build everything from one config load. Throws (before any child starts) when the
 * pin store or audit database cannot be opened, or the policy does not compile.
 *
 * @example
 * const { guard, env, audit, close } = await openStdioServices(await loadConfig(file), logger, warn);
 */
export async function openStdioServices(
  loaded: LoadedConfig,
  logger: Logger,
  warn: (line: string) => void,
  knownSecrets?: (payload: unknown) => Promise<Finding[]>,
  /** Services opened by the caller (closed by it, not by `close`); else the wrapper opens its own. */
  shared?: Runtime<'pins' | 'auditWriter'>,
): Promise<StdioServices> {
  const c = loaded.config;
  const secrets = new SecretResolver(NO_STORE, { baseDir: loaded.dir });
  const dlp = buildDlp(c.inspect, secrets, []);
  const policy = compileConfigPolicy(c, loaded.version);
  const injection = injectionScannerFor({ maxScanBytes: c.inspect.max_response_scan_bytes, disabled: c.inspect.injection_disabled });
  const env: McpEnv = { ...buildMcpEnv(c, policy, injection, dlp), ...(knownSecrets ? { knownSecrets } : {}) };
  if (c.audit.jsonl === 'stdout')
    warn('audit.jsonl is stdout, which is the MCP channel here: JSON-lines audit records are not written by sluice mcp (audit.db and the log still get them)');
  const noStdout = c.audit.jsonl === 'stdout' ? { ...c, audit: { ...c.audit, jsonl: false as const } } : c;
  // The wrapper's stderr is what an MCP client shows as the server's log: no audit JSON
  // there (audit.db holds every record); a log file still gets them if asked.
  const config =
    c.log.file === undefined && (noStdout.audit.sqlite || noStdout.audit.jsonl !== false) ? { ...noStdout, log: { ...noStdout.log, audit: false } } : noStdout;
  // From the runtime, as the gate takes them: the same pin store and audit trail code.
  // The kill switch too (mcp/steps/stop.ts): tool calls over stdio never cross the proxy.
  // A participant, so `sluice kill` returns once this wrapper applied it.
  const own =
    shared === undefined
      ? await openRuntime(loaded, {
          need: ['pins', 'auditWriter', 'stops'],
          logger,
          audit: { config },
          stops: { participant: 'mcp', onError: (err) => logger.error({ err }, 'kill switch state unreadable') },
        })
      : null;
  const rt = shared ?? own!;
  if (own !== null) env.stops = own.stops;
  const { pins } = rt;
  const audit = rt.audit.writer;
  // Budgets count tool calls here too (in state.db, with the gates'): opened only when the config has some.
  let counted: Runtime<'budgets'> | null = null;
  try {
    counted = Object.keys(c.budgets).length > 0 ? await openRuntime(loaded, { need: ['budgets'] }) : null;
  } catch (err) {
    if (shared === undefined) await rt.close().catch(() => undefined);
    throw err;
  }
  // Approvals are decided from another terminal (`sluice approvals approve`): watched in state.db like the gate does.
  // The blast radius too (a session's tool-call count), shared with the gates on this data
  // directory, and the tool rules' rate-limit buckets (kept in state.db across restarts).
  let decisions: Runtime<'approvals' | 'blastRadius' | 'rateBuckets'>;
  try {
    decisions = await openRuntime(loaded, {
      need: ['approvals', 'blastRadius', 'rateBuckets'],
      rateBuckets: { onError: (err) => logger.error({ err }, 'rate limit levels could not be written') },
      approvals: { onError: (err) => logger.error({ err }, 'approval state unreadable') },
    });
  } catch (err) {
    await counted?.close().catch(() => undefined);
    if (shared === undefined) await rt.close().catch(() => undefined);
    throw err;
  }
  const guard = new McpGuard({
    env: () => env,
    pins,
    approvals: decisions.approvals,
    blast: decisions.blastRadius,
    rates: decisions.rateBuckets,
    ...(counted ? { budgets: counted.budgets } : {}),
    audit: (r) => audit.write(r),
    onError: (err, what) => logger.error({ err }, `MCP guard: ${what} failed`),
  });
  return {
    guard,
    env,
    audit,
    pins,
    close: async () => {
      await counted?.close();
      await decisions.close();
      if (shared === undefined) await rt.close();
    },
  };
}
