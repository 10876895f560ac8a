/**
 * meetApproval with `maxPendingPerSession`, over the real SQLite approval store: past
 * the cap no approval is opened (`too_many`); a retry of a pending one is answered with
 * it; another session, and a session after a decision, may open more; the refusal
 * names the count and carries no approval.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openApprovalStore } from '../../src/state/index.js';
import type { ApprovalStore } from '../../src/state/approvals.js';
import { meetApproval, type ApprovalAsk } from '../../src/state/approval-flow.js';
import { approvalRefusal } from '../../src/state/approval-answer.js';
import { REFUSALS } from '../../src/refusals.js';

const spec = { approvers: ['alice'], roles: [], allowed: ['alice'], timeoutMs: 60_000, holdMs: 1000, mode: 'ask' as const };
const ask = (digest: string, session: string, cap = 2): ApprovalAsk => ({
  digest,
  rule: 'deploy',
  tenant: 'acme',
  session,
  spec,
  maxPendingPerSession: cap,
  diff: () => ({
    kind: 'http',
    method: 'POST',
    url: 'https://x.test:443/',
    tenant: 'acme',
    agent: 'bot',
    session,
    human: null,
    body: null,
    bodyBytes: 0,
    why: 'test',
  }),
  decisionId: 'd1',
});

describe('approvals: a cap on pending approvals per session', () => {
  let dir: string;
  let store: ApprovalStore;
  const signal = new AbortController().signal;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'sluice-approval-cap-'));
    store = await openApprovalStore(dir);
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('two open, the third is too_many and opens nothing; retries and other sessions go on', async () => {
    const a = await meetApproval(store, ask('dig-a', 's1'), signal);
    const b = await meetApproval(store, ask('dig-b', 's1'), signal);
    assert.equal(a.kind, 'ask');
    assert.equal(b.kind, 'ask');
    const c = await meetApproval(store, ask('dig-c', 's1'), signal);
    assert.deepEqual(c, { kind: 'too_many', entry: null, pending: 2, limit: 2 });
    assert.equal(store.list().length, 2, 'nothing opened');
    const r = approvalRefusal(c);
    assert.equal(r.error, 'too_many_pending_approvals');
    assert.equal(REFUSALS[r.error].status, 429);
    assert.equal(r.approval, null);
    assert.match(r.reason, /already has 2 approvals pending, the most approvals\.max_pending_per_session allows/);

    const retry = await meetApproval(store, ask('dig-a', 's1'), signal);
    assert.equal(retry.kind, 'ask');
    assert.equal(retry.entry?.id, a.entry?.id);
    assert.equal((await meetApproval(store, ask('dig-c-s2', 's2'), signal)).kind, 'ask', 'another session');
    assert.equal((await meetApproval(store, ask('dig-c', 's1', 0), signal)).kind, 'ask', '0: no cap of its own');

    await store.decide(b.entry.id, { by: 'alice', approve: false });
    // s1 has a and c pending now (c opened under cap 0 above): still at the cap of 2.
    assert.equal((await meetApproval(store, ask('dig-d', 's1'), signal)).kind, 'too_many');
    assert.equal((await meetApproval(store, ask('dig-d', 's1', 3), signal)).kind, 'ask');
  });
});
