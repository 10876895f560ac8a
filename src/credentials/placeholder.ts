/**
 * Placeholders: the agent writes `SLUICE_SECRET_<name>` where a credential goes,
 * and the gate swaps in the value only in the places the rule lists. A token is
 * the prefix plus the longest run of `[A-Za-z0-9_.-]` after it, so
 * `SLUICE_SECRET_gh` inside `SLUICE_SECRET_gh2` is a different token, never a
 * partial match. Detection and swapping share this one definition.
 *
 * @example
 * placeholderFor('github');            // 'SLUICE_SECRET_github'
 * placeholderFor('env:OPENAI_KEY');    // 'SLUICE_SECRET_OPENAI_KEY'
 * placeholderFor('file:./keys/gh.txt');// 'SLUICE_SECRET___keys_gh_txt'
 * findPlaceholders('Bearer SLUICE_SECRET_github'); // ['SLUICE_SECRET_github']
 */
import { parseSecretRef } from './refs.js';

export const PLACEHOLDER_PREFIX = 'SLUICE_SECRET_';

const TOKEN = /SLUICE_SECRET_[A-Za-z0-9_.-]+/g;

/** Bytes that continue a token: `[A-Za-z0-9_.-]`. */
export function isTokenByte(b: number): boolean {
  return (
    (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2e || b === 0x2d
  );
}

/** The placeholder an agent writes for the secret `ref` (store name, env:NAME, file:PATH). */
export function placeholderFor(ref: string): string {
  const parsed = parseSecretRef(ref);
  switch (parsed.kind) {
    case 'store':
      return PLACEHOLDER_PREFIX + parsed.name;
    case 'env':
      return PLACEHOLDER_PREFIX + parsed.name.replace(/[^A-Za-z0-9]/g, '_');
    case 'file':
      return PLACEHOLDER_PREFIX + parsed.path.replace(/[^A-Za-z0-9]/g, '_');
  }
}

/** Every distinct placeholder token in `text`, in order of first appearance. */
export function findPlaceholders(text: string): string[] {
  return [...new Set(text.match(TOKEN) ?? [])];
}

/**
 * Replace each whole-token occurrence of `placeholder` in `text` with
 * `replacement` (literally: no `$&` patterns). Returns the text and the count.
 */
export function replacePlaceholder(text: string, placeholder: string, replacement: string): { text: string; count: number } {
  let count = 0;
  const out = text.replace(TOKEN, (token) => {
    if (token !== placeholder) return token;
    count++;
    return replacement;
  });
  return { text: out, count };
}
