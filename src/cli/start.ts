import { parseOptionsOnly, shared, STRING } from './flags.js';
import { join } from 'node:path';
import { AUDIT_DB_NAME } from '../audit/sqlite-schema.js';
import { loadConfig } from '../config/load.js';
import { logCarriesAudit } from '../config/log-audit.js';
import type { Config } from '../config/schema.js';
import { parseListen } from '../config/listen-address.js';
import { createLogger } from '../logger.js';
import { otelLogStream } from '../observe/otel-logs.js';
import { Gate } from '../proxy/gate.js';
import { watchConfig } from './config-watch.js';
import { loadConfiguredCa } from './load-ca.js';
import { startWarnings } from './start-warnings.js';
import { checkConfigFiles } from './config-files.js';
import { configPath } from './paths.js';
import { removeCrashLeftovers } from './stale-temps.js';
import { CommandError, UsageError } from '../usage-error.js';
import { joinAsWorker, superviseWorkers, workerIndex, type WorkerSide } from './start-workers.js';

export const help = `sluice start [--config FILE] [--listen HOST:PORT]

Run the gate in the foreground. Prints where it listens and the CA path.
Reloads the policy when the config file changes or on SIGHUP (an invalid file is
rejected with its line numbers and the running policy keeps serving).
Stops cleanly on SIGINT or SIGTERM: stops accepting, lets exchanges in flight finish
(up to timeouts.drain, then ends the rest), writes every audit record and
exits 0. A second signal exits at once.
With 'workers: N' (N > 1) the gate runs in N processes on the one port, and
this one supervises them (restarts a worker that dies, passes signals on).`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, { ...shared('config'), listen: STRING });
  const loaded = await loadConfig(configPath(values.config));
  let listen: { host: string; port: number } | undefined;
  if (values.listen !== undefined) {
    try {
      listen = parseListen(values.listen);
    } catch (err) {
      throw new UsageError(`--listen: ${(err as Error).message}`);
    }
  }
  await checkConfigFiles(loaded);
  const ca = await loadConfiguredCa(loaded.config);
  // `telemetry.otlp.logs`: every log line is an OTel log record too (observe/otel-logs.ts).
  const otelLogs = otelLogStream(loaded.config.telemetry);
  const logger = createLogger({ level: loaded.config.log.level, file: loaded.config.log.file, format: loaded.config.log.format, also: otelLogs?.stream });
  const worker = workerIndex();
  const where = listen ?? loaded.config.listen;
  if (worker === null) {
    // A crash during an atomic write leaves its temp file (maybe a key) behind: remove it before serving.
    const leftovers = await removeCrashLeftovers(loaded.config.data_dir, { cert: loaded.config.tls.ca_cert, key: loaded.config.tls.ca_key });
    if (leftovers.length > 0) logger.info({ removed: leftovers }, 'removed temp files left by a crash during an atomic write');
  }
  if (worker === null && loaded.config.workers > 1) {
    // This process serves nothing: it runs the workers (start-workers.ts), each of which runs this command again.
    const code = await superviseWorkers(loaded.config.workers, logger, (m) => {
      announce(loaded, m.url, m.admin, ` (${loaded.config.workers} workers)`);
      void warn(loaded, where, logger);
    });
    logger.flush();
    await otelLogs?.close().catch(() => undefined);
    return code;
  }
  const side: WorkerSide | null = worker === null ? null : await joinAsWorker(worker);
  try {
    return await serve(loaded, { ca, logger, listen, where, side });
  } finally {
    await otelLogs?.close().catch(() => undefined);
    side?.leave();
  }
}

