/**
 * The reflection scrubber's engine: reads a byte stream as a *canonical* stream (escape
 * sequences decoded on the fly, line breaks dropped) and matches the needles there, so
 * an echo that escapes any subset of a secret's characters, or wraps its base64 at any
 * width, still spells a needle. Each canonical byte remembers where its source bytes
 * start (a ring as long as the longest needle), so a match maps back to the source
 * range to replace.
 *
 * Linear per byte: at the automaton's root, bytes that start no needle and no escape
 * are skipped in a tight loop; every other byte costs one table read (escapes a
 * bounded lookahead). Streaming: only the bytes a match could still span are held, at
 * most the longest needle's canonical bytes times the longest source spelling of one
 * byte (an escape, plus at most two line breaks before it, themselves escaped).
 *
 * @example
 * const m = new ReflectionStream(compileAutomaton(needles), marker);
 * agent.write(m.push(chunk)); ... agent.end(m.end());
 */
import type { Automaton } from './reflection-automaton.js';
import { decodeEscapeAt, escapeCodePoint, escapeLen, LITERAL, NEED_MORE } from './escape-decode.js';

const EMPTY = Buffer.alloc(0);
/** Line breaks read through (wrapped base64); a longer run ends any match (bounds the hold). */
const MAX_BREAKS = 2;

/** 1: `\`, `&`, `%` (may start an escape); 2: a line break. */
const SPECIAL = new Uint8Array(256);
SPECIAL[0x5c] = SPECIAL[0x26] = SPECIAL[0x25] = 1;
SPECIAL[0x0a] = SPECIAL[0x0d] = 2;
const SPECIAL_BYTES = [0x5c, 0x26, 0x25, 0x0a, 0x0d];

/** The UTF-8 bytes of a decoded character (`\u00e9` reads as C3 A9). */
const UTF8 = new Uint8Array(4);
function utf8Into(cp: number): number {
  if (cp < 0x80) return ((UTF8[0] = cp), 1);
  if (cp < 0x800) return ((UTF8[0] = 0xc0 | (cp >> 6)), (UTF8[1] = 0x80 | (cp & 63)), 2);
  // A lone surrogate (half of a `\ud83d\ude00` pair) reads as U+FFFD, as a UTF-8 decoder would.
  if (cp >= 0xd800 && cp <= 0xdfff) cp = 0xfffd;
  if (cp < 0x10000) return ((UTF8[0] = 0xe0 | (cp >> 12)), (UTF8[1] = 0x80 | ((cp >> 6) & 63)), (UTF8[2] = 0x80 | (cp & 63)), 3);
  return ((UTF8[0] = 0xf0 | (cp >> 18)), (UTF8[1] = 0x80 | ((cp >> 12) & 63)), (UTF8[2] = 0x80 | ((cp >> 6) & 63)), (UTF8[3] = 0x80 | (cp & 63)), 4);
}

/**
 * The skip tables of an automaton, at the root: bytes that start no needle and no
 * escape, and byte pairs (first | second << 8) that are plain and begin no needle.
 * One secret's spellings start with a few dozen distinct bytes (base64 cores begin
 * anywhere in the alphabet), so single bytes skip little; pairs skip nearly all.
 */
interface Skips {
  one: Uint8Array;
  two: Uint8Array;
}
const SKIPS = new WeakMap<Automaton, Skips>();
function skipTables(a: Automaton): Skips {
  let t = SKIPS.get(a);
  if (!t) {
    const one = new Uint8Array(256);
    for (let b = 0; b < 256; b++) one[b] = a.starts[b] === 0 && SPECIAL[b] === 0 ? 1 : 0;
    const two = new Uint8Array(65536);
    const { delta, classOf, classes } = a;
    for (let b0 = 0; b0 < 256; b0++) {
      if (SPECIAL[b0] !== 0) continue;
      const s1 = delta[classOf[b0]!]!;
      for (let b1 = 0; b1 < 256; b1++) {
        if (SPECIAL[b1] !== 0) continue;
        // Skippable: nothing starts at b0 (the state after both comes from b1 alone).
        const s2 = delta[s1 * classes + classOf[b1]!]!;
        if (s1 === 0 || (a.out[s1] === 0 && a.depth[s2] !== 2)) two[b0 | (b1 << 8)] = 1;
      }
    }
    t = { one, two };
    SKIPS.set(a, t);
  }
  return t;
}

/** A packed array of `size` zeros (no holes to check on a read). */
function newRing(size: number): number[] {
  const ring: number[] = [];
  for (let k = 0; k < size; k++) ring.push(0);
  return ring;
}

