import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CredentialError } from '../../src/credentials/errors.js';
import { FileSecretStore } from '../../src/credentials/file-store.js';
import { ensureMasterKey, loadMasterKey, parseMasterKey } from '../../src/credentials/master-key.js';
import { SluiceError } from '../../src/errors.js';
import { assertNoCanary, canary, capture, capturedCount, capturedRejection } from './canary.js';

const canaries: string[] = [];
const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'sluice-cred-'));
  dirs.push(d);
  return d;
}
function newCanary(): string {
  const c = canary();
  canaries.push(c);
  return c;
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('set then reveal round-trips through the file; list shows names and dates only', async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  const a = newCanary();
  const b = newCanary();
  const store = await FileSecretStore.open(dir, { masterKey: key });
  await store.set('github', a);
  await store.set('stripe.live', Buffer.from(b));
  const reopened = await FileSecretStore.open(dir, { masterKey: key });
  assert.equal(reopened.reveal('github')?.toString(), a);
  assert.equal(reopened.reveal('stripe.live')?.toString(), b);
  assert.equal(reopened.reveal('missing'), undefined);
  const list = reopened.list();
  assert.deepEqual(
    list.map((e) => e.name),
    ['github', 'stripe.live'],
  );
  for (const e of list) assert.ok(!Number.isNaN(Date.parse(e.setAt)));
  const text = await readFile(join(dir, 'secrets.json'), 'utf8');
  capture('secrets.json', text);
  const doc = JSON.parse(text) as { version: number; entries: Record<string, { iv: string; tag: string; ct: string; set_at: string }> };
  assert.equal(doc.version, 1);
  assert.equal(Buffer.from(doc.entries.github!.iv, 'base64').length, 12);
  assert.equal(Buffer.from(doc.entries.github!.tag, 'base64').length, 16);
  capture('store inspect', reopened);
  capture('store list', list);
  assert.match(JSON.stringify(reopened), /github/);
});

test('each write uses a fresh IV', async () => {
  const dir = await tempDir();
  const store = await FileSecretStore.open(dir, { masterKey: randomBytes(32) });
  const v = newCanary();
  await store.set('a', v);
  const iv1 = (JSON.parse(await readFile(store.file, 'utf8')) as { entries: Record<string, { iv: string }> }).entries.a!.iv;
  await store.set('a', v);
  const iv2 = (JSON.parse(await readFile(store.file, 'utf8')) as { entries: Record<string, { iv: string }> }).entries.a!.iv;
  assert.notEqual(iv1, iv2);
});

test('the store file and the master key file are mode 0600', async () => {
  const dir = await tempDir();
  const ensured = await ensureMasterKey(dir, {});
  assert.equal(ensured.created, true);
  assert.equal(ensured.source, 'file');
  assert.equal((await stat(join(dir, 'master.key'))).mode & 0o777, 0o600);
  const store = await FileSecretStore.open(dir, { env: {} });
  await store.set('x', newCanary());
  assert.equal((await stat(join(dir, 'secrets.json'))).mode & 0o777, 0o600);
  await store.set('y', newCanary()); // replaced by rename: still 0600
  assert.equal((await stat(join(dir, 'secrets.json'))).mode & 0o777, 0o600);
});

test('ensureMasterKey never replaces an existing key; the env key wins and creates nothing', async () => {
  const dir = await tempDir();
  await ensureMasterKey(dir, {});
  const first = await readFile(join(dir, 'master.key'), 'utf8');
  const again = await ensureMasterKey(dir, {});
  assert.equal(again.created, false);
  assert.equal(await readFile(join(dir, 'master.key'), 'utf8'), first);

  const dir2 = await tempDir();
  const envKey = randomBytes(32).toString('hex');
  const r = await ensureMasterKey(dir2, { SLUICE_MASTER_KEY: envKey });
  assert.deepEqual(r, { source: 'env', created: false });
  await assert.rejects(stat(join(dir2, 'master.key')), { code: 'ENOENT' });
  assert.deepEqual(await loadMasterKey(dir, { SLUICE_MASTER_KEY: envKey }), Buffer.from(envKey, 'hex'));
});

test('a key file readable by others is refused', async () => {
  const dir = await tempDir();
  await ensureMasterKey(dir, {});
  await chmod(join(dir, 'master.key'), 0o644);
  const err = await capturedRejection('loose key file', () => loadMasterKey(dir, {}));
  assert.ok(err instanceof CredentialError);
  assert.match(err.message, /chmod 600/);
});

test('SLUICE_MASTER_KEY accepts hex and base64 of 32 bytes; anything else fails without echoing it', async () => {
  const key = randomBytes(32);
  assert.deepEqual(parseMasterKey(key.toString('hex'), 'env'), key);
  assert.deepEqual(parseMasterKey(key.toString('base64'), 'env'), key);
  assert.deepEqual(parseMasterKey(key.toString('base64url'), 'env'), key);
  assert.deepEqual(parseMasterKey(`  ${key.toString('hex')}\n`, 'env'), key);
  const bad = [newCanary(), randomBytes(31).toString('hex'), randomBytes(16).toString('base64'), `${key.toString('hex')}00`];
  for (const b of bad) {
    canaries.push(b);
    const err = await capturedRejection('bad master key', () => loadMasterKey('/nonexistent', { SLUICE_MASTER_KEY: b }));
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, 'SLUICE_MASTER_KEY_INVALID');
    assert.match(err.message, /SLUICE_MASTER_KEY.*64 hex characters/);
  }
});

