/**
 * Look-alike characters mapped to the ASCII letter a reader sees. NFKC already
 * folds fullwidth forms and mathematical alphanumerics (U+1D400...) to ASCII, so
 * this table covers what NFKC leaves alone: Cyrillic, Greek, Armenian and Latin
 * small capitals that render like Latin letters. Compact on purpose: the common
 * homoglyphs used to dodge keyword filters, not the whole Unicode confusables file.
 *
 * @example
 * CONFUSABLES.get('\u0456'); // 'i' (Cyrillic i)
 */
const PAIRS: ReadonlyArray<readonly [string, string]> = [
  // Cyrillic lower case
  ['а', 'a'], ['в', 'b'], ['е', 'e'], ['ё', 'e'], ['з', '3'], ['і', 'i'], ['ї', 'i'], ['ј', 'j'], ['к', 'k'],
  ['м', 'm'], ['н', 'h'], ['о', 'o'], ['р', 'p'], ['с', 'c'], ['т', 't'], ['у', 'y'], ['х', 'x'], ['ѕ', 's'],
  ['ԁ', 'd'], ['ԛ', 'q'], ['ԝ', 'w'], ['һ', 'h'], ['ӏ', 'l'], ['ɡ', 'g'], ['ь', 'b'], ['п', 'n'],
  // Cyrillic upper case
  ['А', 'a'], ['В', 'b'], ['Е', 'e'], ['Ё', 'e'], ['І', 'i'], ['Ї', 'i'], ['Ј', 'j'], ['К', 'k'], ['М', 'm'],
  ['Н', 'h'], ['О', 'o'], ['Р', 'p'], ['С', 'c'], ['Т', 't'], ['У', 'y'], ['Х', 'x'], ['Ѕ', 's'], ['Ԁ', 'd'],
  ['Ԛ', 'q'], ['Ԝ', 'w'], ['Һ', 'h'], ['Ӏ', 'l'],
  // Greek
  ['α', 'a'], ['β', 'b'], ['γ', 'y'], ['ε', 'e'], ['η', 'n'], ['ι', 'i'], ['κ', 'k'], ['ν', 'v'], ['ο', 'o'],
  ['ρ', 'p'], ['τ', 't'], ['υ', 'u'], ['χ', 'x'], ['ω', 'w'], ['ς', 's'],
  ['Α', 'a'], ['Β', 'b'], ['Ε', 'e'], ['Ζ', 'z'], ['Η', 'h'], ['Ι', 'i'], ['Κ', 'k'], ['Μ', 'm'], ['Ν', 'n'],
  ['Ο', 'o'], ['Ρ', 'p'], ['Τ', 't'], ['Υ', 'y'], ['Χ', 'x'],
  // Armenian
  ['օ', 'o'], ['հ', 'h'], ['ս', 'u'], ['ց', 'g'], ['ո', 'n'],
  // Latin look-alikes and small capitals
  ['ı', 'i'], ['ȷ', 'j'], ['ɑ', 'a'], ['ɩ', 'i'], ['ʀ', 'r'], ['ᴀ', 'a'], ['ʙ', 'b'], ['ᴄ', 'c'], ['ᴅ', 'd'],
  ['ᴇ', 'e'], ['ɢ', 'g'], ['ʜ', 'h'], ['ɪ', 'i'], ['ᴊ', 'j'], ['ᴋ', 'k'], ['ʟ', 'l'], ['ᴍ', 'm'], ['ɴ', 'n'],
  ['ᴏ', 'o'], ['ᴘ', 'p'], ['ꜱ', 's'], ['ᴛ', 't'], ['ᴜ', 'u'], ['ᴠ', 'v'], ['ᴡ', 'w'], ['ʏ', 'y'], ['ᴢ', 'z'],
  // Punctuation that stands in for ASCII in commands and tags
  ['‐', '-'], ['‑', '-'], ['‒', '-'], ['–', '-'], ['—', '-'], ['−', '-'], ['⁄', '/'], ['∕', '/'], ['〈', '<'],
  ['〉', '>'], ['‹', '<'], ['›', '>'], ['ǀ', '|'], ['∣', '|'],
];

export const CONFUSABLES: ReadonlyMap<string, string> = new Map(PAIRS);
