import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { test } from 'node:test';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { ErrorCode } from '../../src/errors.js';
import { IdentityError, InvalidArgumentError } from '../../src/identity/errors.js';
import type { IdentityReason } from '../../src/identity/errors.js';
import { issueToken, TokenVerifier } from '../../src/identity/tokens.js';
import { errorText } from './fixtures.js';

const { privateKey: key, publicKey: pub } = generateKeyPairSync('ed25519');
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const MIN = 60_000;
/** Every token text a test produced and every error it saw: checked at the end for leaks. */
const seen: { tokens: string[]; errors: unknown[] } = { tokens: [], errors: [] };

async function mint(
  extra: Partial<Parameters<typeof issueToken>[1]> = {},
): Promise<{ token: string; principal: Awaited<ReturnType<typeof issueToken>>['principal'] }> {
  const r = await issueToken(key, { tenant: 'acme', agent: 'billing-bot', now: T0, ...extra });
  seen.tokens.push(r.token);
  return r;
}

/** A token signed by `signer` with arbitrary header and claims (for hostile cases). */
async function craft(claims: Record<string, unknown>, header: Record<string, unknown> = {}, signer: KeyObject | Uint8Array = key): Promise<string> {
  const iat = Math.floor(T0 / 1000);
  const body = { iss: 'sluice', sub: 'bot', tnt: 'acme', sid: 'ses_1', jti: 'j1', iat, exp: iat + 900, ...claims };
  for (const [k, v] of Object.entries(body)) if (v === undefined) delete body[k as keyof typeof body];
  const t = await new SignJWT(body).setProtectedHeader({ alg: 'EdDSA', typ: 'sluice-agent+jwt', ...header }).sign(signer);
  seen.tokens.push(t);
  return t;
}

async function rejects(p: Promise<unknown>, reason: IdentityReason, message?: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    seen.errors.push(err);
    assert.ok(err instanceof IdentityError, `expected IdentityError, got ${String(err)}`);
    assert.equal(err.reason, reason);
    assert.equal(err.code, reason === 'identity_expired' ? ErrorCode.IDENTITY_EXPIRED : ErrorCode.IDENTITY_INVALID);
    if (message) assert.match(err.message, message);
    return true;
  });
}

void test('issue then verify: every claim round-trips into the Principal', async () => {
  const { token, principal } = await mint({
    session: 'ses_abc',
    human: 'alice@example.com',
    labels: { team: 'payments', env: 'prod' },
    ttlMs: 5 * MIN,
    policyVersion: '0123456789ab',
  });
  assert.deepEqual(decodeProtectedHeader(token), { alg: 'EdDSA', typ: 'sluice-agent+jwt' });
  const claims = decodeJwt(token);
  assert.equal(claims.iss, 'sluice');
  assert.equal(claims.sub, 'billing-bot');
  assert.equal(claims.tnt, 'acme');
  assert.equal(claims.sid, 'ses_abc');
  assert.equal(claims.hum, 'alice@example.com');
  assert.deepEqual(claims.lbl, { team: 'payments', env: 'prod' });
  assert.equal(claims.pv, '0123456789ab');
  assert.equal(claims.iat, T0 / 1000);
  assert.equal(claims.exp, T0 / 1000 + 300);
  assert.equal(claims.jti, principal.tokenId);

  const got = await new TokenVerifier(pub).verify(token, T0 + MIN);
  assert.deepEqual({ ...got, labels: { ...got.labels } }, { ...principal, labels: { ...principal.labels } });
  assert.equal(got.tenant, 'acme');
  assert.equal(got.agent, 'billing-bot');
  assert.equal(got.session, 'ses_abc');
  assert.equal(got.human, 'alice@example.com');
  assert.equal(got.issuedAt, T0);
  assert.equal(got.expiresAt, T0 + 5 * MIN);
  assert.equal(got.policyVersion, '0123456789ab');
  assert.ok(Object.isFrozen(got));
});

void test('defaults: a fresh ses_ session, a random jti, 15 minutes, no human/labels/policy version', async () => {
  const a = await mint();
  const b = await mint();
  assert.match(a.principal.session, /^ses_[0-9a-f]{16}$/);
  assert.notEqual(a.principal.session, b.principal.session);
  assert.notEqual(a.principal.tokenId, b.principal.tokenId);
  assert.match(a.principal.tokenId, /^[A-Za-z0-9_-]{22}$/);
  assert.equal(a.principal.expiresAt - a.principal.issuedAt, 15 * MIN);
  const claims = decodeJwt(a.token);
  assert.ok(!('hum' in claims) && !('lbl' in claims) && !('pv' in claims));
  const got = await new TokenVerifier(pub).verify(a.token, T0);
  assert.equal(got.human, null);
  assert.equal(got.policyVersion, null);
  assert.deepEqual(Object.keys(got.labels), []);
});

