/**
 * The config file's schema. Keys keep the YAML's snake_case so there is no
 * mapping layer between what the operator writes and what the code reads.
 * Values come out parsed: durations in milliseconds, `listen` as host and port,
 * CIDRs and host patterns normalised.
 *
 * @example
 * const result = configSchema.safeParse({ version: 1 });
 * if (result.success) result.data.timeouts.idle; // 60000
 */
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import {
  cidrField,
  durationField,
  emptyAsAbsent,
  hostNameKey,
  hostPatternField,
  intInRange,
  ipLiteralField,
  listenField,
  strictSection,
} from './fields.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const RULE_ID = /^[A-Za-z0-9._-]+$/;

/**
 * One rule. Rules are data: later matchers (who, what) and actions are added
 * here as further keys, each with its own schema, without touching the rest.
 *
 * @example
 * ruleSchema.parse({ id: 'github', hosts: ['api.github.com'] });
 */
export const ruleSchema = strictSection({
  id: z
    .string()
    .regex(RULE_ID, { error: (i) => `expected an id made of letters, digits, '.', '_' or '-'; got ${describeValue(i.input)}` }),
  hosts: z.array(hostPatternField).min(1, { error: 'expected at least one host, like [api.example.com]' }),
});
export type Rule = z.output<typeof ruleSchema>;

/** Rule ids name decisions in the audit trail, so two rules must never share one. */
const rulesSchema = z.array(ruleSchema).superRefine(
  (rules, ctx) => {
    const first = new Map<string, number>();
    rules.forEach((rule: unknown, i) => {
      const id = (rule as { id?: unknown } | null)?.id;
      if (typeof id !== 'string') return;
      const seen = first.get(id);
      if (seen === undefined) first.set(id, i);
      // `firstAt` lets the loader name the first rule's line.
      else ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id '${id}'`, params: { firstAt: [seen, 'id'] } });
    });
  },
  // Report duplicates even when another rule has an unrelated problem: one pass, every problem.
  { when: () => true },
);

const dnsSchema = strictSection({
  hosts: emptyAsAbsent(z.record(hostNameKey, ipLiteralField).default({})),
  cache_ttl: durationField().prefault('30s'),
});

const networkSchema = strictSection({
  allow_private: emptyAsAbsent(z.array(cidrField).default([])),
});

const pathField = z.string().min(1, { error: 'expected a file path; got an empty string' });

const tlsSchema = strictSection({
  ca_cert: pathField.optional(),
  ca_key: pathField.optional(),
  upstream_ca: pathField.optional(),
  passthrough: emptyAsAbsent(z.array(hostPatternField).default([])),
  leaf_cache_size: intInRange(1).prefault(1000),
});

const timeoutsSchema = strictSection({
  idle: durationField({ positive: true }).prefault('60s'),
  headers: durationField({ positive: true }).prefault('30s'),
  tls_handshake: durationField({ positive: true }).prefault('10s'),
  upstream_connect: durationField({ positive: true }).prefault('10s'),
  upstream_response: durationField({ positive: true }).prefault('60s'),
});

const limitsSchema = strictSection({
  max_header_bytes: intInRange(1024, 1_048_576, ' (bytes)').prefault(32_768),
});

const logSchema = strictSection({
  level: z.enum(LOG_LEVELS).default('info'),
  // Empty means stderr, so `file: ""` and no key at all behave the same.
  file: emptyAsAbsent(z.string().optional()).transform((s) => (s === '' ? undefined : s)),
});

/** Every section but `version` is optional; an empty section gets its defaults. */
export const configSchema = strictSection({
  version: z.literal(1, {
    error: (i) =>
      i.input === undefined
        ? "missing: the file must say 'version: 1'"
        : `expected 1, the only config version so far; got ${describeValue(i.input)}`,
  }),
  listen: listenField.prefault('127.0.0.1:8877'),
  // The loader resolves this against the config file's folder, so '.' means that folder.
  data_dir: z.string().min(1, { error: 'expected a folder path; got an empty string' }).default('.'),
  dns: emptyAsAbsent(dnsSchema.prefault({})),
  network: emptyAsAbsent(networkSchema.prefault({})),
  tls: emptyAsAbsent(tlsSchema.prefault({})),
  timeouts: emptyAsAbsent(timeoutsSchema.prefault({})),
  limits: emptyAsAbsent(limitsSchema.prefault({})),
  log: emptyAsAbsent(logSchema.prefault({})),
  rules: emptyAsAbsent(rulesSchema.default([])),
});

/** What the schema yields before the loader resolves paths. */
export type ParsedConfig = z.output<typeof configSchema>;

/**
 * The config as the rest of Sluice sees it: defaults applied, every path
 * absolute, and the CA files defaulted into `data_dir`.
 */
export type Config = Omit<ParsedConfig, 'tls'> & {
  tls: Omit<ParsedConfig['tls'], 'ca_cert' | 'ca_key'> & { ca_cert: string; ca_key: string };
};
