import { decide as decidePolicy } from '../../policy/decide.js';
import type { Decision } from '../../policy/types.js';
import { Rejection } from '../errors-map.js';
import { headerAndQueryOverrides, overrideCheck } from '../method-override.js';
import { checkCredentialTransport, policyDenial } from '../pre-policy.js';
import type { Exchange } from './exchange.js';
import { refuseUnredactable } from '../partial-result.js';

/**
 * The policy's decision, the one place the gate calls `decide` for HTTP, WebSocket and
 * passthrough alike. A deny is refused here; an allow is checked for what the policy
 * cannot see on its own: the credential's transport (verified TLS only), and method or
 * path overrides (headers, `?_method=`), each decided as that method and path too.
 */
export function decide(x: Exchange, next: () => Promise<void>): Promise<void> {
  const req = x.req;
  const method = req.method ?? 'GET';
  const tunnel = x.transport === 'tunnel';
  const d = decideAs(x, method, x.target);
  x.decision = d;
  const outcome = d.outcome;
  switch (outcome) {
    case 'allow':
      break;
    // Allowed once a person approves: the approve step (after the body is read) holds or answers 428.
    case 'approve':
      break;
    case 'deny':
      throw denial(x, d, method, tunnel);
    default: {
      // A new outcome does not compile until it is handled here.
      const unhandled: never = outcome;
      throw new Rejection('internal_error', `the policy returned an outcome this gate does not handle: ${String(unhandled)}`, d.rule);
    }
  }
  if (d.wouldDeny.length > 0) x.outcome = 'would_deny';
  refuseUnredactable(x, d.rule);
  // A passthrough tunnel is decided by host alone: nothing of the request inside is seen.
  if (tunnel) return next();
  checkCredentialTransport(d, x.scheme, (name) => x.state.routes.get(name)?.scheme);
  const check = overrideCheck(x, (m, path) => decideAs(x, m, path));
  check({ method, source: '' });
  for (const o of headerAndQueryOverrides(req.headers, x.target)) check(o);
  return next();
}

/**
 * The exchange decided as `method` and `path`: same host, identity and the policy it
 * runs under (method overrides decide with it). A plain function of the exchange, not a
 * closure kept on it: in V8 11 (Node 20) calling a per-request closure through an
 * exchange field kept every request's objects alive across young-generation
 * collections (3 KB promoted per request instead of 0.1; design-notes.md).
 */
export function decideAs(x: Exchange, method: string, path: string): Decision {
  return decidePolicy({ scheme: x.scheme, host: x.hostText, port: x.port, method, path }, x.principal, x.state.policy);
}

function denial(x: Exchange, d: Decision, method: string, tunnel: boolean): Rejection {
  if (tunnel) return new Rejection('policy_denied', `no rule allows CONNECT ${x.hostText}:${x.port} (passthrough host, decided by host only)`, d.rule);
  return policyDenial(d, { method, scheme: x.scheme, host: x.hostText, port: x.port, path: x.target }, x.state.policy);
}
