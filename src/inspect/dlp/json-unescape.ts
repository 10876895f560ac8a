/**
 * Streaming JSON string-escape decoder over byte strings: `\"`, `\\`, `\/`, `\n` ... and
 * `\uXXXX` (as UTF-8 bytes) become the characters they stand for, so `AKIA\u0049...`
 * or `wJalr\/K7...` look like what the server will see. Everything that is not an
 * escape passes through untouched; an escape split across chunks is held back until
 * the next chunk. Linear, and output is never longer than input.
 *
 * @example
 * const u = new JsonUnescaper();
 * u.push('{"k":"\\u00') + u.push('41"}') + u.end() // '{"k":"A"}'
 */
import { utf8Bytes } from './decode.js';

const SIMPLE: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export class JsonUnescaper {
  private held = '';

  push(chunk: string): string {
    const s = this.held + chunk;
    this.held = '';
    let i = s.indexOf('\\');
    if (i < 0) return s;
    let out = '';
    let last = 0;
    while (i >= 0) {
      out += s.slice(last, i);
      const k = s[i + 1];
      if (k === undefined) {
        this.held = s.slice(i);
        return out;
      }
      if (k === 'u') {
        if (i + 6 > s.length) {
          this.held = s.slice(i);
          return out;
        }
        const hex = s.slice(i + 2, i + 6);
        if (/^[0-9A-Fa-f]{4}$/.test(hex)) {
          out += String.fromCharCode(...utf8Bytes(parseInt(hex, 16)));
          last = i + 6;
        } else {
          out += '\\u';
          last = i + 2;
        }
      } else {
        out += SIMPLE[k] ?? `\\${k}`;
        last = i + 2;
      }
      i = s.indexOf('\\', last);
    }
    return out + s.slice(last);
  }

  end(): string {
    const h = this.held;
    this.held = '';
    return h;
  }
}
