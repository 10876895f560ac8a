import pino, { type Logger } from 'pino';
import { prettyDestination } from './log-pretty.js';

/**
 * The gate's structured logger: JSON lines to stderr, or to a file. Never given a
 * secret value: callers log codes, names and ids only.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 */
export function createLogger(opts: { level: string; file?: string | undefined; format?: 'json' | 'pretty' }): Logger {
  const options = { level: opts.level, base: { svc: 'sluice' }, timestamp: pino.stdTimeFunctions.isoTime };
  // Pretty is for a person at a terminal: stderr only, written as it comes (log files stay JSON, for tools).
  if (opts.format === 'pretty' && !opts.file) return pino(options, prettyDestination(process.stderr));
  const dest = opts.file
    ? // 0600: log lines name agents, hosts and paths (the mode applies when the file is created).
      pino.destination({ dest: opts.file, mkdir: true, sync: false, mode: 0o600 })
    : pino.destination({ fd: 2, sync: false });
  return pino(options, dest);
}
