import pino, { type Logger } from 'pino';
import { prettyDestination } from './log-pretty.js';

/**
 * The gate's structured logger: JSON lines to stderr, or to a file. Never given a
 * secret value: callers log codes, names and ids only.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 */
export function createLogger(opts: {
  level: string;
  file?: string | undefined;
  format?: 'json' | 'pretty';
  /** A second destination for every line (`telemetry.otlp.logs`: observe/otel-logs.ts). */
  also?: { write(line: string): void } | undefined;
}): Logger {
  const options = { level: opts.level, base: { svc: 'sluice' }, timestamp: pino.stdTimeFunctions.isoTime };
  // Pretty is for a person at a terminal: stderr only, written as it comes (log files stay JSON, for tools).
  const dest =
    opts.format === 'pretty' && !opts.file
      ? prettyDestination(process.stderr)
      : opts.file
        ? // 0600: log lines name agents, hosts and paths (the mode applies when the file is created).
          pino.destination({ dest: opts.file, mkdir: true, sync: false, mode: 0o600 })
        : pino.destination({ fd: 2, sync: false });
  if (opts.also === undefined) return pino(options, dest);
  // Each stream at the lowest level: the logger's own level (changed on reload) is what filters.
  return pino(
    options,
    pino.multistream([
      { stream: dest, level: 'trace' },
      { stream: opts.also, level: 'trace' },
    ]),
  );
}
