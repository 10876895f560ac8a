/**
 * Placeholders: the agent writes `SLUICE_SECRET_<name>` where a credential goes,
 * and the gate swaps in the value only in the places the rule lists. A token is
 * the prefix plus the longest run of `[A-Za-z0-9_.-]` after it, so
 * `SLUICE_SECRET_gh` inside `SLUICE_SECRET_gh2` is a different token, never a
 * partial match. Detection and swapping share this one definition.
 *
 * @example
 * placeholderFor('github');            // 'SLUICE_SECRET_github'
 * placeholderFor('env:OPENAI_KEY');    // 'SLUICE_SECRET_env_OPENAI_KEY'
 * placeholderFor('file:./keys/gh.txt');// 'SLUICE_SECRET_file___keys_gh_txt'
 * findPlaceholders('Bearer SLUICE_SECRET_github'); // ['SLUICE_SECRET_github']
 */
export const PLACEHOLDER_PREFIX = 'SLUICE_SECRET_';

const TOKEN = /SLUICE_SECRET_[A-Za-z0-9_.-]+/g;

/** Bytes that continue a token: `[A-Za-z0-9_.-]`. */
export function isTokenByte(b: number): boolean {
  return (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || b === 0x5f || b === 0x2e || b === 0x2d;
}

/**
 * The placeholder an agent writes for the secret `ref` (store name, env:NAME,
 * file:PATH): the prefix plus the whole reference with every character outside
 * `A-Za-z0-9_` turned into `_`. The reference's kind stays in the name, so
 * `env:GH` (`SLUICE_SECRET_env_GH`) never collides with a store entry `GH`. The one
 * definition: the policy compiles rules with it, the injector swaps with it.
 */
export function placeholderFor(ref: string): string {
  return PLACEHOLDER_PREFIX + ref.replace(/[^A-Za-z0-9_]/g, '_');
}

/** Every distinct placeholder token in `text`, in order of first appearance. */
export function findPlaceholders(text: string): string[] {
  // Nearly every header value has none: the prefix is a literal of TOKEN, so looking for it decides alone.
  if (!text.includes(PLACEHOLDER_PREFIX)) return [];
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
