/**
 * What the admin API asks of the process it runs in: the stores (state/), the audit
 * trail (audit/, through the runtime's reader), the gate's live view of open
 * exchanges, and the policy loads. The gate hands one over (proxy/gate-admin.ts); the
 * admin code never reaches into the pipeline.
 *
 * @example
 * const host: AdminHost = { config: () => gate.config, ... };
 * await AdminServer.start({ host, listen, logger });
 */
import type { AuditSink } from '../audit/sink.js';
import type { Config } from '../config/schema.js';
import type { AuditReader } from '../runtime/interfaces.js';
import type { ApprovalStore } from '../state/approvals.js';
import type { BudgetPlan } from '../state/budget-plan.js';
import type { BudgetStore } from '../state/budgets.js';
import type { RevocationStore } from '../state/revocations.js';
import type { StopStore } from '../state/stops.js';
import type { ToolPinStore } from '../state/tool-pins.js';
import type { PolicyHistory } from './policy-history.js';

/** Exchanges open under one session, as the gate's live registry sees them. */
export interface OpenSession {
  tenant: string;
  agent: string;
  session: string;
  human: string | null;
  exchanges: number;
  tunnels: number;
  /** Destinations of open exchanges that know theirs (host text). */
  destinations: string[];
}

export interface AdminHost {
  /** The config serving now. */
  config(): Config;
  policyVersion(): string;
  budgetPlan(): BudgetPlan;
  /** The audit trail's writer: every admin call is recorded here. */
  readonly audit: AuditSink;
  /** The audit trail's reader; null when no trail this API can read is configured (audit.sqlite off). */
  readonly reader: AuditReader | null;
  /** Release what the host opened for the API (a shared trail's reader), after the listener closed. */
  close?(): Promise<void>;
  readonly revocations: RevocationStore;
  readonly stops: StopStore;
  readonly budgets: BudgetStore | null;
  readonly approvals: ApprovalStore | null;
  readonly pins: ToolPinStore;
  /** Sessions with open exchanges now (the gate's LiveExchanges). */
  open(): OpenSession[];
  auditHealthy(): boolean;
  readonly history: PolicyHistory;
  /** Prometheus text (the metrics registry); absent until one is wired: /metrics answers 501. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  /**
   * Replay the audit trail against a candidate policy (sluice replay); absent until
   * wired: POST /api/v1/policy/replay answers 501.
   */
  replay?: (candidate: string, opts: { since?: Date; until?: Date; limit?: number }) => Promise<unknown>;
}
