import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Decision } from '../policy/types.js';
import type { AuditRecord, Finding } from '../audit/fields.js';
import type { Host } from '../net/host.js';
import type { Principal } from '../identity/principal.js';
import type { TunnelContext } from './tunnel-context.js';
import type { ScanPace } from '../inspect/scan-pace.js';
import type { BudgetFacts, ExchangeBudget } from './budgets.js';
import type { ExchangeTrace } from '../observe/tracing.js';

/** Everything known about one request as it moves through the pipeline. */
export interface RequestContext {
  readonly decisionId: string;
  readonly time: string;
  readonly startNs: bigint;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly tunnel: TunnelContext | undefined;
  readonly transport: AuditRecord['transport'];
  /** Who is asking; null until identified (or when identity is not required). */
  principal: Principal | null;
  scheme: 'http' | 'https';
  host: Host | undefined;
  /** Canonical host text for decisions and audit ('' until classified). */
  hostText: string;
  port: number;
  /** Origin-form request target as sent upstream (path and query). */
  target: string;
  decision: Decision | undefined;
  address: string | null;
  bytesIn: number;
  bytesOut: number;
  findings: Finding[];
  outcome: AuditRecord['outcome'] | undefined;
  reason: string | undefined;
  error: string | null;
  policyVersion: string;
  /** The injected credential's reference name (never its value). */
  credential: string | null;
  /** The named private route taken, if any. */
  route: string | null;
  /** The gate answered itself (`respond:`). */
  synthesised: boolean;
  /** Request header names a rule set or removed. */
  rewritten: string[];
  /** Host and path as the audit trail may show them (set when they carried data DLP found). */
  auditHost: string | null;
  auditPath: string | null;
  /** Set when the exchange is an A2A message or agent card (the record's protocol, server and tool). */
  protocol: { name: 'a2a'; server: string; tool: string } | null;
  /** The status the gate wrote itself on a raw carrier (WebSocket, CONNECT): the record's `status`; -1 or absent: the response's. */
  rawStatus?: number;
  /** The kill or quarantine that refused or ended it (`kill:k3`, `quarantine:q7`): the record's `rule` (pipeline/stop.ts). */
  stoppedBy?: string;
  /** The decision is on record in the audit journal (audit-open.ts). */
  opened?: boolean;
  /** Pacing and CPU budget of this exchange's inspection (request body and response), made on first use. */
  /** The approval this request met (approve step, MCP approve step), for the audit record. */
  approvalId?: string | null;
  scanPace?: ScanPace;
  /** The budgets it counts in and its LLM usage tap, from govern to the record (budgets.ts). */
  budget?: ExchangeBudget;
  /** The record's budget, model, tokens and cost. */
  budgetFacts?: BudgetFacts;
  /** When the request was handed to the upstream (`process.hrtime.bigint()`): the gate's own work ends here (observe/metrics.ts). */
  sentNs?: bigint;
  /** When the upstream's final response head arrived: the upstream's latency is `headNs - sentNs`. */
  headNs?: bigint;
  /** The exchange's trace, when `telemetry.otlp` is on (observe/tracing.ts); absent otherwise. */
  trace?: ExchangeTrace | null;
}