void test('issue refuses a ttl over 24h, under 1s, and malformed names, naming the field but not the value', async () => {
  const canary = 'CANARY tok 9d2e';
  const cases: Array<[Partial<Parameters<typeof issueToken>[1]>, RegExp]> = [
    [{ ttlMs: 24 * 60 * MIN + 1000 }, /^ttl: .*longer than the 24h maximum/],
    [{ ttlMs: 500 }, /^ttl: must be at least 1s/],
    [{ tenant: canary }, /^tenant: expected 1-128 characters/],
    [{ agent: '' }, /^agent: /],
    [{ agent: 'a'.repeat(129) }, /^agent: /],
    [{ session: `ses/${canary}` }, /^session: /],
    [{ labels: { [canary]: 'x' } }, /^labels: label name/],
    [{ labels: { team: canary } }, /^labels\.team: /],
    [{ labels: Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])) }, /^labels: at most 32 labels; got 33/],
    [{ human: `alice\n${canary}` }, /^human: /],
  ];
  for (const [req, message] of cases) {
    await assert.rejects(mint(req), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError, `expected InvalidArgumentError for ${JSON.stringify(req).slice(0, 60)}`);
      assert.equal(err.code, ErrorCode.INVALID_ARGUMENT);
      assert.match(err.message, message);
      assert.ok(!errorText(err).includes(canary), 'the value is not echoed');
      return true;
    });
  }
  // Exactly 24h and 32 labels are fine.
  const max = await mint({ ttlMs: 24 * 60 * MIN, labels: Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'])) });
  assert.equal((await new TokenVerifier(pub).verify(max.token, T0)).expiresAt, T0 + 24 * 60 * MIN);
});

void test('an expired token is identity_expired (with the clock tolerance), and a not-yet-issued one is invalid', async () => {
  const { token, principal } = await mint({ ttlMs: MIN });
  const v = new TokenVerifier(pub, { cacheSize: 0, clockToleranceSec: 5 });
  await v.verify(token, principal.expiresAt + 4000); // inside the tolerance
  await rejects(v.verify(token, principal.expiresAt + 5000), 'identity_expired', /^agent token expired at 2030-01-01T12:01:00\.000Z; mint a new one$/);
  await rejects(new TokenVerifier(pub, { clockToleranceSec: 0 }).verify(token, principal.expiresAt), 'identity_expired');
  await rejects(v.verify(token, T0 - 10_000), 'identity_invalid', /"iat" claim/);
});

void test('a cache hit skips nothing that matters: expiry is enforced on every call', async () => {
  const { token, principal } = await mint({ ttlMs: MIN });
  const v = new TokenVerifier(pub, { clockToleranceSec: 0 });
  assert.equal(v.verifyCached(token, T0), undefined, 'not cached before the first verify');
  await v.verify(token, T0);
  assert.equal(v.verifyCached(token, T0 + 1000)?.tokenId, principal.tokenId, 'cached after verify');
  // Past expiry the cached entry must not answer: verify throws, verifyCached defers.
  assert.equal(v.verifyCached(token, principal.expiresAt + 1000), undefined);
  await rejects(v.verify(token, principal.expiresAt + 1000), 'identity_expired');
  await rejects(v.verify(token, principal.expiresAt + 1000), 'identity_expired');
  // A cached token is still refused when the clock says it is not issued yet, as jose would.
  const w = new TokenVerifier(pub, { clockToleranceSec: 0 });
  await w.verify(token, T0);
  await rejects(w.verify(token, T0 - 10_000), 'identity_invalid', /issued in the future/);
});

void test('the cache is bounded (LRU) and only holds verified tokens', async () => {
  const v = new TokenVerifier(pub, { cacheSize: 2 });
  const [a, b, c] = [await mint(), await mint(), await mint()];
  await v.verify(a.token, T0);
  await v.verify(b.token, T0);
  assert.ok(v.verifyCached(a.token, T0), 'a used: b is now the oldest');
  await v.verify(c.token, T0);
  assert.ok(v.verifyCached(a.token, T0));
  assert.equal(v.verifyCached(b.token, T0), undefined, 'b evicted');
  assert.ok(v.verifyCached(c.token, T0));
  const forged = `${a.token.slice(0, -4)}AAAA`;
  await rejects(v.verify(forged, T0), 'identity_invalid');
  assert.equal(v.verifyCached(forged, T0), undefined, 'a failed token is not cached');
  const off = new TokenVerifier(pub, { cacheSize: 0 });
  await off.verify(a.token, T0);
  assert.equal(off.verifyCached(a.token, T0), undefined);
});

