/**
 * Turn what an A2A case saw into a verdict (docs/conformance.md, "Verdict mapping",
 * A2A). Per request:
 *
 * - the HTTP deny contract (4xx/5xx, `x-sluice-decision`, a refusal code), or a body
 *   the gate cut after the head → block, exactly as for HTTP cases;
 * - a JSON-RPC error -32000 (the code Sluice refuses A2A messages with; -32001 is
 *   A2A's TaskNotFound) whose `data.error` is a refusal code (as a JSON answer, or
 *   as an event of the stream) → block;
 * - the card with skills missing (withheld) → block;
 * - the fixture's answer (the Message, the event stream, the card) unchanged → allow;
 *   changed but not withheld → allow with `modified: true`;
 * - anything else (a gate failure code, no response, an answer from nowhere) → error.
 *
 * The case is block when any request is, else error when any is, else allow.
 */
import { a2aAnswer, STREAM_METHOD } from './fixtures-a2a.js';
import { FIXTURE_HEADER, FIXTURE_MARK } from './fixtures.js';
import { isObject, sameJson, type Json } from './mcp-plan.js';
import type { A2aExchange, A2aObservation } from './send-a2a.js';
import { parse, sseData } from './send-mcp.js';
import { isRefusal, judge, type Judged } from './verdict.js';

/** The JSON-RPC error code Sluice refuses an A2A message with. */
export const A2A_DENY_CODE = -32000;

interface Part {
  verdict: 'block' | 'allow' | 'error';
  evidence: Record<string, unknown>;
  notes: string;
}

/**
 * @example
 * judgeA2a(obs, card).verdict // 'block' when the gate refused the card GET with the deny contract
 */
export function judgeA2a(obs: A2aObservation, card: unknown): Judged {
  const parts = obs.exchanges.map((ex) => judgeExchange(ex, card));
  const evidence: Record<string, unknown> = { client: 'undici', a2a_kind: obs.kind, url: obs.exchanges[0]?.url };
  if (parts.length > 1) evidence.requests = parts.map((p) => ({ signal: p.evidence.matched_signal, http_status: p.evidence.http_status }));
  const pick =
    parts.find((p) => p.verdict === 'block') ?? parts.find((p) => p.verdict === 'error') ?? parts.find((p) => p.evidence.modified === true) ?? parts[0];
  if (!pick) return { verdict: 'error', evidence: { ...evidence, matched_signal: 'nothing_sent' }, notes: 'the case has no request to send' };
  return { verdict: pick.verdict, evidence: { ...evidence, ...pick.evidence }, notes: pick.notes };
}

function judgeExchange(ex: A2aExchange, card: unknown): Part {
  if (ex.http === undefined)
    return { verdict: 'error', evidence: { matched_signal: 'no_response', failure: ex.failure }, notes: `no response from the gate: ${ex.failure ?? '?'}` };
  const h = ex.http;
  const fromFixture = h.headers[FIXTURE_HEADER] === FIXTURE_MARK;
  if (h.status >= 300 || h.cut !== undefined) {
    const j = judge({ client: 'undici', status: h.status, headers: h.headers, body: h.body, ...(h.cut !== undefined ? { cut: h.cut } : {}) });
    if (j.verdict !== 'allow') return { verdict: j.verdict, evidence: j.evidence, notes: j.notes };
  }
  const base: Record<string, unknown> = { http_status: h.status, from_fixture: fromFixture };
  const decision = h.headers['x-sluice-decision'];
  if (decision !== undefined) base.decision_id = decision;

  if (ex.sent === null) {
    const got = parse(h.body);
    if (h.status === 200 && sameJson(got, card)) return { verdict: 'allow', evidence: { ...base, matched_signal: 'card_unchanged' }, notes: '' };
    const missing = missingSkills(card, got);
    if (missing.length > 0) return { verdict: 'block', evidence: { ...base, matched_signal: 'card_skills_withheld', withheld_skills: missing }, notes: '' };
    if (fromFixture && h.status === 200 && isObject(got))
      return { verdict: 'allow', evidence: { ...base, matched_signal: 'card_modified', modified: true }, notes: '' };
    return {
      verdict: 'error',
      evidence: { ...base, matched_signal: 'unrecognised_response', body_head: h.body.slice(0, 200) },
      notes: `status ${h.status}: neither the card nor the deny contract`,
    };
  }

  const expected = a2aAnswer(ex.sent);
  const stream = ex.sent.method === STREAM_METHOD && (h.headers['content-type'] ?? '').startsWith('text/event-stream');
  const answers: unknown[] = stream ? sseData(h.body).map(parse) : h.body === '' ? [] : [parse(h.body)];
  const deny = answers.find(
    (a): a is Json =>
      isObject(a) &&
      isObject(a.error) &&
      a.error.code === A2A_DENY_CODE &&
      isObject(a.error.data) &&
      typeof a.error.data.error === 'string' &&
      isRefusal(a.error.data.error),
  );
  if (deny) {
    const d = (deny.error as { data: Record<string, unknown> }).data;
    const evidence: Record<string, unknown> = { ...base, matched_signal: `jsonrpc_deny:${String(d.error)}`, error: d.error };
    for (const k of ['reason', 'rule', 'decision_id']) if (typeof d[k] === 'string') evidence[k] = d[k];
    return { verdict: 'block', evidence, notes: '' };
  }
  if (expected === null) {
    // A notification: accepted is all it can be.
    return h.status === 202 || h.status === 200
      ? { verdict: 'allow', evidence: { ...base, matched_signal: 'notification_accepted' }, notes: '' }
      : { verdict: 'error', evidence: { ...base, matched_signal: 'unrecognised_response' }, notes: `status ${h.status} for a notification` };
  }
  if (answers.length === 1 && sameJson(answers[0], expected))
    return { verdict: 'allow', evidence: { ...base, matched_signal: stream ? 'stream_unchanged' : 'answer_unchanged' }, notes: '' };
  if (answers.length === 0 && fromFixture) return { verdict: 'block', evidence: { ...base, matched_signal: 'answer_withheld' }, notes: '' };
  if (fromFixture && answers.some(isObject)) return { verdict: 'allow', evidence: { ...base, matched_signal: 'answer_modified', modified: true }, notes: '' };
  return {
    verdict: 'error',
    evidence: { ...base, matched_signal: 'unrecognised_response', body_head: h.body.slice(0, 200) },
    notes: `status ${h.status}: neither the fixture's answer nor a refusal`,
  };
}

/** Skill ids of the case's card missing from what came back (all of them when no card came back). */
function missingSkills(card: unknown, got: unknown): string[] {
  const ids = (c: unknown): string[] =>
    isObject(c) && Array.isArray(c.skills) ? (c.skills as unknown[]).flatMap((s) => (isObject(s) && typeof s.id === 'string' ? [s.id] : [])) : [];
  if (!isObject(got)) return [];
  const have = new Set(ids(got));
  return ids(card).filter((id) => !have.has(id));
}
