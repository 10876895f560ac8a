import assert from 'node:assert/strict';
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { ErrorCode, SluiceError } from '../../src/errors.js';
import { createCa, loadCa, writeCa } from '../../src/tls/ca.js';
import { LeafMinter } from '../../src/tls/leaf-minter.js';
import { x509 } from '../../src/tls/x509-crypto.js';
import { customSelfSigned, freshCa, opensslCa, run, tempDir } from './fixtures.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Asserts a TLS_CA SluiceError whose message names `file` and matches `what`. */
async function rejectsTlsCa(p: Promise<unknown>, file: string, what: RegExp): Promise<void> {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof SluiceError, `expected SluiceError, got ${String(err)}`);
    assert.equal(err.code, ErrorCode.TLS_CA);
    assert.ok(err.message.includes(file), `message should name ${file}: ${err.message}`);
    assert.match(err.message, what);
    return true;
  });
}

void test('createCa: P-256 self-signed CA with the required extensions and validity', async () => {
  const before = Date.now();
  const { certPem, keyPem } = await createCa();
  const cert = new x509.X509Certificate(certPem);
  assert.match(cert.subject, /^CN=Sluice Local CA [0-9a-f]{8}$/);
  assert.equal(cert.subject, cert.issuer);
  assert.ok(await cert.isSelfSigned(), 'self-signed signature verifies');
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  assert.ok(bc?.ca && bc.critical && bc.pathLength === 0, 'CA:true pathlen 0 critical');
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  assert.ok(ku?.critical);
  assert.equal(ku.usages, x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign);
  assert.ok(cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId, 'has SKI');
  const publicKey = new X509Certificate(certPem).publicKey;
  assert.equal(publicKey.asymmetricKeyType, 'ec');
  assert.equal(publicKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  // 16 random bytes, positive: exactly 32 hex digits, top bit clear.
  assert.match(cert.serialNumber, /^[0-7][0-9a-f]{31}$/);
  assert.ok(Math.abs(cert.notBefore.getTime() - (before - HOUR)) < 5_000, 'notBefore is an hour back');
  assert.ok(Math.abs(cert.notAfter.getTime() - (before + 3650 * DAY)) < 5_000, 'notAfter is ten years on');
  assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);
  assert.ok(new X509Certificate(certPem).checkPrivateKey(createPrivateKey(keyPem)), 'the key belongs to the cert');
  const other = await createCa();
  assert.notEqual(new x509.X509Certificate(other.certPem).serialNumber, cert.serialNumber);
});

void test('createCa: options and their validation', async () => {
  const { certPem } = await createCa({ commonName: 'Team, "CI" CA', validDays: 2 });
  const cert = new x509.X509Certificate(certPem);
  assert.equal(cert.subjectName.getField('CN')[0], 'Team, "CI" CA');
  assert.ok(cert.notAfter.getTime() - Date.now() < 2 * DAY + 5_000);
  await assert.rejects(createCa({ commonName: '' }), SluiceError);
  await assert.rejects(createCa({ commonName: 'x'.repeat(65) }), SluiceError);
  await assert.rejects(createCa({ validDays: 0 }), SluiceError);
});

