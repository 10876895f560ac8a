/**
 * The sections that go with rules: named private routes, identity requirements,
 * and the audit sinks.
 */
import { isIP } from 'node:net';
import * as z from 'zod';
import { describeValue } from './describe-value.js';
import { durationField, parsedBy, strictSection } from './fields.js';
import { refNameField } from './rule-fields.js';
import { byteSizeField } from './byte-size.js';
import { chainSection, exportTarget, retainField } from './audit-chain-section.js';

/** A route's target, parsed: where requests on that route go instead of the host they name. */
export interface RouteTarget {
  /** As written, normalised by the URL parser. */
  href: string;
  scheme: 'http' | 'https';
  /** Host name or IP literal (IPv6 without brackets). May be private: a route is the explicit opt-in. */
  host: string;
  port: number;
  /** '' or a path without a trailing slash, prefixed to the request's path. */
  base_path: string;
}

/**
 * `scheme://host[:port][/base-path]`, nothing else (no user, query or fragment).
 *
 * @example
 * routeUrlField.parse('https://10.0.0.5:8443'); // { href: 'https://10.0.0.5:8443/', scheme: 'https', host: '10.0.0.5', port: 8443, base_path: '' }
 */
export const routeUrlField = parsedBy((v): RouteTarget => {
  const expected = 'expected a URL like https://10.0.0.5:8443 or http://tickets.internal/base';
  if (typeof v !== 'string') throw new TypeError(`${expected}; got ${describeValue(v)}`);
  let u: URL;
  try {
    u = new URL(v);
  } catch {
    throw new TypeError(`${expected}; got '${v}'`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new TypeError(`a route URL is http or https; got '${u.protocol.slice(0, -1)}' in '${v}'`);
  if (u.username !== '' || u.password !== '') throw new TypeError(`a route URL cannot carry a user or password; use the rule's credential instead`);
  if (u.search !== '' || u.hash !== '' || v.includes('?') || v.includes('#')) throw new TypeError(`a route URL cannot have a query or fragment; got '${v}'`);
  const scheme = u.protocol === 'https:' ? 'https' : 'http';
  const host = u.hostname.replace(/^\[|\]$/g, '');
  if (host === '') throw new TypeError(`${expected}; got '${v}'`);
  const port = u.port === '' ? (scheme === 'https' ? 443 : 80) : Number(u.port);
  return { href: u.href, scheme, host, port, base_path: u.pathname.replace(/\/+$/, '') };
});

/** A Host header value: a name or IP, with an optional port. */
const hostHeaderField = parsedBy((v) => {
  if (typeof v !== 'string' || !/^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9._-]+)(?::\d{1,5})?$/.test(v)) {
    throw new TypeError(`expected a Host header value like tickets.internal or tickets.internal:8443; got ${describeValue(v)}`);
  }
  const bare = v.replace(/:\d+$/, '');
  if (bare.startsWith('[') && isIP(bare.slice(1, -1)) !== 6) throw new TypeError(`'${v}' is bracketed but is not an IPv6 address`);
  return v.toLowerCase();
});

const filePath = z.string().min(1, { error: 'expected a file path; got an empty string' });

const routeSchema = strictSection({
  url: routeUrlField,
  ca: filePath.optional(),
  cert: filePath.optional(),
  key: filePath.optional(),
  host: hostHeaderField.optional(),
}).superRefine(
  (r, ctx) => {
    const raw = r as Record<string, unknown>;
    if ((raw.cert === undefined) !== (raw.key === undefined)) {
      const missing = raw.cert === undefined ? 'cert' : 'key';
      ctx.addIssue({ code: 'custom', path: [], message: `mTLS needs both cert and key; '${missing}' is missing` });
    }
  },
  { when: () => true },
);
export type Route = z.output<typeof routeSchema>;

/** `routes: { name: { url, ca?, cert?, key?, host? } }`. */
export const routesSchema = z.record(refNameField, routeSchema);

/** Identity: whether requests must carry a valid agent token, and the longest token lifetime. */
export const identitySchema = strictSection({
  required: z.boolean().default(true),
  max_ttl: durationField({ positive: true }).prefault('24h'),
});

/** `jsonl: stdout | PATH | false`. */
const jsonlField = parsedBy((v): string | false => {
  if (v === false || v === 'stdout') return v;
  if (typeof v === 'string' && v !== '') return v;
  throw new TypeError(`expected 'stdout', a file path, or false; got ${describeValue(v)}`);
});

/**
 * `audit.fail_closed`: which requests are refused (503 `audit_unavailable`) while the
 * trail cannot record them: `all` (default), `credentialed`, or `off`. `true` and
 * `false`, the older spelling, mean `all` and `off`.
 */
const failClosedField = z.union([z.boolean(), z.enum(['all', 'credentialed', 'off'])]).transform((v) => (v === true ? 'all' : v === false ? 'off' : v));

/** The audit sinks. The log always carries audit lines as well. */
export const auditSchema = strictSection({
  sqlite: z.boolean().default(true),
  jsonl: jsonlField.prefault(false),
  fail_closed: failClosedField.default('all'),
  /**
   * What a decision on record survives before anything leaves: `process` (a crash of
   * the gate; one write to the kernel) or `machine` (also the machine's; an fdatasync
   * shared by the requests waiting together).
   */
  durability: z.enum(['process', 'machine']).default('process'),
  /**
   * With `state.backend: postgres`: how much audit data a replica keeps waiting for
   * PostgreSQL (records not yet acknowledged, while it is unreachable or slow). Past it
   * the audit is unhealthy (credentialed requests are refused, as `fail_closed` says)
   * and further records wait in the journal for the next start.
   */
  spool_max: byteSizeField({ min: 1024 * 1024 }).prefault('256MiB'),
  /** How long `sluice audit prune` keeps records (`30d`); absent: it needs --before. */
  retain: retainField.optional(),
  /** The hash chain's signed checkpoints (audit/chain.ts). */
  chain: chainSection.prefault({}),
  /** OCSF events to a file, syslog or an HTTPS webhook (audit/ocsf/). */
  export: z.array(exportTarget).default([]),
});
