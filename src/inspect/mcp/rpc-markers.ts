/**
 * Signs that a payload the strict reader refused is still JSON-RPC to a lenient
 * receiver, read the way such a receiver could read it: the word `jsonrpc` anywhere
 * (every JSON-RPC 2.0 server the gate fronts requires that member), through `\u`
 * escapes, ASCII case (Go's encoding/json matches keys case-insensitively), the long
 * s `ſ` (which Go folds to `s`) and the NUL bytes of UTF-16/UTF-32 text. A payload
 * without it cannot be a JSON-RPC message to such a receiver, so it stays ordinary.
 *
 * Streaming and linear: bytes in, one comparison each, constant memory.
 *
 * @example
 * mentionsJsonRpc(Buffer.from('{"\\u006aSONrpc":"2.0"')) // true
 * couldBeJson(Buffer.from('\ufeff  [1]'))              // true
 */

const WORD = 'jsonrpc';
const BACKSLASH = 0x5c;

export class JsonRpcMention {
  #matched = 0;
  /** -1: no escape open; 0: saw a backslash; 1..4: hex digits of a \u escape read. */
  #esc = -1;
  #code = 0;
  /** Saw 0xC5, the first byte of `ſ` (C5 BF) in UTF-8. */
  #c5 = false;
  #found = false;

  get found(): boolean {
    return this.#found;
  }

  /** Scan bytes (UTF-8, or anything else: unknown bytes only break a match). */
  push(bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length && !this.#found; i++) {
      const b = bytes[i]!;
      if (b === 0) continue;
      if (this.#c5) {
        this.#c5 = false;
        if (b === 0xbf) {
          this.#unit(0x17f);
          continue;
        }
        this.#unit(-1);
      }
      if (b === 0xc5 && this.#esc === -1) {
        this.#c5 = true;
        continue;
      }
      this.#unit(b >= 0x80 ? -1 : b);
    }
    return this.#found;
  }

  /** Scan text (UTF-16 code units). */
  pushText(text: string): boolean {
    for (let i = 0; i < text.length && !this.#found; i++) {
      const c = text.charCodeAt(i);
      if (c !== 0) this.#unit(c);
    }
    return this.#found;
  }

  #unit(c: number): void {
    if (this.#esc === 0) {
      if (c === 0x75 /* u */) {
        this.#esc = 1;
        this.#code = 0;
        return;
      }
      this.#esc = -1;
      this.#char(-1);
    } else if (this.#esc > 0) {
      const d = hex(c);
      if (d >= 0) {
        this.#code = this.#code * 16 + d;
        if (++this.#esc === 5) {
          this.#esc = -1;
          this.#char(this.#code);
        }
        return;
      }
      this.#esc = -1;
      this.#char(-1);
    }
    if (c === BACKSLASH) {
      this.#esc = 0;
      return;
    }
    this.#char(c);
  }

  #char(c: number): void {
    const lower = c >= 0x41 && c <= 0x5a ? c + 0x20 : c === 0x17f ? 0x73 : c;
    if (lower === WORD.charCodeAt(this.#matched)) {
      if (++this.#matched === WORD.length) this.#found = true;
    } else this.#matched = lower === 0x6a /* j */ ? 1 : 0;
  }
}

/**
 * True when `payload` mentions `jsonrpc` in any spelling a lenient reader accepts.
 *
 * @example
 * mentionsJsonRpc('{"JSONRPC":"2.0"}') // true
 */
export function mentionsJsonRpc(payload: Uint8Array | string): boolean {
  const m = new JsonRpcMention();
  return typeof payload === 'string' ? m.pushText(payload) : m.push(payload);
}

/**
 * True when a JSON reader could take `payload` for an object or an array: its first
 * significant character, past whitespace, NUL bytes and byte order marks (UTF-8,
 * UTF-16, UTF-32), is `{` or `[`.
 *
 * @example
 * couldBeJson('  {"a":1}') // true
 * couldBeJson('a=1&b=2')   // false
 */
export function couldBeJson(payload: Uint8Array | string): boolean {
  for (let i = 0; i < payload.length; i++) {
    const c = typeof payload === 'string' ? payload.charCodeAt(i) : payload[i]!;
    if (c === 0x7b || c === 0x5b) return true;
    const skip =
      c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0 || c === 0xfeff || c === 0xef || c === 0xbb || c === 0xbf || c === 0xfe || c === 0xff;
    if (!skip) return false;
  }
  return false;
}

function hex(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
