/**
 * Quoted discussion: is a match a phrase being talked about rather than said?
 * Articles about prompt injection quote the attack ('phrases like "ignore previous
 * instructions"'), and blocking them blocks the security literature. A match
 * counts as discussed (and its finding becomes `warn`, not `block`) only when
 * BOTH hold:
 *
 * - it sits inside a short quotation on one line: an opening quote (" ' ` “ ‘ «)
 *   not preceded by a letter within 80 characters before it, and a closing quote
 *   not followed by a letter within 120 characters after it; apostrophes in words
 *   ("user's") do not count;
 * - a discussion cue about attacks ("injection", "attack", "payload", "phrase",
 *   "pattern", "jailbreak", "detect", "phishing", "scam", or the same words in the
 *   other eleven languages) is within 200 characters. "Example", "e.g." and "such
 *   as" alone are not enough: 'Example: "ignore all previous instructions and ..."'
 *   is an order with a label, and a quote in a markdown link title is part of the
 *   link, not a quotation.
 *
 * Never applied to hidden text (comments, display:none, base64), to tool
 * descriptions, or to the strict pattern set: there the quote proves nothing.
 * Other patterns in the same text still block (quote the override, then ask for
 * ~/.ssh/id_rsa unquoted: blocked).
 *
 * @example
 * isQuotedDiscussion('a common attack is "ignore all previous instructions".', 20, 52); // true
 */
import { fold } from './lexicon.js';

const OPEN_QUOTES = new Set(['"', "'", '`', '“', '‘', '«', '„', '「', '『']);
const CLOSE_QUOTES = new Set(['"', "'", '`', '”', '’', '»', '“', '」', '』']);
const CUE =
  /\b(?:patterns?|phrases?|phrasing|attacks?|attackers?|injections?|jailbreaks?|techniques?|payloads?|malicious|adversarial|detect(?:s|ed|ion|ors?)?|scan(?:s|ner)?|filter(?:s|ing)?|defen[cs]es?|phishing|scams?|scammers?|fraud(?:sters?)?|red[ -]team(?:ing)?|special tokens?|chat templates?|untrusted)\b/;
// The same cues in the other languages (folded: no diacritics); no \b, scripts without spaces have none.
const CUE_INTL = new RegExp(
  fold(
    'ataque|attaque|angriff|attacco|атак|攻击|攻撃|공격|هجوم|हमला|inyeccion|injection|injeccao|injecao|iniezione|инъекц|注入|インジェクション|인젝션|حقن|इंजेक्शन|filtro|filtre|фильтр|过滤|フィルター|필터|مرشح|फ़िल्टर|фишинг',
  ),
);
/** A quote opening a markdown link title (`[text](url "title")`) is part of the link, not a quotation. */
const LINK_TITLE = /\]\([^\s)]{1,300} $/;

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[a-z0-9]/.test(c);
}

export function isQuotedDiscussion(text: string, start: number, end: number): boolean {
  let open = -1;
  for (let i = start - 1; i >= Math.max(0, start - 80); i--) {
    const c = text[i]!;
    if (c === '\n') break;
    if (!OPEN_QUOTES.has(c) && !CLOSE_QUOTES.has(c)) continue;
    if (OPEN_QUOTES.has(c) && !isWordChar(text[i - 1])) {
      open = i;
      break;
    }
    // A quote that closes something before the match: the match is outside it.
    if (!isWordChar(text[i + 1])) return false;
  }
  if (open < 0 || LINK_TITLE.test(text.slice(Math.max(0, open - 320), open))) return false;
  let close = -1;
  for (let i = end; i < Math.min(text.length, end + 120); i++) {
    const c = text[i]!;
    if (c === '\n') break;
    if (!OPEN_QUOTES.has(c) && !CLOSE_QUOTES.has(c)) continue;
    if (CLOSE_QUOTES.has(c) && !isWordChar(text[i + 1])) {
      close = i;
      break;
    }
    // A quote that opens something after the match: the match is outside it.
    if (!isWordChar(text[i - 1])) return false;
  }
  if (close < 0) return false;
  // The cue must be outside the quotation: a payload that names an "attack" domain proves nothing.
  const around = `${text.slice(Math.max(0, open - 200), open)} ${text.slice(close + 1, Math.min(text.length, close + 200))}`;
  return CUE.test(around) || CUE_INTL.test(around);
}
