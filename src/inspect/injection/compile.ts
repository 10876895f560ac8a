/**
 * Patterns compiled for matching. One pass of a keyword automaton
 * (keyword-automaton.ts) finds where the patterns' keywords occur (most text has few); each pattern's regex then
 * runs only over the merged neighbourhoods of its keywords (400 characters
 * before, 800 after: longer than any built-in match), never over the whole
 * text. Regexes are global, with spaces widened to `\s` (normalised text has
 * single spaces and newlines). Invalid patterns fail at construction with the id.
 *
 * @example
 * const m = new PatternMatcher(PATTERNS);
 * const text = 'please ignore all previous instructions';
 * const [c] = m.candidates(text, false);
 * c && [...matchesIn(c, text)][0]?.text; // 'ignore all previous instructions'
 */
import { KeywordAutomaton } from './keyword-automaton.js';
import type { InjectionPattern } from './types.js';

export interface CompiledPattern {
  spec: InjectionPattern;
  re: RegExp;
  requires: readonly RegExp[];
}

/** A pattern to try and the text ranges (start, end) worth trying it on. */
export interface Candidate {
  compiled: CompiledPattern;
  ranges: Array<[number, number]>;
}

export interface PatternMatch {
  pattern: InjectionPattern;
  /** Offset of the match in the scanned text. */
  index: number;
  text: string;
}

const WORD = /\w/;
const BEFORE = 400;
const AFTER = 800;
/** Stop looking for a better occurrence of one pattern after this many. */
const MAX_OCCURRENCES = 32;

interface KeywordIndex {
  automaton: KeywordAutomaton;
  /** Keyword (by its index in the automaton) -> patterns of that keyword and of every keyword it contains. */
  patterns: CompiledPattern[][];
}

function buildIndex(compiled: readonly CompiledPattern[]): KeywordIndex {
  const own = new Map<string, CompiledPattern[]>();
  for (const c of compiled) {
    for (const raw of c.spec.keywords) {
      const kw = raw.toLowerCase();
      const list = own.get(kw) ?? [];
      list.push(c);
      own.set(kw, list);
    }
  }
  // Only keywords that contain no other keyword go into the alternation ("ignor" stands
  // for "ignore", "ignorez", "ignoring"): a shorter one occurs wherever a longer one
  // does, so it answers for the patterns of every keyword that contains it.
  const all = [...own.keys()];
  const keywords = all.filter((k) => !all.some((o) => o !== k && k.includes(o))).sort((a, b) => b.length - a.length);
  const patterns = keywords.map((kw) => {
    const set = new Set<CompiledPattern>();
    for (const [other, list] of own) if (other.includes(kw) || kw.includes(other)) for (const c of list) set.add(c);
    return [...set];
  });
  return { automaton: new KeywordAutomaton(keywords), patterns };
}

export class PatternMatcher {
  readonly size: number;
  private readonly general: KeywordIndex;
  private readonly strict: KeywordIndex;

  constructor(patterns: readonly InjectionPattern[]) {
    const ids = new Set<string>();
    const compiled: CompiledPattern[] = [];
    for (const spec of patterns) {
      if (ids.has(spec.id)) throw new Error(`injection pattern ${spec.id}: duplicate id`);
      ids.add(spec.id);
      if (spec.keywords.length === 0 || spec.keywords.some((k) => k.trim() === '')) {
        throw new Error(`injection pattern ${spec.id}: needs non-empty keywords`);
      }
      try {
        const requires = (spec.requires ?? []).map((r) => new RegExp(r.replaceAll(' ', '\\s')));
        compiled.push({ spec, re: new RegExp(spec.pattern.replaceAll(' ', '\\s'), 'g'), requires });
      } catch (err) {
        throw new Error(`injection pattern ${spec.id}: invalid regex: ${(err as Error).message}`);
      }
    }
    this.size = ids.size;
    this.general = buildIndex(compiled.filter((c) => c.spec.scope === 'all'));
    this.strict = buildIndex(compiled);
  }

