/**
 * Which CAs are trusted, in both directions of the gate:
 * - upstream: the gate verifies real servers against the system roots plus an
 *   operator-supplied CA (for internal services);
 * - clients: processes started by `sluice run` get a bundle of the system roots
 *   plus the Sluice CA, so they accept the gate's intercepted certificates and
 *   still verify anything that reaches them some other way.
 *
 * @example
 * const ca = await upstreamTrust(config.tls?.upstream_ca);
 * tls.connect({ host, port, servername: host, ca });
 */
import { readFile, rename, rm, writeFile, chmod } from 'node:fs/promises';
import { rootCertificates } from 'node:tls';
import { ErrorCode, SluiceError } from '../errors.js';
import { tempSibling } from '../temp-files.js';
import { pemBodyKey, splitPemCertificates } from './pem.js';
import { errnoCode, readTlsFile } from './tls-file.js';

/** Debian/Ubuntu/Alpine bundle; other distributions set SSL_CERT_FILE or rely on Node's roots. */
export const DEFAULT_SYSTEM_BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

/**
 * The CAs for verifying upstream servers, one PEM certificate per entry,
 * deduplicated: the system bundle (SSL_CERT_FILE if set, else the Debian path,
 * skipped if absent), Node's built-in roots, and `extraCaFile` if given.
 * A missing or certificate-less `extraCaFile` is SluiceError(TLS_CA) naming it:
 * the operator asked for it, so silently skipping it would break internal hosts.
 *
 * Note that passing `ca` to tls.connect replaces Node's default roots, which is
 * why the built-in roots are included here.
 *
 * @example
 * const ca = await upstreamTrust('/etc/sluice/internal-ca.pem');
 */
export async function upstreamTrust(extraCaFile?: string): Promise<string[]> {
  const sets = [await systemRoots(), [...rootCertificates]];
  if (extraCaFile != null && extraCaFile !== '') {
    const text = await readTlsFile(extraCaFile, 'upstream CA file (tls.upstream_ca)');
    const extra = splitPemCertificates(text);
    if (extra.length === 0) {
      throw new SluiceError(
        ErrorCode.TLS_CA,
        `upstream CA file (tls.upstream_ca) ${extraCaFile}: no PEM certificate found (expected "-----BEGIN CERTIFICATE-----")`,
        { file: extraCaFile },
      );
    }
    sets.push(extra);
  }
  return dedupe(sets.flat());
}

/**
 * Write a PEM bundle of the Sluice CA and the system roots to `path` (0644),
 * atomically (temp file + rename) so a client starting meanwhile never reads
 * half a bundle. Point SSL_CERT_FILE, REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE,
 * NODE_EXTRA_CA_CERTS, ... at it.
 *
 * @example
 * await writeClientBundle('/home/me/.sluice/client-bundle.pem', ca.certPem);
 */
export async function writeClientBundle(path: string, sluiceCaPem: string): Promise<void> {
  const sluice = splitPemCertificates(sluiceCaPem);
  if (sluice.length === 0) {
    throw new SluiceError(ErrorCode.TLS_CA, 'writeClientBundle: the Sluice CA PEM contains no certificate');
  }
  const certs = dedupe([...sluice, ...(await systemRoots()), ...rootCertificates]);
  const text = `# Sluice client trust bundle: the Sluice CA, then the system roots.\n${certs.join('')}`;
  const tmp = tempSibling(path);
  try {
    await writeFile(tmp, text, { mode: 0o644, flag: 'wx' });
    await chmod(tmp, 0o644); // the umask may have narrowed it; clients run as other users too
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw new SluiceError(ErrorCode.TLS_CA, `${path}: cannot write the client CA bundle (${errnoCode(err)})`, { file: path });
  }
}

/** Certificates from the system bundle file, or none if there is no readable one. */
async function systemRoots(): Promise<string[]> {
  const file = process.env.SSL_CERT_FILE || DEFAULT_SYSTEM_BUNDLE;
  try {
    return splitPemCertificates(await readFile(file, 'utf8'));
  } catch {
    // Absent bundles are normal (macOS, minimal images); Node's built-in roots still apply.
    return [];
  }
}

function dedupe(pems: string[]): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const pem of pems) {
    const key = pemBodyKey(pem);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(pem.endsWith('\n') ? pem : `${pem}\n`);
  }
  return out;
}
