/**
 * Turn an MCP conversation into a verdict (docs/conformance.md, "Verdict mapping",
 * MCP). RUNNER.md: "request or result withheld" and "explicit policy deny" are
 * block; "message forwarded without block signal" is allow.
 *
 * Each case step is judged on its own:
 * - the gate answered a request with JSON-RPC error -32001 (its refusal, `data.error`
 *   naming why) → block;
 * - the gate answered with another error of its own (`data.error` set) and the
 *   request never reached the fixture → block (withheld);
 * - a server message came back as an error instead of the fixture's result, or a
 *   tools/list came back with tools missing → block (withheld);
 * - an answer the fixture never gave, or none, while the request never reached the
 *   fixture → block (withheld); the fixture answered and nothing came back → block;
 * - over HTTP, the deny contract (4xx/5xx, `x-sluice-decision`, a refusal code) →
 *   block, as for HTTP cases;
 * - the fixture's answer arrived unchanged → allow (changed but not withheld, e.g.
 *   a stripped result: allow, `modified: true`).
 *
 * The case is block when any step is, else error when any step is, else allow. A
 * failed handshake (no `initialize` result), a runner request the gate refused
 * (the case's payload was then never served), a gate failure code, or a process
 * that died without answering is error.
 */
import type { McpArrival } from './fixtures-mcp.js';
import { FIXTURE_HEADER, FIXTURE_MARK } from './fixtures.js';
import { idOf, isObject, key, sameJson, type Json, type JsonRpcId, type McpPlan, type McpStep } from './mcp-plan.js';
import type { McpExchange, McpObservation } from './send-mcp.js';
import { FAILURE_CODES, judge, type Judged } from './verdict.js';

/** The JSON-RPC error code Sluice refuses an MCP message with. */
export const MCP_DENY_CODE = -32001;

interface StepVerdict {
  verdict: 'block' | 'allow' | 'error';
  signal: string;
  deny?: { error: string; reason?: string; rule?: string; decision_id?: string };
  httpStatus?: number;
  withheld?: string[];
  modified?: boolean;
  note?: string;
}

/**
 * @example
 * judgeMcp(plan, obs).verdict // 'block' when the gate answered the tools/call with -32001
 */
export function judgeMcp(plan: McpPlan, obs: McpObservation): Judged {
  const evidence: Record<string, unknown> = { client: obs.client, mcp_transport: obs.transport };
  if (obs.transport === 'mcp_http') evidence.endpoint = obs.target;
  if (obs.process) evidence.exit = { code: obs.process.code, signal: obs.process.signal };
  if (obs.unsolicited && obs.unsolicited.length > 0) evidence.unsolicited = obs.unsolicited.slice(0, 5);
  const arrived = (id: JsonRpcId, method: string): boolean =>
    obs.arrivals.some((a) => a.kind === 'request' && a.method === method && a.id !== null && key(a.id) === key(id));
  const caseArrivals = countCaseArrivals(plan, obs.arrivals);
  evidence.reached_upstream = caseArrivals.any;
  evidence.requests_reached_upstream = caseArrivals.requests;
  const stderrTail = obs.process ? `; sluice mcp stderr: ${obs.process.stderr.slice(-500)}` : '';
  if (obs.error !== undefined) {
    return { verdict: 'error', evidence: { ...evidence, matched_signal: 'no_response', failure: obs.error }, notes: `${obs.error}${stderrTail}` };
  }

  const hs = handshake(plan, obs, arrived);
  if (hs !== null) return { verdict: 'error', evidence: { ...evidence, ...hs.evidence, matched_signal: hs.signal }, notes: `${hs.note}${stderrTail}` };

  const steps: StepVerdict[] = [];
  const shown: Record<string, unknown>[] = [];
  plan.steps.forEach((step, i) => {
    const ex = obs.exchanges.find((e) => e.at === i);
    const v = judgeStep(step, ex, obs, arrived);
    steps.push(v);
    shown.push({
      step: i,
      method: step.kind === 'client' ? step.method : (step.request?.method ?? 'answer'),
      id: step.id,
      signal: v.signal,
      ...(ex?.http ? { http_status: ex.http.status, from_fixture: fromFixture(ex) } : {}),
      ...(v.modified ? { modified: true } : {}),
    });
  });
  evidence.steps = shown;
  const modified = steps.some((s) => s.modified === true);
  if (modified) evidence.modified = true;
  const block = steps.find((s) => s.verdict === 'block');
  if (block) {
    if (block.deny) Object.assign(evidence, block.deny);
    if (block.httpStatus !== undefined) evidence.http_status = block.httpStatus;
    if (block.withheld) evidence.withheld_tools = block.withheld;
    return { verdict: 'block', evidence: { ...evidence, matched_signal: block.signal }, notes: '' };
  }
  const err = steps.find((s) => s.verdict === 'error');
  if (err) {
    if (err.deny) Object.assign(evidence, err.deny);
    return { verdict: 'error', evidence: { ...evidence, matched_signal: err.signal }, notes: `${err.note ?? err.signal}${stderrTail}` };
  }
  return { verdict: 'allow', evidence: { ...evidence, matched_signal: modified ? 'mcp_forwarded_modified' : 'mcp_forwarded_unchanged' }, notes: '' };
}

