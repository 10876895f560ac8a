/**
 * Letter-spaced and punctuated words ("I g n o r e", "i.g.n.o.r.e", "i-g-n-o-r-e")
 * read as words by a model and as single letters by a keyword filter. A run of four
 * or more single letters, each separated by one space or one punctuation mark, is
 * joined into one word; a wider gap (two spaces, " / ") between runs stays a word
 * break. A run spaced uniformly throughout ("i g n o r e a l l") loses its word
 * breaks; those are put back by segmenting the joined letters against the words
 * the patterns are made of, longest first, and left joined when that fails.
 *
 * Linear: one regex pass; segmentation only over the runs found, bounded in length.
 *
 * @example
 * joinSpacedLetters('please i g n o r e  a l l  p r e v i o u s now'); // 'please ignore all previous now'
 */
const REGION = /(?<![a-z0-9])[a-z](?:[ .\-_*·•|]{1,3}[a-z](?![a-z0-9])){3,}/g;
/** Words of the patterns and intents, for putting word breaks back. */
const WORDS = new Set(
  (
    'ignore disregard forget previous prior above earlier all any the your my these those instructions instruction rules guidelines ' +
    'prompt prompts system reveal print output show repeat send upload post forward password passwords api key keys token tokens secret secrets ' +
    'credentials to and of in from now you are must override bypass new directives developer mode jailbreak do not tell user conversation history ' +
    'chat email it me us with a an this that everything before stop following follow obey act as dan initial original hidden message'
  ).split(' '),
);
const MAX_RUN = 400;

function segment(word: string): string {
  if (word.length > MAX_RUN) return word;
  // best[i]: a segmentation of word[0, i) into known words, fewest pieces.
  const best: Array<string[] | undefined> = [[]];
  for (let i = 1; i <= word.length; i++) {
    for (let j = Math.max(0, i - 12); j < i; j++) {
      const prev = best[j];
      if (prev === undefined || !WORDS.has(word.slice(j, i))) continue;
      if (best[i] === undefined || prev.length + 1 < best[i]!.length) best[i] = [...prev, word.slice(j, i)];
    }
  }
  return best[word.length]?.join(' ') ?? word;
}

/** A cheap test before the region regex: four letters, each followed by one to three separators. */
const MAYBE = /(?:^|[^a-z0-9])[a-z][ .\-_*·•|]{1,3}[a-z][ .\-_*·•|]{1,3}[a-z][ .\-_*·•|]{1,3}[a-z](?![a-z0-9])/;

/** Each separator's digit in a gap's key (a gap is one to three of them: a key below 1000). */
const SEP_DIGIT = new Uint8Array(0x2023);
[...' .-_*·•|'].forEach((c, i) => (SEP_DIGIT[c.charCodeAt(0)] = i + 1));
const SPACE_DIGIT = 1;

/** The key of the gap in `region` from `at` (separators only), and its length, as `key * 4 + length`. */
function gapAt(region: string, at: number): number {
  let key = 0;
  let n = 0;
  while (n < 3 && at + n < region.length) {
    const c = region.charCodeAt(at + n);
    const d = c < SEP_DIGIT.length ? SEP_DIGIT[c]! : 0;
    if (d === 0) break;
    key = key * 10 + d;
    n++;
  }
  return key * 4 + n;
}

/** A gap's key without its leading and trailing spaces (`String.prototype.trim`: the only whitespace among the separators is the space). */
function trimmedKey(key: number): number {
  const digits = String(key);
  let a = 0;
  let b = digits.length;
  while (a < b && Number(digits[a]) === SPACE_DIGIT) a++;
  while (b > a && Number(digits[b - 1]) === SPACE_DIGIT) b--;
  return a === b ? 0 : Number(digits.slice(a, b));
}

/** Gap counts by key for one region at a time (every count is back to 0 when a region is done). */
const COUNTS = new Uint32Array(1000);

/**
 * One region (letters, each followed by a gap of one to three separators but the last):
 * the letters, with a word break at every gap other than the commonest (the one inside
 * words; on a tie the first seen). One pass to count the gaps, one to write the letters:
 * a letter-spaced megabyte costs two reads of it, not a string and an array slot per gap.
 */
function joinRegion(region: string): string {
  // Counts by key (COUNTS, zeroed again below), and the keys in the order first seen (a tie goes to the first).
  const counts = COUNTS;
  const seen: number[] = [];
  let letters = 0;
  for (let i = 0; i < region.length;) {
    letters++;
    const g = gapAt(region, i + 1);
    const len = g & 3;
    if (len === 0) break;
    const key = g >> 2;
    if (counts[key]! === 0) seen.push(key);
    counts[key] = counts[key]! + 1;
    i += 1 + len;
  }
  let inner = 0;
  let best = 0;
  for (const key of seen) {
    if (counts[key]! > best) {
      inner = key;
      best = counts[key]!;
    }
  }
  for (const key of seen) counts[key] = 0;
  // As first written: a commonest gap of several marks is looked for without its outer spaces.
  if (inner >= 10) {
    const t = trimmedKey(inner);
    if (t !== 0) inner = t;
  }
  // The letters are a-z and the breaks spaces: one byte each, made a string at once.
  const bytes = Buffer.allocUnsafe(2 * letters);
  let n = 0;
  let breaks = 0;
  for (let i = 0; i < region.length;) {
    bytes[n++] = region.charCodeAt(i);
    const g = gapAt(region, i + 1);
    const len = g & 3;
    if (len === 0) break;
    if (g >> 2 !== inner) {
      bytes[n++] = 0x20;
      breaks++;
    }
    i += 1 + len;
  }
  const out = bytes.toString('latin1', 0, n);
  if (breaks === 0 && letters >= 8) return segment(out);
  return out;
}

export function joinSpacedLetters(text: string): string {
  if (!MAYBE.test(text)) return text;
  return text.replace(REGION, joinRegion);
}