export class ReflectionStream {
  readonly #a: Automaton;
  readonly #skip: Skips;
  readonly #marker: Buffer;
  /**
   * Source offset of each recent canonical byte, by canonical position. A plain array:
   * it lives on the V8 heap and dies young with the response. A Float64Array of this
   * size (over 64 bytes) is an off-heap backing store, malloc'd and tracked by the
   * collector, and cost more than the scan of a small response (three per response).
   * Made at the first byte the scan reads one by one: most bodies are skipped whole.
   */
  #ring: number[] | null = null;
  readonly #mask: number;
  #cpos = 0;
  #state = 0;
  #breaks = 0;
  /** Source bytes from #base (all before it were emitted) to the end of input so far. */
  #carry: Buffer = EMPTY;
  #base = 0;
  /** Source bytes before this were read into the canonical stream. */
  #scanned = 0;
  /** Pending ranges to replace, [start, end) pairs of source offsets, ascending, disjoint. */
  #ranges: number[] = [];
  #replaced = 0;
  /** Per special byte, where it next occurs in the buffer being scanned (-1: not looked yet). */
  readonly #specialAt: number[] = SPECIAL_BYTES.map(() => -1);
  /** Told each source range as it is replaced (header values map them back to each value). */
  onRange: ((start: number, end: number) => void) | null = null;

  constructor(a: Automaton, marker: Buffer) {
    this.#a = a;
    this.#skip = skipTables(a);
    this.#marker = marker;
    let size = 2;
    while (size <= a.longest) size *= 2;
    this.#mask = size - 1;
  }

  /**
   * Back to a fresh stream over the same needles (nothing held, nothing pending), so a
   * caller that scans whole values one after another reuses one stream.
   */
  reset(): this {
    this.#cpos = this.#state = this.#breaks = this.#base = this.#scanned = this.#replaced = 0;
    this.#carry = EMPTY;
    this.#ranges.length = 0;
    this.onRange = null;
    return this;
  }

  /** Ranges replaced so far. */
  get replaced(): number {
    return this.#replaced;
  }

  /** Feed bytes; returns those that no match can reach any more, scrubbed. */
  push(chunk: Uint8Array): Buffer {
    const buf = this.#carry.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.#carry, chunk]);
    this.#scan(buf, false);
    return this.#emit(buf, this.#safe());
  }

  /**
   * Everything held, scrubbed, now (a message boundary): the automaton keeps its state,
   * so a secret split across two messages is still found, and its part in the later
   * message replaced.
   */
  cut(): Buffer {
    const buf = this.#carry;
    this.#scan(buf, true);
    return this.#emit(buf, this.#base + buf.length);
  }

  /** End of stream: everything held, scrubbed. */
  end(): Buffer {
    const out = this.cut();
    this.#state = 0;
    this.#breaks = 0;
    return out;
  }

