/**
 * Values that sit where a secret would but are not one: placeholders, references to
 * the environment, type names, templating. Keeps the generic detectors quiet on docs,
 * schemas and code.
 *
 * @example
 * isPlaceholder('${DB_PASSWORD}') // true
 * isPlaceholder('PVK_PASSWORD')   // true: a metavariable, as man pages and --help write them
 * isPlaceholder('hunter2hunter2') // false
 */
import { isSequence } from './sequence.js';

const WORDS = new Set([
  'password',
  'passwd',
  'secret',
  'token',
  'null',
  'none',
  'nil',
  'undefined',
  'true',
  'false',
  'string',
  'str',
  'required',
  'optional',
  'example',
  'changeme',
  'redacted',
  'hidden',
  'empty',
  'your_password',
  'yourpassword',
  'your_token',
  'your_api_key',
  'your-api-key',
  'placeholder',
  'mypassword',
  'dummy',
  'test',
  'xxx',
  'value',
  'bearer',
  'basic',
  'default',
  'sample',
]);

/**
 * A metavariable: the upper-case name of what goes in the value's place, in words
 * joined by `_` (`LOCAL_FILE_PATH`, `AUTOMATED_BACKUP_ENCRYPTION_KEY`, `S3_BUCKET`), as
 * man pages, `--help` and CLI references write `--pvk-password=PVK_PASSWORD`. A
 * trailing hyphen is the man page breaking the name at the line's end
 * (`CONTINUOUS_BACKUP_ENCRYP‐`: U+2010, read as its UTF-8 bytes since the engine reads
 * bytes). Generated key material has no `_`-joined words.
 */
const METAVARIABLE = /^[A-Z]+[0-9]?(?:_[A-Z]+[0-9]?)*_[A-Z]{2,}[0-9]?(?:-|\u2010|\xe2\x80\x90)?$/;
/** One upper-case word cut by a man page's line-end hyphen (`--password=PASS‐` / `WORD`): typesetting, never a value. */
const METAVARIABLE_CUT = /^[A-Z]{2,}(?:\u2010|\xe2\x80\x90)$/;

/** A word and an optional counter: `secret123`, `password1`, `test_2024`, `secr3t`. */
const WORD_AND_NUMBER = /^(.*?)[-_]?[0-9]{0,4}$/;
/** Digits and symbols that spell letters (`p@ssw0rd`, `secr3t`): the same placeholder word. */
const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

/** A placeholder word, maybe spelled with digits for letters, maybe with a counter. */
function placeholderWord(v: string): boolean {
  const word = WORD_AND_NUMBER.exec(v)?.[1] ?? v;
  return word.length > 0 && (WORDS.has(word) || WORDS.has(word.replace(/[013457@$]/g, (c) => LEET[c] ?? c)));
}

export function isPlaceholder(value: string): boolean {
  const bare = value.replace(/^["'`]|["'`]$/g, '');
  if (METAVARIABLE.test(bare) || METAVARIABLE_CUT.test(bare)) return true;
  // a full stop after the value ends the sentence it sits in (`it returned password=secr3t.`)
  const v = bare.toLowerCase().replace(/(?<=[a-z0-9])\.$/, '');
  if (v.length === 0 || placeholderWord(v)) return true;
  // Sluice's own credential placeholders: a name the gate swaps for the value, never a value.
  if (/^sluice_secret_[a-z0-9_.-]+$/.test(v)) return true;
  if (/^(?:\$\{|\{\{|<|%\(|\$[a-z_]|process\.env|os\.environ|os\.getenv|env\.|env\[|getenv|secrets\.|vault:|@)/.test(v)) return true;
  if (/^(?:\*+|x+|\.+|-+|#+|_+|0+)$/.test(v)) return true;
  if (/^(?:your|my|example|sample|test|dummy|fake|insert|enter|replace|change)[_-]?/.test(v) && /(?:here|key|token|secret|password|pass)$/.test(v)) return true;
  // Instructions to the reader in the value's place: change-me, replace_me, change-me-to-a-long-random-string, set-this.
  if (/^(?:change|replace|fill|set|update|insert|enter|put|add)[-_ ]?(?:me|this|it|in)(?:$|[-_ ])/.test(v)) return true;
  if (/^(?:todo|fixme|tbd|tba|n\/?a)$/.test(v) || /[-_](?:here|goes[-_]here)$/.test(v)) return true;
  // An empty assignment read up to the next line's key (`ADMIN_PASSWORD=` then `SESSION_SECRET=`).
  if (/^[a-z][a-z0-9_]*[=:]$/.test(v)) return true;
  if (/^[./~]/.test(v) || /^[a-z][a-z0-9+.-]*:\/\//.test(v)) return true; // paths and URLs
  // one character repeated, or a run of neighbours typed in order (`xyz`, `123`, `abcdef`)
  return /^(.)\1+$/.test(v) || isSequence(v);
}
