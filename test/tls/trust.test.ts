import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { connect, rootCertificates, TLSSocket } from 'node:tls';
import { ErrorCode, SluiceError } from '../../src/errors.js';
import { LeafCertCache } from '../../src/tls/leaf-cache.js';
import { pemBodyKey, splitPemCertificates } from '../../src/tls/pem.js';
import { DEFAULT_SYSTEM_BUNDLE, upstreamTrust, writeClientBundle } from '../../src/tls/trust.js';
import { freshCa, tempDir } from './fixtures.js';

const keys = (pems: string[]): string[] => pems.map(pemBodyKey);

async function withEnv<T>(name: string, value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const old = process.env[name];
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
  try {
    return await fn();
  } finally {
    if (old === undefined) delete process.env[name];
    else process.env[name] = old;
  }
}

void test('upstreamTrust: Node roots plus the system bundle, one certificate per entry, no duplicates', async (t) => {
  const trust = await withEnv('SSL_CERT_FILE', undefined, () => upstreamTrust());
  const have = new Set(keys(trust));
  assert.equal(have.size, trust.length, 'no duplicates');
  for (const root of rootCertificates) assert.ok(have.has(pemBodyKey(root)), 'every Node root is included');
  for (const pem of trust) {
    assert.equal(splitPemCertificates(pem).length, 1);
    new X509Certificate(pem); // each entry parses
  }
  if (existsSync(DEFAULT_SYSTEM_BUNDLE)) {
    const system = splitPemCertificates(await readFile(DEFAULT_SYSTEM_BUNDLE, 'utf8'));
    assert.ok(system.length > 0);
    for (const k of keys(system)) assert.ok(have.has(k), 'every system bundle certificate is included');
  } else {
    t.diagnostic(`${DEFAULT_SYSTEM_BUNDLE} absent; only Node's roots checked`);
  }
});

void test('upstreamTrust: SSL_CERT_FILE replaces the default bundle path', async () => {
  const { certPath, ca } = await freshCa();
  const withVar = await withEnv('SSL_CERT_FILE', certPath, () => upstreamTrust());
  assert.ok(keys(withVar).includes(pemBodyKey(ca.certPem)));
  const withoutVar = await withEnv('SSL_CERT_FILE', undefined, () => upstreamTrust());
  assert.ok(!keys(withoutVar).includes(pemBodyKey(ca.certPem)));
});

void test('upstreamTrust: the operator CA is added, and really verifies an internal server', async () => {
  const internal = await freshCa();
  const trust = await upstreamTrust(internal.certPath);
  assert.ok(keys(trust).includes(pemBodyKey(internal.ca.certPem)));

  const leaves = new LeafCertCache(internal.ca);
  const sockets = new Set<Socket>();
  const server = createServer((raw) => {
    sockets.add(raw);
    const s = new TLSSocket(raw, { isServer: true, secureContext: leaves.getSync('internal.test') });
    s.on('error', () => raw.destroy());
    s.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  const attempt = (ca: string[]): Promise<boolean> =>
    new Promise((resolve) => {
      const c = connect({ host: '127.0.0.1', port, servername: 'internal.test', ca });
      c.on('secureConnect', () => {
        resolve(c.authorized);
        c.destroy();
      });
      c.on('error', () => resolve(false));
    });
  try {
    assert.equal(await attempt(trust), true, 'trusted with the operator CA');
    assert.equal(await attempt(await upstreamTrust()), false, 'not trusted by system roots alone');
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});

void test('upstreamTrust: a missing or certificate-less operator file is an error naming it', async () => {
  const dir = await tempDir();
  const missing = join(dir, 'internal-ca.pem');
  await assert.rejects(upstreamTrust(missing), (err: unknown) => {
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, ErrorCode.TLS_CA);
    assert.match(err.message, /tls\.upstream_ca/);
    assert.ok(err.message.includes(missing));
    assert.match(err.message, /not found/);
    return true;
  });
  const empty = join(dir, 'empty.pem');
  await writeFile(empty, '# nothing here\n');
  await assert.rejects(upstreamTrust(empty), (err: unknown) => {
    assert.ok(err instanceof SluiceError && err.code === ErrorCode.TLS_CA && err.message.includes(empty));
    assert.match(err.message, /no PEM certificate/);
    return true;
  });
});

void test('writeClientBundle: Sluice CA first, then the system roots, 0644, atomic replace', async () => {
  const { dir, ca } = await freshCa();
  const path = join(dir, 'bundle.pem');
  await writeFile(path, 'old contents');
  const old = process.umask(0o077);
  try {
    await writeClientBundle(path, ca.certPem);
  } finally {
    process.umask(old);
  }
  assert.equal((await stat(path)).mode & 0o777, 0o644);
  const certs = splitPemCertificates(await readFile(path, 'utf8'));
  assert.equal(pemBodyKey(certs[0] ?? ''), pemBodyKey(ca.certPem), 'the Sluice CA comes first');
  const have = new Set(keys(certs));
  assert.equal(have.size, certs.length, 'no duplicates');
  for (const root of rootCertificates) assert.ok(have.has(pemBodyKey(root)));
  if (existsSync(DEFAULT_SYSTEM_BUNDLE)) {
    for (const k of keys(splitPemCertificates(await readFile(DEFAULT_SYSTEM_BUNDLE, 'utf8')))) assert.ok(have.has(k));
  }
  for (const pem of certs) new X509Certificate(pem);
  assert.deepEqual(
    (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
    [],
    'no temp file left',
  );
  await assert.rejects(writeClientBundle(join(dir, 'x.pem'), 'not a cert'), { code: ErrorCode.TLS_CA });
  await assert.rejects(writeClientBundle(join(dir, 'no-such-dir', 'x.pem'), ca.certPem), { code: ErrorCode.TLS_CA });
});
