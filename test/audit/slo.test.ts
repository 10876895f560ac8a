/**
 * audit/slo.ts: safe completion rate and containment time from records built with the
 * one record builder and revocation entries as the store lists them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { auditRecord } from '../../src/audit/record.js';
import { computeSlo } from '../../src/audit/slo.js';
import type { RevocationEntry } from '../../src/state/revocations.js';

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const at = (s: number): string => new Date(T0 + s * 1000).toISOString();
let n = 0;
function rec(session: string, s: number, over: Partial<AuditRecord> = {}): AuditRecord {
  return auditRecord({
    decision_id: `d${++n}`,
    time: at(s),
    policy_version: 'v',
    outcome: 'allow',
    reason: 'rule_allow',
    status: 200,
    who: { tenant: 'acme', agent: `agent-${session}`, session, human: null },
    ...over,
  });
}
const revoked = (kind: 'session' | 'agent', value: string, s: number): RevocationEntry => ({
  id: String(++n),
  kind,
  value,
  tenant: null,
  reason: null,
  revokedAt: T0 + s * 1000,
});

void test('safe completion rate: finished sessions without a breach refusal, over finished sessions', () => {
  const records = [
    rec('a', 0),
    rec('a', 10),
    rec('b', 0),
    rec('b', 5, { outcome: 'deny', reason: 'dlp_blocked', findings: [{ type: 'aws_access_key_id', location: 'body', action: 'block' }] }),
    rec('c', 0, { outcome: 'deny', reason: 'rate_limited' }), // operational: not a breach
    rec('d', 3590), // still active at now (idle 15m not reached)
  ];
  const slo = computeSlo(records, [], { now: new Date(T0 + 3600_000) });
  assert.equal(slo.sessions, 4);
  assert.equal(slo.finished, 3);
  assert.equal(slo.in_progress, 1);
  assert.equal(slo.safe, 2);
  assert.equal(slo.safe_completion_rate, 2 / 3);
});

void test('containment time: first finding to the revocation of the session or its agent; unrevoked is uncontained', () => {
  const records = [
    rec('x', 0),
    rec('x', 100, { findings: [{ type: 'prompt_injection', location: 'response.body', action: 'warn' }] }),
    rec('x', 130, { outcome: 'deny', reason: 'dlp_blocked' }),
    rec('y', 50, { outcome: 'deny', reason: 'rule_deny' }),
    rec('z', 10, { findings: [{ type: 'github_token', location: 'body', action: 'redact' }] }),
  ];
  // x: its session revoked 40 s after its first finding; y: its agent, 10 s after; an earlier revocation does not count.
  const slo = computeSlo(records, [revoked('session', 'x', 140), revoked('agent', 'agent-y', 60), revoked('session', 'z', 5)], { now: new Date(T0 + 200_000) });
  const by = Object.fromEntries(slo.containment.sessions.map((s) => [s.session, s]));
  assert.equal(by.x?.containment_ms, 40_000);
  assert.equal(by.x?.first_finding_what, 'finding: prompt_injection in response.body');
  assert.equal(by.y?.containment_ms, 10_000);
  assert.equal(by.z?.containment_ms, null, 'revoked before its finding: not contained by that revocation');
  assert.equal(slo.containment.contained, 2);
  assert.equal(slo.containment.uncontained, 1);
  assert.equal(slo.containment.max_ms, 40_000);
  assert.equal(slo.containment.p50_ms, 10_000);
  // Revoked sessions have finished; x and y breached (dlp_blocked, rule_deny), z did not.
  assert.equal(slo.finished, 3);
  assert.equal(slo.safe, 1);
});
