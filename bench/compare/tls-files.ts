/**
 * Certificates for the comparison, made with the openssl command line so that no
 * contender's own code mints them: the upstream's CA and its leaf for 127.0.0.1 (what
 * nginx serves), and one interception CA shared by mitmproxy and Squid. All ECDSA
 * P-256, like the CA `sluice init` creates, so every interceptor signs with the same
 * kind of key (mitmproxy and Squid reuse their CA key pair for the leaves they mint).
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Children } from '../children.js';

export interface CaFiles {
  cert: string;
  key: string;
}

export interface UpstreamTls {
  ca: CaFiles;
  leafCert: string;
  leafKey: string;
}

async function openssl(kids: Children, args: string[]): Promise<void> {
  const r = await kids.run('openssl', args, 60_000);
  if (r.code !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.trim()}`);
}

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];

export async function makeCa(kids: Children, dir: string, name: string, cn: string): Promise<CaFiles> {
  const cert = join(dir, `${name}.pem`);
  const key = join(dir, `${name}-key.pem`);
  await openssl(kids, [
    'req',
    '-x509',
    ...EC,
    '-keyout',
    key,
    '-out',
    cert,
    '-days',
    '3',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return { cert, key };
}

/** The upstream CA and a leaf for IP 127.0.0.1 (and the name localhost) signed by it. */
export async function makeUpstreamTls(kids: Children, dir: string): Promise<UpstreamTls> {
  const ca = await makeCa(kids, dir, 'upstream-ca', 'Bench Upstream CA');
  const leafKey = join(dir, 'upstream-key.pem');
  const csr = join(dir, 'upstream.csr');
  const leafCert = join(dir, 'upstream.pem');
  const ext = join(dir, 'upstream.ext');
  await writeFile(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await openssl(kids, ['req', ...EC, '-keyout', leafKey, '-out', csr, '-subj', '/CN=127.0.0.1']);
  await openssl(kids, ['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-out', leafCert, '-days', '3', '-extfile', ext]);
  return { ca, leafCert, leafKey };
}
