/**
 * The little DER (X.690) this module needs to assemble leaf certificates
 * directly. Why not the x509 library for leaves: its generic ASN.1 schema
 * layer costs ~2 ms of main-thread CPU per certificate, while the signature
 * itself costs ~0.05 ms. A leaf is a fixed template, so encoding it by hand
 * keeps minting synchronous and cheap. The CA (one-off) still uses the library.
 *
 * @example
 * seq(oid('2.5.4.3'), utf8('example.test')); // an AttributeTypeAndValue
 */

/** Tag, length, value. */
export function tlv(tag: number, ...parts: Uint8Array[]): Buffer {
  const body = Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag]), encodeLength(body.length), body]);
}

function encodeLength(len: number): Buffer {
  if (len < 0x80) return Buffer.from([len]);
  const bytes: number[] = [];
  for (let n = len; n > 0; n = Math.floor(n / 256)) bytes.unshift(n & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const seq = (...parts: Uint8Array[]): Buffer => tlv(0x30, ...parts);
export const set = (...parts: Uint8Array[]): Buffer => tlv(0x31, ...parts);
export const octetString = (...parts: Uint8Array[]): Buffer => tlv(0x04, ...parts);
export const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
/** `[n] EXPLICIT` (constructed, context-specific). */
export const explicit = (n: number, ...parts: Uint8Array[]): Buffer => tlv(0xa0 | n, ...parts);
/** `[n] IMPLICIT` primitive (context-specific), e.g. GeneralName dNSName [2], iPAddress [7]. */
export const implicit = (n: number, bytes: Uint8Array): Buffer => tlv(0x80 | n, bytes);
export const TRUE = Buffer.from([0x01, 0x01, 0xff]);
export const NULL = Buffer.from([0x05, 0x00]);

/** A BIT STRING with no unused bits (signatures). */
export const bitString = (bytes: Uint8Array): Buffer => tlv(0x03, Buffer.from([0x00]), bytes);

/** A non-negative INTEGER from big-endian bytes: minimal, with a 0x00 pad if the top bit is set. */
export function unsignedInteger(bytes: Uint8Array): Buffer {
  let i = 0;
  while (i < bytes.length - 1 && bytes[i] === 0) i++;
  const trimmed = Buffer.from(bytes.subarray(i));
  return tlv(0x02, (trimmed[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

/** An OBJECT IDENTIFIER from dotted text. */
export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map(Number);
  const [a = 0, b = 0, ...rest] = arcs;
  const out: number[] = [];
  for (const arc of [a * 40 + b, ...rest]) {
    const chunk: number[] = [arc & 0x7f];
    for (let n = Math.floor(arc / 128); n > 0; n = Math.floor(n / 128)) chunk.unshift((n & 0x7f) | 0x80);
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

/** RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; always UTC, whole seconds. */
export function time(d: Date): Buffer {
  const iso = d.toISOString(); // 2026-01-02T03:04:05.678Z
  const digits = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}Z`;
  const year = d.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(digits.slice(2), 'ascii')) : tlv(0x18, Buffer.from(digits, 'ascii'));
}

/**
 * The complete encodings of the elements inside a constructed element
 * (e.g. the fields of a SEQUENCE). Only definite lengths, as DER requires.
 *
 * @example
 * const [tbs] = children(certDer); // TBSCertificate, signatureAlgorithm, signatureValue
 */
export function children(element: Uint8Array): Buffer[] {
  const buf = Buffer.from(element);
  const outer = header(buf, 0);
  const out: Buffer[] = [];
  for (let off = outer.contentStart; off < outer.end;) {
    const h = header(buf, off);
    out.push(buf.subarray(off, h.end));
    off = h.end;
  }
  return out;
}

function header(buf: Buffer, off: number): { contentStart: number; end: number } {
  const first = buf[off + 1];
  if (buf[off] === undefined || first === undefined) throw new RangeError('DER: truncated header');
  let len = first;
  let contentStart = off + 2;
  if (first & 0x80) {
    const n = first & 0x7f;
    if (n === 0 || n > 4) throw new RangeError('DER: unsupported length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + (buf[contentStart + i] ?? 0);
    contentStart += n;
  }
  const end = contentStart + len;
  if (end > buf.length) throw new RangeError('DER: element overruns its buffer');
  return { contentStart, end };
}
