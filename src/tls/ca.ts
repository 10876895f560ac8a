/**
 * The local certificate authority Sluice uses to intercept TLS: create it, and
 * load and check it at start-up so a bad CA fails fast with a message naming the
 * file, not later as an opaque handshake failure in some agent.
 *
 * @example
 * const ca = await createCa();
 * const { certPath, keyPath } = await writeCa(dir, ca);
 * const loaded = await loadCa(certPath, keyPath);
 * const leaves = new LeafCertCache(loaded);
 */
import { KeyObject, X509Certificate as NodeX509Certificate, randomBytes } from 'node:crypto';
import { ErrorCode, SluiceError } from '../errors.js';
import { caSignatureScheme, parseCaPrivateKey, type CaSignatureScheme } from './ca-key.js';
import { oid, seq, set, utf8 } from './der.js';
import { randomSerialHex, splitPemCertificates, validityWindow } from './pem.js';
import { readTlsFile } from './tls-file.js';
import { subtle, x509 } from './x509-crypto.js';

export { writeCa, CA_CERT_FILE, CA_KEY_FILE } from './ca-write.js';

/** A CA as PEM text: what `createCa` returns and `writeCa` stores. */
export interface CaMaterial {
  certPem: string;
  keyPem: string;
}

/** A checked CA, ready to sign leaf certificates. */
export interface LoadedCa {
  certPem: string;
  keyPem: string;
  cert: x509.X509Certificate;
  /** Parsed once here; leaves are signed synchronously with node:crypto `sign`. */
  privateKey: KeyObject;
  /** Digest matched to the key (SHA-256 for P-256 and RSA, SHA-384 for P-384, ...) and its DER name. */
  signature: CaSignatureScheme;
  /** Hex key id: the leaf's AuthorityKeyIdentifier, so clients find the issuer by key. */
  subjectKeyId: string;
  notAfter: Date;
}

/**
 * A new self-signed CA: ECDSA P-256, CN "Sluice Local CA <random>", CA:true
 * pathlen 0 and keyCertSign|cRLSign (both critical), a SubjectKeyIdentifier,
 * valid from an hour ago (tolerates client clock skew) for `validDays` (default
 * 3650). The random CN suffix tells two installs' CAs apart in trust stores.
 *
 * @example
 * const { certPem, keyPem } = await createCa({ commonName: 'Sluice CA (ci)', validDays: 30 });
 */
export async function createCa(opts: { commonName?: string; validDays?: number } = {}): Promise<CaMaterial> {
  const commonName = opts.commonName ?? `Sluice Local CA ${randomBytes(4).toString('hex')}`;
  // X.520 caps commonName at 64 characters; some verifiers reject longer ones.
  if (commonName.length === 0 || commonName.length > 64) {
    throw new SluiceError(ErrorCode.TLS_CA, `CA common name must be 1 to 64 characters, got ${commonName.length}`);
  }
  const validDays = opts.validDays ?? 3650;
  if (!Number.isFinite(validDays) || validDays <= 0) {
    throw new SluiceError(ErrorCode.TLS_CA, `CA validDays must be a positive number, got ${String(validDays)}`);
  }
  const keys = await subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify']);
  const valid = validityWindow(Date.now(), validDays);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialHex(),
    // Encoded here rather than as a JSON name: the library's JSON path mangles
    // values containing commas or quotes ('Team, "CI" CA' became 'CI').
    name: new x509.Name(seq(set(seq(oid('2.5.4.3'), utf8(commonName))))),
    notBefore: new Date(valid.notBefore),
    notAfter: new Date(valid.notAfter),
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = KeyObject.from(keys.privateKey).export({ type: 'pkcs8', format: 'pem' }).toString();
  return { certPem: cert.toString('pem') + '\n', keyPem };
}

/**
 * Load a CA and check it can do its job: the certificate parses, is a CA allowed
 * to sign certificates, is within its validity period, and the key belongs to it.
 * Every failure is SluiceError(TLS_CA) naming the file and the problem.
 *
 * @example
 * const ca = await loadCa('/etc/sluice/ca.pem', '/etc/sluice/ca-key.pem');
 */
