/**
 * The spellings of a secret an upstream might echo back: raw (and its ASCII letters
 * upper or lower cased), base64 and base64url (whole, and the three alignment-
 * independent cores that match the secret inside any longer base64 text, such as
 * `Basic base64(user:secret)` for any user),
 * percent-encoded (upper and lower case hex, and form-style `+` for spaces), hex
 * (both cases), HTML-escaped, and JSON-escaped (also with `\/`). Feed them all to
 * ReflectionScrubber.
 *
 * @example
 * const scrubber = new ReflectionScrubber(reflectionNeedles(value, rule.credential));
 */
import { percentEncode } from '../../src/credentials/percent-encode.js';

/** Base64 cores shorter than this would match unrelated base64 too easily. */
const MIN_CORE_CHARS = 12;

/** Base64 of `secret` when it starts `offset` bytes into a longer text, without the characters that depend on its neighbours. */
function base64Core(secret: Buffer, offset: number, url: boolean): string {
  const text = Buffer.concat([Buffer.alloc(offset), secret]).toString(url ? 'base64url' : 'base64');
  const from = Math.ceil((offset * 8) / 6);
  const to = Math.floor(((offset + secret.length) * 8) / 6);
  return text.slice(from, to);
}

const HTML: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function jsonEscaped(secret: Buffer): string {
  return JSON.stringify(new TextDecoder('utf-8').decode(secret)).slice(1, -1);
}

/** The Basic username of a config-shaped (`basic: { username }`) or compiled (`type: 'basic'`) spec. */
function basicUsername(spec: object | undefined): string | undefined {
  const s = spec as { basic?: { username?: unknown }; type?: unknown; username?: unknown; kind?: unknown } | undefined;
  if (typeof s?.basic?.username === 'string') return s.basic.username;
  if ((s?.type === 'basic' || s?.kind === 'basic') && typeof s.username === 'string') return s.username;
  return undefined;
}

/**
 * Needles already built for a credential spec (a compiled rule's, stable for a policy
 * version), with the value they were built from: rebuilding them was ~5 % of an
 * intercepted request's CPU. A new value (a rotated secret) rebuilds them; a reloaded
 * policy brings new spec objects and the old entries go with the old policy.
 */
const BUILT = new WeakMap<object, { value: Buffer; needles: readonly Buffer[] }>();

/**
 * Every form of `secret` to scrub. With a basic-auth spec (either spelling) the
 * exact `base64(username:secret)` is added as well. With a spec the result is built
 * once per spec and value, and shared: a frozen array the caller must not change.
 */
export function reflectionNeedles(secret: Buffer, spec?: object): readonly Buffer[] {
  if (secret.length === 0) return [];
  if (spec === undefined) return build(secret, spec);
  const hit = BUILT.get(spec);
  if (hit && hit.value.equals(secret)) return hit.needles;
  const needles = Object.freeze(build(secret, spec));
  BUILT.set(spec, { value: Buffer.from(secret), needles });
  return needles;
}

function build(secret: Buffer, spec: object | undefined): Buffer[] {
  const forms = new Set<string>();
  const raw = secret.toString('latin1');
  const add = (s: string): void => {
    if (s.length > 0) forms.add(s);
  };
  add(raw);
  // A page that changes case (a hex token stays valid in either).
  add(raw.replace(/[a-z]+/g, (m) => m.toUpperCase()));
  add(raw.replace(/[A-Z]+/g, (m) => m.toLowerCase()));
  add(secret.toString('base64'));
  add(secret.toString('base64').replace(/=+$/, ''));
  add(secret.toString('base64url'));
  for (const offset of [0, 1, 2]) {
    for (const url of [false, true]) {
      const core = base64Core(secret, offset, url);
      if (core.length >= MIN_CORE_CHARS) add(core);
    }
  }
  const pct = percentEncode(secret);
  add(pct);
  add(pct.replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase()));
  add(pct.replace(/%20/g, '+'));
  // Hex (a dump, a digest-style echo) and HTML-escaped text (a page showing the note).
  add(secret.toString('hex'));
  add(secret.toString('hex').toUpperCase());
  add(raw.replace(/[&<>"']/g, (c) => HTML[c]!));
  add(raw.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`));
  const json = jsonEscaped(secret);
  add(Buffer.from(json, 'utf8').toString('latin1'));
  add(Buffer.from(json.replace(/\//g, '\\/'), 'utf8').toString('latin1'));
  const username = basicUsername(spec);
  if (username !== undefined) {
    const joined = Buffer.concat([Buffer.from(`${username}:`, 'utf8'), secret]);
    add(joined.toString('base64'));
    joined.fill(0);
  }
  return [...forms].map((s) => Buffer.from(s, 'latin1'));
}
