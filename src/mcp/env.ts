import type { Config } from '../config/schema.js';
import type { InjectionScanner } from '../inspect/injection/scanner.js';
import { decideTool, isToolListed, mcpServerFor } from '../policy/index.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { ChainTracker } from '../inspect/mcp/chain-tracker.js';
import type { McpEnv, McpPolicyView } from './types.js';
import type { DlpSetup } from '../inspect/dlp/dlp-setup.js';
import { ratePlan } from '../state/rate-plan.js';
import { redactPlan } from '../policy/redact-plan.js';
import { budgetPlan } from '../state/budget-plan.js';

/**
 * The MCP guard's view of one config load: the policy's tool rules, the scanners,
 * and the `mcp:` settings. Built with the rest of the state, so a reload swaps it
 * atomically.
 *
 * @example
 * const env = buildMcpEnv(config, policy, injection, dlp);
 */
export function buildMcpEnv(c: Config, policy: CompiledPolicy, injection: InjectionScanner, dlp: DlpSetup): McpEnv {
  const m = policy.mcp;
  return {
    policy: policyView(policy),
    dlp,
    injection,
    injectionAction: c.inspect.injection,
    settings: { pinning: m.pinning, chain: m.chain, scanArgsInjection: m.scanArgsInjection, maxMessageBytes: m.maxMessageBytes },
    newChain: m.chain === 'off' ? null : () => new ChainTracker({ action: m.chain === 'warn' ? 'warn' : 'block' }),
    rateLimits: ratePlan(c),
    approvals: policy.approvals,
    redactions: redactPlan(c.rules),
    budgets: budgetPlan(c),
  };
}

function policyView(policy: CompiledPolicy): McpPolicyView {
  return {
    version: policy.version,
    decide: (server, tool, args, who) => decideTool({ server, tool, args }, who, policy),
    listed: (server, tool, who) => isToolListed(server, tool, who, policy),
    serverFor: (host, path) => mcpServerFor(host, path, policy),
  };
}
