import type { Config } from '../../config/schema.js';
import type { InjectionScanner } from '../../inspect/injection/scanner.js';
import { decideTool as decideToolRules, isToolListed } from '../../inspect/mcp/tool-policy.js';
import type { CompiledPolicy } from '../../policy/compile.js';
import type { McpEnv, McpPolicyView } from '../../mcp/types.js';
import type { DlpSetup } from '../dlp-setup.js';

const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

/**
 * The MCP guard's view of one config load: the policy's tool rules, the scanners,
 * and the `mcp:` settings. Built with the rest of the state, so a reload swaps it
 * atomically.
 *
 * @example
 * const env = buildMcpEnv(config, policy, injection, dlp);
 */
export function buildMcpEnv(c: Config, policy: CompiledPolicy, injection: InjectionScanner, dlp: DlpSetup): McpEnv {
  return {
    policy: policyView(policy),
    dlp,
    injection,
    injectionAction: c.inspect.injection,
    settings: { pinning: 'enforce', chain: 'block', scanArgsInjection: true, maxMessageBytes: DEFAULT_MAX_MESSAGE_BYTES },
    newChain: null,
  };
}

function policyView(policy: CompiledPolicy): McpPolicyView {
  return {
    version: policy.version,
    decide: (server, tool, args) => {
      const d = decideToolRules(server, tool, args, [], 'allow');
      return { ...d, policyVersion: policy.version, intent: tool, wouldDeny: [] };
    },
    listed: (server, tool) => isToolListed(server, tool, [], 'allow'),
    serverFor: (host) => ({ host }),
  };
}
