/**
 * The matching core: one text (a latin1 byte string) and the layers decoded from it.
 *
 * Per layer: one fused pass (text-index.ts) finds keyword and known-secret hits,
 * base64/hex runs, alnum pieces and digit groups; each selected regex then runs only
 * sticky at its keyword hits or on bounded windows around triggers; decoded children
 * are scanned the same way, breadth first, to a fixed depth and within a decode budget.
 * What the budget or the depth leaves undecoded is never passed silently: it is a
 * `dlp_scan_incomplete` finding (block unless configured to warn).
 *
 * @example
 * const engine = new DlpEngine(builtinPatterns);
 * engine.scan('key=AKIA....', { location: 'url.path', budget: { left: 1 << 20, exhausted: false },
 *   limit: Infinity, plusAsSpace: false, firstRunSkip: 0, emit: (f) => console.log(f) });
 */
import type { Finding, FindingAction } from '../finding.js';
import type { PatternSpec } from './pattern-spec.js';
import { KeywordIndex } from './keyword-index.js';
import type { KnownSecrets } from './known-secrets.js';
import type { DecodeBudget } from './decode.js';
import { TEXT_ESCAPE, hasPercentEscape, percentDecode } from './decode.js';
import { indexText } from './text-index.js';
import { opaqueHex, PRINTABLE, RUN_BASE64, RUN_BASE64URL, RUN_HEX, RUN_KIND } from './run-kinds.js';
import { forEachDecoded } from './children.js';
import { compilePattern } from './compiled-pattern.js';
import { LayerMatcher } from './layer-matches.js';
import type { ToRaw } from './children.js';

/**
 * Decoding depth: eight layers (base64 nested five deep inside a percent-encoded,
 * regrouped value is seven). Depth costs little: every layer draws on the one budget.
 */
export const MAX_DEPTH = 8;
/** Percent-decodes in one chain before more percent-encoding is itself a finding. */
const URL_DEPTH = 3;
const PRINTABLE_RUN = /[\x20-\x7e]{8}/;
/** Layers that rewrite text rather than decode bytes: always read on. */
const TEXT_LAYERS = new Set(['url', 'escape', 'unicode', 'quoted-printable', 'utf16', 'regrouped', 'hex-case']);
/**
 * Where foldUnicode (unicode-fold.ts) may change a text: a native test, so prose in
 * most scripts never reaches its loop. Format characters (category Cf), variation
 * selectors, fillers and fullwidth forms (the first line); C1 controls, odd spaces,
 * combining marks, small capitals, enclosed and mathematical alphanumerics (the
 * second). Each branch starts with a lead byte, so ASCII is skipped fast. Look-alike
 * letters and dashes next to a token's ASCII are the text index's finding
 * (`lookalikes`: one SIMD pass, text-index.ts), as are ASCII controls (`controls`).
 */
const ZW_TRIGGER = new RegExp(
  [
    /\xc2\xad|\xcd\x8f|\xd8[\x80-\x85\x9c]|\xdb\x9d|\xdc\x8f|\xe0\xa2[\x90\x91\xa2]|\xe1\xa0[\x8b-\x8f]|\xe1\x85[\x9f\xa0]|\xe2\x80[\x8b-\x8f\xaa-\xae]|\xe2\x81[\xa0-\xaf]|\xe2\xa0\x80|\xe3\x80\x80|\xe3\x85\xa4|\xef\xb8[\x80-\x8f]|\xef\xbb\xbf|\xef\xbc[\x81-\xbf]|\xef\xbd[\x80-\x9e]|\xef\xbe\xa0|\xef\xbf[\xb9-\xbb]|\xf0[\x91\x93\x9b\x9d]|\xf3\xa0/
      .source,
    /\xc2[\x80-\xa0]|\xcc[\x80-\xbf]|\xcd[\x80-\xaf]|\xe1\x9a\x80|\xe1\xaa[\xb0-\xbf]|\xe1\xab|\xe1[\xb4-\xb7]|\xe2\x80[\x80-\x8a\xaf]|\xe2\x81[\x9f\xb0-\xbf]|\xe2\x82|\xe2\x83[\x90-\xbf]|\xe2\x84|\xe2[\x91-\x93]|\xea\x9c\xb1|\xef\xb8[\xa0-\xaf]|\xf0\x9f[\x84-\x86]/
      .source,
  ].join('|'),
);
/** ASCII controls between two characters of text (`sk\x00-ant`): foldUnicode drops them. */
// eslint-disable-next-line no-control-regex
const CONTROL_IN_TOKEN = /[\t\n\r\x20-\x7e][\x00-\x08\x0b\x0c\x0e-\x1f\x7f]+[\t\n\r\x20-\x7e]/;

