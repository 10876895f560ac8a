/**
 * Shared set-up for the TLS tests: temp dirs, a fresh CA per run, running real
 * tools (openssl, curl) without blocking the event loop (the servers they talk
 * to live in this process).
 *
 * @example
 * const { ca, certPath } = await freshCa();
 * const { code, stdout } = await run('openssl', ['verify', '-CAfile', certPath, leafPath]);
 */
import { execFile } from 'node:child_process';
import { KeyObject, webcrypto } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { createCa, loadCa, writeCa, type LoadedCa } from '../../src/tls/ca.js';
import { x509 } from '../../src/tls/x509-crypto.js';

/** A temp dir removed when the test file finishes. */
export async function tempDir(prefix = 'sluice-tls-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  after(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** A new CA written to a temp dir and loaded back. */
export async function freshCa(opts: { validDays?: number } = {}): Promise<{
  dir: string;
  certPath: string;
  keyPath: string;
  ca: LoadedCa;
}> {
  const dir = await tempDir();
  const { certPath, keyPath } = await writeCa(dir, await createCa(opts));
  return { dir, certPath, keyPath, ca: await loadCa(certPath, keyPath) };
}

/** Run a command; never throws on a non-zero exit (tests assert on `code`). */
export function run(cmd: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * A self-signed certificate with chosen extensions and validity, written as
 * cert.pem / key.pem into `dir`; for the "bad CA" cases createCa never makes.
 */
export async function customSelfSigned(
  dir: string,
  opts: { ca?: boolean | undefined; notBefore: Date; notAfter: Date; keyUsage?: number },
): Promise<{ certPath: string; keyPath: string }> {
  const keys = await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const extensions: x509.Extension[] = [];
  if (opts.ca !== undefined) extensions.push(new x509.BasicConstraintsExtension(opts.ca, undefined, true));
  if (opts.keyUsage !== undefined) extensions.push(new x509.KeyUsagesExtension(opts.keyUsage, true));
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: 'CN=custom test cert',
    notBefore: opts.notBefore,
    notAfter: opts.notAfter,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions,
  });
  const certPath = join(dir, `custom-${Math.random().toString(36).slice(2)}.pem`);
  const keyPath = `${certPath}.key`;
  await writeFile(certPath, cert.toString('pem'));
  await writeFile(keyPath, KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }));
  return { certPath, keyPath };
}

/** An openssl-made CA (bring-your-own-CA case): `newkey` e.g. 'rsa:2048' or 'ec' with a curve. */
export async function opensslCa(dir: string, name: string, keyArgs: string[], opts: { ski: boolean }): Promise<{ certPath: string; keyPath: string }> {
  const cnf = join(dir, `${name}.cnf`);
  await writeFile(
    cnf,
    [
      '[req]',
      'distinguished_name=dn',
      'x509_extensions=v3',
      'prompt=no',
      '[dn]',
      `CN=${name}`,
      '[v3]',
      'basicConstraints=critical,CA:true',
      'keyUsage=critical,keyCertSign,cRLSign',
      opts.ski ? 'subjectKeyIdentifier=hash' : 'subjectKeyIdentifier=none',
      '',
    ].join('\n'),
  );
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}-key.pem`);
  const r = await run('openssl', ['req', '-x509', '-config', cnf, ...keyArgs, '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '2']);
  if (r.code !== 0) throw new Error(`openssl req failed: ${r.stderr}`);
  return { certPath, keyPath };
}
