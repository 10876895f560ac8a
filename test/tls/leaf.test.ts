import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { BadHostError, ErrorCode } from '../../src/errors.js';
import { LeafCertCache } from '../../src/tls/leaf-cache.js';
import { normalizeLeafHost } from '../../src/tls/leaf-host.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import { x509 } from '../../src/tls/x509-crypto.js';
import { freshCa, run } from './fixtures.js';

const DAY = 24 * 3_600_000;

void test('leaves for a name, an IPv4 and an IPv6 literal verify with openssl, for that name only', async () => {
  const { dir, certPath, ca } = await freshCa();
  const minter = new LeafMinter(ca);
  const cases = [
    { host: 'example.test', ok: ['-verify_hostname', 'example.test'], bad: ['-verify_hostname', 'other.test'] },
    { host: '127.0.0.1', ok: ['-verify_ip', '127.0.0.1'], bad: ['-verify_ip', '127.0.0.2'] },
    { host: '::1', ok: ['-verify_ip', '::1'], bad: ['-verify_ip', '::2'] },
  ];
  for (const c of cases) {
    const leafPath = join(dir, `leaf-${c.host.replace(/:/g, '_')}.pem`);
    await writeFile(leafPath, minter.mint(c.host).certPem);
    const good = await run('openssl', ['verify', '-CAfile', certPath, '-purpose', 'sslserver', ...c.ok, leafPath]);
    assert.equal(good.code, 0, `${c.host}: ${good.stdout}${good.stderr}`);
    const bad = await run('openssl', ['verify', '-CAfile', certPath, '-purpose', 'sslserver', ...c.bad, leafPath]);
    assert.notEqual(bad.code, 0, `${c.host} must not verify as ${c.bad[1] ?? ''}`);
    // And against a different CA it must not verify at all.
    const other = await freshCa();
    const foreign = await run('openssl', ['verify', '-CAfile', other.certPath, leafPath]);
    assert.notEqual(foreign.code, 0);
  }
});

void test('leaf fields: CN, SAN type, EKU, key usage, CA:false, AKI, serial, validity, shared key', async () => {
  const { ca } = await freshCa();
  const minter = new LeafMinter(ca, { validDays: 30 });
  const now = Date.now();
  const name = minter.mint('Example.TEST.');
  const ip4 = minter.mint('127.0.0.1');
  const ip6 = minter.mint('[0:0::1]');
  const cert = new x509.X509Certificate(name.certPem);
  assert.equal(cert.subject, 'CN=example.test');
  assert.equal(cert.issuer, ca.cert.subject);
  assert.ok(await cert.verify({ publicKey: ca.cert.publicKey, signatureOnly: true }), 'signed by the CA key');
  assert.deepEqual(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON(), [{ type: 'dns', value: 'example.test' }]);
  assert.deepEqual(new x509.X509Certificate(ip4.certPem).getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON(), [
    { type: 'ip', value: '127.0.0.1' },
  ]);
  assert.equal(new X509Certificate(ip6.certPem).subjectAltName, 'IP Address:0:0:0:0:0:0:0:1');
  assert.equal(new x509.X509Certificate(ip6.certPem).subject, 'CN=::1');
  const eku = cert.getExtension(x509.ExtendedKeyUsageExtension);
  assert.deepEqual([...(eku?.usages ?? [])], [x509.ExtendedKeyUsage.serverAuth]);
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  assert.ok(ku?.critical);
  assert.equal(ku.usages, x509.KeyUsageFlags.digitalSignature);
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  assert.ok(bc && !bc.ca);
  assert.equal(cert.getExtension(x509.AuthorityKeyIdentifierExtension)?.keyId, ca.subjectKeyId);
  assert.match(cert.serialNumber, /^[0-7][0-9a-f]{31}$/);
  assert.notEqual(cert.serialNumber, new x509.X509Certificate(ip4.certPem).serialNumber);
  assert.ok(Math.abs(cert.notBefore.getTime() - (now - 3_600_000)) < 5_000);
  assert.ok(Math.abs(cert.notAfter.getTime() - (now + 30 * DAY)) < 5_000);
  assert.equal(cert.notAfter.getTime(), name.notAfter.getTime());
  // One key pair per minter: every leaf carries the same public key.
  assert.equal(cert.publicKey.toString('base64'), new x509.X509Certificate(ip4.certPem).publicKey.toString('base64'));
  assert.equal(new X509Certificate(name.certPem).checkPrivateKey(createPrivateKey(minter.keyPem)), true);
  assert.equal(name.chainPem, name.certPem + ca.certPem);
  // A second minter has its own key.
  const other = new LeafMinter(ca).mint('example.test');
  assert.notEqual(new x509.X509Certificate(other.certPem).publicKey.toString('base64'), cert.publicKey.toString('base64'));
});

