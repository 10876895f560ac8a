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
 *
 * WebSocket cases (`judgeWs`): the gate closing the session with 1008 and
 * `sluice: policy violation <code>` → block; the upgrade refused with the deny
 * contract → block (as HTTP); every message echoed back unchanged and a normal close
 * (1000) → allow; anything else (another close code, a missing or changed echo, no
 * upgrade, a runner failure) → error.
 */
import { FIXTURE_HEADER, FIXTURE_MARK } from './fixtures.js';
import type { Observation } from './send-http.js';
import type { WsMessage, WsObservation } from './send-ws.js';

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
  'a2a_card_changed',
  'mcp_tool_changed',
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
      evidence: {
        ...evidence,
        matched_signal: 'response_cut_mid_body',
        from_fixture: fromFixture,
        cut: o.cut,
        body_bytes_received: Buffer.byteLength(o.body ?? ''),
      },
      notes: 'the gate sent the response head, then cut the connection before the body ended',
    };
  }
  if (o.status >= 200 && o.status < 400 && fromFixture) {
    return { verdict: 'allow', evidence: { ...evidence, matched_signal: 'upstream_response' }, notes: '' };
  }
  return {
    verdict: 'error',
    evidence: {
      ...evidence,
      matched_signal: 'unrecognised_response',
      from_fixture: fromFixture,
      decision_header: decision ?? null,
      body_head: (o.body ?? '').slice(0, 200),
    },
    notes: `status ${o.status} without the deny contract or a fixture response`,
  };
}

/** The close code and reason prefix the gate uses when it ends a session for policy. */
export const WS_POLICY_CLOSE = 1008;
export const WS_POLICY_REASON = 'sluice: policy violation ';

/**
 * @example
 * judgeWs({ client: 'ws', framesBy: 'ws', framesSent: 1, received: [], closedByRunner: false,
 *   close: { code: 1008, reason: 'sluice: policy violation dlp_blocked' } }, []).verdict // 'block'
 */
export function judgeWs(o: WsObservation, expected: readonly WsMessage[]): Judged {
  const evidence: Record<string, unknown> = { client: o.client, frames_by: o.framesBy };
  if (o.refused !== undefined) {
    const j = judge(o.refused);
    const e = { ...evidence, ...j.evidence, client: o.client, ws_upgraded: false };
    if (j.verdict !== 'allow') return { ...j, evidence: e };
    return {
      verdict: 'error',
      evidence: { ...e, matched_signal: 'no_upgrade' },
      notes: `status ${o.refused.status ?? '?'} from the fixture without switching protocols`,
    };
  }
  evidence.ws_upgraded = true;
  if (o.decisionId !== undefined) evidence.decision_id = o.decisionId;
  evidence.frames_sent = o.framesSent;
  evidence.messages_echoed = o.received.length;
  if (o.close !== undefined) {
    evidence.close_code = o.close.code;
    evidence.close_reason = o.close.reason;
  }
  if (o.close?.code === WS_POLICY_CLOSE && o.close.reason.startsWith(WS_POLICY_REASON)) {
    const code = o.close.reason.slice(WS_POLICY_REASON.length).trim();
    return { verdict: 'block', evidence: { ...evidence, error: code, matched_signal: `ws_close_1008:${code}` }, notes: '' };
  }
  // The gate refusing a frame it will not relay (protocol error 1002, message too big
  // 1009), with its own reason and the message never echoed, is a withheld result:
  // RUNNER.md counts "request or result withheld" as block.
  const withheld = o.received.length < expected.length;
  if (o.close !== undefined && (o.close.code === 1002 || o.close.code === 1009) && o.close.reason.startsWith('sluice: ') && withheld) {
    return { verdict: 'block', evidence: { ...evidence, matched_signal: `ws_close_${o.close.code}:withheld` }, notes: '' };
  }
  if (o.error !== undefined) {
    return { verdict: 'error', evidence: { ...evidence, matched_signal: 'no_response', failure: o.error }, notes: `the session failed: ${o.error}` };
  }
  const echoed = expected.length > 0 && o.received.length === expected.length && expected.every((m, i) => sameMessage(m, o.received[i]));
  if (echoed && o.closedByRunner && o.close?.code === 1000) {
    return { verdict: 'allow', evidence: { ...evidence, matched_signal: 'ws_echo_normal_close' }, notes: '' };
  }
  if (o.close !== undefined && o.close.code !== 1000) {
    const byGate = o.close.reason.startsWith('sluice: ');
    return {
      verdict: 'error',
      evidence: { ...evidence, matched_signal: `ws_close_${o.close.code}` },
      notes: `the ${byGate ? 'gate' : 'peer'} closed the session with ${o.close.code}${o.close.reason ? ` (${o.close.reason})` : ''}, not a policy close (1008)`,
    };
  }
  return {
    verdict: 'error',
    evidence: { ...evidence, matched_signal: 'echo_mismatch' },
    notes: `expected ${expected.length} message(s) echoed unchanged, got ${o.received.length}${echoed ? '' : ' (or different ones)'}`,
  };
}

function sameMessage(a: WsMessage, b: WsMessage | undefined): boolean {
  return b !== undefined && a.binary === b.binary && a.data.equals(b.data);
}