export interface ScanContext {
  location: string;
  budget: DecodeBudget;
  /** Matches whose raw end is past this index are left for the next window (streaming). */
  limit: number;
  /** Form bodies: '+' is a space. */
  plusAsSpace: boolean;
  /** Chars to skip at the start of a run that begins at index 0 (base64 alignment). */
  firstRunSkip: number;
  emit(f: Finding, rawStart: number, rawEnd: number): void;
}

const IDENTITY: ToRaw = (s, e) => [s, e];

/** A decoded layer waiting for its turn (breadth first). */
interface Pending {
  text: string;
  chain: string | undefined;
  depth: number;
  toRaw: ToRaw;
}

/** One scan's walk over its layers: the context, the layers still to scan, what was left undecoded. */
interface Walk {
  ctx: ScanContext;
  queue: Array<Pending | null>;
  unread: Unread;
}

/** Raw spans left undecoded, by why: the decode budget ran out, or the depth limit. */
interface Unread {
  budget: [number, number] | null;
  depth: [number, number] | null;
}

/** The finding for what decoding could not reach. */
export const INCOMPLETE = 'dlp_scan_incomplete';

/** Bit flags: which decoders a layer needs (percent, escapes, zero-width/format chars, UTF-16 NULs, quoted-printable, regrouping). */
const [DEC_PERCENT, DEC_ESCAPE, DEC_ZW, DEC_NUL, DEC_QP, DEC_REGROUP] = [1, 2, 4, 8, 16, 32] as const;
const REGROUP_AFTER = new Set(['url', 'escape', 'unicode', 'quoted-printable', 'utf16', 'gzip', 'zlib']);
const SPACE_OR_EQ = /^[\s=]$/;
/**
 * A quoted-printable soft break: `=` right after a non-space at a line end (code's
 * `x =\n` has a space). Found from the line ends (indexOf of one char, and text has
 * few of them; a pattern starting with a negated class is tried at every position).
 */
function softBreak(text: string): boolean {
  for (let j = text.indexOf('\n', 2); j >= 0; j = text.indexOf('\n', j + 1)) {
    let e = j - 1;
    if (text.charCodeAt(e) === 13) e--;
    if (e >= 1 && text.charCodeAt(e) === 61 && !SPACE_OR_EQ.test(text.charAt(e - 1))) return true;
  }
  return false;
}
/**
 * Layers that rewrite the whole text, in the one order they are applied: after a
 * decoding layer (base64, hex, url, ...) each may follow only those before it, so
 * their copies of the text add up instead of multiplying (escape then unicode, never
 * unicode then escape then unicode).
 */
const WHOLE_TEXT: ReadonlyArray<[string, number]> = [
  ['escape', DEC_ESCAPE],
  ['quoted-printable', DEC_QP],
  ['unicode', DEC_ZW],
];

/** The whole-text layers the end of `chain` rules out: each one there, and those before it. */
function wholeTextDone(chain: string | undefined): number {
  if (chain === undefined) return 0;
  let mask = 0;
  const layers = chain.split('+');
  for (let i = layers.length - 1; i >= 0; i--) {
    const at = WHOLE_TEXT.findIndex(([name]) => name === layers[i]);
    if (at < 0) break;
    for (let k = 0; k <= at; k++) mask |= (WHOLE_TEXT[k] as [string, number])[1];
  }
  return mask;
}

export class DlpEngine {
  private readonly index: KeywordIndex;
  private readonly matcher: LayerMatcher;
  private readonly actions: Readonly<Record<string, FindingAction>>;
  private readonly seedPhrases: boolean;

  constructor(patterns: readonly PatternSpec[], opts: { actions?: Record<string, FindingAction>; known?: KnownSecrets; seedPhrases?: boolean } = {}) {
    this.actions = opts.actions ?? {};
    this.seedPhrases = opts.seedPhrases !== false;
    const compiled = patterns.map(compilePattern);
    const byKeyword = new Map<string, number[]>();
    compiled.forEach((c, i) => {
      for (const kw of c.spec.keywords) {
        const k = kw.toLowerCase();
        const list = byKeyword.get(k);
        if (list === undefined) byKeyword.set(k, [i]);
        else if (!list.includes(i)) list.push(i);
      }
    });
    const keywords = [...byKeyword.keys()];
    // known secrets share the index: one filter test per byte covers keywords and needles
    this.index = new KeywordIndex(keywords, opts.known?.needles() ?? []);
    this.matcher = new LayerMatcher(
      compiled,
      keywords.map((k) => byKeyword.get(k) as number[]),
      this.index,
      this.actions,
    );
  }

