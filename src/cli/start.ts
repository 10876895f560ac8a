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

export const help = `sluice start [--config FILE] [--listen HOST:PORT]

Run the gate in the foreground. Prints where it listens and the CA path.
Reloads the policy when the config file changes or on SIGHUP (an invalid file is
rejected with its line numbers and the running policy keeps serving).
Stops cleanly on SIGINT or SIGTERM: stops accepting, lets exchanges in flight finish
(up to timeouts.drain, then ends the rest), writes every audit record and
exits 0. A second signal exits at once.`;

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
  // A crash during an atomic write leaves its temp file (maybe a key) behind: remove it before serving.
  const leftovers = await removeCrashLeftovers(loaded.config.data_dir, { cert: loaded.config.tls.ca_cert, key: loaded.config.tls.ca_key });
  if (leftovers.length > 0) logger.info({ removed: leftovers }, 'removed temp files left by a crash during an atomic write');
  const where = listen ?? loaded.config.listen;
  const gate = await Gate.start({ loaded, ca, logger, ...(listen ? { listen } : {}) }).catch((err: unknown) => {
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
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  // Before announcing too: a SIGHUP with no handler yet would kill the gate.
  const stopWatching = watchConfig(gate, loaded.file, logger, (line) => process.stderr.write(line));
  process.stdout.write(
    `sluice listening on ${gate.url}\n` +
      `CA certificate: ${loaded.config.tls.ca_cert}\n` +
      `policy ${loaded.version}: ${loaded.config.rules.length} rule(s), deny by default\n` +
      `audit: ${auditWhere(loaded.config)}\n` +
      (gate.adminAddress === null ? '' : `admin API on http://${hostPort(gate.adminAddress)} (sluice operator token)\n`),
  );
  logger.info({ url: gate.url, policy_version: loaded.version, config: loaded.file }, 'gate started');
  for (const w of await startWarnings(loaded, where)) {
    process.stderr.write(`sluice: warning: ${w}\n`);
    logger.warn({ config: loaded.file }, w);
  }
  logger.info({ signal: await stopped }, 'stopping');
  stopWatching();
  await gate.close({ drainMs: loaded.config.timeouts.drain }).catch((err: unknown) => logger.warn({ err }, 'error while closing'));
  logger.flush();
  await otelLogs?.close().catch(() => undefined);
  return 0;
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
