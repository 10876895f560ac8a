/**
 * Text normalisation before pattern matching: what a model would read, folded to
 * one canonical spelling. Steps, in order: HTML character references; Unicode tag
 * characters (U+E0000-E007F) are removed and the ASCII they smuggle is returned
 * separately; zero-width and bidi controls and soft hyphens are removed (counting
 * those that sat between two letters, a signal of their own); NFKC (fullwidth and
 * mathematical letters to ASCII); accents off; look-alike letters to ASCII; lower
 * case; letter-spaced words joined (spaced-letters.ts); runs of blanks to one space and runs of line breaks to one newline.
 *
 * Offsets are NOT kept: `stripInjections` works on whole lines and HTML comments
 * (see strip.ts), so nothing needs to map a normalised offset back to the original.
 *
 * @example
 * normalizeText('Ign\u200bore аll previous').text; // 'ignore all previous'  (Cyrillic а)
 */
import { CONFUSABLES } from './confusables.js';
import { decodeEntities } from './entities.js';
import { joinSpacedLetters } from './spaced-letters.js';

export interface NormalizedText {
  /** The folded text. */
  text: string;
  /** Runs of invisible characters found between two letters ("ig\u200bnore"). */
  invisibleInWord: number;
  /** ASCII decoded from Unicode tag characters, '' when there were none (emoji flag tags excepted). */
  tagText: string;
}

const NON_ASCII = /[\u0080-\uffff]/;
const NON_ASCII_G = /[\u0080-\uffff]/g;
// Precomposed Latin, Greek and Cyrillic letters, and stray combining marks.
// Combining marks (U+0300-036F) stand alone in these classes on purpose: stray ones are removed too.
// eslint-disable-next-line no-misleading-character-class
const ACCENTED = /[\u00c0-\u024f\u0300-\u036f\u0370-\u04ff\u1e00-\u1eff]/;
// eslint-disable-next-line no-misleading-character-class
const ACCENTED_G = /[\u00c0-\u024f\u0300-\u036f\u0370-\u04ff\u1e00-\u1eff]/g;
const COMBINING_G = /[\u0300-\u036f]/g;
const stripped = new Map<string, string>();
function stripAccent(c: string): string {
  let out = stripped.get(c);
  if (out === undefined) {
    out = c.normalize('NFD').replace(COMBINING_G, '');
    if (stripped.size < 4096) stripped.set(c, out);
  }
  return out;
}
const TAG_CHARS = /[\u{E0000}-\u{E007F}]/u;
const TAG_RUN = /(\u{1F3F4})?([\u{E0000}-\u{E007F}]+)/gu;
// U+034F (combining grapheme joiner) is a combining mark on purpose: it is one of the invisibles to remove.
// eslint-disable-next-line no-misleading-character-class
const INVISIBLE_RUN = /[\u00ad\u034f\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+/g;
// Only runs that change: a lone space or newline is left alone (most of them).
const BLANKS = /[^\S\n]{2,}|[^\S\n ]/g;
const BREAKS = / ?\n\s+| \n/g;

function isLetter(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || code > 0x7f;
}

/** Blank runs to one space, line-break runs to one newline. Exported for the fast paths. */
export function collapseWhitespace(text: string): string {
  return text.replace(BLANKS, ' ').replace(BREAKS, '\n');
}

function takeTagText(text: string): { text: string; tagText: string } {
  let tagText = '';
  const stripped = text.replace(TAG_RUN, (_run: string, flag: string | undefined, tags: string) => {
    // 🏴 + tags + cancel tag is a subdivision flag (England, Scotland, Wales): legitimate.
    if (flag !== undefined) return flag;
    for (let i = 1; i < tags.length; i += 2) {
      const code = tags.charCodeAt(i) - 0xdc00;
      if (code >= 0x20 && code < 0x7f) tagText += String.fromCharCode(code);
    }
    tagText += ' ';
    return '';
  });
  return { text: stripped, tagText: tagText.trim() };
}

/** The ASCII a look-alike stands for; an upper-case letter the table lacks (П) by its lower case (п). */
function lookalike(c: string): string {
  const direct = CONFUSABLES.get(c);
  if (direct !== undefined) return direct;
  const lower = c.toLowerCase();
  return CONFUSABLES.get(lower) ?? c;
}

export function normalizeText(raw: string): NormalizedText {
  let text = decodeEntities(raw);
  if (!NON_ASCII.test(text)) {
    return { text: collapseWhitespace(joinSpacedLetters(text.toLowerCase())), invisibleInWord: 0, tagText: '' };
  }
  let tagText = '';
  if (TAG_CHARS.test(text)) ({ text, tagText } = takeTagText(text));
  let invisibleInWord = 0;
  text = text.replace(INVISIBLE_RUN, (run: string, offset: number, whole: string) => {
    const softHyphensOnly = /^\u00ad+$/.test(run);
    if (!softHyphensOnly && offset > 0 && isLetter(whole.charCodeAt(offset - 1)) && isLetter(whole.charCodeAt(offset + run.length))) {
      invisibleInWord++;
    }
    return '';
  });
  text = text.normalize('NFKC');
  // Accents off (U+0300-036F only: Devanagari and Arabic marks are letters' parts), so
  // "précédentes" and "precedentes" are one word; lexicon.ts folds its words the same way.
  if (ACCENTED.test(text)) text = text.replace(ACCENTED_G, stripAccent);
  if (NON_ASCII.test(text)) text = text.replace(NON_ASCII_G, lookalike);
  return { text: collapseWhitespace(joinSpacedLetters(text.toLowerCase())), invisibleInWord, tagText };
}
