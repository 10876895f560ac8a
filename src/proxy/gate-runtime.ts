import type { Logger } from 'pino';
import type { CompiledPolicy } from '../policy/compile.js';
import type { Resolver } from '../net/resolve.js';
import type { AuditSink } from '../audit/sink.js';
import type { FailClosed } from '../audit/trail.js';
import type { SecretResolver } from '../credentials/refs.js';
import type { UpstreamPools } from '../net/upstream-pools.js';
import type { LeafCertCache } from '../tls/leaf-cache.js';
import type { TokenVerifier } from '../identity/token-verifier.js';
import type { RevocationStore } from '../state/revocations.js';
import type { StopStore } from '../state/stops.js';
import type { ForensicsStore } from '../state/forensics.js';
import type { RunAliases } from '../identity/run-aliases.js';
import type { LiveExchanges } from './live-exchanges.js';
import type { RouteRuntime } from '../net/routes.js';
import type { InspectConfig } from '../config/inspect-section.js';
import type { InjectionScanner } from '../inspect/injection/scanner.js';
import type { DlpSetup } from '../inspect/dlp/dlp-setup.js';
import type { McpEnv } from '../mcp/types.js';
import type { McpGuard } from '../mcp/guard.js';
import type { McpChannels } from './mcp/channels.js';
import type { ToolPinStore } from '../state/tool-pins.js';
import type { TenantNeedles } from './tenant-needles.js';
import type { GateLimits } from './limits.js';
import type { LoadedOperatorStep } from './pipeline/operator-steps.js';
import type { RatePlan } from '../state/rate-plan.js';
import type { RateBucketStore } from '../state/rate-buckets.js';
import type { ApprovalStore } from '../state/approvals.js';
import type { BlastRadiusStore } from '../state/blast-radius.js';
import type { RedactPlan } from '../policy/redact-plan.js';
import type { BudgetPlan } from '../state/budget-plan.js';
import type { BudgetStore } from '../state/budgets.js';
import type { LlmPlan } from './llm-apis.js';
import type { CredentialBroker } from '../credentials/broker/broker.js';

/**
 * The parts a request needs, swapped as one object on reload so a request sees
 * one consistent policy and resolver from start to end.
 */
export interface GateState {
  readonly policy: CompiledPolicy;
  readonly resolver: Resolver;
  /** Hosts tunnelled without interception (exact names and `*.` wildcards). */
  readonly passthrough: (host: string) => boolean;
  /** `identity.required`: refuse requests without a token (407). */
  readonly identityRequired: boolean;
  /** Named private routes, TLS material loaded. */
  readonly routes: ReadonlyMap<string, RouteRuntime>;
  /** Resolver for route targets: private addresses allowed (never the gate, never metadata). */
  readonly routeResolver: Resolver;
  /** `audit.fail_closed`: which requests are refused while the audit trail cannot record them. */
  readonly auditFailClosed: FailClosed;
  /** The config's `inspect:` section, and the scanners built from it. */
  readonly inspect: InspectConfig;
  readonly injection: InjectionScanner;
  readonly dlp: DlpSetup;
  /** The MCP guard's view of this load: tool policy, scanners, `mcp:` settings. */
  readonly mcp: McpEnv;
  /** `a2a:` settings. */
  readonly a2aCardPinning: 'enforce' | 'report' | 'off';
  readonly a2aMaxMessageBytes: number;
  /** Per tenant, the reflection needles of every secret its rules can inject: every response to it is scrubbed of them. */
  readonly scrub: TenantNeedles;
  /** Operators' own pipeline steps (`middleware:`), loaded with this config. */
  readonly operatorSteps: readonly LoadedOperatorStep[];
  /** Rate limits (rules' `rate_limit:`, `rate_limits:`); the buckets are the services' `rates`. */
  readonly rateLimits: RatePlan;
  /** Rules' `redact:` by rule id (policy/redact-plan.ts): their JSON responses reach the agent as partial results. */
  readonly redactions: RedactPlan;
  /** Budgets (`budgets:`); the counters are the services' `budgets`. */
  readonly budgets: BudgetPlan;
  /** Which requests are LLM API calls, and their prices (`llm:`). */
  readonly llm: LlmPlan;
}

/** Long-lived services shared by every request. */
export interface GateServices {
  readonly logger: Logger;
  readonly audit: AuditSink;
  readonly pools: UpstreamPools;
  readonly leaves: LeafCertCache;
  readonly identity: {
    readonly verifier: TokenVerifier;
    readonly revocations: RevocationStore;
    /** `sluice run` aliases: the run-scoped proxy password mapped to the run's current token (run-aliases.ts). */
    readonly aliases?: RunAliases;
  };
  /** Every in-flight exchange by identity, so expiry and revocation end them all. */
  readonly exchanges: LiveExchanges;
  /** Resolves a credential's `secret:` reference to its value; the only way to one. */
  readonly secrets: SecretResolver;
  /** The credential broker (oauth2, token_exchange, jwt forms); absent in embedders that build services themselves. */
  readonly broker?: CredentialBroker;
  /** Whether every audit sink that reports health is writing. */
  auditHealthy(): boolean;
  readonly timeouts: {
    readonly tlsHandshakeMs: number;
    readonly upstreamConnectMs: number;
    readonly idleMs: number;
  };
  state(): GateState;
  /** Rate-limit buckets, kept across reloads (state/rate-buckets.ts). */
  readonly rates: RateBucketStore;
  /** The kill switch and quarantines (pipeline/stop.ts); absent in embedders that build services themselves. */
  readonly stops?: StopStore;
  /** Sessions under forensics and where their exchanges are kept (pipeline/forensics.ts); absent: nothing is captured. */
  readonly forensics?: { readonly store: ForensicsStore; readonly dir: string };
  /** Budget counters (state/budgets.ts); absent in embedders that build services themselves (no budget is counted). */
  readonly budgets?: BudgetStore;
  /** Human approvals (pipeline/approve.ts); absent: a request that needs one is refused. */
  readonly approvals?: ApprovalStore;
  /** Per-session critical write domains and tool-call depth (blast radius). */
  readonly blast?: BlastRadiusStore;
  /** Connection, in-flight and memory limits (limits.ts); absent in embedders that build services themselves. */
  readonly limits?: GateLimits;
  /** MCP conversations seen through the proxy, and the guard every MCP message passes. */
  readonly mcp: {
    readonly guard: McpGuard;
    readonly channels: McpChannels;
    /** Tool and agent-card pins (state.db). */
    readonly pins: ToolPinStore;
  };
}