export async function loadCa(certPath: string, keyPath: string): Promise<LoadedCa> {
  const certText = await readTlsFile(certPath, 'CA certificate');
  const keyText = await readTlsFile(keyPath, 'CA private key');
  const certPem = onlyCertificate(certPath, certText);
  const cert = parseCert(certPath, certPem);
  checkIsCa(certPath, cert);
  checkValidity(certPath, cert, new Date());
  const keyObject = parseCaPrivateKey(keyPath, keyText);
  if (!new NodeX509Certificate(certPem).checkPrivateKey(keyObject)) {
    throw new SluiceError(ErrorCode.TLS_CA, `${keyPath}: this private key does not belong to the CA certificate ${certPath}`, {
      file: keyPath,
      certFile: certPath,
    });
  }
  const signature = caSignatureScheme(keyPath, keyObject);
  const ski = cert.getExtension(x509.SubjectKeyIdentifierExtension);
  // RFC 5280 lets a self-signed root omit the SKI; derive it the way CAs do (SHA-1 of the key).
  const subjectKeyId = ski?.keyId ?? (await x509.SubjectKeyIdentifierExtension.create(cert.publicKey)).keyId;
  return { certPem, keyPem: keyText, cert, privateKey: keyObject, signature, subjectKeyId, notAfter: cert.notAfter };
}

function onlyCertificate(certPath: string, text: string): string {
  const certs = splitPemCertificates(text);
  if (certs.length === 0) {
    throw new SluiceError(ErrorCode.TLS_CA, `${certPath}: no PEM certificate found (expected "-----BEGIN CERTIFICATE-----")`, {
      file: certPath,
    });
  }
  // An intermediate plus its root would need the whole chain served; not supported, so say so.
  if (certs.length > 1) {
    throw new SluiceError(ErrorCode.TLS_CA, `${certPath}: expected exactly one CA certificate, found ${certs.length}`, {
      file: certPath,
    });
  }
  return certs[0] ?? '';
}

function parseCert(certPath: string, pem: string): x509.X509Certificate {
  try {
    const cert = new x509.X509Certificate(pem);
    // Touch the lazily decoded fields so a malformed body fails here, not mid-handshake.
    void cert.notAfter;
    void cert.publicKey;
    new NodeX509Certificate(pem);
    return cert;
  } catch {
    throw new SluiceError(ErrorCode.TLS_CA, `${certPath}: the PEM certificate block does not parse as X.509`, { file: certPath });
  }
}

function checkIsCa(certPath: string, cert: x509.X509Certificate): void {
  const bc = cert.getExtension(x509.BasicConstraintsExtension);
  if (!bc?.ca) {
    throw new SluiceError(
      ErrorCode.TLS_CA,
      `${certPath}: certificate "${cert.subject}" is not a CA (basicConstraints CA:TRUE missing), so clients would reject the certificates it signs`,
      { file: certPath },
    );
  }
  const ku = cert.getExtension(x509.KeyUsagesExtension);
  if (ku && (ku.usages & x509.KeyUsageFlags.keyCertSign) === 0) {
    throw new SluiceError(ErrorCode.TLS_CA, `${certPath}: CA certificate keyUsage lacks keyCertSign, so it may not sign certificates`, {
      file: certPath,
    });
  }
}

function checkValidity(certPath: string, cert: x509.X509Certificate, now: Date): void {
  if (now < cert.notBefore) {
    throw new SluiceError(ErrorCode.TLS_CA, `${certPath}: CA certificate is not valid until ${cert.notBefore.toISOString()}`, {
      file: certPath,
    });
  }
  if (now > cert.notAfter) {
    throw new SluiceError(
      ErrorCode.TLS_CA,
      `${certPath}: CA certificate expired on ${cert.notAfter.toISOString()}; create a new CA and have clients trust it`,
      { file: certPath },
    );
  }
}
