/**
 * The core of the scanner: normalise a run of text segments, match the pattern
 * set, and turn matches into findings. Hidden segments (comments, display:none,
 * ...) are read in document order with the visible text, so a sentence that
 * continues into a hidden span is still one sentence; a match that touches a
 * hidden span also yields a `prompt_injection:hidden_text` finding. Hidden
 * channels (HTML comments, base64 blobs, Unicode tag characters) additionally
 * meet the strict pattern set.
 *
 * @example
 * scanSegments([{ text: 'Hi <b>there</b>' }], { matcher, location: 'body', strict: false, seen: new Set() }); // []
 */
import { decodeBase64Texts } from './base64-blobs.js';
import { matchesIn } from './compile.js';
import type { PatternMatcher, PatternMatch } from './compile.js';
import { isQuotedDiscussion } from './context.js';
import { isReportedSpeech } from './speech.js';
import { normalizeText } from './normalize.js';
import { quickClear } from './quick-clear.js';
import { withExcerpt } from './types.js';
import type { InjectionCategory, InjectionFinding, TextSegment } from './types.js';

export interface ScanContext {
  matcher: PatternMatcher;
  location: string;
  /** Tool descriptions and agent cards: strict set on everything, no quotation discount. */
  strict: boolean;
  /** Dedupe keys already reported (one finding per rule and action per text or stream). */
  seen: Set<string>;
}

const EXCERPT_MAX = 160;

interface Emit {
  rule: string;
  category: InjectionCategory;
  action: 'block' | 'warn';
  excerpt: string;
  detail: string;
  hidden?: string;
  encoding?: string;
}

function push(out: InjectionFinding[], ctx: ScanContext, e: Emit): void {
  const key = `${e.rule}|${e.action}|${e.encoding ?? ''}`;
  if (ctx.seen.has(key)) return;
  ctx.seen.add(key);
  const f = {
    type: `prompt_injection:${e.category}`,
    location: ctx.location,
    action: e.action,
    detail: e.detail,
    rule: e.rule,
    category: e.category,
  } as InjectionFinding;
  if (e.hidden !== undefined) f.hidden = e.hidden;
  if (e.encoding !== undefined) f.encoding = e.encoding;
  out.push(withExcerpt(f, e.excerpt));
}

function excerptOf(m: PatternMatch): string {
  return m.text.length > EXCERPT_MAX ? m.text.slice(0, EXCERPT_MAX) : m.text;
}

/** Scan a decoded side channel (base64, tag characters, a comment) with the strict set. */
function scanChannel(text: string, encoding: string | undefined, hidden: string | undefined, ctx: ScanContext, out: InjectionFinding[]): number {
  const norm = normalizeText(text).text;
  let n = 0;
  for (const m of ctx.matcher.match(norm, true)) {
    n++;
    const where = encoding !== undefined ? ` (${encoding}-encoded)` : hidden !== undefined ? ` (in ${hidden})` : '';
    const e: Emit = {
      rule: m.pattern.id,
      category: m.pattern.category,
      action: 'block',
      excerpt: excerptOf(m),
      detail: `${m.pattern.id}: ${m.pattern.description}${where}`,
    };
    if (encoding !== undefined) e.encoding = encoding;
    if (hidden !== undefined) e.hidden = hidden;
    push(out, ctx, e);
  }
  return n;
}

interface Occurrence {
  m: PatternMatch;
  hidden: string | undefined;
  /** Why a strong match was downgraded: quoted in a discussion, or reported or denied speech. */
  discounted: string | undefined;
  action: 'block' | 'warn';
}

const LETTER_END = /[\p{L}]$/u;
const LETTER_START = /^[\p{L}]/u;

const rank = (o: Occurrence): number => (o.action === 'block' ? 2 : 0) + (o.hidden !== undefined ? 1 : 0);

/** How near a strong signal a weak context marker must be to count with it. */
const CORROBORATE = 400;

