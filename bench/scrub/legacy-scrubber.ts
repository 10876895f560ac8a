/**
 * Scrub injected secrets that an upstream reflects back, from response headers
 * and from the streamed body, before the agent sees them.
 *
 * The body scrubber keeps a carry of at most (longest needle - 1) bytes between
 * chunks, so a secret split anywhere, even one byte per chunk, is caught, and
 * memory is bounded by the longest needle. Matching is leftmost, longest-at-a-
 * position. A few needles are found with Buffer.indexOf each (native, each next hit
 * cached); the many a tenant's secrets yield (every response to a tenant is scrubbed
 * of all of them) are found in one pass (Wu-Manber: a shift table on three-byte
 * blocks lets the search jump ahead by up to the shortest needle's length, and only
 * the rare candidate is compared).
 *
 * @example
 * const s = new ReflectionScrubber(reflectionNeedles(secret, spec));
 * upstream.on('data', (c) => agent.write(s.push(c)));
 * upstream.on('end', () => agent.end(s.end()));
 * // s.replaced → count for the audit record's findings
 */
import { inspect } from 'node:util';

export { reflectionNeedles } from './legacy-needles.js';

export const DEFAULT_REPLACEMENT = '[REDACTED:sluice]';
const DEFAULT_REPLACEMENT_BYTES = Buffer.from(DEFAULT_REPLACEMENT, 'utf8');

/** Needles ready to match: non-empty, unique, private copies, and their latin1 text (for header strings). */
interface Clean {
  buffers: readonly Buffer[];
  texts: string[];
  /** Longest needle - 1: what a streaming scrubber holds back. */
  hold: number;
  /** The one-pass index, when there are enough needles for it to pay (all of at least four bytes). */
  grams: GramIndex | null;
}

/** Up to this many needles, one native indexOf each beats the one-pass index. */
const INDEXOF_MAX_NEEDLES = 2;
/** Bytes hashed per step of the one-pass search. */
const BLOCK = 3;

/**
 * Wu-Manber: a window as long as the shortest needle slides along the body; the
 * hash of its last three bytes says how far it may jump without passing over the
 * start of any needle (0: some needle may start here, compare those).
 */
interface GramIndex {
  /** Window length: the shortest needle, at most 255. */
  m: number;
  shift: Uint8Array;
  /** Needles by the hash of the block that ends their first m bytes. */
  buckets: Map<number, number[]>;
}

const blockHash = (b: Uint8Array, at: number): number => Math.imul(b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16), 0x9e3779b1) >>> 16;

function buildGrams(needles: readonly Buffer[]): GramIndex | null {
  const m = Math.min(255, ...needles.map((n) => n.length));
  if (needles.length <= INDEXOF_MAX_NEEDLES || m < BLOCK + 1) return null;
  const shift = new Uint8Array(65536).fill(m - BLOCK + 1);
  const buckets = new Map<number, number[]>();
  needles.forEach((n, k) => {
    for (let j = 0; j + BLOCK <= m; j++) {
      const h = blockHash(n, j);
      const d = m - (j + BLOCK);
      if (d < shift[h]!) shift[h] = d;
      if (d === 0) {
        const b = buckets.get(h);
        if (b) b.push(k);
        else buckets.set(h, [k]);
      }
    }
  });
  return { m, shift, buckets };
}

function matchesAt(buf: Buffer, at: number, n: Buffer): boolean {
  if (at + n.length > buf.length) return false;
  for (let i = 0; i < n.length; i++) if (buf[at + i] !== n[i]) return false;
  return true;
}

/**
 * Cleaned needles of a frozen array (reflectionNeedles' shared result), kept with it:
 * cleaning copied every needle for every header of every response.
 */
const CLEANED = new WeakMap<readonly Buffer[], Clean>();