/** The handshake must succeed (initialize answered by the fixture); null when it did. */
function handshake(
  plan: McpPlan,
  obs: McpObservation,
  arrived: (id: JsonRpcId, m: string) => boolean,
): { signal: string; note: string; evidence: Record<string, unknown> } | null {
  const init = obs.exchanges.find((e) => e.at === 'handshake' && e.sent?.method === 'initialize');
  const expected = plan.handshake.find((h) => h.message.method === 'initialize')?.expected;
  if (init?.http && init.http.status >= 300) {
    const j = judge({ client: 'undici', status: init.http.status, headers: init.http.headers, body: init.http.body });
    return {
      signal: 'handshake_refused',
      note: `the gate refused the runner's initialize (HTTP ${init.http.status}, ${typeof j.evidence.error === 'string' ? j.evidence.error : 'no deny body'})`,
      evidence: { http_status: init.http.status, error: j.evidence.error },
    };
  }
  if (!init || init.answer === undefined || !sameJson(init.answer, expected)) {
    const why = init?.failure ?? (init?.answer ? `unexpected answer ${JSON.stringify(init.answer).slice(0, 200)}` : 'no answer');
    return {
      signal: 'handshake_failed',
      note: `initialize failed: ${why}`,
      evidence: { reached_fixture: arrived(init ? (idOf(init.sent?.id) ?? '') : '', 'initialize') },
    };
  }
  return null;
}