  /** The first escape or line-break byte at or after `i` (buffer length if none). */
  #nextSpecial(buf: Buffer, i: number): number {
    // Near ones in JS (a call into indexOf costs as much as reading dozens of bytes), far ones natively.
    const near = Math.min(buf.length, i + 64);
    for (let j = i; j < near; j++) if (SPECIAL[buf[j]!] !== 0) return j;
    if (near === buf.length) return near;
    i = near;
    const at = this.#specialAt;
    let min = buf.length;
    for (let k = 0; k < SPECIAL_BYTES.length; k++) {
      let p = at[k]!;
      if (p < i && p !== buf.length) {
        p = buf.indexOf(SPECIAL_BYTES[k]!, i);
        at[k] = p = p === -1 ? buf.length : p;
      }
      if (p < min) min = p;
    }
    return min;
  }

  /** Where the earliest match still possible starts (or the first byte not yet read). */
  #safe(): number {
    const s = this.#state;
    if (s === 0) return this.#scanned;
    // After a cut the match in progress may have begun in bytes already sent.
    // A state past the root was reached by reading a byte, so the ring exists.
    return Math.max(this.#base, Math.min(this.#scanned, this.#ring![(this.#cpos - this.#a.depth[s]!) & this.#mask]!));
  }

  #scan(buf: Buffer, final: boolean): void {
    const { classOf, classes, delta, out } = this.#a;
    const { one, two } = this.#skip;
    const { jump, window: m } = this.#a;
    const at = this.#specialAt;
    for (let k = 0; k < at.length; k++) at[k] = -1;
    let special = -1;
    let ring = this.#ring;
    const mask = this.#mask;
    const base = this.#base;
    const n = buf.length;
    let s = this.#state;
    let cpos = this.#cpos;
    let breaks = this.#breaks;
    let i = this.#scanned - base;
    // No closure over s and cpos below: it would move them off registers for the whole loop.
    while (i < n) {
      if (s === 0) {
        if (jump !== null) {
          // Wu-Manber over windows with no escape or line break in them (there the source is
          // the canonical stream); the first special byte ahead is found natively, per kind.
          while (i + m <= n) {
            if (special < i) special = this.#nextSpecial(buf, i);
            if (i + m > special) break;
            const d = jump[buf[i + m - 2]! | (buf[i + m - 1]! << 8)]!;
            if (d === 0) break;
            i += d;
          }
        }
        while (i + 1 < n && two[buf[i]! | (buf[i + 1]! << 8)] === 1) i++;
        if (i + 1 === n && one[buf[i]!] === 1) i++;
        if (i === n) break;
      }
      ring ??= this.#ring = newRing(mask + 1);
      const b = buf[i]!;
      const from = base + i;
      if (SPECIAL[b] === 0) {
        i++;
        breaks = 0;
        // One canonical byte: its source starts at `from` and ends at i.
        ring[cpos & mask] = from;
        cpos++;
        s = delta[s * classes + classOf[b]!]!;
        const len = out[s]!;
        if (len !== 0) this.#match(ring[(cpos - len) & mask]!, base + i);
        continue;
      }
      let len = 1;
      let cp = b;
      if (SPECIAL[b] === 1) {
        const r = decodeEscapeAt(buf, i, n, final);
        if (r === NEED_MORE) break;
        if (r !== LITERAL) {
          len = escapeLen(r);
          cp = escapeCodePoint(r);
        }
      }
      i += len;
      if (cp === 0x0a || cp === 0x0d) {
        if (++breaks > MAX_BREAKS) s = 0;
        continue;
      }
      breaks = 0;
      // `%HH` and `\xHH` spell bytes; `\u`, `%u` and entities spell characters (UTF-8).
      const count = len === 1 || cp < 0x80 || (b === 0x25 && len === 3) || (b === 0x5c && len === 4) ? ((UTF8[0] = cp), 1) : utf8Into(cp);
      for (let k = 0; k < count; k++) {
        ring[cpos & mask] = from;
        cpos++;
        s = delta[s * classes + classOf[UTF8[k]!]!]!;
        const matched = out[s]!;
        if (matched !== 0) this.#match(ring[(cpos - matched) & mask]!, base + i);
      }
    }
    this.#state = s;
    this.#cpos = cpos;
    this.#breaks = breaks;
    this.#scanned = base + i;
  }

  /** A match over source [start, end): merged with the pending ranges it overlaps. */
  #match(start: number, end: number): void {
    const r = this.#ranges;
    // After a cut, a match may begin in bytes already sent: replace what is left of it.
    let st = Math.max(start, this.#base);
    let en = end;
    // Overlapping matches become one range; adjacent ones stay two (`secretsecret`: two markers).
    while (r.length > 0 && r[r.length - 1]! > st) {
      en = Math.max(en, r.pop()!);
      st = Math.min(st, r.pop()!);
    }
    r.push(st, en);
  }

  /** Send source bytes up to `upTo` (less if a pending range straddles it), ranges replaced. */
  #emit(buf: Buffer, upTo: number): Buffer {
    const base = this.#base;
    const r = this.#ranges;
    let k = 0;
    const pieces: Buffer[] = [];
    let pos = base;
    while (k < r.length && r[k]! < upTo) {
      const st = r[k]!;
      const en = r[k + 1]!;
      if (en > upTo) {
        upTo = st; // a longer match may still grow it
        break;
      }
      pieces.push(buf.subarray(pos - base, st - base), this.#marker);
      pos = en;
      k += 2;
      this.#replaced++;
      this.onRange?.(st, en);
    }
    if (k > 0) r.splice(0, k);
    const rest = buf.subarray(upTo - base);
    this.#carry = rest.length === 0 ? EMPTY : Buffer.from(rest);
    this.#base = upTo;
    if (pieces.length === 0) return buf.subarray(0, upTo - base);
    pieces.push(buf.subarray(pos - base, upTo - base));
    return Buffer.concat(pieces);
  }
}

/**
 * A needle as the canonical stream spells it (escapes decoded, line breaks dropped), with
 * the escapes of the kinds in `kinds` decoded (bit 1: `\`, 2: `&`, 4: `%`) and the others
 * kept. A secret holding `%41` echoed raw reads as `A`; JSON-escaped (`%41` kept, its `\`
 * doubled) it reads as the secret with only its `\` escapes decoded: each kind of echo
 * is one subset, and the scrubber compiles all eight (the same needle for most secrets,
 * which hold no escape character).
 */
export function canonicalBytes(needle: Uint8Array, kinds = 7): Buffer {
  const out: number[] = [];
  for (let i = 0; i < needle.length;) {
    const b = needle[i]!;
    const kind = b === 0x5c ? 1 : b === 0x26 ? 2 : b === 0x25 ? 4 : 0;
    const r = (kind & kinds) !== 0 ? decodeEscapeAt(needle, i, needle.length, true) : LITERAL;
    const len = r === LITERAL ? 1 : escapeLen(r);
    const cp = r === LITERAL ? b : escapeCodePoint(r);
    i += len;
    if (cp === 0x0a || cp === 0x0d) continue;
    if (len === 1 || cp < 0x80 || (b === 0x25 && len === 3) || (b === 0x5c && len === 4)) out.push(cp);
    else out.push(...UTF8.subarray(0, utf8Into(cp)));
  }
  return Buffer.from(out);
}
