/**
 * Quoted-printable (RFC 2045 §6.7) undone as a stream, for the text view of a MIME
 * multipart body whose parts use it: soft line breaks (`=` at the end of a line) join
 * words an injection scanner must see whole, and `=XX` hides any byte. Bytes in,
 * bytes out (the result is scanned, never forwarded); anything that is not a valid
 * escape is kept as it is.
 *
 * @example
 * const qp = new QuotedPrintable();
 * qp.push(Buffer.from('Ign=\r\nore =41ll')); // 'Ignore All'
 */
export class QuotedPrintable {
  #carry: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer {
    const b = this.#carry.length > 0 ? Buffer.concat([this.#carry, chunk]) : chunk;
    // An escape cut by the chunk's end ("=", "=4", "=\r") waits for the next chunk.
    let keep = 0;
    for (let k = 1; k <= 2 && k <= b.length; k++) if (b[b.length - k] === 0x3d) keep = k;
    this.#carry = Buffer.from(b.subarray(b.length - keep));
    return decode(b.subarray(0, b.length - keep));
  }

  end(): Buffer {
    const rest = this.#carry;
    this.#carry = Buffer.alloc(0);
    return rest;
  }
}

const hex = (c: number): number => (c >= 0x30 && c <= 0x39 ? c - 0x30 : c >= 0x41 && c <= 0x46 ? c - 0x37 : c >= 0x61 && c <= 0x66 ? c - 0x57 : -1);

function decode(b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(b.length);
  let w = 0;
  for (let i = 0; i < b.length; i++) {
    const c = b[i]!;
    if (c !== 0x3d || i + 1 >= b.length) {
      out[w++] = c;
      continue;
    }
    const n1 = b[i + 1]!;
    if (n1 === 0x0a) {
      i += 1; // soft line break "=\n"
      continue;
    }
    if (n1 === 0x0d && b[i + 2] === 0x0a) {
      i += 2; // soft line break "=\r\n"
      continue;
    }
    const h = hex(n1);
    const l = i + 2 < b.length ? hex(b[i + 2]!) : -1;
    if (h >= 0 && l >= 0) {
      out[w++] = (h << 4) | l;
      i += 2;
      continue;
    }
    out[w++] = c;
  }
  return out.subarray(0, w);
}
