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
const WORDS_JOINED = /^[a-z]{2,}(?:[-_:][a-z]{2,})+$/;

/** A member chain (`a.b.c`) of identifiers, each made of words. */
export function isMemberChain(v: string): boolean {
  const parts = v.split('.');
  return parts.length >= 2 && parts.every((p) => IDENT.test(p) && WORDS.test(p));
}

export function looksLikeCode(v: string): boolean {
  if (isMemberChain(v)) return true;
  if (WORDS_JOINED.test(v)) return true;
  // one identifier of two or more words: camelCase or PascalCase
  return IDENT.test(v) && WORDS.test(v) && /[a-z][A-Z]/.test(v);
}
