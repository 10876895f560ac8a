import assert from 'node:assert/strict';
import { test } from 'node:test';
import { authenticate, type RevocationCheck } from '../../src/identity/authenticate.js';
import { IdentityError } from '../../src/identity/errors.js';
import type { Principal } from '../../src/identity/principal.js';
import { isRunAlias, RunAliases } from '../../src/identity/run-aliases.js';
import type { TokenVerifier } from '../../src/identity/token-verifier.js';

const now = Date.now();
const principal = (session: string, expiresAt: number, tokenId = 't1'): Principal =>
  Object.freeze({ tenant: 'acme', agent: 'bot', session, human: null, labels: {}, tokenId, issuedAt: now - 1000, expiresAt, policyVersion: null });
const basic = (user: string, pass: string): string => `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
// An alias never reaches the verifier: one that throws proves it.
const verifier = {
  verifyCached: () => {
    throw new Error('verifier used');
  },
  verify: () => {
    throw new Error('verifier used');
  },
} as unknown as TokenVerifier;
const notRevoked: RevocationCheck = { isRevoked: () => null };

void test('an alias resolves to the current principal; rebinding follows renewal', async () => {
  const aliases = new RunAliases();
  const first = principal('ses_a', now + 60_000, 't1');
  const alias = aliases.issue(first);
  assert.ok(isRunAlias(alias));
  assert.match(alias, /^sra_[A-Za-z0-9_-]{43}$/);
  assert.equal((await authenticate(basic('sluice', alias), verifier, notRevoked, now, aliases)).tokenId, 't1');
  assert.ok(aliases.rebind(alias, principal('ses_a', now + 120_000, 't2')));
  assert.equal((await authenticate(basic('sluice', alias), verifier, notRevoked, now, aliases)).tokenId, 't2');
  // Bound to the session: the proxy user may be the session id, not another one.
  assert.equal((await authenticate(basic('ses_a', alias), verifier, notRevoked, now, aliases)).tokenId, 't2');
  await assert.rejects(authenticate(basic('ses_other', alias), verifier, notRevoked, now, aliases), IdentityError);
});

void test('refusals: unknown alias (407 invalid), expired current token, revoked session, rebinding to another session', async () => {
  const aliases = new RunAliases();
  const reason = async (header: string, revocations = notRevoked): Promise<string> => {
    try {
      await authenticate(header, verifier, revocations, now, aliases);
      return 'accepted';
    } catch (err) {
      return (err as IdentityError).reason;
    }
  };
  assert.equal(await reason(basic('sluice', `sra_${'A'.repeat(43)}`)), 'identity_invalid');
  const old = aliases.issue(principal('ses_b', now - 5000));
  assert.equal(await reason(basic('sluice', old)), 'identity_expired');
  const live = aliases.issue(principal('ses_c', now + 60_000));
  assert.equal(await reason(basic('sluice', live), { isRevoked: () => ({ kind: 'session', revokedAt: now }) }), 'identity_revoked');
  assert.equal(aliases.rebind(live, principal('ses_other', now + 60_000)), false);
  aliases.drop(live, 'ses_c');
  assert.equal(await reason(basic('sluice', live)), 'identity_invalid');
});

void test('a forgotten alias (gate restart) is bound again by its run; the table is bounded', () => {
  const before = new RunAliases();
  const alias = before.issue(principal('ses_d', now + 60_000));
  const after = new RunAliases(1);
  assert.equal(after.resolve(alias), null);
  assert.ok(after.rebind(alias, principal('ses_d', now + 60_000)));
  assert.equal(after.resolve(alias)?.session, 'ses_d');
  assert.throws(() => after.issue(principal('ses_e', now + 60_000)), /too many live runs/);
  assert.equal(after.rebind('not-an-alias', principal('ses_d', now + 60_000)), false);
});
