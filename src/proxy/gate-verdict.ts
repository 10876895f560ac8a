/**
 * What the gate would answer a request, without sending it: the same checks in the
 * same order as the gate (host checks before policy, the policy, the credential
 * transport check), from the same functions (pre-policy.ts), so `sluice explain`
 * and `sluice policy test` cannot say `allow` where the gate says `ssrf_blocked`.
 */
import type { Finding } from '../audit/fields.js';
import { normalizeHost } from '../net/host.js';
import type { Resolver } from '../net/resolve.js';
import type { CompiledPolicy } from '../policy/compile.js';
import { explain } from '../policy/explain.js';
import type { Explanation, RequestFacts, Who } from '../policy/types.js';
import type { DlpSetup } from '../inspect/dlp/dlp-setup.js';
import { mapFailure } from './errors-map.js';
import { checkBeforePolicy, checkCredentialTransport, policyDenial, type PrePolicyTarget } from './pre-policy.js';
import { stopRefusal } from './pipeline/stop.js';
import type { StopStore } from '../state/stops.js';

/** What the checks need from a config load: the gate builds the same from the same config. */
export interface GateChecks {
  readonly dlp: DlpSetup;
  readonly resolver: Resolver;
  /** A route's URL scheme, by name. */
  routeScheme(route: string): 'http' | 'https' | undefined;
  /** The kill switch and quarantines in force (`sluice explain` on a data directory); absent: none are checked. */
  readonly stops?: Pick<StopStore, 'killedFor' | 'quarantined'>;
}

export interface GateVerdict {
  /** `approve`: allowed once a human approves it (the gate answers 428 or holds it). */
  outcome: 'allow' | 'deny' | 'approve';
  /** Which step refused: a kill or quarantine, the host checks before policy, the policy, or the credential transport check. */
  stage: 'stop' | 'host' | 'policy' | 'credential' | null;
  /** The deny contract as the agent would read it; null on allow. */
  deny: { status: number; error: string; reason: string; rule: string | null } | null;
  /** Hostname DLP findings (warnings included). */
  findings: Finding[];
  /** The policy's decision and rule trace; computed even when a host check refuses first. */
  explanation: Explanation;
}

/**
 * @example
 * gateVerdict(checks, parseRequestLine('GET http://169.254.169.254/latest'), null, policy).deny?.error; // 'ssrf_blocked'
 */
export function gateVerdict(checks: GateChecks, facts: RequestFacts, who: Who | null, policy: CompiledPolicy): GateVerdict {
  const explanation = explain(facts, who, policy);
  const target: PrePolicyTarget = { host: undefined, hostText: facts.host, port: facts.port, findings: [], auditHost: null };
  const refuse = (stage: GateVerdict['stage'], err: unknown): GateVerdict => {
    const f = mapFailure(err);
    return { outcome: 'deny', stage, deny: { status: f.status, error: f.error, reason: f.reason, rule: f.rule }, findings: target.findings, explanation };
  };
  try {
    const host = normalizeHost(facts.host);
    target.host = host;
    target.hostText = host.kind === 'ip' ? host.text : host.name;
  } catch (err) {
    return refuse('host', err);
  }
  try {
    const stopped = checks.stops ? stopRefusal(checks.stops, who?.tenant ?? null, target.host, target.hostText) : null;
    if (stopped !== null) return refuse('stop', stopped);
  } catch (err) {
    return refuse('stop', err);
  }
  try {
    checkBeforePolicy(checks, target);
  } catch (err) {
    return refuse('host', err);
  }
  const d = explanation.decision;
  if (d.outcome === 'deny') return refuse('policy', policyDenial(d, { ...facts, host: target.hostText }, policy));
  try {
    checkCredentialTransport(d, facts.scheme, (name) => checks.routeScheme(name));
  } catch (err) {
    return refuse('credential', err);
  }
  return { outcome: d.outcome, stage: null, deny: null, findings: target.findings, explanation };
}
