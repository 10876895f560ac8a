/**
 * The registry behind "identity ends everything it started", against a real revocation
 * store (state.db in a temp dir): which exchanges a revocation or an expiry ends, in
 * which order, and what it leaves alone.
 */
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { IdentityError } from '../../src/identity/errors.js';
import type { Principal } from '../../src/identity/principal.js';
import { issueToken } from '../../src/identity/tokens.js';
import { LiveExchanges } from '../../src/proxy/live-exchanges.js';
import { openRevocationStore } from '../../src/state/index.js';
import { tempDir } from '../identity/fixtures.js';

const { privateKey: key } = generateKeyPairSync('ed25519');

async function setup(): Promise<{
  ex: LiveExchanges;
  revoke: (kind: 'session' | 'agent' | 'token', value: string) => Promise<void>;
  close: () => Promise<void>;
}> {
  const store = await openRevocationStore(await tempDir());
  const ex = new LiveExchanges({ revocations: store, toleranceMs: 1000 });
  store.onChange(() => ex.sweep());
  return {
    ex,
    revoke: async (kind, value) => void (await store.revoke({ kind, value })),
    close: () => store.close(),
  };
}

/** An exchange that records how it was ended. */
function exchange(log: string[], name: string, carrier = false): { carrier: boolean; end: (why: IdentityError) => void } {
  return { carrier, end: (why) => log.push(`${name}:${why.reason}`) };
}

void test('a revocation ends exactly the exchanges of the identity it names, carried ones before their tunnel', async () => {
  const { ex, revoke, close } = await setup();
  const a = (await issueToken(key, { tenant: 'acme', agent: 'bot', session: 'ses_a' })).principal;
  const b = (await issueToken(key, { tenant: 'acme', agent: 'bot', session: 'ses_b' })).principal;
  const log: string[] = [];
  ex.hold(a, exchange(log, 'tunnel-a', true));
  ex.hold(a, exchange(log, 'req-a'));
  const releaseDone = ex.hold(a, exchange(log, 'done-a'));
  ex.hold(b, exchange(log, 'req-b'));
  releaseDone();
  releaseDone(); // idempotent
  await revoke('session', 'ses_a');
  assert.deepEqual(log, ['req-a:identity_revoked', 'tunnel-a:identity_revoked']);
  assert.equal(ex.size, 1, 'the other session is untouched');
  assert.throws(
    () => ex.hold(a, exchange(log, 'late')),
    (e: unknown) => e instanceof IdentityError && e.reason === 'identity_revoked',
  );
  await revoke('agent', 'bot');
  assert.deepEqual(log.slice(2), ['req-b:identity_revoked']);
  assert.equal(ex.size, 0);
  await close();
});

void test('two tokens that share a jti never share a verdict: revoking one session leaves the other', async () => {
  const { ex, revoke, close } = await setup();
  const a = (await issueToken(key, { tenant: 'acme', agent: 'bot', session: 'ses_x' })).principal;
  const twin: Principal = Object.freeze({ ...a, session: 'ses_y' });
  const log: string[] = [];
  ex.hold(a, exchange(log, 'x'));
  ex.hold(twin, exchange(log, 'y'));
  await revoke('session', 'ses_y');
  assert.deepEqual(log, ['y:identity_revoked']);
  await close();
});

void test('expiry ends every exchange of the token at exp plus the tolerance, and an expired token cannot register', async () => {
  const { ex, close } = await setup();
  const p = (await issueToken(key, { tenant: 'acme', agent: 'bot', ttlMs: 1000 })).principal;
  const log: string[] = [];
  ex.hold(p, exchange(log, 'ws'));
  ex.hold(p, exchange(log, 'sse'));
  const until = p.expiresAt + 1000 + 3000;
  while (log.length < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(log.sort(), ['sse:identity_expired', 'ws:identity_expired']);
  assert.throws(
    () => ex.hold(p, exchange(log, 'late')),
    (e: unknown) => e instanceof IdentityError && e.reason === 'identity_expired',
  );
  await close();
});

void test('carryOver: a renewed token takes over the open exchanges; they end at its expiry, not the old one, and release counts right', () => {
  let now = 1_000_000;
  const ended: string[] = [];
  const reg = new LiveExchanges({ revocations: { isRevoked: () => null }, toleranceMs: 0, now: () => now });
  const base = { tenant: 't', agent: 'a', session: 'ses_x', human: null, labels: {}, policyVersion: null };
  const oldP = { ...base, tokenId: 'j1', issuedAt: now - 1000, expiresAt: now + 60_000 };
  const newP = { ...base, tokenId: 'j2', issuedAt: now, expiresAt: now + 120_000 };
  const releaseA = reg.hold(oldP, { end: (why) => ended.push(`a:${why.reason}`) });
  reg.hold(oldP, { carrier: true, end: (why) => ended.push(`tunnel:${why.reason}`) });
  reg.carryOver(oldP, newP);
  assert.equal(reg.size, 2);
  assert.deepEqual(reg.summary().sessions, [{ tenant: 't', agent: 'a', session: 'ses_x', exchanges: 2 }]);
  releaseA();
  assert.equal(reg.size, 1, 'a release after the carry-over counts against the new holder');
  // Another session's token never takes them over.
  reg.carryOver(newP, { ...newP, session: 'ses_other', tokenId: 'j3' });
  assert.equal(reg.summary().sessions[0]?.session, 'ses_x');
  now += 61_000;
  reg.sweep();
  assert.deepEqual(ended, [], 'past the old token expiry, the exchanges carry on');
});
