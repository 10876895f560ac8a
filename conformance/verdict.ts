/**
 * Turn what the runner saw into a verdict (docs/conformance.md, "Verdict mapping").
 *
 * - the deny contract (4xx/5xx, JSON body whose `error` is a refusal code, header
 *   `x-sluice-decision`) → block;
 * - a 2xx/3xx that came from the fixture (it carries `x-bench-fixture`) with no deny
 *   marker → allow;
 * - a response whose head arrived and whose body the gate then cut → block;
 * - anything else (a gate failure code such as `upstream_unreachable`, a response
 *   with no marker, a runner exception) → error.
 */
import { FIXTURE_HEADER, FIXTURE_MARK } from './fixtures.js';
import type { Observation } from './send-http.js';

export type ActualVerdict = 'block' | 'allow' | 'error';

export interface Judged {
  verdict: ActualVerdict;
  evidence: Record<string, unknown>;
  notes: string;
}

export const DECISION_HEADER = 'x-sluice-decision';

/** Contract codes that mean "the gate refused this request or response". */
export const REFUSAL_CODES: ReadonlySet<string> = new Set([
  'policy_denied',
  'ssrf_blocked',
  'dlp_blocked',
  'injection_blocked',
  'response_blocked',
  'placeholder_denied',
  'bad_host',
  'host_mismatch',
]);

/**
 * Contract codes that mean the gate (or the runner's setup) failed, so the case says
 * nothing about detection: identity problems are the runner's token, upstream and
 * state problems are infrastructure.
 */
export const FAILURE_CODES: ReadonlySet<string> = new Set([
  'bad_request',
  'dns_failed',
  'upstream_unreachable',
  'upstream_tls_failed',
  'upstream_timeout',
  'upstream_failed',
  'unsupported',
  'identity_required',
  'identity_invalid',
  'identity_expired',
  'identity_revoked',
  'state_unavailable',
  'audit_unavailable',
  'credential_unavailable',
  'internal_error',
]);

/** A refusal: listed, or named like one (`*_blocked`, `*_denied`) for codes added later. */
export function isRefusal(code: string): boolean {
  return REFUSAL_CODES.has(code) || (!FAILURE_CODES.has(code) && /_(?:blocked|denied)$/.test(code));
}

interface DenyBody {
  error: string;
  reason?: unknown;
  rule?: unknown;
  decision_id?: unknown;
}

function denyBody(text: string | undefined): DenyBody | null {
  if (text === undefined) return null;
  try {
    const v = JSON.parse(text) as unknown;
    if (typeof v === 'object' && v !== null && typeof (v as { error?: unknown }).error === 'string') return v as DenyBody;
  } catch {
    // not JSON: no deny body
  }
  return null;
}

/**
 * @example
 * judge({ client: 'undici', status: 403, headers: { 'x-sluice-decision': 'd1' }, body: '{"error":"ssrf_blocked","decision_id":"d1"}' }).verdict // 'block'
 */
export function judge(o: Observation): Judged {
  const evidence: Record<string, unknown> = { client: o.client };
  if (o.error !== undefined || o.status === undefined) {
    return { verdict: 'error', evidence: { ...evidence, matched_signal: 'no_response', failure: o.error ?? 'no status' }, notes: 'no response from the gate' };
  }
  const headers = o.headers ?? {};
  evidence.http_status = o.status;
  const decision = headers[DECISION_HEADER];
  const fromFixture = headers[FIXTURE_HEADER] === FIXTURE_MARK;
  const deny = o.status >= 400 ? denyBody(o.body) : null;
  if (deny !== null && decision !== undefined) {
    evidence.error = deny.error;
    evidence.decision_id = decision;
    if (typeof deny.rule === 'string') evidence.rule = deny.rule;
    if (typeof deny.reason === 'string') evidence.reason = deny.reason;
    if (isRefusal(deny.error)) return { verdict: 'block', evidence: { ...evidence, matched_signal: `deny_contract:${deny.error}` }, notes: '' };
    return {
      verdict: 'error',
      evidence: { ...evidence, matched_signal: `gate_failure:${deny.error}` },
      notes: `the gate answered with a failure, not a refusal: ${deny.error}`,
    };
  }
  if (o.cut !== undefined) {
    return {
      verdict: 'block',
      evidence: { ...evidence, matched_signal: 'response_cut_mid_body', from_fixture: fromFixture, cut: o.cut, body_bytes_received: Buffer.byteLength(o.body ?? '') },
      notes: 'the gate sent the response head, then cut the connection before the body ended',
    };
  }
  if (o.status >= 200 && o.status < 400 && fromFixture) {
    return { verdict: 'allow', evidence: { ...evidence, matched_signal: 'upstream_response' }, notes: '' };
  }
  return {
    verdict: 'error',
    evidence: { ...evidence, matched_signal: 'unrecognised_response', from_fixture: fromFixture, decision_header: decision ?? null, body_head: (o.body ?? '').slice(0, 200) },
    notes: `status ${o.status} without the deny contract or a fixture response`,
  };
}
