/**
 * Scrub injected secrets that an upstream reflects back, from response headers, the
 * status line and the streamed body, before the agent sees them.
 *
 * The needles (reflection-needles.ts) are matched on a canonical reading of the bytes
 * (reflection-stream.ts): escapes of any subset of characters decoded (JSON `\u`,
 * HTML entities, percent-encoding), line breaks dropped, so one needle stands for
 * every such spelling. All needles are found in one pass (an Aho-Corasick automaton,
 * reflection-automaton.ts), and the source bytes of every match, overlapping matches
 * merged, are replaced by one marker. A stream holds back only the bytes a match in
 * progress spans, so a secret split anywhere, even one byte per chunk, is caught.
 *
 * @example
 * const s = new ReflectionScrubber(reflectionNeedles(secret, spec));
 * upstream.on('data', (c) => agent.write(s.push(c)));
 * upstream.on('end', () => agent.end(s.end()));
 * // s.replaced → count for the audit record's findings
 */
import { inspect } from 'node:util';
import { compileAutomaton, type Automaton } from './reflection-automaton.js';
import { canonicalBytes, ReflectionStream } from './reflection-stream.js';

export { reflectionNeedles } from './reflection-needles.js';

export const DEFAULT_REPLACEMENT = '[REDACTED:sluice]';
const DEFAULT_REPLACEMENT_BYTES = Buffer.from(DEFAULT_REPLACEMENT, 'utf8');

/**
 * Automata of frozen needle arrays (reflectionNeedles' and TenantNeedles' shared
 * results), kept with them: compiling is per policy load, not per response.
 */
const COMPILED = new WeakMap<readonly Uint8Array[], Automaton | null>();

/** The automaton of `needles` (each also as the canonical stream spells it, canonicalBytes); null when there are none. */
function compiled(needles: readonly Uint8Array[]): Automaton | null {
  const hit = COMPILED.get(needles);
  if (hit !== undefined) return hit;
  const forms = new Map<string, Buffer>();
  for (const n of needles) {
    if (n.length === 0) continue; // an empty needle would match everywhere
    forms.set(Buffer.from(n).toString('latin1'), Buffer.from(n));
    for (let kinds = 0; kinds < 8; kinds++) {
      const f = canonicalBytes(n, kinds);
      if (f.length > 0) forms.set(f.toString('latin1'), f);
    }
  }
  const a = forms.size === 0 ? null : compileAutomaton([...forms.values()]);
  // Only a frozen array cannot change under the cache.
  if (Object.isFrozen(needles)) COMPILED.set(needles, a);
  return a;
}

/** Streaming body scrubber. */
export class ReflectionScrubber {
  readonly #stream: ReflectionStream | null;

  constructor(secrets: readonly Uint8Array[], opts: { replacement?: string } = {}) {
    const a = compiled(secrets);
    const marker = opts.replacement === undefined ? DEFAULT_REPLACEMENT_BYTES : Buffer.from(opts.replacement, 'utf8');
    this.#stream = a ? new ReflectionStream(a, marker) : null;
  }

  /** How many reflections were replaced so far. */
  get replaced(): number {
    return this.#stream?.replaced ?? 0;
  }

  /** Feed a chunk; returns the bytes safe to emit now (holding back only what a match in progress spans). */
  push(chunk: Buffer): Buffer {
    return this.#stream ? this.#stream.push(chunk) : chunk;
  }

  /**
   * A message boundary (WebSocket): everything held, scrubbed, now. Matching goes on
   * across it, so the part of a secret split over two messages that lies in the later
   * one is replaced (the earlier part, sent already, is shorter than any needle).
   */
  cut(): Buffer {
    return this.#stream ? this.#stream.cut() : Buffer.alloc(0);
  }

  /** End of stream: the held-back bytes, scrubbed. */
  end(): Buffer {
    return this.#stream ? this.#stream.end() : Buffer.alloc(0);
  }

  [inspect.custom](): string {
    return `ReflectionScrubber { replaced: ${this.replaced} }`;
  }
}

/** Scrub one whole value; returns the result and the count. */
export function scrubBuffer(buf: Buffer, needles: readonly Uint8Array[], replacement: string = DEFAULT_REPLACEMENT): { out: Buffer; replaced: number } {
  const s = new ReflectionScrubber(needles, { replacement });
  const out = Buffer.concat([s.push(buf), s.end()]);
  return s.replaced === 0 ? { out: buf, replaced: 0 } : { out, replaced: s.replaced };
}

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/**
 * A copy of `headers` with every needle replaced in every value (header strings are
 * latin1: one char per wire byte). Names are left alone. The values are also read
 * joined, in order, so a secret split across two headers (or two values of one) is
 * replaced in each.
 *
 * @example
 * const { headers, replaced } = scrubHeaders(upstreamHeaders, needles);
 */
export function scrubHeaders<H extends ResponseHeaders>(
  headers: H,
  secrets: readonly Uint8Array[],
  opts: { replacement?: string } = {},
): { headers: H; replaced: number } {
  const a = compiled(secrets);
  if (!a) return { headers: { ...headers }, replaced: 0 };
  let joined = '';
  for (const v of Object.values(headers)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const one of v) joined += one;
    else joined += v;
  }
  // Every source spelling is at least as long as the canonical bytes it reads as: text
  // shorter than the shortest needle (a reason phrase, most header sets) holds none.
  if (joined.length < a.shortest) return { headers: { ...headers }, replaced: 0 };
  const spans = matchSpans(a, Buffer.from(joined, 'latin1'));
  if (spans.length === 0) return { headers: { ...headers }, replaced: 0 };
  const marker = opts.replacement ?? DEFAULT_REPLACEMENT;
  let at = 0;
  let replaced = 0;
  const one = (v: string): string => {
    const from = at;
    at += v.length;
    let out = '';
    let pos = from;
    for (let k = 0; k < spans.length; k += 2) {
      const st = Math.max(spans[k]!, from);
      const en = Math.min(spans[k + 1]!, at);
      if (st >= en) continue;
      out += v.slice(pos - from, st - from) + marker;
      pos = en;
      replaced++;
    }
    return pos === from ? v : out + v.slice(pos - from);
  };
  const out: ResponseHeaders = {};
  for (const [name, v] of Object.entries(headers)) {
    out[name] = v === undefined ? undefined : Array.isArray(v) ? v.map(one) : one(v);
  }
  return { headers: out as H, replaced };
}

/** The source ranges ([start, end) pairs) a whole text's matches cover. */
function matchSpans(a: Automaton, text: Buffer): number[] {
  const spans: number[] = [];
  // Whole values are scanned synchronously, one at a time: one stream per automaton,
  // reset for each (headers and the reason phrase of every response are scanned).
  let s = SPAN_STREAMS.get(a);
  if (s === undefined) SPAN_STREAMS.set(a, (s = new ReflectionStream(a, EMPTY_MARK)));
  s.reset().onRange = (st, en) => spans.push(st, en);
  try {
    s.push(text);
    s.end();
  } finally {
    // Neither the callback nor the text (it may spell a secret) outlives the call.
    s.reset();
  }
  return spans;
}
const EMPTY_MARK = Buffer.alloc(0);
const SPAN_STREAMS = new WeakMap<Automaton, ReflectionStream>();