  /** Scan `text` (a byte string) and its decoded layers; findings go to `ctx.emit`. */
  scan(text: string, ctx: ScanContext): void {
    // Breadth first: every layer one decode deep is read before any layer two deep, so
    // decoys nested deep cannot spend the budget that a shallow secret needs, and the
    // budget (proportional to the input) covers at least every first layer.
    // What regrouping finds again (a dashed hex run is also hex pairs with a separator;
    // a wrapped line joined to the word after it still holds its secret) is the same
    // finding: reported once, by the shallower layer that found it first.
    const emitted: Array<[string, number, number]> = [];
    const outer = ctx;
    ctx = {
      ...outer,
      emit(f, rs, re) {
        if ((f.encoding ?? '').includes('regrouped') && emitted.some(([t, s, e]) => t === f.type && s < re && rs < e)) return;
        emitted.push([f.type, rs, re]);
        outer.emit(f, rs, re);
      },
    };
    const queue: Array<Pending | null> = [{ text, chain: undefined, depth: 0, toRaw: IDENTITY }];
    const unread: Unread = { budget: null, depth: null };
    const walk: Walk = { ctx, queue, unread };
    for (let i = 0; i < queue.length; i++) {
      const p = queue[i] as Pending;
      queue[i] = null; // let a scanned layer's text go
      this.layer(p, walk);
    }
    if (unread.budget !== null) this.incomplete(ctx, unread.budget, 'decoding budget exhausted: nested encodings left undecoded');
    if (unread.depth !== null) this.incomplete(ctx, unread.depth, `encoded data nested deeper than ${MAX_DEPTH} layers left undecoded`);
  }

  /** The scanner never stops silently: what it could not decode is itself a finding. */
  private incomplete(ctx: ScanContext, span: [number, number], detail: string): void {
    ctx.emit({ type: INCOMPLETE, location: ctx.location, action: this.actions[INCOMPLETE] ?? 'block', detail }, span[0], span[1]);
  }

  private layer(p: Pending, walk: Walk): void {
    const { text, chain, depth, toRaw } = p;
    const { ctx, unread } = walk;
    const n = text.length;
    const last = lastLayer(chain);
    const joined = last === 'regrouped';
    // groups and wrapped lines are written in text, not found in bytes decoded from base64 or hex
    const regroup = depth === 0 || REGROUP_AFTER.has(last);
    // run kinds are wanted at the last depth too: to tell whether decodable text is left
    // a join is matched against known secrets only: no keyword hits or digit stretches wanted
    const idx = indexText(this.index, text, this.matcher.minPiece, true, this.seedPhrases && !joined, regroup, !joined);
    this.matcher.match(text, idx, chain, depth, toRaw, ctx, joined);
    const runs = idx.runs;
    // a join holds only the alphabet of what it joined: no escapes, NULs, line breaks or non-ASCII
    let dec = 0;
    if (!joined) {
      if (text.includes('%')) dec |= DEC_PERCENT;
      if (text.includes('\\') || text.includes('&#')) dec |= DEC_ESCAPE;
      // Unicode disguises sit in text: the body, or a layer that rewrote text (a URL's
      // percent-encoding, escapes); never bytes decoded from base64 or hex (random data)
      if (
        (depth === 0 || TEXT_LAYERS.has(last)) &&
        ((idx.nonAscii && (idx.lookalikes || ZW_TRIGGER.test(text))) || (idx.controls && CONTROL_IN_TOKEN.test(text)))
      )
        dec |= DEC_ZW;
      if (text.includes('\0')) dec |= DEC_NUL;
      if (idx.eqBreak && softBreak(text)) dec |= DEC_QP;
      if ((dec & (DEC_ESCAPE | DEC_QP | DEC_ZW)) !== 0) dec &= ~wholeTextDone(chain);
    }
    if (regroup) dec |= DEC_REGROUP;

    // Percent-encoding three times over is evasion in itself (no client does it): a
    // finding of its own, whatever the deeper decodes would show.
    // (the chain is split only for a layer with a `%`)
    if ((dec & DEC_PERCENT) !== 0 && urlLayers(chain) >= URL_DEPTH && percentDecode(text) !== undefined) {
      const [rs, re] = toRaw(0, n);
      ctx.emit(
        {
          type: 'url_encoding_depth',
          location: ctx.location,
          action: this.actions['url_encoding_depth'] ?? 'block',
          detail: `still percent-encoded after ${URL_DEPTH} decodes`,
        },
        rs,
        re,
      );
      return;
    }
    if (depth >= MAX_DEPTH) {
      if (stillEncoded(text, runs, idx.kinds, dec)) addUnread(unread, 'depth', toRaw(0, n));
      return;
    }
    this.decodeChildren(p, runs, idx.kinds, idx.groupStarts, idx.zeroX, dec, walk);
  }

