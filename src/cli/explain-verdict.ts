/**
 * How `sluice explain` prints the gate's whole answer (proxy/gate-verdict.ts): the
 * answer first (`decision`; for a refusal by a check other than the policy, the deny
 * contract's status, error and reason and which step refused), then the policy's own
 * explanation and rule trace. Text for people, JSON (`--json`) for scripts.
 */
import { explainCredential } from '../policy/actions.js';
import type { Who } from '../policy/types.js';
import type { GateVerdict } from '../proxy/gate-verdict.js';
import { formatExplanation } from './explain.js';
import { formatDuration } from '../config/duration.js';
import { describeLimit, type RateLimit } from '../state/rate-plan.js';

const STAGE: Record<'stop' | 'host' | 'credential', string> = {
  stop: "the operator's stops, before any rule ('sluice kill', 'sluice quarantine' on this data directory): no rule can allow it",
  host: 'host checks, before any rule (SSRF for IP literals and loopback names, hostname DLP): no rule can allow it',
  credential: 'credential check, after the policy: credentials travel only over verified HTTPS unless the credential says allow_plaintext: true',
};

/**
 * @example
 * formatVerdict(gateVerdict(checks, parseRequestLine('GET http://169.254.169.254/'), null, policy), null);
 * // decision:   deny
 * // answer:     403 ssrf_blocked
 * // reason:     SSRF blocked: 169.254.169.254 -> 169.254.169.254 is metadata (169.254.169.254/32)
 * // stage:      host checks, before any rule ...
 * // rules say:  allow
 * // rule:       everything (rule_allow)
 * // ...
 */
export function formatVerdict(v: GateVerdict, who: Who | null, limits: readonly RateLimit[] = []): string {
  const policyLines = formatExplanation(v.explanation, who).split('\n');
  const lines = [`decision:   ${v.outcome}`];
  // A policy deny reads as it always has (its rule line says why); any other refusal says who refused.
  if (v.deny !== null && (v.stage === 'stop' || v.stage === 'host' || v.stage === 'credential')) {
    lines.push(
      `answer:     ${v.deny.status} ${v.deny.error}`,
      `reason:     ${v.deny.reason}`,
      ...(v.stage === 'stop' ? [`stopped by: ${v.deny.rule ?? ''}`] : []),
      `stage:      ${STAGE[v.stage]}`,
      `rules say:  ${v.explanation.decision.outcome}`,
    );
  }
  for (const f of v.findings) lines.push(`finding:    ${f.type} in ${f.location}${f.encoding ? ` (${f.encoding})` : ''}: ${f.action}`);
  // The policy's block without its own first line (the policy's outcome, said above).
  lines.push(...withRateLimits(policyLines.slice(1), limits));
  return lines.join('\n');
}

/**
 * `lines` with a `rate limit:` line per limit an allowed request or tool call counts
 * against (the rule's, then the gate's) put before the `policy:` line.
 *
 * @example
 * withRateLimits(['rule:       github (rule_allow)', 'policy:     a1b2'], limits);
 * // ['rule: ...', "rate limit: rule github's rate limit (10 requests per 1m, per identity)", 'policy: ...']
 */
export function withRateLimits(lines: readonly string[], limits: readonly RateLimit[]): string[] {
  const out = [...lines];
  const at = out.findIndex((l) => l.startsWith('policy:'));
  out.splice(at === -1 ? out.length : at, 0, ...limits.map((l) => `rate limit: ${describeLimit(l)}`));
  return out;
}

/** The limits as `--json` lists them. */
export function rateLimitsJson(limits: readonly RateLimit[]): Record<string, unknown>[] {
  return limits.map((l) => ({
    source: l.source === 'rule' ? 'rule' : `rate_limits.${l.source}`,
    rule: l.rule,
    by: l.by,
    requests: l.requests,
    per: formatDuration(l.perMs),
    burst: l.burst,
  }));
}

/**
 * The same as one JSON object. No secret value: a credential is its name and form.
 *
 * @example
 * JSON.stringify(verdictJson(v, who, []));
 * // {"outcome":"deny","answer":{"status":403,"error":"ssrf_blocked",...},"stage":"host","rules":{"outcome":"allow",...},"trace":[...]}
 */
export function verdictJson(v: GateVerdict, who: Who | null, notes: readonly string[], limits: readonly RateLimit[] = []): Record<string, unknown> {
  const d = v.explanation.decision;
  return {
    outcome: v.outcome,
    answer: v.deny,
    stage: v.stage,
    findings: v.findings,
    identity: who,
    rules: {
      outcome: d.outcome,
      rule: d.rule,
      reason: d.reason,
      policy_version: d.policyVersion,
      intent: d.intent,
      credential:
        d.credential === null
          ? null
          : {
              secret: d.credential.secret,
              type: d.credential.type,
              allow_plaintext: d.credential.allowPlaintext === true,
              how: explainCredential(d.credential),
            },
      route: d.route,
      respond: d.respond === null ? null : { status: d.respond.status },
      headers: d.headers,
      would_deny: d.wouldDeny,
    },
    rate_limits: rateLimitsJson(limits),
    trace: v.explanation.trace,
    notes,
  };
}
