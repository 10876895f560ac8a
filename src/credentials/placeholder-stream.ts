/**
 * Swap a placeholder for its value inside a streamed body, across chunk
 * boundaries, in bounded memory.
 *
 * - Carry-over: at most one token is held back (the placeholder's length plus one
 *   byte, to see where the token ends, or the start of the prefix at a chunk's end).
 * - Cap: only tokens that *start* within the first `maxBodyBytes` (default 1 MiB)
 *   are looked at; a token straddling the cap is still completed and handled, and
 *   everything after it passes unchanged (an unswapped placeholder leaks nothing:
 *   the upstream just sees the literal text and rejects the credential).
 * - Other tokens (`SLUICE_SECRET_x` that is not this rule's placeholder) abort the
 *   body with CredentialError('placeholder_not_allowed') unless `rejectOthers` is
 *   false: the agent is trying to spend a credential the rule does not grant here.
 * - `encoding` fits the value to the body: 'json' escapes it as inside a JSON
 *   string, 'form' percent-encodes it, 'raw' (default) inserts the bytes.
 *
 * @example
 * const body = swapBodyPlaceholders(req, { placeholder: 'SLUICE_SECRET_gh', value, encoding: 'json' });
 * // forward `body` with content-length removed (its length changes)
 */
import { Transform } from 'node:stream';
import { CredentialError } from './errors.js';
import { percentEncode } from './percent-encode.js';
import { isTokenByte, PLACEHOLDER_PREFIX } from './placeholder.js';

export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const PREFIX = Buffer.from(PLACEHOLDER_PREFIX, 'latin1');
/** Longest token kept whole to name it in an error; longer runs are other tokens by length alone. */
const MAX_REPORTED_TOKEN = PREFIX.length + 64;

export type BodyEncoding = 'raw' | 'json' | 'form';

export interface PlaceholderSwapOptions {
  /** The token to swap; omit to only detect tokens (every one is then an "other"). */
  placeholder?: string;
  /** The secret; required with `placeholder`. */
  value?: Buffer;
  encoding?: BodyEncoding;
  maxBodyBytes?: number;
  /** Abort on tokens other than `placeholder` (default true). */
  rejectOthers?: boolean;
}

/** Encode `value` for insertion into a body of the given kind. */
export function encodeForBody(value: Buffer, encoding: BodyEncoding): Buffer {
  if (encoding === 'form') return Buffer.from(percentEncode(value), 'latin1');
  if (encoding === 'json') {
    const text = new TextDecoder('utf-8', { fatal: false }).decode(value);
    return Buffer.from(JSON.stringify(text).slice(1, -1), 'utf8');
  }
  return Buffer.from(value);
}

/** The push/end core, usable from a generator, a Transform or a test that splits bytes by hand. */
export class PlaceholderSwapper {
  readonly #token: Buffer | undefined;
  readonly #value: Buffer;
  readonly #cap: number;
  readonly #rejectOthers: boolean;
  readonly #maxRun: number;
  #carry: Buffer = Buffer.alloc(0);
  #offset = 0; // stream offset of #carry[0]
  #inRun = false; // inside an over-long token being passed through
  #swapped = 0;
  readonly #others = new Set<string>();

  constructor(opts: PlaceholderSwapOptions) {
    if (opts.placeholder !== undefined && !opts.value) throw new TypeError('PlaceholderSwapper: a placeholder needs a value');
    this.#token = opts.placeholder === undefined ? undefined : Buffer.from(opts.placeholder, 'latin1');
    this.#value = opts.value ? encodeForBody(opts.value, opts.encoding ?? 'raw') : Buffer.alloc(0);
    this.#cap = opts.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.#rejectOthers = opts.rejectOthers ?? true;
    this.#maxRun = Math.max(this.#token?.length ?? 0, MAX_REPORTED_TOKEN);
  }

  /** How many placeholders were swapped so far. */
  get swapped(): number {
    return this.#swapped;
  }

