/**
 * Values that sit where a secret would but are not one: placeholders, references to
 * the environment, type names, templating. Keeps the generic detectors quiet on docs,
 * schemas and code.
 *
 * @example
 * isPlaceholder('${DB_PASSWORD}') // true
 * isPlaceholder('hunter2hunter2') // false
 */
const WORDS = new Set([
  'password', 'passwd', 'secret', 'token', 'null', 'none', 'nil', 'undefined', 'true', 'false',
  'string', 'str', 'required', 'optional', 'example', 'changeme', 'redacted', 'hidden', 'empty',
  'your_password', 'yourpassword', 'your_token', 'your_api_key', 'your-api-key', 'placeholder',
  'mypassword', 'dummy', 'test', 'xxx', 'value', 'bearer', 'basic', 'default', 'sample',
]);

export function isPlaceholder(value: string): boolean {
  const v = value.toLowerCase().replace(/^["'`]|["'`]$/g, '');
  if (v.length === 0 || WORDS.has(v)) return true;
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
  return /^(.)\1+$/.test(v);
}
