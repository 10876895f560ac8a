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
import { auditSchema, identitySchema, routesSchema } from './policy-sections.js';
import { controlSchema } from './control-section.js';
import { brokerSchema } from './broker-section.js';
import { inspectSchema } from './inspect-section.js';
import { limitsSchema } from './limits-section.js';
import { middlewareSchema } from './middleware-section.js';
import { a2aSchema, mcpSchema, unknownServerNames } from './mcp-section.js';
import { rateLimitsSchema } from './rate-limit-section.js';
import { budgetsSchema, llmSchema, unknownBudgetRules } from './budget-section.js';
import { rulesSchema } from './rule-schema.js';
import { stateSchema } from './state-section.js';
import { telemetrySchema } from './telemetry-section.js';
import { approvalsSchema, blastRadiusSchema } from './approvals-section.js';
import { adminSchema } from './admin-section.js';
import { workersField, workersProblems } from './workers-section.js';
import { cidrField, durationField, emptyAsAbsent, hostNameKey, hostPatternField, intInRange, ipLiteralField, listenField, strictSection } from './fields.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

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
  /** On SIGTERM/SIGINT, how long exchanges in flight may take to finish before they are ended (0: at once). */
  drain: durationField().prefault('30s'),
});

const logSchema = strictSection({
  level: z.enum(LOG_LEVELS).default('info'),
  // Empty means stderr, so `file: ""` and no key at all behave the same.
  file: emptyAsAbsent(z.string().optional()).transform((s) => (s === '' ? undefined : s)),
  /** json: one JSON object per line (for tools); pretty: one short line a person reads (stderr only). */
  format: z.enum(['json', 'pretty']).default('json'),
  /**
   * Whether the log carries a line per audit record (audit.db and audit.jsonl hold them
   * either way). Unset: see logCarriesAudit (off on the console when another sink has them).
   */
  audit: z.boolean().optional(),
});

/** Every section but `version` is optional; an empty section gets its defaults. */
export const configSchema = strictSection({
  version: z.literal(1, {
    error: (i) =>
      i.input === undefined ? "missing: the file must say 'version: 1'" : `expected 1, the only config version so far; got ${describeValue(i.input)}`,
  }),
  listen: listenField.prefault('127.0.0.1:8877'),
  /** Processes serving the proxy listener (workers-section.ts); 1: this process alone. */
  workers: workersField,
  // The loader resolves this against the config file's folder, so '.' means that folder.
  data_dir: z.string().min(1, { error: 'expected a folder path; got an empty string' }).default('.'),
  dns: emptyAsAbsent(dnsSchema.prefault({})),
  network: emptyAsAbsent(networkSchema.prefault({})),
  tls: emptyAsAbsent(tlsSchema.prefault({})),
  timeouts: emptyAsAbsent(timeoutsSchema.prefault({})),
  limits: emptyAsAbsent(limitsSchema.prefault({})),
  rate_limits: emptyAsAbsent(rateLimitsSchema.prefault({})),
  budgets: emptyAsAbsent(budgetsSchema.default({})),
  llm: emptyAsAbsent(llmSchema.prefault({})),
  log: emptyAsAbsent(logSchema.prefault({})),
  rules: emptyAsAbsent(rulesSchema.default([])),
  routes: emptyAsAbsent(routesSchema.default({})),
  identity: emptyAsAbsent(identitySchema.prefault({})),
  audit: emptyAsAbsent(auditSchema.prefault({})),
  inspect: emptyAsAbsent(inspectSchema.prefault({})),
  mcp: emptyAsAbsent(mcpSchema.prefault({})),
  a2a: emptyAsAbsent(a2aSchema.prefault({})),
  control: emptyAsAbsent(controlSchema.prefault({})),
  middleware: emptyAsAbsent(middlewareSchema.default([])),
  state: emptyAsAbsent(stateSchema.prefault({})),
  broker: emptyAsAbsent(brokerSchema.prefault({})),
  approvals: emptyAsAbsent(approvalsSchema.prefault({})),
  blast_radius: emptyAsAbsent(blastRadiusSchema.prefault({})),
  admin: emptyAsAbsent(adminSchema.prefault({})),
  telemetry: emptyAsAbsent(telemetrySchema.prefault({})),
}).superRefine(
  (config, ctx) => {
    // A rule naming a route that does not exist would fail every request it allows: refuse the file.
    const raw = config as { rules?: unknown; routes?: unknown; mcp?: unknown; budgets?: unknown };
    for (const p of unknownBudgetRules(raw.budgets, raw.rules)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    for (const p of workersProblems(config)) ctx.addIssue({ code: 'custom', path: p.path, message: p.message });
    if (!Array.isArray(raw.rules)) return;
    const routes = typeof raw.routes === 'object' && raw.routes !== null ? raw.routes : {};
    const mcpServers = (raw.mcp as { servers?: unknown } | null | undefined)?.servers;
    for (const p of unknownServerNames(raw.rules, mcpServers)) ctx.addIssue({ code: 'custom', path: ['rules', ...p.path], message: p.message });
    raw.rules.forEach((rule: unknown, i) => {
      const r = rule as { route?: unknown; mcp?: unknown } | null;
      const route = r?.route;
      // A tool rule's 'route' is refused by the rule itself.
      if (r?.mcp !== undefined || typeof route !== 'string' || Object.hasOwn(routes, route)) return;
      const known = Object.keys(routes);
      const hint = known.length === 0 ? "there is no 'routes:' section" : `routes are: ${known.join(', ')}`;
      ctx.addIssue({ code: 'custom', path: ['rules', i, 'route'], message: `no route named '${route}'; ${hint}` });
    });
  },
  { when: () => true },
);

/** What the schema yields before the loader resolves paths. */
export type ParsedConfig = z.output<typeof configSchema>;

/**
 * The config as the rest of Sluice sees it: defaults applied, every path
 * absolute, and the CA files defaulted into `data_dir`.
 */
export type Config = Omit<ParsedConfig, 'tls' | 'control'> & {
  tls: Omit<ParsedConfig['tls'], 'ca_cert' | 'ca_key'> & { ca_cert: string; ca_key: string };
  control: Omit<ParsedConfig['control'], 'socket'> & { socket: string };
};

export { ruleSchema } from './rule-schema.js';
export type { Rule } from './rule-schema.js';
export type { Route, RouteTarget } from './policy-sections.js';
export type { McpConfig, A2aConfig } from './mcp-section.js';