  /** Other placeholder tokens seen (only when rejectOthers is false; otherwise the first one throws). */
  get others(): string[] {
    return [...this.#others];
  }

  /** Feed a chunk; returns the bytes safe to send now. */
  push(chunk: Buffer): Buffer {
    if (this.#carry.length === 0 && !this.#inRun && this.#offset >= this.#cap) {
      this.#offset += chunk.length;
      return chunk;
    }
    return this.#scan(this.#carry.length === 0 ? chunk : Buffer.concat([this.#carry, chunk]), false);
  }

  /** End of body: the held-back bytes, with a final token (if any) handled. */
  end(): Buffer {
    const out = this.#scan(this.#carry, true);
    this.#value.fill(0);
    return out;
  }

  #scan(buf: Buffer, final: boolean): Buffer {
    const out: Buffer[] = [];
    let i = 0;
    const capAt = this.#cap - this.#offset; // local index where the cap falls
    for (;;) {
      if (this.#inRun) {
        while (i < buf.length && isTokenByte(buf[i]!)) i++;
        if (i === buf.length) break;
        this.#inRun = false;
      }
      const at = i < capAt ? buf.indexOf(PREFIX, i) : -1;
      if (at === -1 || at >= capAt) {
        const hold = final || at >= capAt ? 0 : heldPrefixLength(buf, i, capAt);
        const cut = Math.max(i, buf.length - hold);
        out.push(buf.subarray(i, cut));
        i = cut;
        break;
      }
      let j = at + PREFIX.length;
      while (j < buf.length && j - at <= this.#maxRun && isTokenByte(buf[j]!)) j++;
      if (j - at > this.#maxRun) {
        // Longer than any token we swap: another token; pass it through to its end.
        this.#other(buf.subarray(at, at + MAX_REPORTED_TOKEN).toString('latin1') + '...');
        out.push(buf.subarray(i, j));
        i = j;
        this.#inRun = true;
        continue;
      }
      if (j === buf.length && !final) {
        out.push(buf.subarray(i, at)); // the token may go on in the next chunk
        i = at;
        break;
      }
      out.push(buf.subarray(i, at));
      const token = buf.subarray(at, j);
      if (this.#token && token.equals(this.#token)) {
        out.push(this.#value);
        this.#swapped++;
      } else {
        this.#other(token.toString('latin1'));
        out.push(token);
      }
      i = j;
    }
    this.#carry = Buffer.from(buf.subarray(i));
    this.#offset += i;
    return out.length === 1 ? out[0]! : Buffer.concat(out);
  }

  #other(token: string): void {
    if (this.#rejectOthers) {
      throw new CredentialError('placeholder_not_allowed', `the request body carries the placeholder '${token}', which this rule does not inject`, {
        token,
        where: 'body',
      });
    }
    this.#others.add(token);
  }
}

/**
 * Length of the longest suffix of `buf` that starts at or after `from`, before
 * `capAt`, and could be the start of a token: those bytes wait for the next chunk.
 */
function heldPrefixLength(buf: Buffer, from: number, capAt: number): number {
  for (let k = Math.min(PREFIX.length - 1, buf.length - from); k > 0; k--) {
    if (buf.length - k < capAt && buf.subarray(buf.length - k).equals(PREFIX.subarray(0, k))) return k;
  }
  return 0;
}

/**
 * Stream `source` with the placeholder swapped (see PlaceholderSwapper).
 *
 * @example
 * dispatch({ body: swapBodyPlaceholders(ctx.req, { placeholder, value }) })
 */
export function swapBodyPlaceholders(source: AsyncIterable<Buffer>, opts: PlaceholderSwapOptions): AsyncGenerator<Buffer> {
  // Built now, not on first read: it copies the value, so the caller may wipe its own Buffer at once.
  return drive(source, new PlaceholderSwapper(opts));
}

async function* drive(source: AsyncIterable<Buffer>, swapper: PlaceholderSwapper): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    const out = swapper.push(chunk);
    if (out.length > 0) yield out;
  }
  const tail = swapper.end();
  if (tail.length > 0) yield tail;
}

/** The same as a Transform stream, for pipelines. */
export function placeholderSwapTransform(opts: PlaceholderSwapOptions): Transform {
  const swapper = new PlaceholderSwapper(opts);
  return new Transform({
    transform(chunk: Buffer, _enc, cb) {
      try {
        cb(null, swapper.push(chunk));
      } catch (err) {
        cb(err as Error);
      }
    },
    flush(cb) {
      try {
        cb(null, swapper.end());
      } catch (err) {
        cb(err as Error);
      }
    },
  });
}
