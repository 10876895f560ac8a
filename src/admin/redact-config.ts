/**
 * The config text the admin API shows (policy current and history, their diffs) with
 * what may be a secret taken out: an auditor reads the policy, never the PostgreSQL
 * password in `state.postgres`, a SIEM webhook's `authorization` header or a header
 * value a rule sets. The YAML is parsed (comments and layout kept) and, wherever it
 * occurs:
 * - a URL's password (`postgres://user:PASSWORD@host`, `redis://:PASSWORD@host`);
 * - the value of a key named like a secret (`password`, `secret`, `token`, `api_key`,
 *   `private_key`, `authorization`, `cookie`, ..., the whole key or its last word);
 * - a header value whose name says it carries a credential (`authorization`,
 *   `x-api-key`, `cookie`, `x-auth-token`, ...), in any `headers:` or `set:` map;
 * become `[redacted]`. Inside a rule's `credential:` map every value is a reference (a
 * store name, `env:NAME`, a template with `{{secret}}`), never the secret: it is shown.
 * Text that does not parse as YAML is withheld whole.
 *
 * @example
 * redactConfigText('state:\n  postgres: postgres://u:pw@db/x\n'); // 'state:\n  postgres: postgres://u:[redacted]@db/x\n'
 */
import { isMap, isPair, isScalar, parseDocument, visit, type Scalar } from 'yaml';

export const REDACTED = '[redacted]';

/** A key holding a secret by its name: the whole key, or its last `_`/`-` word. */
const SECRET_KEY = /(^|[_-])(pass(word|wd)?|secret|token|api[_-]?key|apikey|private[_-]?key|authorization|auth|cookie|credentials?|signature)$/i;
/** A header name that carries a credential. */
const SECRET_HEADER = /auth|token|api[-_]?key|secret|cookie|signature|session|pass/i;
/** A URL with a password in its userinfo. */
const URL_WITH_PASSWORD = /^([a-z][a-z0-9+.-]*:\/\/[^:/?#@\s]*):([^@/?#\s]*)@/i;

export function redactConfigText(text: string): string {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) return '# (config text withheld: it could not be read to take its secrets out)\n';
  visit(doc, {
    Pair(_, pair, path) {
      if (!isPair(pair) || !isScalar(pair.key) || !isScalar(pair.value)) return;
      const key = String(pair.key.value);
      const parent = path.at(-2);
      const parentKey = isPair(parent) && isScalar(parent.key) ? String(parent.key.value) : '';
      const headerMap = /^(headers|set)$/i.test(parentKey) && isMap(path.at(-1));
      const inCredential = path.some((p) => isPair(p) && isScalar(p.key) && p.key.value === 'credential');
      if ((SECRET_KEY.test(key) && !inCredential) || (headerMap && SECRET_HEADER.test(key))) redact(pair.value);
    },
    Scalar(_, node) {
      if (typeof node.value !== 'string') return;
      const m = URL_WITH_PASSWORD.exec(node.value);
      if (m !== null && m[2] !== '') node.value = `${m[1]}:${REDACTED}@${node.value.slice(m[0].length)}`;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

function redact(s: Scalar): void {
  if (s.value === null || s.value === undefined || s.value === '') return;
  s.value = REDACTED;
}