test('a ciphertext copied under another name does not decrypt (AAD is the name)', async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  const store = await FileSecretStore.open(dir, { masterKey: key });
  await store.set('prod', newCanary());
  await store.set('test', newCanary());
  const doc = JSON.parse(await readFile(store.file, 'utf8')) as { entries: Record<string, unknown> };
  doc.entries.test = doc.entries.prod; // attacker with write access swaps entries
  await writeFile(store.file, JSON.stringify(doc));
  const err = await capturedRejection('swapped entry', () => FileSecretStore.open(dir, { masterKey: key }));
  assert.ok(err instanceof SluiceError);
  assert.equal(err.code, 'SLUICE_CREDENTIAL_STORE_INVALID');
  assert.match(err.message, /entry 'test' does not decrypt/);
  assert.doesNotMatch(err.message, /'prod'/);
});

test('a flipped ciphertext bit is caught, naming the entry; reload keeps the last good contents', async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  const store = await FileSecretStore.open(dir, { masterKey: key });
  const v = newCanary();
  await store.set('a', v);
  await store.set('b', newCanary());
  const doc = JSON.parse(await readFile(store.file, 'utf8')) as { entries: Record<string, { ct: string }> };
  const ct = Buffer.from(doc.entries.b!.ct, 'base64');
  ct[0]! ^= 1;
  doc.entries.b!.ct = ct.toString('base64');
  await writeFile(store.file, JSON.stringify(doc));
  const err = await capturedRejection('tampered reload', () => store.reload());
  assert.match(err.message, /entry 'b' does not decrypt/);
  assert.equal(store.reveal('a')?.toString(), v);
});

test('the wrong master key fails with a message that names entries, not values', async () => {
  const dir = await tempDir();
  const store = await FileSecretStore.open(dir, { masterKey: randomBytes(32) });
  await store.set('one', newCanary());
  await store.set('two', newCanary());
  const err = await capturedRejection('wrong key', () => FileSecretStore.open(dir, { masterKey: randomBytes(32) }));
  assert.ok(err instanceof CredentialError);
  assert.match(err.message, /no entry decrypts \('one', 'two'\): the master key is not the one/);
  const noKey = await capturedRejection('no key', () => FileSecretStore.open(dir, { env: {} }));
  assert.match(noKey.message, /holds 2 secret\(s\) but there is no master key/);
});

test('a malformed store file is reported with the file and entry', async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  await writeFile(join(dir, 'secrets.json'), '{"version":1,"entries":{"x":{"iv":"AAAA","tag":"","ct":"","set_at":"2020-01-01T00:00:00Z"}}}');
  const err = await capturedRejection('malformed', () => FileSecretStore.open(dir, { masterKey: key }));
  assert.match(err.message, /secrets\.json: entry 'x': 'iv' must be 12 bytes/);
  await writeFile(join(dir, 'secrets.json'), 'not json');
  assert.match((await capturedRejection('not json', () => FileSecretStore.open(dir, { masterKey: key }))).message, /not valid JSON/);
});

test('remove, names, empty values, and changes made by another process (reload)', async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  const gate = await FileSecretStore.open(dir, { masterKey: key });
  const cli = await FileSecretStore.open(dir, { masterKey: key });
  const v = newCanary();
  await cli.set('late', v);
  assert.equal(gate.reveal('late'), undefined);
  await gate.reload();
  assert.equal(gate.reveal('late')?.toString(), v);
  assert.equal(await cli.remove('late'), true);
  assert.equal(await cli.remove('late'), false);
  await gate.reload();
  assert.deepEqual(gate.list(), []);
  // A name such as __proto__ is just a name.
  await cli.set('__proto__', v);
  assert.equal((await FileSecretStore.open(dir, { masterKey: key })).reveal('__proto__')?.toString(), v);
  for (const bad of ['', 'a b', 'x'.repeat(65), 'a/b']) {
    assert.match((await capturedRejection('bad name', () => cli.set(bad, v))).message, /invalid secret name/);
  }
  assert.match((await capturedRejection('empty', () => cli.set('e', ''))).message, /value is empty/);
});

test('a revealed value is kept decrypted: each caller gets its own copy, and a reload, set or remove replaces it', async () => {
  const dir = await tempDir();
  const key = randomBytes(32);
  const gate = await FileSecretStore.open(dir, { masterKey: key });
  const cli = await FileSecretStore.open(dir, { masterKey: key });
  const v1 = newCanary();
  const v2 = newCanary();
  await gate.set('k', v1);
  const first = gate.reveal('k')!;
  first.fill(0); // a caller wipes its copy
  assert.equal(gate.reveal('k')?.toString(), v1, "the kept value is not the caller's copy");
  await cli.set('k', v2);
  assert.equal(gate.reveal('k')?.toString(), v1, 'another process changed the file: the old value until reload');
  await gate.reload();
  assert.equal(gate.reveal('k')?.toString(), v2, 'reload replaced the kept value');
  await gate.set('k', v1);
  assert.equal(gate.reveal('k')?.toString(), v1, 'set replaced it');
  await gate.remove('k');
  assert.equal(gate.reveal('k'), undefined, 'remove dropped it');
  // A store that has revealed values still shows names only.
  await gate.set('k', v2);
  gate.reveal('k');
  capture('store after reveal', `${inspect(gate, { showHidden: true, depth: 8 })} ${JSON.stringify(gate)}`);
  capture('store object', gate);
});

test('no captured output contains a canary', () => {
  assert.ok(capturedCount() > 15);
  assertNoCanary(canaries);
});
