import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, unlink, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { CredentialError } from '../../src/credentials/errors.js';
import { FileSecretStore } from '../../src/credentials/file-store.js';
import { parseSecretRef, SecretResolver } from '../../src/credentials/refs.js';
import { assertNoCanary, canary, capture, capturedCount, capturedRejection } from './canary.js';

const canaries: string[] = [];
const dirs: string[] = [];
function newCanary(): string {
  const c = canary();
  canaries.push(c);
  return c;
}
async function setup(): Promise<{ dir: string; store: FileSecretStore }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-refs-'));
  dirs.push(dir);
  return { dir, store: await FileSecretStore.open(dir, { masterKey: randomBytes(32) }) };
}
after(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test('references parse into store, env and file forms; anything else is refused', () => {
  assert.deepEqual(parseSecretRef('github'), { kind: 'store', name: 'github' });
  assert.deepEqual(parseSecretRef('env:OPENAI_KEY'), { kind: 'env', name: 'OPENAI_KEY' });
  assert.deepEqual(parseSecretRef('file:./k.txt'), { kind: 'file', path: './k.txt' });
  for (const bad of ['', 'env:', 'env:1X', 'file:', 'has space', 'vault:x']) {
    assert.throws(
      () => parseSecretRef(bad),
      (e: unknown) => e instanceof CredentialError && e.reason === 'credential_invalid',
    );
  }
});

test('store, env and file references resolve; missing ones name the reference', async () => {
  const { dir, store } = await setup();
  const s = newCanary();
  const e = newCanary();
  const f = newCanary();
  await store.set('gh', s);
  await writeFile(join(dir, 'token.txt'), `${f}\n`);
  const r = new SecretResolver(store, { baseDir: dir, env: { API_KEY: e, EMPTY: '' } });
  assert.equal(r.resolve('gh').toString(), s);
  assert.equal(r.resolve('env:API_KEY').toString(), e);
  assert.equal(r.resolve('file:token.txt').toString(), f, 'one trailing newline trimmed');
  assert.equal(r.resolve(`file:${join(dir, 'token.txt')}`).toString(), f, 'absolute paths too');
  for (const ref of ['nope', 'env:MISSING', 'env:EMPTY', 'file:missing.txt']) {
    const err = await capturedRejection(`missing ${ref}`, () => r.resolve(ref));
    assert.ok(err instanceof CredentialError);
    assert.equal(err.reason, 'credential_unavailable');
    assert.equal(err.message, `secret '${ref}' is not set`);
  }
  capture('resolver inspect', r);
  assert.doesNotMatch(inspect(r), /canary/);
});

test('file references trim exactly one trailing newline (LF or CRLF)', async () => {
  const { dir, store } = await setup();
  const r = new SecretResolver(store, { baseDir: dir, env: {} });
  const v = newCanary();
  const cases: [string, string][] = [
    [`${v}\n\n`, `${v}\n`],
    [`${v}\r\n`, v],
    [v, v],
    [` ${v} \n`, ` ${v} `],
  ];
  for (const [i, [content, want]] of cases.entries()) {
    await writeFile(join(dir, `f${i}`), content);
    assert.equal(r.resolve(`file:f${i}`).toString(), want);
  }
});

test('a changed file is re-read; a removed one becomes unavailable', async () => {
  const { dir, store } = await setup();
  const r = new SecretResolver(store, { baseDir: dir, env: {} });
  const p = join(dir, 'rot.txt');
  const v1 = newCanary();
  const v2 = newCanary();
  await writeFile(p, v1);
  assert.equal(r.resolve('file:rot.txt').toString(), v1);
  await writeFile(p, v2);
  await utimes(p, new Date(), new Date(Date.now() + 5000)); // mtime surely differs
  assert.equal(r.resolve('file:rot.txt').toString(), v2);
  await unlink(p);
  assert.equal((await capturedRejection('removed file', () => r.resolve('file:rot.txt'))).message, "secret 'file:rot.txt' is not set");
});

test('allValues holds every store value and every env/file value resolved so far', async () => {
  const { dir, store } = await setup();
  const s1 = newCanary();
  const s2 = newCanary();
  const e = newCanary();
  const f = newCanary();
  await store.set('a', s1);
  await store.set('b', s2);
  await writeFile(join(dir, 'k'), f);
  const r = new SecretResolver(store, { baseDir: dir, env: { K: e } });
  assert.deepEqual(r.allValues().map(String).sort(), [s1, s2].sort());
  r.resolve('env:K');
  r.resolve('file:k');
  assert.deepEqual(r.allValues().map(String).sort(), [s1, s2, e, f].sort());
  // Returned buffers are copies: wiping one does not break the next resolve.
  r.resolve('a').fill(0);
  assert.equal(r.resolve('a').toString(), s1);
});

test('no captured output contains a canary', () => {
  assert.ok(capturedCount() >= 6);
  assertNoCanary(canaries);
});
