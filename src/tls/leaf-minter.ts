/**
 * Mints short-lived leaf certificates for intercepted hosts, signed by the
 * Sluice CA, synchronously.
 *
 * One ECDSA P-256 key pair serves every leaf a minter issues: minting is then
 * one signature over a fixed template (der.ts), not a key generation per host,
 * which is what keeps the first request to a new host cheap. Sharing the key is
 * safe here because it never leaves this process and every leaf expires in days.
 *
 * @example
 * const minter = new LeafMinter(await loadCa(certPath, keyPath));
 * const leaf = minter.mint('example.test');
 * tls.createSecureContext({ key: minter.keyPem, cert: leaf.chainPem });
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { ErrorCode, SluiceError } from '../errors.js';
import type { LoadedCa } from './ca.js';
import { TRUE, bitString, children, explicit, implicit, octetString, oid, seq, set, time, unsignedInteger, utf8 } from './der.js';
import { ipAddressBytes, normalizeLeafHost, type LeafHost } from './leaf-host.js';
import { randomSerialHex, validityWindow } from './pem.js';

/** One minted leaf. */
export interface MintedLeaf {
  host: LeafHost;
  certPem: string;
  /** Leaf then CA: what a TLS server sends so clients can build the path. */
  chainPem: string;
  notBefore: Date;
  notAfter: Date;
}

/** X.520 ub-common-name; the SAN carries the full name, the CN is cosmetic. */
const CN_MAX = 64;
const VERSION_3 = explicit(0, Buffer.from([0x02, 0x01, 0x02]));
const EXT_BASIC_CONSTRAINTS_LEAF = seq(oid('2.5.29.19'), octetString(seq())); // CA:FALSE is the DEFAULT, so empty
const EXT_KEY_USAGE_DIGITAL_SIGNATURE = seq(oid('2.5.29.15'), TRUE, octetString(Buffer.from([0x03, 0x02, 0x07, 0x80])));
const EXT_EKU_SERVER_AUTH = seq(oid('2.5.29.37'), octetString(seq(oid('1.3.6.1.5.5.7.3.1'))));
const OID_SAN = oid('2.5.29.17');
const OID_CN = oid('2.5.4.3');

/** Signs leaf certificates with one CA and one shared leaf key. */
export class LeafMinter {
  /** PKCS#8 PEM of the shared leaf private key, for createSecureContext. */
  readonly keyPem: string;
  readonly #ca: LoadedCa;
  readonly #validDays: number;
  // Everything identical across leaves is encoded once.
  readonly #issuer: Buffer;
  readonly #spki: Buffer;
  readonly #aki: Buffer;

  /**
   * A minter with a freshly generated P-256 leaf key. `validDays` (default 30)
   * is capped by the CA's own expiry at each mint.
   *
   * @example
   * const minter = new LeafMinter(ca, { validDays: 7 });
   */
  constructor(ca: LoadedCa, opts: { validDays?: number } = {}) {
    const validDays = opts.validDays ?? 30;
    if (!Number.isFinite(validDays) || validDays <= 0) {
      throw new SluiceError(ErrorCode.TLS_CA, `leaf validDays must be a positive number, got ${String(validDays)}`);
    }
    this.#ca = ca;
    this.#validDays = validDays;
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    this.keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    this.#spki = publicKey.export({ type: 'spki', format: 'der' });
    // The CA's subject exactly as encoded in its certificate: path building
    // matches a leaf's issuer to the CA's subject byte for byte. TBSCertificate
    // fields: [0] version, serial, signature, issuer, validity, subject, ...
    const tbsFields = children(children(Buffer.from(ca.cert.rawData))[0] ?? Buffer.alloc(0));
    const subject = tbsFields[tbsFields[0]?.[0] === 0xa0 ? 5 : 4];
    if (!subject) throw new SluiceError(ErrorCode.TLS_CA, 'the CA certificate has no subject field');
    this.#issuer = subject;
    this.#aki = seq(oid('2.5.29.35'), octetString(seq(implicit(0, Buffer.from(ca.subjectKeyId, 'hex')))));
  }

  /**
   * Sign a leaf for a DNS name or IP literal: CN = host (first 64 characters),
   * SAN dNSName or iPAddress, serverAuth, valid from an hour ago (clock skew)
   * until `validDays` from now or the CA's expiry, whichever is first.
   * Throws BadHostError for a host that cannot be a certificate name.
   *
   * @example
   * const { chainPem, notAfter } = minter.mint('::1');
   */
  mint(host: string | LeafHost): MintedLeaf {
    const leafHost = typeof host === 'string' ? normalizeLeafHost(host) : host;
    const ca = this.#ca;
    const now = Date.now();
    if (ca.notAfter.getTime() <= now) {
      throw new SluiceError(ErrorCode.TLS_CA, `the Sluice CA expired on ${ca.notAfter.toISOString()}; cannot mint certificates`);
    }
    // Within the CA's own validity, in whole seconds as encoded: the returned dates then equal the certificate's.
    const valid = validityWindow(now, this.#validDays);
    const notBefore = wholeSeconds(Math.max(valid.notBefore, ca.cert.notBefore.getTime()));
    const notAfter = wholeSeconds(Math.min(valid.notAfter, ca.notAfter.getTime()));
    const generalName = leafHost.kind === 'ip' ? implicit(7, ipAddressBytes(leafHost.name)) : implicit(2, Buffer.from(leafHost.name, 'ascii'));
    const tbs = seq(
      VERSION_3,
      unsignedInteger(Buffer.from(randomSerialHex(), 'hex')),
      ca.signature.algorithmIdentifier,
      this.#issuer,
      seq(time(notBefore), time(notAfter)),
      seq(set(seq(OID_CN, utf8(leafHost.name.slice(0, CN_MAX))))),
      this.#spki,
      explicit(
        3,
        seq(EXT_BASIC_CONSTRAINTS_LEAF, EXT_KEY_USAGE_DIGITAL_SIGNATURE, EXT_EKU_SERVER_AUTH, this.#aki, seq(OID_SAN, octetString(seq(generalName)))),
      ),
    );
    // dsaEncoding 'der' yields the Ecdsa-Sig-Value X.509 expects; RSA ignores it.
    const signature = sign(ca.signature.hash, tbs, { key: ca.privateKey, dsaEncoding: 'der' });
    const der = seq(tbs, ca.signature.algorithmIdentifier, bitString(signature));
    const certPem = toPem(der);
    return { host: leafHost, certPem, chainPem: certPem + ca.certPem, notBefore, notAfter };
  }
}

function wholeSeconds(ms: number): Date {
  return new Date(Math.floor(ms / 1000) * 1000);
}

function toPem(der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}