function cleanNeedles(needles: readonly Buffer[]): Clean {
  const hit = CLEANED.get(needles);
  if (hit) return hit;
  const texts: string[] = [];
  const buffers: Buffer[] = [];
  for (const n of needles) {
    if (n.length === 0) continue; // an empty needle would match everywhere
    const key = n.toString('latin1');
    if (texts.includes(key)) continue;
    texts.push(key);
    buffers.push(Buffer.from(n));
  }
  const clean = { buffers: Object.freeze(buffers), texts, hold: Math.max(0, ...buffers.map((n) => n.length - 1)), grams: buildGrams(buffers) };
  // Only a frozen array cannot change under the cache; the cleaned one is frozen too.
  if (Object.isFrozen(needles)) CLEANED.set(needles, clean);
  CLEANED.set(clean.buffers, clean);
  return clean;
}

/**
 * Replace every needle occurrence in `buf` that starts before `limit`. Returns
 * the output pieces up to `pos` (the end of the last match, or 0) and the count.
 */
function scrubRange(
  buf: Buffer,
  needles: readonly Buffer[],
  replacement: Buffer,
  limit: number,
  grams: GramIndex | null = null,
): { pieces: Buffer[]; pos: number; count: number } {
  if (grams) return scrubRangeGrams(buf, needles, replacement, limit, grams);
  const next = needles.map((n) => buf.indexOf(n, 0));
  const pieces: Buffer[] = [];
  let pos = 0;
  let count = 0;
  for (;;) {
    let best = -1;
    let bestAt = Infinity;
    for (let k = 0; k < needles.length; k++) {
      let at = next[k]!;
      if (at !== -1 && at < pos) at = next[k] = buf.indexOf(needles[k]!, pos);
      if (at === -1) continue;
      if (at < bestAt || (at === bestAt && needles[k]!.length > needles[best]!.length)) {
        best = k;
        bestAt = at;
      }
    }
    if (best === -1 || bestAt >= limit) break;
    pieces.push(buf.subarray(pos, bestAt), replacement);
    pos = bestAt + needles[best]!.length;
    count++;
  }
  return { pieces, pos, count };
}

/** scrubRange in one pass over `buf`, for many needles: same matches, same result. */
function scrubRangeGrams(
  buf: Buffer,
  needles: readonly Buffer[],
  replacement: Buffer,
  limit: number,
  g: GramIndex,
): { pieces: Buffer[]; pos: number; count: number } {
  const pieces: Buffer[] = [];
  let pos = 0;
  let count = 0;
  const { m, shift, buckets } = g;
  // i: where a match would start; every needle is at least m long, so it must fit.
  const last = Math.min(limit - 1, buf.length - m);
  let i = 0;
  while (i <= last) {
    const h = blockHash(buf, i + m - BLOCK);
    const d = shift[h]!;
    if (d > 0) {
      i += d;
      continue;
    }
    let best = -1;
    for (const k of buckets.get(h)!) {
      if ((best === -1 || needles[k]!.length > needles[best]!.length) && matchesAt(buf, i, needles[k]!)) best = k;
    }
    if (best === -1) {
      i++;
      continue;
    }
    pieces.push(buf.subarray(pos, i), replacement);
    pos = i + needles[best]!.length;
    count++;
    i = pos;
  }
  return { pieces, pos, count };
}

/** Streaming body scrubber. */
export class ReflectionScrubber {
  readonly #needles: readonly Buffer[];
  readonly #grams: GramIndex | null;
  readonly #replacement: Buffer;
  readonly #hold: number;
  #carry: Buffer = Buffer.alloc(0);
  #replaced = 0;

  constructor(secrets: readonly Buffer[], opts: { replacement?: string } = {}) {
    const clean = cleanNeedles(secrets);
    this.#needles = clean.buffers;
    this.#grams = clean.grams;
    this.#replacement = opts.replacement === undefined ? DEFAULT_REPLACEMENT_BYTES : Buffer.from(opts.replacement, 'utf8');
    this.#hold = clean.hold;
  }

  /** How many reflections were replaced so far. */
  get replaced(): number {
    return this.#replaced;
  }

