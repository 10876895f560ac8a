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
const GAP = /[ .\-_*·•|]{1,3}/g;
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

export function joinSpacedLetters(text: string): string {
  if (!MAYBE.test(text)) return text;
  return text.replace(REGION, (region: string) => {
    const letters = region.replace(GAP, '');
    const gaps = region.match(GAP) ?? [];
    // The commonest gap is the one inside words; any other gap is a word break.
    const count = new Map<string, number>();
    for (const g of gaps) count.set(g, (count.get(g) ?? 0) + 1);
    let inner = '';
    for (const [g, n] of count) if (n > (count.get(inner) ?? 0)) inner = g;
    if (inner.length > 1 && inner.trim() !== '') inner = inner.trim();
    const words: string[] = [letters[0]!];
    gaps.forEach((g, k) => {
      if (g === inner) words[words.length - 1] += letters[k + 1]!;
      else words.push(letters[k + 1]!);
    });
    if (words.length === 1 && letters.length >= 8) return segment(letters);
    return words.join(' ');
  });
}