/** Every occurrence of every candidate pattern and intent in `text`, past `boundary`, with its placement and discount. */
function occurrences(text: string, hiddenRanges: ReadonlyArray<{ start: number; end: number; why: string }>, boundary: number, ctx: ScanContext): Occurrence[] {
  const out: Occurrence[] = [];
  const all: PatternMatch[] = [];
  for (const c of ctx.matcher.candidates(text, ctx.strict)) for (const m of matchesIn(c, text)) all.push(m);
  for (const m of all) {
    const end = m.index + m.text.length;
    if (end <= boundary) continue;
    const hidden = hiddenRanges.find((r) => r.start < end && m.index < r.end)?.why;
    let discounted: string | undefined;
    if (!ctx.strict && hidden === undefined && m.pattern.scope === 'all') {
      if (isQuotedDiscussion(text, m.index, end)) discounted = 'quoted in a discussion';
      else if (isReportedSpeech(text, m.index, end)) discounted = 'reported or denied, not addressed to the reader';
    }
    out.push({ m, hidden, discounted, action: 'warn' });
  }
  return out;
}

/**
 * The decision. A strong signal blocks unless discounted. A weak context marker
 * (weight 'weak') blocks when hidden, in a tool description, or within 400
 * characters of a strong signal that blocks; alone in visible text it warns.
 */
function weigh(occ: Occurrence[], ctx: ScanContext): Occurrence[] {
  const strong: number[] = [];
  for (const o of occ) {
    if (o.m.pattern.weight === 'weak') continue;
    if (o.discounted === undefined) {
      o.action = 'block';
      strong.push(o.m.index);
    }
  }
  for (const o of occ) {
    if (o.m.pattern.weight !== 'weak') continue;
    const near = strong.some((i) => Math.abs(i - o.m.index) <= CORROBORATE);
    if (o.hidden !== undefined || ctx.strict || near) o.action = 'block';
  }
  return occ;
}

/**
 * Scan `segments`. Their first `alreadyScanned` characters are the overlap carried
 * from the previous window of a stream: matches that end inside it were reported
 * (or not) then, with their full context, and are skipped now. The overlap may end
 * inside a segment (the text after the seam joined to it as the stream had it, so a
 * phrase cut by the seam is read whole); see seamBoundary for where its end falls
 * in the normalised text.
 */
export function scanSegments(segments: readonly TextSegment[], ctx: ScanContext, alreadyScanned = 0): InjectionFinding[] {
  return quickClear(segments, ctx.matcher.automaton(ctx.strict)) ? [] : fullScan(segments, ctx, alreadyScanned);
}

/**
 * Raw characters before the seam whose matches are read again after it. Normalising is
 * local except across a few characters (a character reference, a combining sequence, a
 * run of blanks or of spaced letters), so the normalised seam is placed this far early:
 * a phrase that crosses it is never taken for one already reported, and a match that
 * ends just before it is judged again with most of its context (and reported once).
 */
export const SEAM_MARGIN = 256;

/** Where the first `scanned` characters of `text` end once normalised, SEAM_MARGIN early. */
function seamBoundary(text: string, scanned: number): number {
  return scanned <= SEAM_MARGIN ? 0 : normalizeText(text.slice(0, scanned - SEAM_MARGIN)).text.length;
}

