/**
 * What the MCP guard needs from the rest of the gate, as interfaces: the policy's
 * view of tools, the scanners, the settings, and who and where a channel is. The
 * HTTP proxy and the stdio wrapper each fill these in; the guard itself opens no
 * socket and reads no file.
 */
import type { AuditRecord } from '../audit/fields.js';
import type { Finding } from '../inspect/finding.js';
import type { InjectionScanner } from '../inspect/injection/scanner.js';
import type { McpServerRef } from '../inspect/mcp/tool-glob.js';
import type { DlpSetup } from '../inspect/dlp/dlp-setup.js';
import type { InspectProfile, Who } from '../policy/types.js';
import type { ApprovalSettings, ApprovalSpec } from '../policy/approval.js';
import type { RatePlan } from '../state/rate-plan.js';
import type { RedactPlan } from '../policy/redact-plan.js';
import type { StopStore } from '../state/stops.js';
import type { BudgetPlan } from '../state/budget-plan.js';

/** A tool-call decision, as the policy gives it. */
export interface ToolVerdict {
  outcome: 'allow' | 'deny' | 'approve';
  rule: string;
  reason: string;
  policyVersion: string;
  /** The rule's intent, else the tool name. */
  intent: string | null;
  /** Report-mode deny rules that matched before the deciding rule. */
  wouldDeny: readonly string[];
  /** `approve`: who approves and how (policy/approval.ts). */
  approval?: ApprovalSpec | null;
}

/** The policy, as far as tools go. */
export interface McpPolicyView {
  readonly version: string;
  decide(server: McpServerRef, tool: string, args: unknown, who: Who | null): ToolVerdict;
  /** False when every call to the tool would be denied: it is taken out of tools/list. */
  listed(server: McpServerRef, tool: string, who: Who | null): boolean;
  /** The server an HTTP endpoint is, for policy: its host, and the configured name whose hosts and paths match. */
  serverFor(host: string, path: string): McpServerRef;
}

export interface McpSettings {
  /** Rug-pull guard: block changed tools, only record them, or do not pin. */
  pinning: 'enforce' | 'report' | 'off';
  /** Tool-call chain detection. */
  chain: 'block' | 'warn' | 'off';
  /** Also scan tool-call arguments for prompt injection (an agent relaying injected text). */
  scanArgsInjection: boolean;
  /** A JSON-RPC message larger than this is refused. */
  maxMessageBytes: number;
}

/** A per-session detector of dangerous tool-call sequences. */
export interface ChainDetector {
  observe(call: { name: string; args: Record<string, unknown> }, now: number): Finding[];
}

/** What the guard reads from the gate's current state, per message (so a reload applies at once). */
export interface McpEnv {
  policy: McpPolicyView;
  dlp: DlpSetup;
  injection: InjectionScanner;
  /** The config's `inspect.injection` (a rule's override comes through the channel). */
  injectionAction: 'block' | 'strip' | 'warn' | 'off';
  settings: McpSettings;
  /** A new chain detector for a channel, or null when chain detection is off. */
  newChain: (() => ChainDetector) | null;
  /** Rate limits of this load (tool rules' `rate_limit:`); absent: none. */
  rateLimits?: RatePlan;
  /** Tool rules' `redact:` (policy/redact-plan.ts): fields of their results replaced; absent: none. */
  redactions?: RedactPlan;
  /** The kill switch, where tool calls do not cross the proxy (`sluice mcp`: mcp/steps/stop.ts); absent: not checked here. */
  stops?: Pick<StopStore, 'killedFor'>;
  /** Budgets of this load; absent: none. */
  budgets?: BudgetPlan;
  /**
   * Where the secret store's values are matched when this process does not hold them
   * (`sluice mcp`: the gate does it over the control socket). Resolves to
   * `known_secret` findings for the payload; absent where `dlp` already knows them.
   */
  knownSecrets?: (payload: unknown) => Promise<Finding[]>;
  /** `approvals:` and `blast_radius:` of this load; absent: their defaults. */
  approvals?: ApprovalSettings;
}

/** Who is on a channel and where its server is: fixed for the channel's life. */
export interface ChannelInfo {
  who: Who | null;
  server: McpServerRef;
  /** The name pins are kept under: the configured server name, else the host. */
  serverKey: string;
  /** Fields the tool-call audit records share with the HTTP exchange (or the stdio child). */
  audit: {
    transport: AuditRecord['transport'];
    scheme: string;
    host: string;
    port: number;
    path: string;
    address: string | null;
    credential: string | null;
    route: string | null;
  };
  /** The HTTP rule's inspection overrides, when the channel rides an HTTP exchange. */
  profile: InspectProfile | null;
}