void test('a long name is cut to 64 characters in the CN only', async () => {
  const { ca } = await freshCa();
  const host = `${'a'.repeat(63)}.${'b'.repeat(63)}.example.test`;
  const cert = new x509.X509Certificate(new LeafMinter(ca).mint(host).certPem);
  assert.equal(cert.subject, `CN=${host.slice(0, 64)}`);
  assert.deepEqual(cert.getExtension(x509.SubjectAlternativeNameExtension)?.names.toJSON(), [{ type: 'dns', value: host }]);
});

void test('leaf validity never outlives the CA', async () => {
  const { ca } = await freshCa({ validDays: 2 });
  const leaf = new LeafMinter(ca, { validDays: 30 }).mint('example.test');
  assert.equal(leaf.notAfter.getTime(), ca.notAfter.getTime());
  assert.equal(new x509.X509Certificate(leaf.certPem).notAfter.getTime(), ca.notAfter.getTime());
});

void test('hosts are normalised, and non-names are refused', () => {
  assert.deepEqual(normalizeLeafHost('Example.TEST.'), { kind: 'dns', name: 'example.test', key: 'dns:example.test' });
  assert.equal(normalizeLeafHost('[0:0:0:0:0:0:0:1]').key, normalizeLeafHost('::1').key);
  assert.equal(normalizeLeafHost('bücher.example').name, 'xn--bcher-kva.example');
  assert.equal(normalizeLeafHost('127.0.0.1').kind, 'ip');
  for (const bad of ['', '*.example.test', 'fe80::1%eth0', 'a b.test', '[example.test]', '[127.0.0.1]', 'a..b', `${'x'.repeat(64)}.test`]) {
    assert.throws(() => normalizeLeafHost(bad), BadHostError, JSON.stringify(bad));
  }
});

void test('LeafCertCache: LRU bound, recency, peek and renewal counters', async () => {
  const { ca } = await freshCa();
  const cache = new LeafCertCache(ca, { max: 3 });
  const a = await cache.get('a.test');
  await cache.get('b.test');
  await cache.get('c.test');
  assert.equal(cache.size, 3);
  assert.equal(await cache.get('a.test'), a, 'a hit returns the same context'); // a is now most recent
  await cache.get('d.test'); // evicts b, the least recently used
  assert.equal(cache.size, 3);
  assert.equal(cache.peek('b.test'), undefined);
  assert.equal(cache.peek('a.test'), a);
  assert.ok(cache.peek('c.test') && cache.peek('d.test'));
  assert.equal(cache.mints, 4);
  await cache.get('b.test');
  assert.equal(cache.mints, 5, 'an evicted host is minted again');
  assert.equal(cache.size, 3);
  for (let i = 0; i < 50; i++) await cache.get(`h${i}.test`);
  assert.equal(cache.size, 3);
  assert.equal(cache.peek('EXAMPLE.test'), undefined);
  assert.throws(() => new LeafCertCache(ca, { max: 0 }), { code: ErrorCode.TLS_CA });
});

void test('LeafCertCache: concurrent get() for one host mints once; spellings share an entry', async () => {
  const { ca } = await freshCa();
  const cache = new LeafCertCache(ca);
  const contexts = await Promise.all([...Array.from({ length: 20 }, () => cache.get('same.test')), cache.get('SAME.test.')]);
  assert.equal(cache.mints, 1);
  assert.equal(cache.size, 1);
  for (const c of contexts) assert.equal(c, contexts[0]);
  const v6 = await Promise.all([cache.get('::1'), cache.get('[::1]'), cache.get('0:0::1')]);
  assert.equal(cache.mints, 2);
  assert.ok(v6.every((c) => c === v6[0]));
  await assert.rejects(cache.get('*.wild.test'), BadHostError);
  assert.equal(cache.size, 2, 'a refused host is not cached');
});

void test('mint time (printed, not asserted)', async (t) => {
  const { ca } = await freshCa();
  const minter = new LeafMinter(ca);
  for (let i = 0; i < 50; i++) minter.mint(`warm${i}.test`);
  const n = 1000;
  let start = performance.now();
  for (let i = 0; i < n; i++) minter.mint(`host${i}.example.test`);
  const mintMs = (performance.now() - start) / n;
  const cache = new LeafCertCache(ca, { max: n });
  start = performance.now();
  for (let i = 0; i < n; i++) await cache.get(`ctx${i}.example.test`);
  const ctxMs = (performance.now() - start) / n;
  start = performance.now();
  for (let i = 0; i < n; i++) await cache.get(`ctx${i}.example.test`);
  const hitMs = (performance.now() - start) / n;
  t.diagnostic(`leaf mint ${mintMs.toFixed(3)} ms; mint+SecureContext ${ctxMs.toFixed(3)} ms; cache hit ${(hitMs * 1000).toFixed(1)} µs`);
  assert.equal(cache.mints, n);
});
