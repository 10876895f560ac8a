/**
 * Values of a secret-named field that are code, not data: in source files `token =
 * isClosingBracketToken`, `secret: options.clientSecret`, `password = target.search`.
 * A member chain of identifiers, or one identifier made only of words (camelCase, no
 * digits), or lower-case words joined by `-`, `_` or `:` (a URN, a type name). Random
 * key material has digits or case changes inside its "words"; these do not.
 *
 * @example
 * looksLikeCode('options.clientSecret') // true
 * looksLikeCode('isClosingBracketToken') // true
 * looksLikeCode('q7Vd2mXr9LkP4sTbW8yZ') // false
 */
const IDENT = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** An identifier that splits into words: `Word`, `Id`, `word`, an acronym (`JSON`), snake_case joins. */
const WORDS = /^[_$]*(?:(?:[A-Z][a-z]+|[a-z]{2,}|[A-Z]{2,}(?![a-z]))_?)+$/;
/**
 * Joined lower-case words. `‐` (U+2010) is the hyphen a man page breaks a word with at a
 * line's end; the engine reads bytes, so it is matched as its UTF-8 bytes too.
 */
const WORDS_JOINED = /^[a-z]{2,}(?:(?:[-_:\u2010]|\xe2\x80\x90)[a-z]{2,})+(?:-|\u2010|\xe2\x80\x90)?$/;
/**
 * A command-line option in the value's place, as a CLI reference lays out a group of
 * alternatives (`--key=KEY : --automated-backup-encryption-key-keyring`): `-` or `--`
 * and lower-case words. Base64url key material may start with `-` but is not made of
 * dash-joined lower-case words.
 */
const OPTION_NAME = /^--?[a-z]{2,}(?:(?:-|\u2010|\xe2\x80\x90)[a-z]{2,})*(?:-|\u2010|\xe2\x80\x90)?$/;
/**
 * A reference to where a secret is kept, not the secret: a resource path of lower-case
 * segments (`projects/my-project/secrets/my-secret/versions/1`, `kv/data/app/db`) or an
 * ARN. Base64 holds `/` too, but its segments mix cases.
 */
const RESOURCE_PATH = /^[a-z][a-z0-9_-]*(?:\/[a-z0-9][a-z0-9._-]*){2,}\/?$/;
const ARN = /^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:[0-9]*:/;

/**
 * As WORDS, but a word may carry a short number (`toUint8Array`, `disableS3Express`,
 * `sha256`): only for names the code around them already marks as code (called or
 * indexed right after, or reached with `?.`), where a digit no longer hints at a key.
 */
const WORDS_NUMBERED = /^[_$]*(?:(?:[A-Z][a-z]+|[a-z]{2,}|[A-Z]{2,}(?![a-z])|[A-Z](?=[0-9]))(?:[0-9]{1,3}(?![0-9]))?_?)+$/;

/**
 * A member chain (`a.b.c`) of identifiers, each made of words; with JavaScript's
 * optional chaining (`config?.disableS3Express`: no key material holds `?.`), words
 * with short numbers too.
 */
export function isMemberChain(v: string): boolean {
  const optional = v.includes('?.');
  const parts = v.split(optional ? /\??\./ : '.');
  const words = optional ? WORDS_NUMBERED : WORDS;
  return parts.length >= 2 && parts.every((p) => IDENT.test(p) && words.test(p));
}

/** A word a person wrote: letters with a vowel and no run of five consonants, or a short acronym (`UTF`, `DNS`). */
function wordLike(w: string): boolean {
  if (/^[A-Z]{1,4}$/.test(w)) return true;
  return w.length <= 20 && /[aeiouy]/i.test(w) && !/[b-df-hj-np-tv-xz]{5}/i.test(w);
}

/**
 * Names and settings made of words and small numbers, joined by any punctuation
 * (`passwd.plaintext-password.root:foo`, `firstboot.locale:de_DE.UTF-8`,
 * `prefixstable:2002:da8:1::`): every piece a word, a number of at most five digits, or
 * (once) a short mix such as `da8` or `v2`, and at least one lower-case word of five
 * letters or more.
 * Key material always has a piece that mixes letters and digits at length, or random
 * letters no one could pronounce.
 */
function isWordsAndNumbers(v: string): boolean {
  const pieces = v.split(/[^A-Za-z0-9]+/).filter((p) => p.length > 0);
  if (pieces.length < 2) return false;
  let mixed = 0;
  let lowerWord = false;
  for (const p of pieces) {
    if (/^[0-9]{1,5}$/.test(p)) continue;
    if (/^[A-Za-z]+$/.test(p)) {
      const words = p.match(/[A-Z]?[a-z]+|[A-Z]+(?![a-z])/g) ?? [];
      if (!words.every(wordLike)) return false;
      if (words.some((w) => /^[a-z]{5,}$/.test(w))) lowerWord = true;
      continue;
    }
    if (p.length > 3 || ++mixed > 1) return false;
  }
  return lowerWord;
}

export function looksLikeCode(v: string): boolean {
  if (isMemberChain(v)) return true;
  if (WORDS_JOINED.test(v) || OPTION_NAME.test(v) || RESOURCE_PATH.test(v) || ARN.test(v)) return true;
  if (isWordsAndNumbers(v)) return true;
  // one identifier of two or more words: camelCase or PascalCase
  return IDENT.test(v) && WORDS.test(v) && /[a-z][A-Z]/.test(v);
}

/**
 * A percent-encoded value that decodes to words separated by spaces (`token=Root%20CA%20Certificates`
 * in a `pkcs11:` URI, `secret=my%20app%20name`): text someone named, not a token. A
 * token or key never holds a space; a password may, so this is for tokens and keys only.
 *
 * @example
 * isEncodedText('Root%20CA%20Certificates') // true
 * isEncodedText('q7Vd2m%2BXr9LkP4sTbW8') // false: decodes to one opaque run
 * isEncodedText('q7Vd2mXr9LkP4sTbW8yZ1nHc6Jf3Ge5A%20x') // false: a key with a word after it
 */
export function isEncodedText(v: string): boolean {
  if (!/%[0-9A-Fa-f]{2}/.test(v)) return false;
  let decoded: string;
  try {
    decoded = decodeURIComponent(v);
  } catch {
    return false;
  }
  // words: two or more, none as long as a key (a 40-character run with `%20x` after it is still a token)
  const words = decoded.trim().split(/\s+/);
  return words.length >= 2 && words.every((w) => w.length <= 24);
}

/**
 * An unquoted value that is an expression in code: an identifier or member chain, its
 * last name made of words, called, indexed or given type arguments right after
 * (`password: userPass[1]`, `_password = kdfInputToBytes(password)`,
 * `client_secret: z.ZodOptional<z.ZodString>`, `password: z.string()`). A literal
 * secret is quoted, or is not a word-made name followed by `(`, `[` or `<`.
 *
 * @example
 * isCodeExpression('kdfInputToBytes', '(', '= ') // true
 * isCodeExpression('toUint8Array', '(', ' = ') // true: a word may carry a short number here
 * isCodeExpression('Kx9mQ2', '(', '=') // false: not made of words
 */
export function isCodeExpression(v: string, next: string, before: string): boolean {
  if (!/^[([<]/.test(next) || /["'`]$/.test(before)) return false;
  const parts = v.split(/\??\./);
  const last = parts[parts.length - 1] ?? '';
  return parts.every((p) => IDENT.test(p)) && WORDS_NUMBERED.test(last);
}
