/**
 * `strip` action: remove what the findings matched and keep the rest. No offset
 * map from normalised text back to the original is kept (see normalize.ts), so
 * removal works on whole units: first HTML comments whose text holds a match,
 * then whole lines (or runs of up to a few lines, for a match that spans a line
 * break). Invisible characters are removed throughout when a hidden-character
 * finding is among those given. Meant for text, Markdown and HTML; a JSON body
 * with an injection should be blocked, since removing its line breaks the document.
 *
 * Fails closed: if a finding's match cannot be located in `text`, it throws
 * `InjectionStripError` rather than return text that may still carry it.
 *
 * @example
 * stripInjections('Intro\nIgnore all previous instructions.\nOutro', findings); // 'Intro\nOutro'
 */
import { decodeBase64Texts } from './base64-blobs.js';
import { normalizeText } from './normalize.js';
import type { InjectionFinding } from './types.js';

/** A finding's match could not be found in the text to strip. */
export class InjectionStripError extends Error {
  readonly code = 'injection_strip_failed';
  readonly rules: readonly string[];
  constructor(rules: readonly string[]) {
    super(`cannot locate the text matched by ${rules.join(', ')}; refusing to return it unstripped`);
    this.name = 'InjectionStripError';
    this.rules = rules;
  }
}

const INVISIBLE = /[\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u{E0000}-\u{E007F}]/gu;
const COMMENT = /<!--[\s\S]*?-->/g;
const COMMENT_MARKS = /<!--|-->/g;
const TAG = /<[^<>]{0,2000}>/g;
const EXTRA_LINES = 3;

/** Characters read (normalised) per step of `stripSteps`; a longer unit is read in pieces this long. */
export const STRIP_STEP_CHARS = 16 * 1024;
/** Characters a piece of a long unit shares with the piece before: a match is shorter than this. */
const PIECE_OVERLAP = 1024;

function flat(text: string): string {
  return text.replaceAll('\n', ' ');
}

/** Everything a unit of text says once normalised, base64 blobs decoded included. */
function readAs(unit: string): string {
  const visible = unit.replace(COMMENT_MARKS, ' ').replace(TAG, ' ');
  const parts = [normalizeText(visible).text];
  for (const d of decodeBase64Texts(unit)) parts.push(normalizeText(d).text);
  return flat(parts.join(' '));
}

/** What each piece of `unit` says once normalised (pieces of STRIP_STEP_CHARS that overlap), a step each. */
function* readPieces(unit: string): Generator<void, string[]> {
  if (unit.length <= STRIP_STEP_CHARS) return [readAs(unit)];
  const reads: string[] = [];
  for (let at = 0; at < unit.length; at += STRIP_STEP_CHARS - PIECE_OVERLAP) {
    reads.push(readAs(unit.slice(at, at + STRIP_STEP_CHARS)));
    yield;
    if (at + STRIP_STEP_CHARS >= unit.length) break;
  }
  return reads;
}

/**
 * Remove what the findings matched (see above); throws InjectionStripError when a
 * match cannot be located.
 */
export function stripInjections(text: string, findings: readonly InjectionFinding[]): string {
  const steps = stripSteps(text, findings);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/**
 * `stripInjections` a bounded step at a time (about STRIP_STEP_CHARS of text read per
 * step), for a caller that gives the event loop turns between steps; the result is
 * the generator's return value. A unit (comment, line) longer than a step is read in
 * overlapping pieces.
 */
export function* stripSteps(text: string, findings: readonly InjectionFinding[]): Generator<void, string> {
  let out = text;
  if (findings.some((f) => f.rule === 'hidden-zero-width' || f.rule === 'hidden-unicode-tags' || f.encoding === 'unicode-tags')) {
    out = out.replace(INVISIBLE, '');
  }
  const needles = [...new Set(findings.filter((f) => f.excerpt !== '' && f.encoding !== 'unicode-tags').map((f) => flat(f.excerpt)))];
  if (needles.length === 0) return out;
  const located = new Set<string>();
  let read = 0;
  /** What `unit` says once normalised (in pieces when long), a step per STRIP_STEP_CHARS read. */
  function* reads(unit: string): Generator<void, string[]> {
    const r = yield* readPieces(unit);
    read += unit.length;
    if (read >= STRIP_STEP_CHARS) {
      read = 0;
      yield;
    }
    return r;
  }
  const holds = (rs: string[], n: string): boolean => rs.some((r) => r.includes(n));
  /** Whether `unit` holds a needle (each one it holds is located). */
  function* hit(unit: string): Generator<void, boolean> {
    const rs = yield* reads(unit);
    let any = false;
    for (const n of needles) {
      if (holds(rs, n)) {
        located.add(n);
        any = true;
      }
    }
    return any;
  }
  let kept = '';
  let last = 0;
  for (const c of out.matchAll(COMMENT)) {
    if (!(yield* hit(c[0]))) continue;
    kept += out.slice(last, c.index);
    last = c.index + c[0].length;
  }
  out = kept + out.slice(last);
  const lines = out.split('\n');
  const drop = new Uint8Array(lines.length);
  for (let i = 0; i < lines.length; i++) {
    if (yield* hit(lines[i]!)) drop[i] = 1;
  }
  // Matches that span line breaks: the shortest run of lines that holds each needle not yet found.
  for (const n of needles.filter((x) => !located.has(x))) {
    search: for (let k = 2; k <= EXTRA_LINES + 1; k++) {
      for (let i = 0; i + k <= lines.length; i++) {
        if (holds(yield* reads(lines.slice(i, i + k).join('\n')), n)) {
          drop.fill(1, i, i + k);
          located.add(n);
          break search;
        }
      }
    }
  }
  const missing = needles.filter((n) => !located.has(n));
  if (missing.length > 0) {
    throw new InjectionStripError(findings.filter((f) => missing.includes(flat(f.excerpt))).map((f) => f.rule));
  }
  return lines.filter((_, i) => drop[i] === 0).join('\n');
}
