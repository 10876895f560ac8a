/**
 * The gate's own checks around the policy decision, with no I/O: before it, what the
 * host alone decides (hostname DLP: a name that carries data leaks at lookup time;
 * then SSRF for IP literals and for names that are loopback by definition); after
 * it, whether the decision's credential may travel to its upstream (verified TLS
 * only, unless `allow_plaintext`). Used by every transport of the gate and by
 * `sluice explain` / `sluice policy test`, so what the tools say is what the gate does.
 */
import type { Finding } from '../audit/fields.js';
import { SsrfBlockedError } from '../errors.js';
import { isLoopbackName, type Host } from '../net/host.js';
import type { Resolver } from '../net/resolve.js';
import { plaintextRefusal } from '../policy/credential-transport.js';
import type { Decision, RequestFacts } from '../policy/types.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { Rejection } from './errors-map.js';
import type { DlpSetup } from '../inspect/dlp/dlp-setup.js';
import { inspectHostname } from './inspect-request.js';

/** The request's target as classified, and where the checks record what they found. */
export interface PrePolicyTarget {
  host: Host | undefined;
  hostText: string;
  port: number;
  findings: Finding[];
  /** Set to a redacted host when hostname DLP found data in it. */
  auditHost: string | null;
}

/**
 * Throws a Rejection (`dlp_blocked`) or an SsrfBlockedError; returns the vetted
 * address for an IP literal (dial exactly that), null for a name.
 *
 * @example
 * const address = checkBeforePolicy(state, ctx); // throws for http://169.254.169.254/ or http://localhost/
 */
export function checkBeforePolicy(state: { dlp: DlpSetup; resolver: Resolver }, target: PrePolicyTarget): string | null {
  inspectHostname(state.dlp, target);
  const host = target.host;
  if (host === undefined) return null;
  // An IP literal is checked before policy: `http://0x7f.1/` is an SSRF attempt
  // whatever the rules say, and needs no DNS to know it.
  if (host.kind === 'ip') return state.resolver.vet(target.hostText, host.ip, target.port).address;
  // No opt-in (allow_private) covers a loopback name: the operator who means the
  // local host writes its address, which the rules then see as it is.
  if (isLoopbackName(host.name)) {
    throw new SsrfBlockedError(`SSRF blocked: ${host.name} is a loopback name (RFC 6761), refused without DNS`, {
      host: host.name,
      range: 'localhost',
      reason: 'loopback-name',
    });
  }
  return null;
}

/**
 * Refuse a decision whose credential would travel in clear: the upstream is the
 * rule's route (its scheme, from `routeScheme`) or the request's own scheme. Throws
 * a Rejection (403 `credential_plaintext_refused`) before anything is dialled or read.
 *
 * @example
 * checkCredentialTransport(decision, 'http', (name) => state.routes.get(name)?.scheme);
 */
export function checkCredentialTransport(
  decision: Decision,
  requestScheme: 'http' | 'https',
  routeScheme: (route: string) => 'http' | 'https' | undefined,
): void {
  if (decision.outcome === 'deny' || decision.credential === null) return;
  const scheme = decision.route === null ? requestScheme : (routeScheme(decision.route) ?? requestScheme);
  const refusal = plaintextRefusal(decision.credential, scheme, decision.route);
  if (refusal !== null) throw new Rejection('credential_plaintext_refused', refusal, decision.rule);
}

/**
 * The refusal for a policy deny, worded the same for the gate and the tools.
 *
 * @example
 * throw policyDenial(decision, { method: 'GET', scheme: 'https', host: 'x.test', port: 443 });
 */
export function policyDenial(
  decision: Decision,
  req: Pick<RequestFacts, 'method' | 'scheme' | 'host' | 'port'> & { path?: string },
  policy?: CompiledPolicy,
): Rejection {
  if (decision.reason !== 'no_rule_matched') return new Rejection('policy_denied', `rule ${decision.rule} denies this request`, decision.rule);
  // The path without its query (which may carry a token), bounded: enough for an agent to
  // see which resource was refused.
  const bare = (req.path ?? '').split('?')[0] ?? '';
  const path = bare.length > 200 ? `${bare.slice(0, 200)}…` : bare;
  let reason = `no rule allows ${req.method} ${req.scheme}://${req.host}:${req.port}${path} (deny by default)`;
  // Rules that name this host but did not match: the host is known, something narrower
  // (method, path, port, agent) refused it; say so, or an agent reads it as "host blocked".
  const near =
    policy === undefined
      ? []
      : [
          ...new Set(
            policy.byHost
              .lists(req.host)
              .flat()
              .map((e) => e.item.id),
          ),
        ];
  if (near.length > 0) {
    const named = near.length > 3 ? `${near.slice(0, 3).join(', ')}, …` : near.join(', ');
    reason += `; rule${near.length === 1 ? '' : 's'} ${named} cover${near.length === 1 ? 's' : ''} this host but not this method, path, port or identity`;
  }
  return new Rejection('policy_denied', reason, decision.rule);
}