  /** Patterns whose keywords occur in `text` (normalised), with where. `strict` adds the strict-scope patterns. */
  candidates(text: string, strict: boolean): Candidate[] {
    const index = strict ? this.strict : this.general;
    const byPattern = new Map<CompiledPattern, Array<[number, number]>>();
    // Keywords are written with spaces; normalised text may break a line there (the automaton reads it as a space).
    index.automaton.scan(text, (at, k) => {
      let start = Math.max(0, at - BEFORE);
      // Start a range on a word boundary so `\b` at its edge means what it says.
      for (let n = 0; n < 64 && start > 0 && WORD.test(text[start - 1]!); n++) start--;
      const end = Math.min(text.length, at + index.automaton.length(k) + AFTER);
      for (const c of index.patterns[k]!) {
        const ranges = byPattern.get(c);
        const last = ranges?.[ranges.length - 1];
        if (ranges === undefined) byPattern.set(c, [[start, end]]);
        else if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end);
        else ranges.push([start, end]);
      }
    });
    return [...byPattern].map(([compiled, ranges]) => ({ compiled, ranges: merge(ranges) }));
  }

  /** The keyword automaton of the general or the strict set (quick-clear.ts runs it on raw text). */
  automaton(strict: boolean): KeywordAutomaton {
    return (strict ? this.strict : this.general).automaton;
  }

  /** The first occurrence of every candidate pattern (tests and tools; the scanner iterates). */
  match(text: string, strict: boolean): PatternMatch[] {
    const out: PatternMatch[] = [];
    for (const c of this.candidates(text, strict)) {
      const first = matchesIn(c, text).next();
      if (first.done !== true) out.push(first.value);
    }
    return out;
  }
}

/** Ranges sorted and overlapping ones merged (two keyword passes may interleave them). */
function merge(ranges: Array<[number, number]>): Array<[number, number]> {
  if (ranges.length < 2) return ranges;
  ranges.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [ranges[0]!];
  for (const r of ranges.slice(1)) {
    const last = out[out.length - 1]!;
    if (r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push(r);
  }
  return out;
}

/** Occurrences of a candidate pattern in `text`, in order, at most 32. */
export function* matchesIn(cand: Candidate, text: string): Generator<PatternMatch> {
  const re = cand.compiled.re;
  let n = 0;
  let after = -1;
  for (const [start, end] of cand.ranges) {
    const slice = text.slice(start, end);
    re.lastIndex = 0;
    let m: RegExpExecArray | null;
    while ((m = re.exec(slice)) !== null) {
      if (m[0] === '') re.lastIndex++;
      const index = start + m.index;
      if (index <= after) continue;
      if (cand.compiled.requires.length > 0 && !requiresMet(cand.compiled.requires, text, index, index + m[0].length)) continue;
      after = index;
      yield { pattern: cand.compiled.spec, index, text: m[0] };
      if (++n >= MAX_OCCURRENCES) return;
    }
  }
}

const SENTENCE_END = /[.!?。！？।](?:\s|$)|\n/g;

/** Every `requires` regex occurs in the sentence around [start, end) (250 characters before, 60 after, at most). */
function requiresMet(requires: readonly RegExp[], text: string, start: number, end: number): boolean {
  let s = Math.max(0, start - 250);
  const head = text.slice(s, start);
  SENTENCE_END.lastIndex = 0;
  let m: RegExpExecArray | null;
  let cut = -1;
  while ((m = SENTENCE_END.exec(head)) !== null) cut = m.index + m[0].length;
  if (cut >= 0) s += cut;
  const tail = text.slice(end, Math.min(text.length, end + 60));
  SENTENCE_END.lastIndex = 0;
  const t = SENTENCE_END.exec(tail);
  const sentence = text.slice(s, t ? end + t.index + 1 : end + tail.length);
  return requires.every((r) => r.test(sentence));
}