  /** Queue `text`, decoded as `enc` from layer `parent`, within the budget; `toRaw` maps its offsets to the raw text's. */
  private child(text: string, enc: string, parent: Pending, toRaw: ToRaw, walk: Walk): void {
    if (text.length === 0) return;
    if (!fits(text.length, walk)) {
      addUnread(walk.unread, 'budget', toRaw(0, text.length));
      return;
    }
    // Decoded random bytes (digests, compressed data, images) cannot hold a secret we
    // could match; text can. No 8 printable ASCII in a row means no text.
    if (!TEXT_LAYERS.has(enc) && !PRINTABLE_RUN.test(text)) return;
    // A join of hex pairs or groups (a UUID's last four groups: one per UUID) that decodes
    // to opaque bytes and is shorter than any known secret has nothing to find in it.
    // (regroupEach leaves such joins unbuilt: see opaqueJoins in decodeChildren)
    if (enc === 'regrouped' && text.length < this.index.shortestNeedle && opaqueHex(text)) return;
    walk.queue.push({ text, chain: joinChain(parent.chain, enc), depth: parent.depth + 1, toRaw });
  }

  private decodeChildren(p: Pending, runs: number[], kinds: number[], groupStarts: number[], zeroX: number[], dec: number, walk: Walk): void {
    const { text, depth, toRaw } = p;
    const { ctx, unread } = walk;
    const opts = {
      percent: (dec & DEC_PERCENT) !== 0,
      escape: (dec & DEC_ESCAPE) !== 0,
      zeroWidth: (dec & DEC_ZW) !== 0,
      plusAsSpace: ctx.plusAsSpace,
      firstRunSkip: depth === 0 ? ctx.firstRunSkip : 0,
      utf16: (dec & DEC_NUL) !== 0,
      qp: (dec & DEC_QP) !== 0,
      regroup: (dec & DEC_REGROUP) !== 0,
      groupStarts,
      zeroX,
      // charged to the budget as child() charges a join, in the same order, then dropped
      opaqueJoins: {
        below: this.index.shortestNeedle,
        onOpaque: (len: number, s: number, e: number) => {
          if (!fits(len, walk)) addUnread(unread, 'budget', toRaw(s, e));
        },
      },
      room: () => ctx.budget.left,
      onUnread: (s: number, e: number) => {
        ctx.budget.exhausted = true;
        addUnread(unread, 'budget', toRaw(s, e));
      },
    };
    forEachDecoded(
      text,
      runs,
      kinds,
      opts,
      (decoded, enc, toParent) => {
        this.child(
          decoded,
          enc,
          p,
          (s, e) => {
            const [a, b] = toParent(s, e);
            return toRaw(a, b);
          },
          walk,
        );
      },
      () => {
        // Decoded bytes that hold no text are never materialized or scanned: they cost
        // nothing, so they do not draw on the budget that text layers need.
      },
    );
  }
}

/** Draw a child's `len` decoded chars from the budget; false (the budget exhausted) when they do not fit. */
function fits(len: number, walk: Walk): boolean {
  const budget = walk.ctx.budget;
  if (len > budget.left) {
    budget.exhausted = true;
    return false;
  }
  budget.left -= len;
  return true;
}

function addUnread(u: Unread, why: keyof Unread, span: [number, number]): void {
  const cur = u[why];
  if (cur === null) u[why] = [span[0], span[1]];
  else {
    if (span[0] < cur[0]) cur[0] = span[0];
    if (span[1] > cur[1]) cur[1] = span[1];
  }
}

/**
 * At the depth limit: would another decode find text? A base64 or hex run whose bytes
 * hold printable text, a `%XX` escape, or a `\xHH` / `\uHHHH` escape or an HTML `&#N;`.
 */
function stillEncoded(text: string, runs: readonly number[], kinds: readonly number[], dec: number): boolean {
  for (let r = 0; r < runs.length; r += 2) {
    const k = kinds[r >>> 1] ?? 0;
    const kind = k & RUN_KIND;
    if ((runs[r + 1] as number) - (runs[r] as number) >= 16 && (k & PRINTABLE) !== 0 && (kind === RUN_HEX || kind === RUN_BASE64 || kind === RUN_BASE64URL))
      return true;
  }
  if ((dec & DEC_PERCENT) !== 0 && hasPercentEscape(text)) return true;
  return (dec & DEC_ESCAPE) !== 0 && TEXT_ESCAPE.test(text);
}

function urlLayers(chain: string | undefined): number {
  return chain === undefined ? 0 : chain.split('+').filter((x) => x === 'url').length;
}

function lastLayer(chain: string | undefined): string {
  return chain === undefined ? '' : chain.slice(chain.lastIndexOf('+') + 1);
}

function joinChain(chain: string | undefined, enc: string | undefined): string | undefined {
  if (enc === undefined) return chain;
  return chain === undefined ? enc : `${chain}+${enc}`;
}
