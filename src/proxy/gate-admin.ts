import { createPublicKey } from 'node:crypto';
import type { Logger } from 'pino';
import { AdminServer } from '../admin/server.js';
import type { AdminHost } from '../admin/context.js';
import { ensureOperatorKey } from '../admin/operator-key.js';
import { PolicyHistory } from '../admin/policy-history.js';
import { join } from 'node:path';
import { AdminError } from '../admin/admin-errors.js';
import { replayPolicy, type PolicyReplay } from '../audit/replay-policy.js';
import { parseConfig, type LoadedConfig } from '../config/load.js';
import type { Config } from '../config/schema.js';
import { SqliteAuditReader } from '../runtime/audit-reader.js';
import type { AuditReader } from '../runtime/interfaces.js';
import { openPostgresAuditReader } from '../audit/postgres/open.js';
import type { ToolPinStore } from '../state/tool-pins.js';
import type { GateServices, GateState } from './gate-runtime.js';

/** What the admin API needs of a running gate (gate.ts hands it over once started). */
export interface AdminGate {
  config(): Config;
  current(): GateState;
  readonly services: GateServices;
  readonly pins: ToolPinStore;
  readonly history: PolicyHistory;
}

/**
 * Start the admin API (admin/) on `admin.listen`, when the config has one: null
 * otherwise. The operator key is made on first start (0600 in the data directory).
 * A listener that cannot be bound fails the start, as the proxy's own does: an
 * operator who asked for an admin API must not find a gate running without one.
 *
 * @example
 * gate.admin = await startAdmin(adminGate, logger);
 */
export async function startAdmin(g: AdminGate, log: Logger, extra: Pick<AdminHost, 'metrics' | 'replay'> = {}): Promise<AdminServer | null> {
  const c = g.config();
  if (c.admin.listen === undefined) return null;
  const key = await ensureOperatorKey(c.data_dir);
  const s = g.services;
  if (s.stops === undefined) throw new Error('the admin API needs the gate to hold the stop store');
  // The trail this gate's records go to: the shared one in PostgreSQL, or audit.db.
  const pgReader = c.state.backend === 'postgres' ? openPostgresAuditReader(c.state) : null;
  const reader: AuditReader | null = pgReader ?? (c.audit.sqlite ? new SqliteAuditReader(c.data_dir) : null);
  const host: AdminHost = {
    config: () => g.config(),
    policyVersion: () => g.current().policy.version,
    budgetPlan: () => g.current().budgets,
    audit: s.audit,
    reader,
    revocations: s.identity.revocations,
    stops: s.stops,
    budgets: s.budgets ?? null,
    approvals: s.approvals ?? null,
    pins: g.pins,
    open: () => s.exchanges.openSessions(),
    auditHealthy: () => s.auditHealthy(),
    history: g.history,
    ...(reader === null ? {} : { replay: (candidate, opts) => replayCandidate(g, reader, candidate, opts) }),
    close: async () => pgReader?.close(),
    ...extra,
  };
  const admin = await AdminServer.start({ host, listen: c.admin.listen, logger: log.child({ component: 'admin' }), pub: createPublicKey(key) });
  log.info({ url: admin.url }, 'admin API listening');
  return admin;
}

/**
 * `sluice replay` for the admin API: the candidate's text loaded as a reload would
 * load it (relative paths against the serving config's folder), then every recorded
 * decision in the window decided under both. A candidate that does not load is the
 * operator's mistake (400, with the loader's message), not the gate's.
 */
async function replayCandidate(
  g: AdminGate,
  reader: AuditReader,
  candidate: string,
  opts: { since?: Date; until?: Date; limit?: number },
): Promise<PolicyReplay> {
  const c = g.config();
  let loaded: LoadedConfig;
  try {
    loaded = parseConfig(candidate, g.history.current()?.file ?? join(c.data_dir, 'candidate.yaml'));
  } catch (err) {
    throw new AdminError('bad_request', err instanceof Error ? err.message : String(err));
  }
  if (!(await reader.exists())) throw new AdminError('unavailable', 'no audit trail has been written yet to replay');
  return replayPolicy(reader, loaded, { current: { config: c, version: g.current().policy.version }, ...opts });
}

/** The history of policy loads, seeded with the config the gate starts with. */
export function policyHistory(loaded: LoadedConfig): PolicyHistory {
  const h = new PolicyHistory(loaded.config.admin.policy_history);
  h.loaded(loaded);
  return h;
}
