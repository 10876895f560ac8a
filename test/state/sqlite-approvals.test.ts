/**
 * The SQLite approval store with real files and two connections (as the gate and the
 * CLI are two processes): decided once, used once, the approver checked, a decision
 * written by one connection seen by the other's waiter, everything kept across a
 * reopen, widened grants scoped to their rule, tenant and session.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { SqliteApprovalStore } from '../../src/state/sqlite-approvals.js';
import { approvalDigest, type NewApproval } from '../../src/state/approvals.js';

const ask = (digest: string, over: Partial<NewApproval> = {}): NewApproval => ({
  digest,
  rule: 'deploy',
  tenant: 'acme',
  session: 's1',
  allowed: ['alice'],
  diff: {
    kind: 'http',
    method: 'POST',
    url: 'https://x.test:443/',
    tenant: 'acme',
    agent: 'bot',
    session: 's1',
    human: null,
    body: null,
    bodyBytes: 0,
    why: 'test',
  },
  ttlMs: 60_000,
  decisionId: 'd1',
  ...over,
});

describe('SqliteApprovalStore', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-approvals-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('the digest moves with every field', () => {
    const base = { method: 'POST', target: 'https://x.test:443/a', body: Buffer.from('{}'), who: { tenant: 'acme', agent: 'bot', session: 's1', human: null } };
    const d = approvalDigest(base);
    assert.notEqual(approvalDigest({ ...base, body: Buffer.from('{ }') }), d);
    assert.notEqual(approvalDigest({ ...base, body: null }), d);
    assert.notEqual(approvalDigest({ ...base, who: { ...base.who, session: 's2' } }), d);
    assert.notEqual(approvalDigest({ ...base, method: 'PUT' }), d);
    // Bytes moved from one field to the next do not give the same digest.
    assert.notEqual(approvalDigest({ ...base, who: { ...base.who, tenant: 'acmeb', agent: 'ot' } }), d);
    assert.equal(approvalDigest({ ...base }), d);
  });

  test('decided once by an allowed approver, used once across connections, kept across a reopen', async () => {
    const gate = SqliteApprovalStore.open(dir, { pollMs: 20 });
    const cli = SqliteApprovalStore.open(dir, { watch: false });
    try {
      const a = await gate.create(ask('d-once'));
      assert.equal(cli.get(a.id), null, 'a one-shot store loaded before the row existed');
      const cli2 = SqliteApprovalStore.open(dir, { watch: false });
      await assert.rejects(cli2.decide(a.id, { approve: true, by: 'mallory' }), /mallory may not decide/);
      const ac = new AbortController();
      const waiting = gate.settled(a.id, ac.signal);
      await cli2.decide(a.id, { approve: true, by: 'alice' });
      await assert.rejects(cli2.decide(a.id, { approve: false, by: 'alice' }), /approved/);
      const settled = await waiting;
      assert.equal(settled?.status, 'approved');
      assert.equal(settled?.decidedBy, 'alice');
      const uses = await Promise.all([gate.consume(a.id), cli2.consume(a.id), gate.consume(a.id)]);
      assert.deepEqual(
        uses.filter((u) => u),
        [true],
        'exactly one use',
      );
      await cli2.close();
      const reopened = SqliteApprovalStore.open(dir, { watch: false });
      const back = reopened.forDigest('d-once');
      assert.equal(back?.id, a.id);
      assert.equal(back?.status, 'approved');
      assert.notEqual(back?.usedAt, null);
      await reopened.close();
    } finally {
      await gate.close();
      await cli.close();
    }
  });

  test('a pending approval expires; deciding it then fails; a waiter is told', async () => {
    const s = SqliteApprovalStore.open(dir, { pollMs: 20 });
    try {
      const a = await s.create(ask('d-expire', { ttlMs: 50 }));
      const settled = await s.settled(a.id, new AbortController().signal);
      assert.equal(settled?.status, 'expired');
      await assert.rejects(s.decide(a.id, { approve: true, by: 'alice' }), /is expired/);
      const ac = new AbortController();
      const b = await s.create(ask('d-abort'));
      const waiting = s.settled(b.id, ac.signal);
      ac.abort();
      assert.equal(await waiting, null);
    } finally {
      await s.close();
    }
  });

  test('a widened grant covers its rule in its session (or tenant), nothing else', async () => {
    const s = SqliteApprovalStore.open(dir, { pollMs: 20 });
    try {
      const a = await s.create(ask('d-wide'));
      await s.decide(a.id, { approve: true, by: 'alice', scope: 'session', forMs: 60_000 });
      assert.equal(s.widened('deploy', 'acme', 's1')?.id, a.id);
      assert.equal(s.widened('deploy', 'acme', 's2'), null);
      assert.equal(s.widened('other', 'acme', 's1'), null);
      assert.equal(s.widened('deploy', 'beta', 's1'), null);
      const b = await s.create(ask('d-rule', { rule: 'ops' }));
      await assert.rejects(s.decide(b.id, { approve: true, by: 'alice', scope: 'rule' }), /needs a duration/);
      await s.decide(b.id, { approve: true, by: 'alice', scope: 'rule', forMs: 60_000 });
      assert.equal(s.widened('ops', 'acme', 'any-session')?.id, b.id);
      assert.equal(s.widened('ops', 'beta', 'any-session'), null);
    } finally {
      await s.close();
    }
  });
});