/** scanSegments without the fast path (tests hold the two to the same answers). */
export function fullScan(segments: readonly TextSegment[], ctx: ScanContext, alreadyScanned = 0): InjectionFinding[] {
  const out: InjectionFinding[] = [];
  const parts: string[] = ['\n'];
  const hiddenRanges: Array<{ start: number; end: number; why: string }> = [];
  let offset = 1;
  let boundary = 0;
  let invisibleInWord = 0;
  let tagText = '';
  // Raw characters before segment `s`, and the first segment not wholly scanned before.
  let raw = 0;
  let fresh = segments.length;
  for (let s = 0; s < segments.length; s++) {
    const seg = segments[s]!;
    const n = normalizeText(seg.text);
    invisibleInWord += n.invisibleInWord;
    if (n.tagText !== '') tagText += (tagText === '' ? '' : ' ') + n.tagText;
    if (seg.hidden !== undefined) hiddenRanges.push({ start: offset, end: offset + n.text.length, why: seg.hidden });
    parts.push(n.text, ' ');
    if (raw + seg.text.length <= alreadyScanned) boundary = offset + n.text.length;
    else if (raw < alreadyScanned) boundary = offset + seamBoundary(seg.text, alreadyScanned - raw);
    if (raw + seg.text.length > alreadyScanned && fresh === segments.length) fresh = s;
    offset += n.text.length + 1;
    raw += seg.text.length;
  }
  const joined = parts.join('');
  const found = weigh(occurrences(joined, hiddenRanges, boundary, ctx), ctx);
  // A comment inside a word ("prev<!-- x -->ious") is invisible to a reader: read the
  // words around it joined where the comment was (only there, so pages with ordinary
  // comments between elements pay nothing).
  for (let s = Math.max(1, fresh); s + 1 < segments.length; s++) {
    const [prev, seg, next] = [segments[s - 1]!, segments[s]!, segments[s + 1]!];
    if (seg.hidden !== 'html-comment' || prev.hidden !== undefined || next.hidden !== undefined) continue;
    if (!LETTER_END.test(prev.text) || !LETTER_START.test(next.text)) continue;
    const joinedWord = `\n${normalizeText(prev.text.slice(-300)).text}${normalizeText(next.text.slice(0, 300)).text}`;
    found.push(...weigh(occurrences(joinedWord, [], 0, ctx), ctx));
  }
  let matched = 0;
  const chosen = new Map<string, Occurrence>();
  for (const o of found) {
    const prev = chosen.get(o.m.pattern.id);
    // Block over warn; among blocks, a hidden occurrence (it says more about the page).
    if (prev === undefined || rank(o) > rank(prev)) chosen.set(o.m.pattern.id, o);
  }
  // An intent that restates a phrase pattern's block on the same words adds nothing: report it once.
  for (const [id, o] of chosen) {
    if (!id.startsWith('intent-') || o.action !== 'block') continue;
    const end = o.m.index + o.m.text.length;
    const dup = [...chosen.values()].some(
      (p) =>
        p !== o &&
        !p.m.pattern.id.startsWith('intent-') &&
        p.action === 'block' &&
        p.m.pattern.category === o.m.pattern.category &&
        p.m.index < end &&
        o.m.index < p.m.index + p.m.text.length,
    );
    if (dup) chosen.delete(id);
  }
  for (const o of chosen.values()) {
    const { m, hidden, action } = o;
    matched++;
    const why = action === 'block' ? '' : o.discounted ? ` (${o.discounted}; not blocked)` : ' (a context marker alone; not blocked)';
    const e: Emit = {
      rule: m.pattern.id,
      category: m.pattern.category,
      action,
      excerpt: excerptOf(m),
      detail: `${m.pattern.id}: ${m.pattern.description}${hidden !== undefined ? ` (in ${hidden})` : ''}${why}`,
    };
    if (hidden !== undefined) e.hidden = hidden;
    push(out, ctx, e);
    if (hidden !== undefined) {
      push(out, ctx, {
        rule: `hidden-${hidden}`,
        category: 'hidden_text',
        action: 'block',
        excerpt: excerptOf(m),
        hidden,
        detail: `instructions hidden from a human reader (${hidden}): ${m.pattern.id}`,
      });
    }
  }
  for (const seg of segments) {
    if (seg.hidden === 'html-comment' && !ctx.strict) matched += scanChannel(seg.text, undefined, seg.hidden, ctx, out);
    for (const decoded of decodeBase64Texts(seg.text)) matched += scanChannel(decoded, 'base64', seg.hidden, ctx, out);
  }
  if (tagText !== '') {
    push(out, ctx, {
      rule: 'hidden-unicode-tags',
      category: 'hidden_text',
      action: 'block',
      encoding: 'unicode-tags',
      excerpt: tagText.slice(0, EXCERPT_MAX).toLowerCase(),
      detail: 'text smuggled in invisible Unicode tag characters (U+E0000-E007F)',
    });
    scanChannel(tagText, 'unicode-tags', undefined, ctx, out);
  }
  if (invisibleInWord > 0 && (matched > 0 || invisibleInWord >= 3)) {
    push(out, ctx, {
      rule: 'hidden-zero-width',
      category: 'hidden_text',
      action: matched > 0 ? 'block' : 'warn',
      excerpt: '',
      detail: `${invisibleInWord} run(s) of zero-width or bidi control characters inside words${matched > 0 ? ', alongside an injection pattern' : ''}`,
    });
  }
  return out;
}
