/**
 * `log.format: pretty`: pino's JSON lines turned into one short line a person reads
 * (`12:00:01 WARN  config 'tls.upstream_ca' changed ... key=tls.upstream_ca`), and an
 * audit record into its decision (`audit deny GET https://x.test:443/p 403
 * no_rule_matched rule=default-deny agent=bot`). Values are printed as JSON when they
 * are not plain words, so control characters from a request cannot reach the terminal.
 */
import type { Writable } from 'node:stream';

const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };
const SKIP = new Set(['level', 'time', 'msg', 'svc', 'pid', 'hostname', 'audit']);

/**
 * A pino destination that writes pretty lines to `out`.
 *
 * @example
 * pino({ level: 'info' }, prettyDestination(process.stderr));
 */
export function prettyDestination(out: Pick<Writable, 'write'>): { write(line: string): void } {
  return { write: (line: string) => void out.write(prettyLine(line)) };
}

/** One pino JSON line (with its newline) as a pretty line; a line that is not JSON passes through. */
export function prettyLine(line: string): string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  const time = typeof o.time === 'string' ? o.time.slice(11, 19) : '';
  const level = LEVELS[Number(o.level)] ?? String(o.level);
  const audit = o.audit as Record<string, unknown> | undefined;
  const text = audit !== undefined ? auditText(audit) : plain(o.msg);
  const extra = Object.entries(o)
    .filter(([k]) => !SKIP.has(k))
    .map(([k, v]) => `${k}=${k === 'err' ? errText(v) : word(v)}`);
  return `${[time, level, text, ...extra].filter((s) => s !== '').join(' ')}\n`;
}

function auditText(a: Record<string, unknown>): string {
  // A refusal before the target was read (a 407 on the first request) has no host yet.
  const target = typeof a.host === 'string' && a.host !== '' ? word(`${scalar(a.scheme)}://${a.host}:${scalar(a.port)}${scalar(a.path)}`) : '-';
  const parts = ['audit', word(a.outcome), word(a.method), target, word(a.status), word(a.reason)];
  for (const k of ['rule', 'agent', 'session', 'credential', 'decision_id'] as const) {
    if (a[k] !== null && a[k] !== undefined && a[k] !== '') parts.push(`${k}=${word(a[k])}`);
  }
  return parts.join(' ');
}

function errText(v: unknown): string {
  if (typeof v === 'object' && v !== null && 'message' in v) return JSON.stringify(plain(v.message));
  return word(v);
}

function word(v: unknown): string {
  if (v === null || v === undefined || v === '') return '-';
  if (typeof v !== 'string') return JSON.stringify(v);
  // eslint-disable-next-line no-control-regex
  return /^[^\s"\u0000-\u001f\u007f-\u009f]+$/.test(v) ? v : JSON.stringify(v);
}

/** A message: spaces kept, control characters replaced. */
function plain(v: unknown): string {
  // eslint-disable-next-line no-control-regex
  return scalar(v).replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}

/** A string or number as text; anything else (an object from a malformed line) as JSON. */
function scalar(v: unknown): string {
  if (v === null || v === undefined) return '';
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? String(v) : JSON.stringify(v);
}
