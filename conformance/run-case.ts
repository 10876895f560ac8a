/** Run one case against the harness: applicability, send, judge, evidence. */
import type { BenchCase } from './case.js';
import type { Harness } from './harness.js';
import { applicability, type ToolProfile } from './profile.js';
import { line, type ResultLine, type RunIdentity } from './result.js';
import { runA2aCase } from './run-a2a.js';
import { runMcpCase, type McpRunOptions } from './run-mcp.js';
import { caseRequest, sendHttpCase } from './send-http.js';
import { sendWsCase, wsCaseRequest } from './send-ws.js';
import { judge, judgeWs } from './verdict.js';

const HTTP_TRANSPORTS = new Set(['fetch_proxy', 'http_proxy']);
const HTTP_INPUTS = new Set(['url', 'header', 'request_body', 'response_content']);
const MCP_TRANSPORTS = new Set(['mcp_http', 'mcp_stdio']);
const MCP_INPUTS = new Set(['mcp_tool_call', 'mcp_tool_result', 'mcp_tool_definition', 'mcp_tool_sequence']);
const A2A_INPUTS = new Set(['a2a_message', 'a2a_agent_card']);

export type { RunIdentity };

/** The not_applicable line for a case, or null when the case applies. */
export function notApplicable(c: BenchCase, profile: ToolProfile, who: RunIdentity): ResultLine | null {
  const why = applicability(c, profile);
  return why === null ? null : line(c, who, 'not_applicable', {}, why);
}

/** Send an applicable case through the gate and build its result line. */
export async function runCase(c: BenchCase, h: Harness, who: RunIdentity, opts: McpRunOptions = {}): Promise<ResultLine> {
  if (c.transport === 'websocket' && c.input_type === 'websocket_frame') return runWsCase(c, h, who);
  if (MCP_TRANSPORTS.has(c.transport) && MCP_INPUTS.has(c.input_type)) return runMcpCase(c, h, who, opts);
  if (c.transport === 'a2a' && A2A_INPUTS.has(c.input_type)) return runA2aCase(c, h, who);
  if (!HTTP_TRANSPORTS.has(c.transport) || !HTTP_INPUTS.has(c.input_type)) {
    return line(c, who, 'error', {}, `the runner cannot send input_type ${c.input_type} over transport ${c.transport}`);
  }
  const exited = h.gateExit();
  if (exited) return line(c, who, 'error', { matched_signal: 'gate_down' }, `the gate exited (code ${exited.code}, signal ${exited.signal})`);
  let req;
  try {
    req = caseRequest(c);
  } catch (err) {
    return line(c, who, 'error', {}, `bad payload: ${(err as Error).message}`);
  }
  // Only http(s) URLs are sent, and the gate's rules route every http(s) name to a
  // loopback fixture: a case cannot reach anything else.
  if (!/^https?:\/\//i.test(req.url)) return line(c, who, 'error', {}, `not an http(s) URL: ${req.url}`);

  await h.audit.read(); // drop anything left from earlier cases
  const obs = await sendHttpCase({ port: h.gatePort, token: h.token, caPem: h.gateCaPem }, req);
  const judged = judge(obs);
  const evidence: Record<string, unknown> = { ...judged.evidence, reached_upstream: h.fixtures.arrivals(c.id).length > 0 };
  if (c.input_type === 'response_content' && judged.verdict === 'allow' && typeof c.payload.response_body === 'string') {
    evidence.body_modified = obs.body !== c.payload.response_body;
  }
  await attachAudit(h, evidence, obs.error === undefined ? 500 : 100);
  let notes = judged.notes;
  if (judged.verdict === 'error' && h.gateExit()) notes = `${notes}; the gate exited: ${h.gateStderr().slice(-500)}`;
  return line(c, who, judged.verdict, evidence, notes);
}

/**
 * A `websocket_frame` case: open the case's ws(s):// URL through the gate (routed to
 * the fixture's echo server like any http(s) name), send its frames, judge the session.
 */
async function runWsCase(c: BenchCase, h: Harness, who: RunIdentity): Promise<ResultLine> {
  const exited = h.gateExit();
  if (exited) return line(c, who, 'error', { matched_signal: 'gate_down' }, `the gate exited (code ${exited.code}, signal ${exited.signal})`);
  let req;
  try {
    req = wsCaseRequest(c);
  } catch (err) {
    return line(c, who, 'error', {}, `bad payload: ${(err as Error).message}`);
  }
  await h.audit.read(); // drop anything left from earlier cases
  const obs = await sendWsCase({ port: h.gatePort, token: h.token, caPem: h.gateCaPem }, req);
  const judged = judgeWs(obs, req.messages);
  const evidence: Record<string, unknown> = {
    ...judged.evidence,
    reached_upstream: h.fixtures.arrivals(c.id).length > 0,
    messages_reached_upstream: h.fixtures.wsMessages(c.id).length,
  };
  // The session's record is written when both sides have closed: allow it a moment.
  // Returns at the first record; the bound only matters on a loaded machine.
  await attachAudit(h, evidence, obs.error === undefined ? 10_000 : 500);
  let notes = judged.notes;
  if (judged.verdict === 'error' && h.gateExit()) notes = `${notes}; the gate exited: ${h.gateStderr().slice(-500)}`;
  return line(c, who, judged.verdict, evidence, notes);
}

/** The gate's own record of the case (by decision id when known) as `evidence.audit`. */
async function attachAudit(h: Harness, evidence: Record<string, unknown>, waitMs: number): Promise<void> {
  // With the decision id, wait for that record: a record of the case before (a session
  // that closed late) may come first and must not end the wait.
  const id = typeof evidence.decision_id === 'string' ? evidence.decision_id : undefined;
  const records = id !== undefined ? await h.audit.collect((r) => r.decision_id === id, { decisionId: id, timeoutMs: waitMs }) : await h.audit.next(waitMs);
  const mine = id !== undefined ? records.filter((r) => r.decision_id === id) : records;
  const rec = mine[0];
  if (rec === undefined) return;
  evidence.audit = {
    outcome: rec.outcome,
    reason: rec.reason,
    rule: rec.rule,
    route: rec.route,
    findings: rec.findings,
  };
}