  /** Feed a chunk; returns the bytes safe to emit now (holding back at most longest-needle - 1 bytes). */
  push(chunk: Buffer): Buffer {
    if (this.#needles.length === 0) return chunk;
    const buf = this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]);
    // A needle starting before `limit` lies wholly inside buf; later starts may still be growing.
    const limit = Math.max(0, buf.length - this.#hold);
    const { pieces, pos, count } = scrubRange(buf, this.#needles, this.#replacement, limit, this.#grams);
    this.#replaced += count;
    const consumed = Math.max(pos, limit);
    this.#carry = Buffer.from(buf.subarray(consumed));
    if (count === 0) return buf.subarray(0, consumed); // the common case: no copy
    pieces.push(buf.subarray(pos, consumed));
    return Buffer.concat(pieces);
  }

  /** End of stream: the held-back bytes, scrubbed. */
  end(): Buffer {
    const buf = this.#carry;
    this.#carry = Buffer.alloc(0);
    if (buf.length === 0) return buf;
    const { pieces, pos, count } = scrubRange(buf, this.#needles, this.#replacement, buf.length, this.#grams);
    this.#replaced += count;
    pieces.push(buf.subarray(pos));
    return Buffer.concat(pieces);
  }

  [inspect.custom](): string {
    return `ReflectionScrubber { needles: ${this.#needles.length}, replaced: ${this.#replaced} }`;
  }
}

/** Scrub one whole value (a header); returns the result and the count. */
export function scrubBuffer(buf: Buffer, needles: readonly Buffer[], replacement: string = DEFAULT_REPLACEMENT): { out: Buffer; replaced: number } {
  const c = cleanNeedles(needles);
  const clean = c.buffers;
  if (clean.length === 0) return { out: buf, replaced: 0 };
  const { pieces, pos, count } = scrubRange(buf, clean, Buffer.from(replacement, 'utf8'), buf.length, c.grams);
  if (count === 0) return { out: buf, replaced: 0 };
  pieces.push(buf.subarray(pos));
  return { out: Buffer.concat(pieces), replaced: count };
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * A copy of `headers` with every needle replaced in every value (header strings
 * are latin1: one char per wire byte). Names are left alone.
 *
 * @example
 * const { headers, replaced } = scrubHeaders(upstreamHeaders, needles);
 */
export function scrubHeaders<H extends ResponseHeaders>(
  headers: H,
  secrets: readonly Buffer[],
  opts: { replacement?: string } = {},
): { headers: H; replaced: number } {
  const clean = cleanNeedles(secrets);
  const out: ResponseHeaders = {};
  let replaced = 0;
  // Most heads carry no needle: one search over all values says so, whatever the number of needles.
  const quiet = clean.buffers.length === 0 || !anyNeedle(headers, clean);
  const one = (v: string): string => {
    // Header strings are latin1, like the needles' texts: most values contain none, and say so without a copy.
    if (quiet || !clean.texts.some((t) => v.includes(t))) return v;
    const r = scrubBuffer(Buffer.from(v, 'latin1'), clean.buffers, opts.replacement);
    replaced += r.replaced;
    return r.replaced === 0 ? v : r.out.toString('latin1');
  };
  for (const [name, v] of Object.entries(headers)) {
    out[name] = v === undefined ? undefined : Array.isArray(v) ? v.map(one) : one(v);
  }
  return { headers: out as H, replaced };
}

/** Whether any needle occurs in any header value (values joined; a stray hit across two only costs the exact check). */
function anyNeedle(headers: ResponseHeaders, clean: Clean): boolean {
  const values: string[] = [];
  for (const v of Object.values(headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) values.push(...v);
    else values.push(v);
  }
  const all = Buffer.from(values.join('\n'), 'latin1');
  return scrubRange(all, clean.buffers, DEFAULT_REPLACEMENT_BYTES, all.length, clean.grams).count > 0;
}