void test('openssl agrees: the CA is a valid CA certificate', async () => {
  const { certPath } = await freshCa();
  const text = await run('openssl', ['x509', '-in', certPath, '-noout', '-text']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
  assert.match(text.stdout, /Key Usage: critical\s+Certificate Sign, CRL Sign/);
  assert.match(text.stdout, /NIST CURVE: P-256/);
  const verify = await run('openssl', ['verify', '-CAfile', certPath, certPath]);
  assert.equal(verify.code, 0, verify.stderr);
});

void test('writeCa: key 0600 and cert 0644 whatever the umask, and nothing else left behind', async () => {
  const dir = await tempDir();
  const ca = await createCa();
  const old = process.umask(0o000); // the most permissive umask: a plain writeFile would give 0666
  try {
    const { certPath, keyPath } = await writeCa(join(dir, 'fresh'), ca);
    assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
    assert.equal((await stat(certPath)).mode & 0o777, 0o644);
    assert.equal((await stat(join(dir, 'fresh'))).mode & 0o777, 0o700, 'a created CA dir is private');
    assert.equal(await readFile(keyPath, 'utf8'), ca.keyPem);
    assert.equal(await readFile(certPath, 'utf8'), ca.certPem);
  } finally {
    process.umask(old);
  }
  process.umask(0o077); // the strictest: the cert must still be readable by clients
  try {
    const { certPath } = await writeCa(join(dir, 'strict'), ca);
    assert.equal((await stat(certPath)).mode & 0o777, 0o644);
  } finally {
    process.umask(old);
  }
});

void test('writeCa: refuses to overwrite, replaces with force', async () => {
  const dir = await tempDir();
  const first = await createCa();
  const { certPath, keyPath } = await writeCa(dir, first);
  const second = await createCa();
  await rejectsTlsCa(writeCa(dir, second), certPath, /already exists/);
  assert.equal(await readFile(keyPath, 'utf8'), first.keyPem, 'the old key is untouched');

  // Only the key present (e.g. a half-finished earlier run): still refused, nothing written.
  const keyOnly = await tempDir();
  await writeFile(join(keyOnly, 'ca-key.pem'), 'precious', { mode: 0o600 });
  await rejectsTlsCa(writeCa(keyOnly, second), join(keyOnly, 'ca-key.pem'), /already exists/);
  assert.deepEqual(await readdir(keyOnly), ['ca-key.pem']);

  await chmod(keyPath, 0o644); // force must also restore the key's mode
  await writeCa(dir, second, { force: true });
  assert.equal(await readFile(keyPath, 'utf8'), second.keyPem);
  assert.equal(await readFile(certPath, 'utf8'), second.certPem);
  assert.equal((await stat(keyPath)).mode & 0o777, 0o600);
  assert.deepEqual((await readdir(dir)).sort(), ['ca-key.pem', 'ca.pem'], 'no temp files remain');
});

void test('loadCa: round trip gives a CA that can sign', async () => {
  const { certPath, keyPath, ca } = await freshCa();
  assert.equal(ca.certPem, await readFile(certPath, 'utf8'));
  assert.equal(ca.keyPem, await readFile(keyPath, 'utf8'));
  assert.equal(ca.subjectKeyId, ca.cert.getExtension(x509.SubjectKeyIdentifierExtension)?.keyId);
  assert.equal(ca.signature.hash, 'sha256');
  assert.equal(ca.notAfter.getTime(), ca.cert.notAfter.getTime());
});

void test('loadCa: missing files', async () => {
  const { dir, certPath, keyPath } = await freshCa();
  const nope = join(dir, 'nope.pem');
  await rejectsTlsCa(loadCa(nope, keyPath), nope, /CA certificate .*file not found/);
  await rejectsTlsCa(loadCa(certPath, nope), nope, /CA private key .*file not found/);
  await rejectsTlsCa(loadCa(dir, keyPath), dir, /is a directory/);
});

void test('loadCa: garbage PEM in either file', async () => {
  const { dir, certPath, keyPath } = await freshCa();
  const notPem = join(dir, 'not-pem.pem');
  await writeFile(notPem, 'hello, I am not a certificate\n');
  await rejectsTlsCa(loadCa(notPem, keyPath), notPem, /no PEM certificate/);
  const badBody = join(dir, 'bad-body.pem');
  await writeFile(badBody, '-----BEGIN CERTIFICATE-----\nAAAABBBBCCCCDDDD\n-----END CERTIFICATE-----\n');
  await rejectsTlsCa(loadCa(badBody, keyPath), badBody, /does not parse/);
  const badKey = join(dir, 'bad-key.pem');
  await writeFile(badKey, '-----BEGIN PRIVATE KEY-----\nAAAABBBBCCCCDDDD\n-----END PRIVATE KEY-----\n');
  await rejectsTlsCa(loadCa(certPath, badKey), badKey, /does not parse/);
  await rejectsTlsCa(loadCa(certPath, notPem), notPem, /no PEM private key/);
  const two = join(dir, 'two.pem');
  await writeFile(two, (await readFile(certPath, 'utf8')).repeat(2));
  await rejectsTlsCa(loadCa(two, keyPath), two, /exactly one/);
});

void test('loadCa: a certificate that is not a CA, or may not sign', async () => {
  const dir = await tempDir();
  const now = Date.now();
  const leaf = await customSelfSigned(dir, { ca: false, notBefore: new Date(now - HOUR), notAfter: new Date(now + DAY) });
  await rejectsTlsCa(loadCa(leaf.certPath, leaf.keyPath), leaf.certPath, /not a CA/);
  const bare = await customSelfSigned(dir, { notBefore: new Date(now - HOUR), notAfter: new Date(now + DAY) });
  await rejectsTlsCa(loadCa(bare.certPath, bare.keyPath), bare.certPath, /not a CA/);
  const noSign = await customSelfSigned(dir, {
    ca: true,
    keyUsage: x509.KeyUsageFlags.digitalSignature,
    notBefore: new Date(now - HOUR),
    notAfter: new Date(now + DAY),
  });
  await rejectsTlsCa(loadCa(noSign.certPath, noSign.keyPath), noSign.certPath, /keyCertSign/);
});

void test('loadCa: outside the validity period', async () => {
  const dir = await tempDir();
  const now = Date.now();
  const expired = await customSelfSigned(dir, { ca: true, notBefore: new Date(now - 3 * DAY), notAfter: new Date(now - DAY) });
  await rejectsTlsCa(loadCa(expired.certPath, expired.keyPath), expired.certPath, /expired on/);
  const future = await customSelfSigned(dir, { ca: true, notBefore: new Date(now + DAY), notAfter: new Date(now + 3 * DAY) });
  await rejectsTlsCa(loadCa(future.certPath, future.keyPath), future.certPath, /not valid until/);
});

void test('loadCa: a key from another CA is refused, and no key bytes are printed', async () => {
  const a = await freshCa();
  const b = await freshCa();
  const keyBody = b.ca.keyPem.split('\n').filter((l) => l && !l.startsWith('-----'));
  await assert.rejects(loadCa(a.certPath, b.keyPath), (err: unknown) => {
    assert.ok(err instanceof SluiceError);
    assert.equal(err.code, ErrorCode.TLS_CA);
    assert.match(err.message, /does not belong to the CA certificate/);
    assert.ok(err.message.includes(b.keyPath) && err.message.includes(a.certPath));
    const printed = `${err.message} ${JSON.stringify(err.details)}`;
    for (const line of keyBody) assert.ok(!printed.includes(line.slice(0, 20)), 'key material in the error');
    return true;
  });
});

void test('loadCa: an encrypted key gets a specific message', async () => {
  const { dir, certPath } = await freshCa();
  const enc = join(dir, 'enc-key.pem');
  const r = await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-aes256', '-pass', 'pass:x', '-out', enc]);
  assert.equal(r.code, 0, r.stderr);
  await rejectsTlsCa(loadCa(certPath, enc), enc, /encrypted/);
});

void test('bring-your-own CA: RSA (without SKI) and P-384 CAs made by openssl load and sign verifiable leaves', async () => {
  const dir = await tempDir();
  const cases = [
    { name: 'rsa-ca', args: ['-newkey', 'rsa:2048'], ski: false, hash: 'sha256' },
    { name: 'p384-ca', args: ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], ski: true, hash: 'sha384' },
  ];
  for (const c of cases) {
    const { certPath, keyPath } = await opensslCa(dir, c.name, c.args, { ski: c.ski });
    const ca = await loadCa(certPath, keyPath);
    assert.equal(ca.signature.hash, c.hash);
    assert.match(ca.subjectKeyId, /^[0-9a-f]{40}$/);
    const leafPath = join(dir, `${c.name}-leaf.pem`);
    await writeFile(leafPath, new LeafMinter(ca).mint('byo.example.test').certPem);
    const v = await run('openssl', ['verify', '-CAfile', certPath, '-purpose', 'sslserver', '-verify_hostname', 'byo.example.test', leafPath]);
    assert.equal(v.code, 0, `${c.name}: ${v.stdout}${v.stderr}`);
  }
});
