/**
 * Run one A2A case (`a2a_message` or `a2a_agent_card`) against the harness: send it
 * through the gate to the A2A fixture agent, judge it, add what reached the fixture
 * and the gate's audit records.
 */
import type { BenchCase } from './case.js';
import { caseCard } from './fixtures-a2a.js';
import type { Harness } from './harness.js';
import { line, type ResultLine, type RunIdentity } from './result.js';
import { sendA2aCase } from './send-a2a.js';
import { judgeA2a } from './verdict-a2a.js';

/** Send an applicable A2A case and build its result line. */
export async function runA2aCase(c: BenchCase, h: Harness, who: RunIdentity, scheme: 'http' | 'https' = 'https'): Promise<ResultLine> {
  const exited = h.gateExit();
  if (exited) return line(c, who, 'error', { matched_signal: 'gate_down' }, `the gate exited (code ${exited.code}, signal ${exited.signal})`);
  await h.audit.read(); // drop anything left from earlier cases
  let obs;
  try {
    obs = await sendA2aCase({ port: h.gatePort, token: h.token, caPem: h.gateCaPem }, c, scheme);
  } catch (err) {
    return line(c, who, 'error', {}, `bad payload: ${(err as Error).message}`);
  }
  const judged = judgeA2a(obs, caseCard(c));
  const arrivals = h.fixtures.arrivals(c.id);
  const evidence: Record<string, unknown> = {
    ...judged.evidence,
    reached_upstream: arrivals.length > 0,
    messages_reached_upstream: arrivals.filter((a) => a.method === 'POST').length,
  };
  const id = typeof evidence.decision_id === 'string' ? evidence.decision_id : undefined;
  const host = typeof evidence.url === 'string' ? new URL(evidence.url).hostname : '';
  const records = await h.audit.collect((r) => r.host === host || r.server === host, { ...(id !== undefined ? { decisionId: id } : {}) });
  const rec = (id !== undefined ? records.find((r) => r.decision_id === id) : undefined) ?? records.at(-1);
  if (rec !== undefined)
    evidence.audit = { outcome: rec.outcome, reason: rec.reason, rule: rec.rule, route: rec.route, protocol: rec.protocol, findings: rec.findings };
  let notes = judged.notes;
  if (judged.verdict === 'error' && h.gateExit()) notes = `${notes}; the gate exited: ${h.gateStderr().slice(-500)}`;
  return line(c, who, judged.verdict, evidence, notes);
}
