import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import Database from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../../src/errors.js';
import { InvalidArgumentError } from '../../src/identity/errors.js';
import type { Principal } from '../../src/identity/principal.js';
import { issueToken } from '../../src/identity/tokens.js';
import { openRevocationStore } from '../../src/state/index.js';
import type { RevocationEntry, RevocationStore } from '../../src/state/index.js';
import { errorText, tempDir } from '../identity/fixtures.js';

const { privateKey: key } = generateKeyPairSync('ed25519');
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);

async function principal(req: { tenant?: string; agent?: string; session?: string; now?: number } = {}): Promise<Principal> {
  return (await issueToken(key, { tenant: 'acme', agent: 'bot', now: T0, ...req })).principal;
}

/** A store whose clock is `clock.now` (the revocation time it records). */
async function open(dir: string, clock = { now: T0 + 10_000 }): Promise<RevocationStore> {
  return openRevocationStore(dir, { watch: false, now: () => clock.now });
}

void test('session revocation refuses every token of that session, permanently, and nothing else', async () => {
  const store = await open(await tempDir());
  const a1 = await principal({ session: 'ses_a' });
  const a2 = await principal({ session: 'ses_a', now: T0 + 3_600_000 });
  const b = await principal({ session: 'ses_b' });
  assert.equal(store.isRevoked(a1), null);
  const e = await store.revoke({ kind: 'session', value: 'ses_a', reason: 'done' });
  assert.deepEqual({ ...e, id: undefined }, { id: undefined, kind: 'session', value: 'ses_a', tenant: null, reason: 'done', revokedAt: T0 + 10_000 });
  assert.equal(store.isRevoked(a1)?.id, e.id);
  assert.equal(store.isRevoked(a2)?.id, e.id, 'a token minted later for the same session is refused too');
  assert.equal(store.isRevoked(b), null);
  await store.close();
});

void test('token revocation refuses exactly that jti', async () => {
  const store = await open(await tempDir());
  const p = await principal({ session: 'ses_same' });
  const q = await principal({ session: 'ses_same' });
  const e = await store.revoke({ kind: 'token', value: p.tokenId });
  assert.equal(store.isRevoked(p)?.id, e.id);
  assert.equal(store.isRevoked(q), null, 'another token of the same session still works');
  await store.close();
});

void test('agent revocation refuses tokens issued up to it; tokens minted afterwards work', async () => {
  const clock = { now: T0 + 10_500 };
  const store = await open(await tempDir(), clock);
  const before = await principal({ now: T0 });
  const sameSecond = await principal({ now: T0 + 10_900 }); // iat has 1s resolution: refused (the safe side)
  const otherAgent = await principal({ agent: 'other-bot', now: T0 });
  const e = await store.revoke({ kind: 'agent', value: 'bot' });
  const after = await principal({ now: T0 + 11_000 });
  assert.equal(store.isRevoked(before)?.id, e.id);
  assert.equal(store.isRevoked(sameSecond)?.id, e.id);
  assert.equal(store.isRevoked(after), null, 'a token issued after the revocation works');
  assert.equal(store.isRevoked(otherAgent), null);
  // Revoking again later refuses the newer token as well.
  clock.now = T0 + 20_000;
  const again = await store.revoke({ kind: 'agent', value: 'bot' });
  assert.equal(store.isRevoked(after)?.id, again.id);
  assert.equal(store.isRevoked(await principal({ now: T0 + 21_000 })), null);
  await store.close();
});

void test('a tenant-scoped revocation applies only inside that tenant', async () => {
  const store = await open(await tempDir());
  const acme = await principal({ tenant: 'acme', session: 'ses_x' });
  const globex = await principal({ tenant: 'globex', session: 'ses_x' });
  await store.revoke({ kind: 'agent', value: 'bot', tenant: 'acme' });
  assert.ok(store.isRevoked(acme));
  assert.equal(store.isRevoked(globex), null);
  await store.revoke({ kind: 'session', value: 'ses_x', tenant: 'globex' });
  assert.equal(store.isRevoked(globex)?.kind, 'session');
  await store.close();
});

void test('revocations persist in <dataDir>/state.db (WAL, 0600, schema_version) and reload on open', async () => {
  const dir = await tempDir();
  const store = await open(dir);
  const p = await principal({ session: 'ses_keep' });
  await store.revoke({ kind: 'session', value: 'ses_keep' });
  await store.revoke({ kind: 'agent', value: 'bot', tenant: 'acme', reason: 'leaked' });
  await store.close();
  assert.equal((await stat(join(dir, 'state.db'))).mode & 0o777, 0o600);
  const db = new Database(join(dir, 'state.db'), { readonly: true });
  assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
  assert.equal(db.prepare('SELECT version FROM schema_version WHERE component = ?').pluck().get('revocations'), 2);
  db.close();

  const again = await open(dir);
  const list = again.list();
  assert.deepEqual(
    list.map((e) => [e.kind, e.value, e.tenant, e.reason]),
    [
      ['session', 'ses_keep', null, null],
      ['agent', 'bot', 'acme', 'leaked'],
    ],
  );
  assert.ok(Number(list[0]?.id) < Number(list[1]?.id), 'ids increase');
  assert.equal(again.isRevoked(p)?.kind, 'session');
  await again.close();
});

void test('a state.db from a newer Sluice is refused with a clear error', async () => {
  const dir = await tempDir();
  await (await open(dir)).close();
  const db = new Database(join(dir, 'state.db'));
  db.prepare("UPDATE schema_version SET version = 9 WHERE component = 'revocations'").run();
  db.close();
  await assert.rejects(open(dir), (err: unknown) => {
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, ErrorCode.STATE_UNAVAILABLE);
    assert.match(err.message, /revocations schema is version 9, newer than this Sluice knows \(2\); upgrade Sluice/);
    return true;
  });
});

