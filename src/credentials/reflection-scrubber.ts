/**
 * Scrub injected secrets that an upstream reflects back, from response headers
 * and from the streamed body, before the agent sees them.
 *
 * The body scrubber keeps a carry of at most (longest needle - 1) bytes between
 * chunks, so a secret split anywhere, even one byte per chunk, is caught, and
 * memory is bounded by the longest needle. Matching is leftmost, longest-at-a-
 * position, using Buffer.indexOf per needle with each needle's next hit cached, so
 * each chunk is scanned once per needle (fine for the handful of needles one
 * credential yields; hundreds of needles would want Aho-Corasick).
 *
 * @example
 * const s = new ReflectionScrubber(reflectionNeedles(secret, spec));
 * upstream.on('data', (c) => agent.write(s.push(c)));
 * upstream.on('end', () => agent.end(s.end()));
 * // s.replaced → count for the audit record's findings
 */
import { inspect } from 'node:util';

export { reflectionNeedles } from './reflection-needles.js';

export const DEFAULT_REPLACEMENT = '[REDACTED:sluice]';
const DEFAULT_REPLACEMENT_BYTES = Buffer.from(DEFAULT_REPLACEMENT, 'utf8');

/** Needles ready to match: non-empty, unique, private copies, and their latin1 text (for header strings). */
interface Clean {
  buffers: readonly Buffer[];
  texts: string[];
  /** Longest needle - 1: what a streaming scrubber holds back. */
  hold: number;
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
  const clean = { buffers: Object.freeze(buffers), texts, hold: Math.max(0, ...buffers.map((n) => n.length - 1)) };
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
): { pieces: Buffer[]; pos: number; count: number } {
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

/** Streaming body scrubber. */
export class ReflectionScrubber {
  readonly #needles: readonly Buffer[];
  readonly #replacement: Buffer;
  readonly #hold: number;
  #carry: Buffer = Buffer.alloc(0);
  #replaced = 0;

  constructor(secrets: readonly Buffer[], opts: { replacement?: string } = {}) {
    const clean = cleanNeedles(secrets);
    this.#needles = clean.buffers;
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
    const { pieces, pos, count } = scrubRange(buf, this.#needles, this.#replacement, limit);
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
    const { pieces, pos, count } = scrubRange(buf, this.#needles, this.#replacement, buf.length);
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
  const clean = cleanNeedles(needles).buffers;
  if (clean.length === 0) return { out: buf, replaced: 0 };
  const { pieces, pos, count } = scrubRange(buf, clean, Buffer.from(replacement, 'utf8'), buf.length);
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
  const one = (v: string): string => {
    // Header strings are latin1, like the needles' texts: most values contain none, and say so without a copy.
    if (!clean.texts.some((t) => v.includes(t))) return v;
    const r = scrubBuffer(Buffer.from(v, 'latin1'), clean.buffers, opts.replacement);
    replaced += r.replaced;
    return r.replaced === 0 ? v : r.out.toString('latin1');
  };
  for (const [name, v] of Object.entries(headers)) {
    out[name] = v === undefined ? undefined : Array.isArray(v) ? v.map(one) : one(v);
  }
  return { headers: out as H, replaced };
}
