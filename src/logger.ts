import pino, { type Logger } from 'pino';

/**
 * The gate's structured logger: JSON lines to stderr, or to a file. Never given a
 * secret value: callers log codes, names and ids only.
 *
 * @example
 * const log = createLogger({ level: 'info' });
 */
export function createLogger(opts: { level: string; file?: string | undefined }): Logger {
  const dest = opts.file
    ? // 0600: log lines name agents, hosts and paths (the mode applies when the file is created).
      pino.destination({ dest: opts.file, mkdir: true, sync: false, mode: 0o600 })
    : pino.destination({ fd: 2, sync: false });
  return pino({ level: opts.level, base: { svc: 'sluice' }, timestamp: pino.stdTimeFunctions.isoTime }, dest);
}