function judgeStep(step: McpStep, ex: McpExchange | undefined, obs: McpObservation, arrived: (id: JsonRpcId, m: string) => boolean): StepVerdict {
  if (step.kind === 'server' && step.request === null) return { verdict: 'allow', signal: 'answer_to_earlier_step' };
  if (!ex || ex.sent === null) return { verdict: 'error', signal: 'not_sent', note: 'the runner did not send this step' };
  const sent = ex.sent;
  const method = String(sent.method);
  const id = idOf(sent.id);
  const ours = step.kind === 'server'; // the runner's own request, drawing out the case's server message
  const expected = step.kind === 'client' ? step.expected : step.message;

  if (ex.http && ex.http.status >= 300) {
    const j = judge({ client: 'undici', status: ex.http.status, headers: ex.http.headers, body: ex.http.body });
    const deny = denyFrom(j.evidence);
    if (j.verdict === 'block' && ours)
      return {
        verdict: 'error',
        signal: 'runner_request_refused',
        deny,
        note: `the gate refused the runner's ${method} (${String(j.evidence.error)}), so the case's server message was never served`,
      };
    return { verdict: j.verdict === 'allow' ? 'error' : j.verdict, signal: String(j.evidence.matched_signal), deny, httpStatus: ex.http.status, note: j.notes };
  }
  if (id === null) {
    // A notification: it should reach the fixture.
    const reached = obs.arrivals.some((a) => a.kind === 'notification' && a.method === method);
    return reached ? { verdict: 'allow', signal: 'notification_forwarded' } : { verdict: 'block', signal: 'notification_withheld' };
  }
  const reached = arrived(id, method);
  const a = ex.answer;
  if (a !== undefined && expected !== null && sameJson(a, expected)) return { verdict: 'allow', signal: 'forwarded_unchanged' };
  if (a !== undefined && isObject(a.error)) {
    const data = isObject(a.error.data) ? a.error.data : null;
    const code = a.error.code;
    const gateError = data !== null && typeof data.error === 'string' ? data.error : null;
    const deny = gateError !== null ? denyFrom(data!) : undefined;
    if (gateError !== null && FAILURE_CODES.has(gateError))
      return { verdict: 'error', signal: `gate_failure:${gateError}`, deny, note: `the gate failed: ${gateError}` };
    if (ours && !reached)
      return {
        verdict: 'error',
        signal: 'runner_request_refused',
        deny,
        note: `the gate refused the runner's ${method} (${gateError ?? String(code)}), so the case's server message was never served`,
      };
    if (code === MCP_DENY_CODE && gateError !== null) return { verdict: 'block', signal: `${ours ? 'result_replaced' : 'jsonrpc_deny'}:${gateError}`, deny };
    if (!reached || ours)
      return { verdict: 'block', signal: `${ours ? 'result_replaced' : 'jsonrpc_refusal'}:${String(code)}${gateError ? `:${gateError}` : ''}`, deny };
    return {
      verdict: 'error',
      signal: 'unexpected_error',
      note: `error ${String(code)} for a request the fixture answered with ${JSON.stringify(expected).slice(0, 200)}`,
    };
  }
  if (a !== undefined) {
    const withheld = withheldTools(expected, a);
    if (withheld.length > 0) return { verdict: 'block', signal: `tools_withheld:${withheld.join(',')}`, withheld };
    return { verdict: 'allow', signal: 'forwarded_modified', modified: true };
  }
  // Nothing came back for a request.
  const gone = obs.process !== undefined && ex.failure !== undefined && /exited/.test(ex.failure);
  if (ex.failure !== undefined && (obs.transport === 'mcp_http' || gone)) return { verdict: 'error', signal: 'no_response', note: ex.failure };
  if (ours && !reached)
    return { verdict: 'error', signal: 'runner_request_withheld', note: `the runner's ${method} never reached the fixture and got no answer` };
  return { verdict: 'block', signal: reached ? 'result_withheld' : 'request_withheld', ...(ex.http ? { httpStatus: ex.http.status } : {}) };
}

/** Names in the expected tools/list that are missing from the answer. */
function withheldTools(expected: Json | null, answer: Json): string[] {
  const names = (m: Json | null): string[] | null => {
    if (!m || !isObject(m.result) || !Array.isArray(m.result.tools)) return null;
    return (m.result.tools as unknown[]).flatMap((t) => (isObject(t) && typeof t.name === 'string' ? [t.name] : []));
  };
  const want = names(expected);
  if (want === null) return [];
  const got = new Set(names(answer) ?? []);
  return want.filter((n) => !got.has(n));
}

function denyFrom(o: Record<string, unknown>): StepVerdict['deny'] {
  const d: NonNullable<StepVerdict['deny']> = { error: typeof o.error === 'string' ? o.error : '' };
  if (typeof o.reason === 'string') d.reason = o.reason;
  if (typeof o.rule === 'string') d.rule = o.rule;
  if (typeof o.decision_id === 'string') d.decision_id = o.decision_id;
  return d;
}

/** Whether any of the case's own messages (or the runner's requests for them) reached the fixture; how many client requests did. */
function countCaseArrivals(plan: McpPlan, arrivals: readonly McpArrival[]): { any: boolean; requests: number } {
  const handshakeIds = new Set(plan.handshake.flatMap((h) => (idOf(h.message.id) !== null ? [key(idOf(h.message.id)!)] : [])));
  const mine = arrivals.filter((a) => a.kind === 'request' && a.id !== null && !handshakeIds.has(key(a.id)));
  const clientIds = new Set(plan.steps.flatMap((s) => (s.kind === 'client' && s.id !== null ? [key(s.id)] : [])));
  return { any: mine.length > 0, requests: mine.filter((a) => clientIds.has(key(a.id!))).length };
}

/** True when an HTTP answer came from the fixture, not the gate. */
export function fromFixture(ex: McpExchange): boolean {
  return ex.http?.headers[FIXTURE_HEADER] === FIXTURE_MARK;
}
