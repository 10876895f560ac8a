import type { LoadedConfig } from '../config/load.js';
import { CidrSet } from '../net/cidr.js';
import { Resolver, type Endpoint } from '../net/resolve.js';
import { compileConfigPolicy } from '../policy/compile.js';
import { HostIndex } from '../policy/host-index.js';
import type { GateState } from './gate-runtime.js';
import { buildRoutes } from '../net/routes.js';
import { injectionScannerFor } from '../inspect/injection/scanner.js';
import type { SecretResolver } from '../credentials/refs.js';
import { buildDlp } from '../inspect/dlp/dlp-setup.js';
import { agentResolver, metadataOptIn } from './agent-resolver.js';
import { buildMcpEnv } from '../mcp/env.js';
import { TenantNeedles } from './tenant-needles.js';
import { loadOperatorSteps } from './pipeline/operator-steps.js';
import { stepNames } from './pipeline/index.js';
import { ratePlan } from '../state/rate-plan.js';
import { redactPlan } from '../policy/redact-plan.js';
import { budgetPlan } from '../state/budget-plan.js';
import { llmPlan } from './llm-apis.js';

/**
 * Everything a config load decides, built completely before it is swapped in: a
 * config whose routes' files cannot be read, or whose rules do not compile, never
 * replaces the one serving.
 */
export async function buildState(
  loaded: LoadedConfig,
  selfEndpoints: () => readonly Endpoint[],
  upstreamTrust: readonly string[],
  secrets: { resolver: SecretResolver; names: () => readonly string[] },
): Promise<GateState> {
  const c = loaded.config;
  const passthrough = new HostIndex<true>();
  for (const p of c.tls.passthrough) passthrough.add(p, true);
  const hosts = new Map(Object.entries(c.dns.hosts));
  const allowMetadata = metadataOptIn(c);
  const policy = compileConfigPolicy(c, loaded.version);
  const injection = injectionScannerFor({ maxScanBytes: c.inspect.max_response_scan_bytes, disabled: c.inspect.injection_disabled });
  const dlp = buildDlp(c.inspect, secrets.resolver, secrets.names());
  return {
    policy,
    resolver: agentResolver(c, selfEndpoints),
    routeResolver: new Resolver({
      hosts,
      allowPrivate: new CidrSet(['0.0.0.0/0', '::/0']),
      allowMetadata,
      selfEndpoints,
      cacheTtlMs: c.dns.cache_ttl,
    }),
    routes: await buildRoutes(c.routes, upstreamTrust),
    passthrough: (host) => passthrough.candidates(host).length > 0,
    identityRequired: c.identity.required,
    auditFailClosed: c.audit.fail_closed,
    inspect: c.inspect,
    injection,
    dlp,
    mcp: buildMcpEnv(c, policy, injection, dlp),
    a2aCardPinning: c.a2a.card_pinning,
    a2aMaxMessageBytes: c.a2a.max_message_bytes,
    scrub: new TenantNeedles(policy, secrets.resolver),
    operatorSteps: await loadOperatorSteps(c.middleware, stepNames()),
    rateLimits: ratePlan(c),
    redactions: redactPlan(c.rules),
    budgets: budgetPlan(c),
    llm: llmPlan(c.llm),
  };
}
