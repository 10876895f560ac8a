/**
 * Generic assignments: a secret-sounding name (`password`, `client_secret`, `api_key`,
 * `access_token`) given a value that looks like a real secret, not a placeholder.
 * Specific patterns win on the same span (`generic: true`).
 *
 * @example
 * import { genericPatterns } from './generic.js';
 * genericPatterns.map((p) => p.id) // ['generic_password', 'generic_secret', 'generic_token']
 */
import type { PatternSpec } from '../pattern-spec.js';
import { charClassCount, shannonEntropy } from '../validators/entropy.js';
import { isPlaceholder } from '../validators/placeholder.js';
import { isCodeExpression, isEncodedText, isMemberChain, looksLikeCode } from '../validators/code-like.js';
import { looksHandTyped } from '../validators/sequence.js';
import { jwtExpired } from '../validators/jwt.js';

/** A JWT value whole: the value group stops at 200 characters, a token with claims runs longer. */
function wholeJwt(m: RegExpExecArray, v: string): string {
  const end = m.index + m[0].length;
  return v + (/^[A-Za-z0-9_.-]{0,16384}/.exec(m.input.slice(end, end + 16384))?.[0] ?? '');
}

/** The value is called, indexed or typed right after, unquoted: an expression, not a literal. */
function expression(m: RegExpExecArray, v: string): boolean {
  const end = m.index + m[0].length;
  return isCodeExpression(v, m.input.slice(end, end + 1), m[0].slice(0, m[0].length - v.length));
}

/**
 * The value repeats the name of its own field, as code re-exports a binding
 * (`exports.SignatureV4SignWithCredentials = SignatureV4SignWithCredentials`): the match
 * starts at the keyword, so the name is the text before it plus the keyword.
 */
function repeatsName(m: RegExpExecArray, v: string): boolean {
  const key = /^[A-Za-z_-]+/.exec(m[0])?.[0] ?? '';
  if (key.length === 0 || v.length > 200 || !v.endsWith(key)) return false;
  const head = v.length - key.length;
  return m.index >= head && m.input.slice(m.index - head, m.index) === v.slice(0, head);
}

/** Not key material whatever its entropy: code, percent-encoded words, a sample typed by hand, an expired JWT. */
const notKeyMaterial = (m: RegExpExecArray, v: string): boolean =>
  isPlaceholder(v) ||
  looksLikeCode(v) ||
  expression(m, v) ||
  repeatsName(m, v) ||
  isEncodedText(v) ||
  looksHandTyped(v) ||
  (v.startsWith('eyJ') && jwtExpired(wholeJwt(m, v)));

/** `<name><sep><value>`: JSON, YAML, env, form, header (`name: value`) and code assignments. */
const SEP = String.raw`["']?\s{0,3}(?::|=|=>|:=)\s{0,3}["']?`;
const VALUE = String.raw`([^\s"'&;,<>{}()\[\]\\]{6,200})`;

/** The field name's characters before the keyword (`db_` in `db_password`). */
function keyPrefix(m: RegExpExecArray): string {
  return /[A-Za-z0-9_.-]{0,24}$/.exec(m.input.slice(Math.max(0, m.index - 24), m.index))?.[0] ?? '';
}

/**
 * The name is a segment of an ARN (`arn:aws:secretsmanager:...:secret:prod/db-AbCdEf`):
 * the resource type `secret` and the name after it, not a field and its value.
 */
function inArn(m: RegExpExecArray): boolean {
  return /(?:^|[\s"'=,([])arn:aws[a-z-]*:[^\s"']{0,200}:$/.test(m.input.slice(Math.max(0, m.index - 220), m.index));
}

const TOKEN_NOISE =
  /(?:page|next|prev|cursor|continuation|csrf|xsrf|sync|resume|id|type|count|max|limit|expires?|ttl|url|uri|endpoint|name|header|length|usage|budget)[_-]?$/i;

export const genericPatterns: PatternSpec[] = [
  {
    id: 'generic_password',
    description: 'A password-named field with a non-placeholder value',
    keywords: ['password', 'passwd', 'passphrase', 'pwd'],
    regex: new RegExp(String.raw`(?:password|passwd|passphrase|pwd)${SEP}${VALUE}`, 'i'),
    validate: (m) => {
      const v = m[1] ?? '';
      // a passphrase may be words (`CorrectHorseBattery`), so only a member chain counts as code here
      if (isPlaceholder(v) || isMemberChain(v) || expression(m, v) || /^(?:hash|reset|confirm|policy|strength|expir|field|input|label|length)/i.test(v))
        return false;
      // prose: one word, then the sentence goes on (`passwd: Permission denied`, `-storepasswd: Changes the ...`)
      if (/^[A-Za-z]+$/.test(v) && /^[ \t]+[a-z]{2,}/.test(m.input.slice(m.index + m[0].length, m.index + m[0].length + 16))) return false;
      return charClassCount(v) >= 2 || v.length >= 12;
    },
    action: 'block',
    generic: true,
    maxLength: 280,
  },
  {
    id: 'generic_secret',
    description: 'A secret/api-key-named field with a high-entropy value',
    keywords: [
      'secret',
      'api_key',
      'apikey',
      'api-key',
      'access_key',
      'accesskey',
      'access-key',
      'private_key',
      'privatekey',
      'private-key',
      'auth_key',
      'signing_key',
      'encryption_key',
    ],
    regex: new RegExp(
      String.raw`(?:secret|api[_-]?key|apikey|access[_-]?key|accesskey|private[_-]?key|privatekey|auth[_-]?key|signing[_-]?key|encryption[_-]?key)${SEP}${VALUE}`,
      'i',
    ),
    validate: (m) => {
      const v = m[1] ?? '';
      return v.length >= 12 && !inArn(m) && !notKeyMaterial(m, v) && charClassCount(v) >= 2 && shannonEntropy(v) >= 3.2;
    },
    action: 'block',
    generic: true,
    maxLength: 280,
  },
  {
    id: 'generic_token',
    description: 'A token/credential-named field with a long high-entropy value',
    keywords: ['token', 'credential', 'auth'],
    regex: new RegExp(String.raw`(?:token|credentials?|auth)${SEP}${VALUE}`, 'i'),
    validate: (m) => {
      const v = m[1] ?? '';
      if (TOKEN_NOISE.test(keyPrefix(m))) return false;
      return v.length >= 20 && !notKeyMaterial(m, v) && charClassCount(v) >= 2 && shannonEntropy(v) >= 3.5;
    },
    action: 'block',
    generic: true,
    maxLength: 280,
  },
];
