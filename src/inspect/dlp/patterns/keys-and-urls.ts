/**
 * Structural secrets: PEM private keys, JWTs, HTTP Basic/Bearer credentials and
 * connection strings with a password in them.
 *
 * @example
 * import { structuralPatterns } from './keys-and-urls.js';
 * structuralPatterns.some((p) => p.id === 'private_key_pem') // true
 */
import type { PatternSpec } from '../pattern-spec.js';
import { jwtExpired, jwtHeaderAlg } from '../validators/jwt.js';
import { charClassCount, printableRatio, shannonEntropy } from '../validators/entropy.js';
import { isPlaceholder } from '../validators/placeholder.js';

/** The user name before `:<password>@` in a matched URL (the match starts at or before `://`). */
function urlUser(m: RegExpExecArray, pw: string): string {
  const from = m[0].indexOf('://') + 3;
  const at = m[0].indexOf(`:${pw}@`, from);
  return at < 0 ? '' : m[0].slice(from, at);
}

const urlPassword = (m: RegExpExecArray): boolean => {
  const pw = m[1] ?? '';
  if (pw.length < 3 || isPlaceholder(pw) || /^(?:pass(?:word)?|pwd|secret|\*+|x+)$/i.test(pw)) return false;
  // `guest:guest`, `fred:fredpassword`, `bob:bob123`: the user name, bare or with a placeholder
  // word or a counter, is a default anyone who reads the URL knows
  const user = urlUser(m, pw).toLowerCase();
  const lower = pw.toLowerCase();
  if (user.length < 3 || !lower.startsWith(user)) return lower !== user;
  const rest = lower.slice(user.length);
  return !(rest === '' || /^[-_.]?(?:pass|pw|pwd)?[0-9]{0,4}$/.test(rest) || isPlaceholder(rest.replace(/^[-_.]/, '')));
};

function dbUrl(id: string, scheme: string, keywords: string[]): PatternSpec {
  return {
    id,
    description: `${scheme} connection URL with a password`,
    keywords,
    regex: new RegExp(`(?:${scheme})://[^\\s:@/"'<>]{0,64}:([^\\s:@/"'<>]{1,128})@[^\\s/"'<>]{1,255}`, 'i'),
    validate: urlPassword,
    action: 'block',
    maxLength: 480,
  };
}

export const structuralPatterns: PatternSpec[] = [
  {
    id: 'private_key_pem',
    description: 'PEM/OpenSSH/PGP private key block',
    keywords: ['-----begin'],
    regex:
      /-----BEGIN (?:RSA |EC |DSA |OPENSSH |ENCRYPTED |PGP |ED25519 )?PRIVATE KEY(?: BLOCK)?-----(?:\\r|\\n|\s){0,6}(?:Proc-Type:[^\n]{0,80}\n[^\n]{0,120}\n\s{0,4}|Version:[^\n]{0,80}\n\s{0,4})?([A-Za-z0-9+/=]{40})/,
    action: 'block',
    maxLength: 420,
  },
  {
    id: 'putty_private_key',
    description: 'PuTTY private key file',
    keywords: ['putty-user-key-file-'],
    regex: /PuTTY-User-Key-File-[0-9]: [a-z0-9-]{4,40}/,
    action: 'block',
  },
  {
    id: 'jwt',
    description: 'JSON Web Token (header decodes to JSON with alg)',
    keywords: ['eyj'],
    regex: /(?<![A-Za-z0-9_-])(eyJ[A-Za-z0-9_-]{8,2048}\.[A-Za-z0-9_-]{2,8192}\.[A-Za-z0-9_-]{0,1024})(?![A-Za-z0-9_-])/,
    validate: (m) => {
      const tok = m[1] ?? '';
      const alg = jwtHeaderAlg(tok);
      // alg:none / empty signature tokens carry no proof; recorded by the generic bearer check only.
      // expired more than a day ago (a sample in docs or a changelog): no server takes it any more
      return alg !== undefined && alg.toLowerCase() !== 'none' && !tok.endsWith('.') && !jwtExpired(tok);
    },
    action: 'block',
    maxLength: 11300,
  },
  {
    id: 'http_basic_auth',
    description: 'HTTP Basic credentials (base64 user:password)',
    keywords: ['basic '],
    regex: /basic\s{1,4}([A-Za-z0-9+/]{8,684}={0,2})(?![A-Za-z0-9+/=])/i,
    validate: (m) => {
      const dec = Buffer.from(m[1] ?? '', 'base64').toString('latin1');
      const colon = dec.indexOf(':');
      return colon > 0 && colon < dec.length - 1 && printableRatio(dec) === 1 && !isPlaceholder(dec.slice(colon + 1));
    },
    action: 'block',
    maxLength: 700,
  },
  {
    id: 'bearer_token',
    description: 'High-entropy Bearer credential',
    keywords: ['bearer'],
    regex: /bearer\s{1,4}([A-Za-z0-9._~+/-]{24,4096}={0,2})(?![A-Za-z0-9._~+/=-])/i,
    validate: (m) => {
      const v = m[1] ?? '';
      if (v.startsWith('eyJ') && jwtExpired(v)) return false; // an expired JWT, as for `jwt`
      return charClassCount(v) >= 2 && shannonEntropy(v) >= 3.5 && !isPlaceholder(v);
    },
    action: 'block',
    generic: true,
    maxLength: 4120,
  },
  {
    id: 'url_credentials',
    description: 'user:password@ embedded in a URL',
    keywords: ['://'],
    // anchored at '://'; the scheme is checked by looking back
    regex: /:\/\/[^\s:@/"'<>]{1,64}:([^\s:@/"'<>]{3,128})@[A-Za-z0-9.-]{1,255}/,
    validate: (m) =>
      /(?<![A-Za-z0-9+.-])(?:https?|ftps?|ssh|git|smtps?|imaps?|ldaps?|sftp|svn|wss?)$/i.test(m.input.slice(Math.max(0, m.index - 8), m.index)) &&
      urlPassword(m),
    action: 'block',
    maxLength: 480,
  },
  dbUrl('postgres_url', 'postgres(?:ql)?', ['postgres']),
  dbUrl('mysql_url', 'mysql|mariadb', ['mysql', 'mariadb']),
  dbUrl('mongodb_url', 'mongodb(?:\\+srv)?', ['mongodb']),
  dbUrl('redis_url', 'rediss?', ['redis']),
  dbUrl('amqp_url', 'amqps?', ['amqp']),
  dbUrl('mssql_url', 'mssql|sqlserver|jdbc:sqlserver', ['mssql', 'sqlserver']),
];