void test('a tampered payload or signature, or another key, does not verify', async () => {
  const { token } = await mint();
  const v = new TokenVerifier(pub);
  const [h, p, s] = token.split('.') as [string, string, string];
  const claims = decodeJwt(token);
  const otherTenant = Buffer.from(JSON.stringify({ ...claims, tnt: 'evil' })).toString('base64url');
  await rejects(v.verify(`${h}.${otherTenant}.${s}`, T0), 'identity_invalid', /signature does not verify/);
  const flipped = s.slice(0, 10) + (s[10] === 'A' ? 'B' : 'A') + s.slice(11);
  await rejects(v.verify(`${h}.${p}.${flipped}`, T0), 'identity_invalid', /signature does not verify/);
  const other = generateKeyPairSync('ed25519');
  await rejects(new TokenVerifier(other.publicKey).verify(token, T0), 'identity_invalid', /signature does not verify/);
  await rejects(v.verify(await craft({}, {}, other.privateKey), T0), 'identity_invalid', /signature does not verify/);
  for (const junk of ['', 'abc', `${h}.${p}`, `${token}.x`, `${h}.${p}.${s}=`, ' '.repeat(10), 'x'.repeat(20_000)]) {
    await rejects(v.verify(junk, T0), 'identity_invalid');
  }
});

void test('alg none, HS256 (also with the public key as the HMAC secret) and other algs are refused', async () => {
  const v = new TokenVerifier(pub);
  const good = await craft({});
  const [, payload] = good.split('.') as [string, string];
  const noneHeader = Buffer.from(JSON.stringify({ alg: 'none', typ: 'sluice-agent+jwt' })).toString('base64url');
  await rejects(v.verify(`${noneHeader}.${payload}.`, T0), 'identity_invalid');
  await rejects(v.verify(`${noneHeader}.${payload}.AAAA`, T0), 'identity_invalid', /not signed with EdDSA/);
  const secret = new TextEncoder().encode('a-shared-secret-of-thirty-two-bytes!');
  await rejects(v.verify(await craft({}, { alg: 'HS256' }, secret), T0), 'identity_invalid', /not signed with EdDSA/);
  const pem = new TextEncoder().encode(pub.export({ type: 'spki', format: 'pem' }).toString());
  await rejects(v.verify(await craft({}, { alg: 'HS256' }, pem), T0), 'identity_invalid', /not signed with EdDSA/);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await rejects(v.verify(await craft({}, { alg: 'ES256' }, ec.privateKey), T0), 'identity_invalid', /not signed with EdDSA/);
  // The crafted tokens are otherwise valid: signed properly they verify.
  assert.equal((await v.verify(good, T0)).agent, 'bot');
});

void test('wrong typ, wrong iss, missing or malformed claims are refused, naming the claim', async () => {
  const v = new TokenVerifier(pub);
  await rejects(v.verify(await craft({}, { typ: 'JWT' }), T0), 'identity_invalid', /bad type \(expected sluice-agent\+jwt\)/);
  await rejects(v.verify(await craft({}, { typ: undefined }), T0), 'identity_invalid', /bad type/);
  await rejects(v.verify(await craft({ iss: 'someone-else' }), T0), 'identity_invalid', /"iss" claim/);
  for (const claim of ['iss', 'sub', 'tnt', 'sid', 'jti', 'iat', 'exp']) {
    await rejects(v.verify(await craft({ [claim]: undefined }), T0), 'identity_invalid', new RegExp(`"${claim}" claim`));
  }
  await rejects(v.verify(await craft({ tnt: 'has space' }), T0), 'identity_invalid', /"tnt" claim/);
  await rejects(v.verify(await craft({ sid: 42 }), T0), 'identity_invalid', /"sid" claim/);
  await rejects(v.verify(await craft({ hum: 'a\u0000b' }), T0), 'identity_invalid', /"hum" claim/);
  await rejects(v.verify(await craft({ lbl: { 'a b': 'c' } }), T0), 'identity_invalid', /"lbl" claim/);
  await rejects(v.verify(await craft({ lbl: ['x'] }), T0), 'identity_invalid', /"lbl" claim/);
  await rejects(v.verify(await craft({ pv: { x: 1 } }), T0), 'identity_invalid', /"pv" claim/);
  const iat = Math.floor(T0 / 1000);
  await rejects(v.verify(await craft({ exp: iat + 25 * 3600 }), T0), 'identity_invalid', /"exp" claim/);
});

void test('no error message, stack or detail contains a token or its signature', () => {
  assert.ok(seen.errors.length > 30, `enough errors collected (${seen.errors.length})`);
  const texts = seen.errors.map(errorText);
  for (const token of seen.tokens) {
    const signature = token.split('.')[2] ?? '';
    for (const text of texts) {
      assert.ok(!text.includes(token), 'a whole token leaked into an error');
      if (signature.length > 8) assert.ok(!text.includes(signature), 'a token signature leaked into an error');
    }
  }
});
