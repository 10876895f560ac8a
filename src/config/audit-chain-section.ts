/**
 * `audit:` keys of the tamper-evident trail and its export: `retain` (how long
 * `sluice audit prune` keeps records), `chain` (checkpoint cadence) and `export`
 * (OCSF events to a file, syslog or an HTTPS webhook).
 */
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { durationField, parsedBy, strictSection } from './fields.js';

const RETAIN = /^(\d+)(d|h|m)$/;
const UNIT: Readonly<Record<string, number>> = { d: 86_400_000, h: 3_600_000, m: 60_000 };

/**
 * `30d`, `12h`, `90m`: milliseconds.
 *
 * @example
 * retainField.parse('30d'); // 2592000000
 */
export const retainField = parsedBy((v): number => {
  const m = typeof v === 'string' ? RETAIN.exec(v) : null;
  if (!m || Number(m[1]) <= 0) throw new TypeError(`expected a retention like 30d, 12h or 90m; got ${describeValue(v)}`);
  return Number(m[1]) * UNIT[m[2]!]!;
});

/** `audit.chain`: how often the chain's head is signed. */
export const chainSection = strictSection({
  /** A checkpoint after this many records ... */
  checkpoint_records: z.number().int().positive().default(1000),
  /** ... or this long after the last, when records came since. */
  checkpoint_ms: durationField({ positive: true }).prefault('60s'),
});

const common = {
  format: z.literal('ocsf').default('ocsf'),
  /** Events kept on disk while the receiver is down; past it, the oldest are dropped (counted, logged). */
  spool_bytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024 * 1024),
};

/** One `audit.export` entry. */
export const exportTarget = z.discriminatedUnion('to', [
  strictSection({ ...common, to: z.literal('file'), path: z.string().min(1) }),
  strictSection({
    ...common,
    to: z.literal('syslog'),
    host: z.string().default('127.0.0.1'),
    port: z.number().int().min(1).max(65535).default(514),
    protocol: z.enum(['udp', 'tcp']).default('udp'),
    app_name: z
      .string()
      .regex(/^[!-~]{1,48}$/)
      .default('sluice'),
  }),
  strictSection({
    ...common,
    to: z.literal('webhook'),
    url: z
      .string()
      .url()
      .refine((u) => u.startsWith('https://'), 'expected an https:// URL (events name agents, hosts and paths)'),
    /** PEM file of the CA that signed the receiver's certificate, when it is not a public one. */
    ca_file: z.string().optional(),
    /** Header name to value, e.g. an Authorization for the collector. */
    headers: z.record(z.string(), z.string()).default({}),
    batch: z.number().int().positive().max(10_000).default(100),
    flush_ms: durationField({ positive: true }).prefault('1s'),
    max_backoff_ms: durationField({ positive: true }).prefault('30s'),
  }),
]);

export type ExportTarget = z.infer<typeof exportTarget>;
