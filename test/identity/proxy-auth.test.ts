import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { authenticate, authenticateNow } from '../../src/identity/authenticate.js';
import { IdentityError } from '../../src/identity/errors.js';
import type { IdentityReason } from '../../src/identity/errors.js';
import type { Principal } from '../../src/identity/principal.js';
import { checkBinding, readProxyAuthorization } from '../../src/identity/proxy-auth.js';
import { issueToken, TokenVerifier } from '../../src/identity/tokens.js';
import { openRevocationStore } from '../../src/state/index.js';
import { errorText, tempDir } from './fixtures.js';

const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJl';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

void test('Basic sluice:<token>, as curl and Node send it for http://sluice:<token>@host:port', () => {
  assert.deepEqual(readProxyAuthorization(`Basic ${b64(`sluice:${JWT}`)}`), { token: JWT, user: 'sluice' });
  assert.deepEqual(readProxyAuthorization(`basic ${b64(`ses_1:${JWT}`)}`), { token: JWT, user: 'ses_1' });
  assert.deepEqual(readProxyAuthorization(`  BASIC   ${b64(`sluice:${JWT}`)}  `), { token: JWT, user: 'sluice' });
  // Padding dropped by some clients; an empty user is still read (checkBinding refuses it).
  assert.deepEqual(readProxyAuthorization(`Basic ${b64(`sluice:${JWT}x`).replace(/=+$/, '')}`), { token: `${JWT}x`, user: 'sluice' });
  assert.deepEqual(readProxyAuthorization(`Basic ${b64(`:${JWT}`)}`), { token: JWT, user: '' });
});

void test('Bearer <token>', () => {
  assert.deepEqual(readProxyAuthorization(`Bearer ${JWT}`), { token: JWT, user: null });
  assert.deepEqual(readProxyAuthorization(`bearer ${JWT}`), { token: JWT, user: null });
});

void test('anything else is null: absent, other schemes, malformed base64, no colon, empty or non-printable token', () => {
  const bad: Array<string | undefined> = [
    undefined,
    '',
    'Basic',
    'Bearer',
    'Bearer  ',
    `Digest username="sluice", response="${JWT}"`,
    `Negotiate ${JWT}`,
    `${JWT}`,
    'Basic !!!!',
    'Basic c2x1aWNl*',
    'Basic a',
    'Basic abcde',
    `Basic ${b64('sluice')}`,
    `Basic ${b64('sluice:')}`,
    `Basic ${b64(`sluice:${JWT} extra`)}`,
    `Basic ${b64(`sluice:${JWT}\n`)}`,
    `Basic ${Buffer.from([0x73, 0x3a, 0xff, 0xfe]).toString('base64')}`,
    `Basic ${b64(`sluice:${JWT}`)} trailing`,
    `Bearer ${JWT} trailing`,
    'Bearer a,b',
    `Bearer ${'a'.repeat(40_000)}`,
  ];
  for (const h of bad) assert.equal(readProxyAuthorization(h), null, `should be null: ${JSON.stringify(h)?.slice(0, 80)}`);
});

const principal = { session: 'ses_0011223344556677' } as Principal;

void test("checkBinding: user sluice, the token's own session, or Bearer; another session is refused without echoing it", () => {
  checkBinding('sluice', principal);
  checkBinding('ses_0011223344556677', principal);
  checkBinding(null, principal);
  const canary = 'ses_CANARY_other';
  for (const user of [canary, '', 'Sluice', `${canary}:x`]) {
    assert.throws(
      () => checkBinding(user, principal),
      (err: unknown) => {
        assert.ok(err instanceof IdentityError);
        assert.equal(err.reason, 'identity_invalid');
        assert.match(err.message, /proxy user name must be 'sluice' or the token's session id/);
        assert.ok(!errorText(err).includes(canary));
        return true;
      },
    );
  }
});

void test('authenticate: required, invalid, binding, expired, revoked, and ok, against a real key and store', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const verifier = new TokenVerifier(publicKey);
  const store = await openRevocationStore(await tempDir(), { watch: false });
  const now = Date.now();
  const { token, principal: p } = await issueToken(privateKey, { tenant: 'acme', agent: 'bot', now });
  const basic = (user: string, t = token): string => `Basic ${b64(`${user}:${t}`)}`;
  async function refused(header: string | undefined, reason: IdentityReason, at = now): Promise<void> {
    await assert.rejects(authenticate(header, verifier, store, at), (err: unknown) => {
      assert.ok(err instanceof IdentityError, String(err));
      assert.equal(err.reason, reason);
      assert.ok(!errorText(err).includes(token), 'no token in the error');
      return true;
    });
  }
  assert.equal((await authenticate(basic('sluice'), verifier, store, now)).tokenId, p.tokenId);
  assert.equal((await authenticate(basic(p.session), verifier, store, now)).tokenId, p.tokenId);
  assert.equal((await authenticate(`Bearer ${token}`, verifier, store, now)).tokenId, p.tokenId);
  await refused(undefined, 'identity_required');
  await refused('  ', 'identity_required');
  await refused(`Digest ${token}`, 'identity_invalid');
  await refused(basic('ses_someone_else'), 'identity_invalid');
  await refused(basic('sluice', `${token}x`), 'identity_invalid');
  await refused(basic('sluice'), 'identity_expired', p.expiresAt + 60_000);
  await store.revoke({ kind: 'session', value: p.session, reason: 'test' });
  await refused(basic('sluice'), 'identity_revoked');
  await store.close();
});

void test('authenticateNow: a token verified once is answered at once, with the same checks; only a first verification waits', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const verifier = new TokenVerifier(publicKey);
  const store = await openRevocationStore(await tempDir(), { watch: false });
  const now = Date.now();
  const { token, principal: p } = await issueToken(privateKey, { tenant: 'acme', agent: 'bot', now });
  const header = `Basic ${b64(`sluice:${token}`)}`;
  const first = authenticateNow(header, verifier, store, now);
  assert.ok(first instanceof Promise, 'a token never seen is verified, and that is waited for');
  assert.equal((await first).tokenId, p.tokenId);
  const again = authenticateNow(header, verifier, store, now);
  assert.ok(!(again instanceof Promise), 'a verified token is answered in the same turn');
  assert.equal(again.tokenId, p.tokenId);
  // Refusals are thrown at once, the same reasons authenticate rejects with.
  const throwsNow = (h: string | undefined, reason: IdentityReason): void =>
    assert.throws(
      () => authenticateNow(h, verifier, store, now),
      (err: unknown) => err instanceof IdentityError && err.reason === reason,
    );
  throwsNow(undefined, 'identity_required');
  throwsNow(`Basic ${b64(`ses_someone_else:${token}`)}`, 'identity_invalid');
  await store.revoke({ kind: 'session', value: p.session, reason: 'test' });
  throwsNow(header, 'identity_revoked');
  await store.close();
});