void test('undo lifts every matching revocation in force, once, in this process and in a store opened later; listeners hear only additions', async () => {
  const dir = await tempDir();
  const store = await open(dir);
  const heard: string[] = [];
  store.onChange((added) => heard.push(...added.map((e) => e.value)));
  const p = await principal({ session: 'ses_u' });
  const first = await store.revoke({ kind: 'session', value: 'ses_u' });
  const second = await store.revoke({ kind: 'session', value: 'ses_u', reason: 'twice' });
  const scoped = await store.revoke({ kind: 'session', value: 'ses_u', tenant: 'acme' });
  const u = await store.undo({ kind: 'session', value: 'ses_u', tenant: null });
  assert.deepEqual(
    u?.undone.map((e) => e.id),
    [first.id, second.id],
    'exactly the tenant asked for (none), oldest first',
  );
  assert.ok(Number(u?.id) > Number(scoped.id), 'the undo is recorded after what it lifts');
  assert.equal(store.isRevoked(p)?.id, scoped.id, 'the tenant-scoped one still refuses');
  assert.equal(await store.undo({ kind: 'session', value: 'ses_u', tenant: null }), null, 'nothing left to undo there');
  assert.equal((await store.undo({ kind: 'session', value: 'ses_u', tenant: 'acme' }))?.undone[0]?.id, scoped.id);
  assert.equal(store.isRevoked(p), null);
  assert.deepEqual(store.list(), []);
  assert.deepEqual(heard, ['ses_u', 'ses_u', 'ses_u'], 'undos are not announced as revocations');
  await store.close();

  const later = await open(dir);
  assert.equal(later.isRevoked(p), null, 'a store loading the whole table applies the undos too');
  assert.deepEqual(later.list(), []);
  await assert.rejects(later.undo({ kind: 'session', value: 'bad value!', tenant: null }), InvalidArgumentError);
  await later.close();
});

void test('a version-1 state.db (before undo) is migrated in place and keeps its revocations', async () => {
  const dir = await tempDir();
  const db = new Database(join(dir, 'state.db'));
  db.exec(`CREATE TABLE schema_version (component TEXT PRIMARY KEY, version INTEGER NOT NULL);
    INSERT INTO schema_version VALUES ('revocations', 1);
    CREATE TABLE revocations (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL CHECK (kind IN ('session', 'agent', 'token')),
      value TEXT NOT NULL, tenant TEXT, reason TEXT, revoked_at INTEGER NOT NULL);
    INSERT INTO revocations (kind, value, revoked_at) VALUES ('session', 'ses_old', 1);`);
  db.close();
  const store = await open(dir);
  const p = await principal({ session: 'ses_old' });
  assert.equal(store.isRevoked(p)?.value, 'ses_old');
  assert.equal((await store.undo({ kind: 'session', value: 'ses_old' }))?.undone.length, 1);
  assert.equal(store.isRevoked(p), null);
  await store.close();
});

void test("onChange tells listeners about this process's revocations; unsubscribe stops it", async () => {
  const store = await open(await tempDir());
  const got: RevocationEntry[][] = [];
  const off = store.onChange((added) => got.push(added));
  store.onChange(() => {
    throw new Error('a broken listener does not stop the others');
  });
  const e = await store.revoke({ kind: 'token', value: 'jti-1' });
  assert.deepEqual(got, [[e]]);
  off();
  await store.revoke({ kind: 'token', value: 'jti-2' });
  assert.equal(got.length, 1);
  await store.close();
});

void test('revoke validates its input without echoing it; a closed store refuses to answer', async () => {
  const store = await open(await tempDir());
  const canary = 'CANARY eyJ.secret';
  for (const r of [
    { kind: 'session' as const, value: canary },
    { kind: 'agent' as const, value: 'bot', tenant: canary },
    { kind: 'token' as const, value: 'j', reason: `x\u0007${canary}` },
    { kind: 'everything' as 'token', value: 'j' },
  ]) {
    await assert.rejects(store.revoke(r), (err: unknown) => {
      assert.ok(err instanceof InvalidArgumentError, String(err));
      assert.ok(!errorText(err).includes(canary));
      return true;
    });
  }
  assert.deepEqual(store.list(), []);
  const p = await principal();
  await store.close();
  assert.throws(() => store.isRevoked(p), { code: ErrorCode.STATE_UNAVAILABLE, message: /closed/ });
});

void test('fail closed: when the database stays unreadable past maxStaleMs, isRevoked throws', async () => {
  const dir = await tempDir();
  const errors: unknown[] = [];
  const store = await openRevocationStore(dir, { pollMs: 10, maxStaleMs: 50, onError: (e) => errors.push(e) });
  const p = await principal();
  assert.equal(store.isRevoked(p), null);
  // Another connection breaks the table under the gate.
  const db = new Database(join(dir, 'state.db'));
  db.exec('DROP TABLE revocations');
  db.close();
  let thrown: unknown = null;
  for (let i = 0; i < 200 && thrown === null; i++) {
    await new Promise((r) => setTimeout(r, 10));
    try {
      store.isRevoked(p);
    } catch (err) {
      thrown = err;
    }
  }
  assert.ok(thrown instanceof SluiceError, 'isRevoked threw within the bound');
  assert.equal(thrown.code, ErrorCode.STATE_UNAVAILABLE);
  assert.match(thrown.message, /revocations could not be read for \d+ms; refusing rather than answer from a stale list/);
  assert.ok(errors.length > 0 && errors[0] instanceof SluiceError, 'poll failures were reported');
  await store.close();
});
