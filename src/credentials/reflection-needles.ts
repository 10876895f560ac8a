/**
 * The spellings of a secret an upstream might echo back, as the scrubber's canonical
 * reading sees them (escapes decoded, line breaks dropped, reflection-stream.ts): so
 * JSON `\u` escapes, HTML entities and percent-encoding of any subset of characters
 * need no needle of their own. Listed: raw (and its ASCII letters upper or lower
 * cased), base64 and base64url (whole, and the three alignment-independent cores that
 * match the secret inside any longer base64 text, such as `Basic base64(user:secret)`
 * for any user), hex (both cases), UTF-16 (LE and BE), form-style `+` for spaces;
 * and each of those for the secret's prefix (prefixLength below). Feed them all to
 * ReflectionScrubber.
 *
 * @example
 * const scrubber = new ReflectionScrubber(reflectionNeedles(value, rule.credential));
 */

import { credentialForm } from './forms/index.js';
import type { CredentialSpec } from './forms/index.js';

/** Base64 cores shorter than this would match unrelated base64 too easily. */
const MIN_CORE_CHARS = 12;

/** Base64 of `secret` when it starts `offset` bytes into a longer text, without the characters that depend on its neighbours. */
function base64Core(secret: Buffer, offset: number, url: boolean): string {
  const text = Buffer.concat([Buffer.alloc(offset), secret]).toString(url ? 'base64url' : 'base64');
  const from = Math.ceil((offset * 8) / 6);
  const to = Math.floor(((offset + secret.length) * 8) / 6);
  return text.slice(from, to);
}

/**
 * A prefix of a secret long enough to matter: the first 16 bytes, or 60 % of the value
 * when that is shorter, and never under 12 (shorter secrets are only matched whole).
 * An echo that shows this much is scrubbed; the held-out part of a secret split across
 * WebSocket messages is shorter than it.
 *
 * @example
 * prefixLength(40); // 16
 * prefixLength(24); // 15
 * prefixLength(18); // 0: matched whole only (19 characters and more have a prefix)
 */
export function prefixLength(length: number): number {
  const p = Math.min(16, Math.ceil(length * 0.6));
  return p >= 12 && p < length ? p : 0;
}

/**
 * Needles already built for a credential spec (a compiled rule's, stable for a policy
 * version), with the value they were built from: rebuilding them was ~5 % of an
 * intercepted request's CPU. A new value (a rotated secret) rebuilds them; a reloaded
 * policy brings new spec objects and the old entries go with the old policy.
 */
const BUILT = new WeakMap<object, { value: Buffer; needles: readonly Buffer[] }>();

/**
 * Every form of `secret` to scrub, and with a spec whatever else its form writes (the
 * basic form's exact `base64(username:secret)`). With a spec the result is built
 * once per spec and value, and shared: a frozen array the caller must not change.
 */
export function reflectionNeedles(secret: Buffer, spec?: CredentialSpec): readonly Buffer[] {
  if (secret.length === 0) return [];
  if (spec === undefined) return build(secret, spec);
  const hit = BUILT.get(spec);
  if (hit && hit.value.equals(secret)) return hit.needles;
  const needles = Object.freeze(build(secret, spec));
  BUILT.set(spec, { value: Buffer.from(secret), needles });
  return needles;
}

function build(secret: Buffer, spec: CredentialSpec | undefined): Buffer[] {
  const forms = new Set<string>();
  const add = (s: string): void => {
    if (s.length > 0) forms.add(s);
  };
  const p = prefixLength(secret.length);
  for (const value of p > 0 ? [secret, secret.subarray(0, p)] : [secret]) spellings(value, add);
  if (spec !== undefined) for (const echo of credentialForm(spec.type).echoes?.(spec, secret) ?? []) add(echo);
  return [...forms].map((s) => Buffer.from(s, 'latin1'));
}

/** Every spelling of `value` (the secret or its prefix), as latin1 strings. */
function spellings(value: Buffer, add: (s: string) => void): void {
  const raw = value.toString('latin1');
  add(raw);
  // A page that changes case (a hex token stays valid in either).
  add(raw.replace(/[a-z]+/g, (m) => m.toUpperCase()));
  add(raw.replace(/[A-Z]+/g, (m) => m.toLowerCase()));
  // A form-encoded echo spells spaces `+` (the scrubber reads `%20` itself).
  add(raw.replace(/ /g, '+'));
  add(value.toString('base64'));
  add(value.toString('base64').replace(/=+$/, ''));
  add(value.toString('base64url'));
  for (const offset of [0, 1, 2]) {
    for (const url of [false, true]) {
      const core = base64Core(value, offset, url);
      if (core.length >= MIN_CORE_CHARS) add(core);
    }
  }
  // Hex (a dump, a digest-style echo) and UTF-16 text (a Windows service, a .NET string dump).
  add(value.toString('hex'));
  add(value.toString('hex').toUpperCase());
  const text = new TextDecoder('utf-8').decode(value);
  const le = Buffer.from(text, 'utf16le');
  add(le.toString('latin1'));
  add(Buffer.from(le).swap16().toString('latin1'));
}
