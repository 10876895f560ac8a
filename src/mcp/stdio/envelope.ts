/**
 * The envelope of a JSON-RPC message that cannot be parsed whole (too large, or not
 * valid JSON): its top-level `id` and `method`, read by a byte-at-a-time scanner in
 * constant memory, so the wrapper can still answer a refused request by its id (a
 * client waiting on an answer that never comes hangs). Only keys of the top-level
 * object count; the same names nested in `params` are skipped. Best effort by
 * design: what cannot be read is null, and the refusal then carries id null.
 *
 * @example
 * const s = new EnvelopeScanner();
 * s.push(Buffer.from('{"jsonrpc":"2.0","params":{"id":9},"id":4,"method":"tools/call"'));
 * s.result(); // { id: 4, method: 'tools/call', batch: false }
 */
import type { JsonRpcId } from '../../inspect/mcp/jsonrpc.js';

export interface Envelope {
  /** The top-level `id`, when it is a string or a number. */
  id: JsonRpcId | null;
  /** The top-level `method`, when it is a string (a request or a notification). */
  method: string | null;
  /** The payload is an array (a batch): no single id to answer. */
  batch: boolean;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const MAX_KEY = 16;
const MAX_VALUE = 512;

export class EnvelopeScanner {
  #depth = 0;
  #top: 'object' | 'array' | null = null;
  #inString = false;
  #escape = false;
  /** At depth 1, the next string is a key. */
  #expectKey = false;
  #key: number[] | null = null;
  #lastKey: string | null = null;
  #value: number[] | null = null;
  #valueFor: 'id' | 'method' | null = null;
  #id: JsonRpcId | null = null;
  #method: string | null = null;

  /** Scan the next bytes of the payload. */
  push(bytes: Uint8Array): void {
    for (const c of bytes) this.#byte(c);
  }

  /** What was found so far (call after the last push). */
  result(): Envelope {
    return { id: this.#id, method: this.#method, batch: this.#top === 'array' };
  }

  #byte(c: number): void {
    if (this.#inString) {
      if (this.#key !== null) {
        if (this.#escape) this.#escape = false;
        else if (c === BACKSLASH) this.#escape = true;
        else if (c === QUOTE) return this.#endKey();
        if (this.#key.length <= MAX_KEY) this.#key.push(c);
        return;
      }
      this.#keep(c);
      if (this.#escape) this.#escape = false;
      else if (c === BACKSLASH) this.#escape = true;
      else if (c === QUOTE) this.#inString = false;
      return;
    }
    if (c === QUOTE) {
      this.#inString = true;
      if (this.#depth === 1 && this.#top === 'object' && this.#expectKey) this.#key = [];
      else this.#keep(c);
      return;
    }
    if (c === 0x7b /* { */ || c === 0x5b /* [ */) {
      if (this.#depth === 0) this.#top ??= c === 0x7b ? 'object' : 'array';
      else this.#keep(c);
      this.#depth++;
      if (this.#depth === 1) this.#expectKey = true;
      return;
    }
    if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      this.#depth--;
      if (this.#depth === 0) this.#endValue();
      else this.#keep(c);
      return;
    }
    if (this.#depth === 1 && this.#top === 'object') {
      if (c === 0x3a /* : */) {
        this.#expectKey = false;
        if (this.#lastKey === 'id' || this.#lastKey === 'method') {
          this.#valueFor = this.#lastKey;
          this.#value = [];
        }
        return;
      }
      if (c === 0x2c /* , */) {
        this.#endValue();
        this.#expectKey = true;
        return;
      }
    }
    this.#keep(c);
  }

  #endKey(): void {
    this.#inString = false;
    const k = this.#key!;
    this.#key = null;
    this.#lastKey = k.length <= MAX_KEY ? Buffer.from(k).toString('utf8') : null;
  }

  /** Part of a value being captured (bounded; an overlong one is given up). */
  #keep(c: number): void {
    if (this.#value === null) return;
    if (this.#value.length >= MAX_VALUE) {
      this.#value = null;
      this.#valueFor = null;
      return;
    }
    this.#value.push(c);
  }

  #endValue(): void {
    const raw = this.#value;
    const what = this.#valueFor;
    this.#value = null;
    this.#valueFor = null;
    this.#lastKey = null;
    if (raw === null || what === null) return;
    let v: unknown;
    try {
      v = JSON.parse(Buffer.from(raw).toString('utf8'));
    } catch {
      return;
    }
    if (what === 'id' && (typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))) this.#id = v;
    if (what === 'method' && typeof v === 'string') this.#method = v;
  }
}

/**
 * The envelope of a whole payload in hand.
 *
 * @example
 * envelopeOf(Buffer.from('{"id": 7, "method": "ping", oops}')); // { id: 7, method: 'ping', batch: false }
 */
export function envelopeOf(payload: Uint8Array): Envelope {
  const s = new EnvelopeScanner();
  s.push(payload);
  return s.result();
}
