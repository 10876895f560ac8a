import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode, SluiceError } from '../../src/errors.js';
import { ensureTokenKeys, loadSigningKey, loadVerifyKey, TOKEN_KEY_FILE, TOKEN_PUBLIC_KEY_FILE } from '../../src/identity/keys.js';
import { errorText, tempDir } from './fixtures.js';

async function mode(p: string): Promise<number> {
  return (await stat(p)).mode & 0o777;
}

async function rejectsKey(p: Promise<unknown>, what: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SluiceError, `expected SluiceError, got ${String(err)}`);
    assert.equal(err.code, ErrorCode.IDENTITY_KEY);
    assert.match(err.message, what);
    return true;
  });
}

void test('ensureTokenKeys creates an Ed25519 pair: private 0600 PKCS#8, public 0644 SPKI, matching', async () => {
  const dir = join(await tempDir(), 'data');
  const old = process.umask(0o000); // a permissive umask must not widen the key's mode
  try {
    await ensureTokenKeys(dir);
  } finally {
    process.umask(old);
  }
  assert.equal(await mode(join(dir, TOKEN_KEY_FILE)), 0o600);
  assert.equal(await mode(join(dir, TOKEN_PUBLIC_KEY_FILE)), 0o644);
  assert.equal(await mode(dir), 0o700, 'a data dir it creates is private');
  assert.match(await readFile(join(dir, TOKEN_KEY_FILE), 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/);
  assert.match(await readFile(join(dir, TOKEN_PUBLIC_KEY_FILE), 'utf8'), /^-----BEGIN PUBLIC KEY-----\n/);
  const priv = await loadSigningKey(dir);
  const pub = await loadVerifyKey(dir);
  assert.equal(priv.asymmetricKeyType, 'ed25519');
  assert.equal(pub.type, 'public');
  assert.ok(createPublicKey(priv).equals(pub), 'the public key belongs to the private key');
  assert.deepEqual((await readdir(dir)).sort(), [TOKEN_KEY_FILE, TOKEN_PUBLIC_KEY_FILE].sort(), 'no temp files left behind');
});

void test('ensureTokenKeys leaves an existing pair alone', async () => {
  const dir = await tempDir();
  await ensureTokenKeys(dir);
  const before = await readFile(join(dir, TOKEN_KEY_FILE), 'utf8');
  const beforePub = await readFile(join(dir, TOKEN_PUBLIC_KEY_FILE), 'utf8');
  await ensureTokenKeys(dir);
  assert.equal(await readFile(join(dir, TOKEN_KEY_FILE), 'utf8'), before);
  assert.equal(await readFile(join(dir, TOKEN_PUBLIC_KEY_FILE), 'utf8'), beforePub);
});

void test('ensureTokenKeys: concurrent callers end with one key pair that matches', async () => {
  const dir = await tempDir();
  await Promise.all(Array.from({ length: 8 }, () => ensureTokenKeys(dir)));
  const priv = await loadSigningKey(dir);
  assert.ok(createPublicKey(priv).equals(await loadVerifyKey(dir)));
  assert.deepEqual((await readdir(dir)).sort(), [TOKEN_KEY_FILE, TOKEN_PUBLIC_KEY_FILE].sort());
});

void test('ensureTokenKeys derives a missing public key from the private key', async () => {
  const dir = await tempDir();
  await ensureTokenKeys(dir);
  const pub = await readFile(join(dir, TOKEN_PUBLIC_KEY_FILE), 'utf8');
  await rm(join(dir, TOKEN_PUBLIC_KEY_FILE));
  await ensureTokenKeys(dir);
  assert.equal(await readFile(join(dir, TOKEN_PUBLIC_KEY_FILE), 'utf8'), pub);
});

void test('ensureTokenKeys refuses to mint a private key that would not match an existing public key', async () => {
  const dir = await tempDir();
  await ensureTokenKeys(dir);
  await rm(join(dir, TOKEN_KEY_FILE));
  await rejectsKey(ensureTokenKeys(dir), /token-key\.pub\.pem exists but .*token-key\.pem does not/);
  await assert.rejects(readFile(join(dir, TOKEN_KEY_FILE)), { code: 'ENOENT' });
});

void test('loading a missing key says to run sluice init; a replica needs only the public key', async () => {
  const dir = await tempDir();
  await rejectsKey(loadSigningKey(dir), /token signing key not found at .*token-key\.pem; run 'sluice init'/);
  await rejectsKey(loadVerifyKey(dir), /token verify key not found at .*token-key\.pub\.pem; run 'sluice init'/);
  const { publicKey } = generateKeyPairSync('ed25519');
  await writeFile(join(dir, TOKEN_PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }));
  assert.ok((await loadVerifyKey(dir)).equals(publicKey));
});

void test('loading a key of the wrong type or garbage fails clearly, without quoting the file', async () => {
  const dir = await tempDir();
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  await writeFile(join(dir, TOKEN_KEY_FILE), privateKey.export({ type: 'pkcs8', format: 'pem' }));
  await writeFile(join(dir, TOKEN_PUBLIC_KEY_FILE), publicKey.export({ type: 'spki', format: 'pem' }));
  await rejectsKey(loadSigningKey(dir), /expected an Ed25519 private key, got ec/);
  await rejectsKey(loadVerifyKey(dir), /expected an Ed25519 public key, got ec/);

  const canary = 'CANARY-SECRET-5b1f0e';
  await writeFile(join(dir, TOKEN_KEY_FILE), `-----BEGIN PRIVATE KEY-----\n${canary}\n-----END PRIVATE KEY-----\n`);
  await assert.rejects(loadSigningKey(dir), (err: unknown) => {
    assert.ok(err instanceof SluiceError);
    assert.match(err.message, /not a PEM private key/);
    assert.ok(!errorText(err).includes(canary), 'the error does not quote the key file');
    return true;
  });
});
