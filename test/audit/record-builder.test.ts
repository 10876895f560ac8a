import { test } from 'node:test';
import assert from 'node:assert/strict';
import { F } from '../../src/audit/fields.js';
import { auditRecord } from '../../src/audit/record.js';

const BASE = { decision_id: 'd1', time: '2026-01-01T00:00:00.000Z', policy_version: 'v1', outcome: 'deny', reason: 'overloaded', status: 503 } as const;

test("the one builder: every field of F, in F's order, with its empty value when not stated", () => {
  const r = auditRecord(BASE);
  assert.deepEqual(Object.keys(r), Object.values(F));
  assert.equal(r.tenant, null);
  assert.equal(r.method, '');
  assert.equal(r.transport, 'http');
  assert.deepEqual(r.findings, []);
  assert.equal(r.duration_ms, 0);
  assert.equal(r.error, null);
});

test('who fills tenant, agent, session and human; startNs fills the duration', () => {
  const r = auditRecord({ ...BASE, who: { tenant: 't', agent: 'a', session: 's', human: null }, startNs: process.hrtime.bigint() - 5_000_000n });
  assert.deepEqual([r.tenant, r.agent, r.session, r.human], ['t', 'a', 's', null]);
  assert.ok(r.duration_ms >= 5, String(r.duration_ms));
  assert.equal(auditRecord({ ...BASE, startNs: 0n, duration_ms: 7 }).duration_ms, 7);
});
