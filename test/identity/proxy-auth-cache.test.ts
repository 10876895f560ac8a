import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { test } from 'node:test';
import { authenticate } from '../../src/identity/authenticate.js';
import { IdentityError } from '../../src/identity/errors.js';
import { Lru } from '../../src/identity/lru.js';
import { readProxyAuthorization } from '../../src/identity/proxy-auth.js';
import { ProxyAuthCache } from '../../src/identity/proxy-auth-cache.js';
import { issueToken, TokenVerifier } from '../../src/identity/tokens.js';
import { openRevocationStore } from '../../src/state/index.js';
import { tempDir } from './fixtures.js';

const JWT = 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJib3QifQ.c2lnbmF0dXJl';
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

void test('ProxyAuthCache answers as readProxyAuthorization does, first time and every time after', () => {
  const cache = new ProxyAuthCache(8);
  const values = [`Basic ${b64(`sluice:${JWT}`)}`, `Bearer ${JWT}`, `Basic ${b64(`ses_1:${JWT}`)}`, 'Basic !!!!', `Digest ${JWT}`, '', undefined];
  for (let round = 0; round < 3; round++) {
    for (const v of values) assert.deepEqual(cache.read(v), readProxyAuthorization(v), String(v));
  }
  const hit = cache.read(`Bearer ${JWT}`);
  assert.ok(hit !== null && Object.isFrozen(hit), 'a cached answer cannot be changed by one caller for the next');
  assert.equal(cache.read(`Bearer ${JWT}`), hit, 'the second read is the cached object');
});

void test('ProxyAuthCache stays bounded: the least recently read value is parsed again after eviction', () => {
  const cache = new ProxyAuthCache(2);
  const a = cache.read(`Bearer ${JWT}a`);
  cache.read(`Bearer ${JWT}b`);
  assert.equal(cache.read(`Bearer ${JWT}a`), a);
  cache.read(`Bearer ${JWT}c`); // evicts b, the least recently read
  assert.equal(cache.read(`Bearer ${JWT}a`), a);
  const b2 = cache.read(`Bearer ${JWT}b`);
  assert.deepEqual(b2, { token: `${JWT}b`, user: null });
});

void test('Lru: repeat hits on the newest key keep the order right for eviction', () => {
  const lru = new Lru<string, number>(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.equal(lru.get('b'), 2);
  assert.equal(lru.get('b'), 2);
  assert.equal(lru.get('a'), 1); // a is now the newest
  assert.equal(lru.get('a'), 1);
  lru.set('c', 3); // evicts b
  assert.equal(lru.get('b'), undefined);
  assert.equal(lru.get('a'), 1);
  lru.delete('c');
  lru.set('d', 4);
  lru.set('e', 5); // evicts a (c was deleted; a is older than d)
  assert.equal(lru.get('a'), undefined);
  assert.deepEqual([lru.get('d'), lru.get('e')], [4, 5]);
  lru.clear();
  lru.set('f', 6);
  assert.equal(lru.get('f'), 6);
  assert.equal(lru.size, 1);
});

void test('authenticate with a cached header value still checks binding, expiry and revocation on every call', async () => {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const verifier = new TokenVerifier(publicKey);
  const store = await openRevocationStore(await tempDir(), { watch: false });
  const now = Date.now();
  const { token, principal: p } = await issueToken(privateKey, { tenant: 'acme', agent: 'bot', now });
  const header = `Basic ${b64(`sluice:${token}`)}`;
  const wrongSession = `Basic ${b64(`ses_someone_else:${token}`)}`;
  const reasonOf = async (h: string, at = now): Promise<string> => {
    try {
      await authenticate(h, verifier, store, at);
      return 'ok';
    } catch (err) {
      assert.ok(err instanceof IdentityError, String(err));
      return err.reason;
    }
  };
  for (let i = 0; i < 3; i++) {
    assert.equal(await reasonOf(header), 'ok');
    assert.equal(await reasonOf(wrongSession), 'identity_invalid');
  }
  assert.equal(await reasonOf(header, p.expiresAt + 60_000), 'identity_expired');
  assert.equal(await reasonOf(header), 'ok');
  await store.revoke({ kind: 'session', value: p.session, reason: 'test' });
  assert.equal(await reasonOf(header), 'identity_revoked');
  assert.equal(await reasonOf(header), 'identity_revoked');
  await store.close();
});