/** Run one gate until a signal stops it: the whole of `sluice start`, or one worker of it. */
async function serve(
  loaded: Awaited<ReturnType<typeof loadConfig>>,
  o: {
    ca: Awaited<ReturnType<typeof loadConfiguredCa>>;
    logger: ReturnType<typeof createLogger>;
    listen: { host: string; port: number } | undefined;
    where: { host: string; port: number };
    side: WorkerSide | null;
  },
): Promise<number> {
  const { ca, logger, listen, where, side } = o;
  const sharing = side === null ? {} : { aliases: side.aliases, singletons: side.singletons };
  const gate = await Gate.start({ loaded, ca, logger, ...(listen ? { listen } : {}), ...sharing }).catch((err: unknown) => {
    const admin = loaded.config.admin.listen;
    // The admin listener fails the start the same way; say which address could not be had.
    if (admin !== undefined && (err as { address?: string; port?: number } | null)?.port === admin.port && listen?.port !== admin.port)
      throw listenFailure(err, admin, `admin.listen in ${loaded.file}`);
    throw listenFailure(err, where, listen ? '--listen' : `listen in ${loaded.file}`);
  });
  // Catch signals before announcing: whoever waits for the "listening" line may signal at once,
  // and a signal with no handler yet would kill the gate instead of stopping it cleanly.
  // The first signal drains (timeouts.drain); a second one exits at once.
  let signalled = false;
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      if (!signalled) {
        signalled = true;
        resolve(signal);
        return;
      }
      logger.warn({ signal }, 'second signal: exiting now without waiting for exchanges in flight');
      logger.flush();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    };
    // A worker is stopped by the primary (SIGTERM); the terminal's Ctrl-C reaches the whole group.
    process.on('SIGINT', side === null ? onSignal : () => undefined);
    process.on('SIGTERM', onSignal);
  });
  // Before announcing too: a SIGHUP with no handler yet would kill the gate.
  const stopWatching = watchConfig(gate, loaded.file, logger, (line) => process.stderr.write(line));
  if (side === null) {
    announce(loaded, gate.url, gate.adminAddress, '');
    await warn(loaded, where, logger);
  } else {
    side.listening({ url: gate.url, admin: gate.adminAddress, control: gate.controlSocket });
  }
  logger.info({ url: gate.url, policy_version: loaded.version, config: loaded.file, ...(side ? { worker: side.index } : {}) }, 'gate started');
  logger.info({ signal: await stopped }, 'stopping');
  stopWatching();
  await gate.close({ drainMs: loaded.config.timeouts.drain }).catch((err: unknown) => logger.warn({ err }, 'error while closing'));
  logger.flush();
  return 0;
}

/** The lines whoever started the gate waits for (tests and scripts match the first). */
function announce(loaded: Awaited<ReturnType<typeof loadConfig>>, url: string, admin: { host: string; port: number } | null, workers: string): void {
  process.stdout.write(
    `sluice listening on ${url}\n` +
      `CA certificate: ${loaded.config.tls.ca_cert}\n` +
      `policy ${loaded.version}: ${loaded.config.rules.length} rule(s), deny by default${workers}\n` +
      `audit: ${auditWhere(loaded.config)}\n` +
      (admin === null ? '' : `admin API on http://${hostPort(admin)} (sluice operator token)\n`),
  );
}

async function warn(
  loaded: Awaited<ReturnType<typeof loadConfig>>,
  where: { host: string; port: number },
  logger: ReturnType<typeof createLogger>,
): Promise<void> {
  for (const w of await startWarnings(loaded, where)) {
    process.stderr.write(`sluice: warning: ${w}\n`);
    logger.warn({ config: loaded.file }, w);
  }
}

function hostPort(a: { host: string; port: number }): string {
  return `${a.host.includes(':') ? `[${a.host}]` : a.host}:${a.port}`;
}

/** Where the audit records go, so an operator who sees none on this console knows where to look. */
function auditWhere(c: Config): string {
  const sinks = [
    ...(c.audit.sqlite ? [`${join(c.data_dir, AUDIT_DB_NAME)} ('sluice audit tail -f' follows it)`] : []),
    ...(c.audit.jsonl === false ? [] : [c.audit.jsonl]),
  ];
  if (!logCarriesAudit(c)) return `${sinks.join(', ')}; not on this console (log.audit: true puts them in the log)`;
  return [...sinks, c.log.file === undefined ? 'the log on stderr' : c.log.file].join(', ');
}

/** A socket error from listening, as a message a person can act on; anything else passes through. */
function listenFailure(err: unknown, at: { host: string; port: number }, setting: string): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  const why: Record<string, string> = {
    EADDRINUSE: 'the port is already in use (another gate?)',
    EADDRNOTAVAIL: 'no interface on this machine has that address',
    EACCES: 'permission denied (ports below 1024 need privileges)',
  };
  if (code === undefined || !(code in why)) return err;
  const host = at.host.includes(':') ? `[${at.host}]` : at.host;
  return new CommandError(`cannot listen on ${host}:${at.port}: ${why[code]} [${code}]; change ${setting}`);
}
