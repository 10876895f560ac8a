/**
 * Homoglyph substitution in what an agent passes to a tool or another agent:
 * `cаt /еtc/pаsswd` with Cyrillic а and е reads as a familiar command to a person or
 * a model, but slips past every filter that compares ASCII. A token (a run without
 * white space) is flagged when
 *
 * - one word of it (a run of letters) mixes Latin letters with Cyrillic or Greek
 *   letters from the confusables table (`cаt`, `pаsswd`): a real word is written in
 *   one script; or
 * - it has Latin letters and a Cyrillic or Greek word of 2+ letters that all render
 *   exactly as Latin ones (`/етс/passwd`): STRICT below, a subset of the table without
 *   the letters that only resemble Latin (в, п, з, к), so `SQL-запрос` is not flagged.
 *
 * All-Cyrillic and all-Greek text, accented Latin (é, ü) and single Greek letters in
 * Latin words (`β-blocker`) are not flagged. Meant for tool-call arguments and agent
 * messages, not HTTP bodies in general, where multilingual text is ordinary.
 *
 * @example
 * hasMixedScript('c\u0430t /\u0435tc/p\u0430sswd') // true
 * hasMixedScript('Привет, world')                  // false
 */
import { CONFUSABLES } from './confusables.js';

export const MIXED_SCRIPT_TYPE = 'homoglyph_mixed_script';

const NON_ASCII = /[\u0080-\uffff]/;
const TOKEN = /\S+/g;
const WORD = /[\p{L}\p{M}]+/gu;
const LATIN = /\p{Script=Latin}/u;
const CYRILLIC_GREEK = /^[\p{Script=Cyrillic}\p{Script=Greek}]$/u;

/** Cyrillic and Greek letters that render as Latin ones in common fonts. */
const STRICT = new Set([...'аеорсухіјѕԁһӏԛԝАВЕКМНОРСТХІЈЅοΑΒΕΖΗΙΚΜΝΟΡΤΥΧ'].filter((ch) => CONFUSABLES.has(ch)));

/** Cyrillic and Greek letters of the confusables table. */
const LOOKALIKE = new Set([...CONFUSABLES.keys()].filter((ch) => CYRILLIC_GREEK.test(ch)));

/** True when some token of `text` mixes Latin with look-alike Cyrillic or Greek letters. */
export function hasMixedScript(text: string): boolean {
  if (!NON_ASCII.test(text)) return false;
  for (const [token] of text.matchAll(TOKEN)) {
    if (NON_ASCII.test(token) && LATIN.test(token) && mixedToken(token)) return true;
  }
  return false;
}

function mixedToken(token: string): boolean {
  let latinWord = false;
  let lookalikeWord = false;
  for (const [word] of token.matchAll(WORD)) {
    const chars = [...word];
    const latin = LATIN.test(word);
    if (latin && chars.some((ch) => LOOKALIKE.has(ch))) return true;
    if (latin) latinWord = true;
    else if (chars.length >= 2 && chars.every((ch) => STRICT.has(ch))) lookalikeWord = true;
  }
  return latinWord && lookalikeWord;
}
