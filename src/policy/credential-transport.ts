/**
 * Credentials travel only over verified TLS. The upstream a secret goes to is the
 * rule's route when it has one (its URL's scheme), else the request's own scheme;
 * every HTTPS upstream's certificate is verified (the gate's trust, or the route's
 * own CA), and no setting turns that off. Plain HTTP carries a secret only when the
 * credential says `allow_plaintext: true`. Pure, so the gate, `sluice explain` and
 * `sluice policy check` all read the same answer.
 */
import type { CredentialSpec, RuleSpec } from './types.js';

/**
 * Why this credential must not be injected into this upstream, or null when it may.
 *
 * @example
 * plaintextRefusal({ type: 'query', secret: 'k', param: 'key' }, 'http', null);
 * // "secret k would travel over plain HTTP; credentials are injected only over verified HTTPS (set allow_plaintext: true on the credential to allow it)"
 */
export function plaintextRefusal(credential: CredentialSpec | null, upstreamScheme: 'http' | 'https', route: string | null): string | null {
  if (credential === null || upstreamScheme === 'https' || credential.allowPlaintext === true) return null;
  const where = route === null ? 'plain HTTP' : `plain HTTP (route '${route}' is http://)`;
  return `secret ${credential.secret} would travel over ${where}; credentials are injected only over verified HTTPS (set allow_plaintext: true on the credential to allow it)`;
}

/**
 * What `sluice policy check` and `sluice start` warn about: every credential that may
 * travel in clear, and every credential whose route is plain HTTP without it (never injected).
 *
 * @example
 * plaintextWarnings([{ id: 'r', credential: { secret: 'k', query: 'key', allow_plaintext: true } }], {});
 * // ["rule r: secret k may be sent over plain HTTP (allow_plaintext: true)"]
 */
export function plaintextWarnings(rules: readonly RuleSpec[], routeSchemes: Readonly<Record<string, 'http' | 'https'>>): string[] {
  const out: string[] = [];
  for (const r of rules) {
    const c = r.credential;
    if (c === undefined || r.mcp !== undefined) continue;
    if (c.allow_plaintext === true) {
      out.push(`rule ${r.id}: secret ${c.secret} may be sent over plain HTTP (allow_plaintext: true)`);
      continue;
    }
    if (r.route !== undefined && routeSchemes[r.route] === 'http') {
      out.push(
        `rule ${r.id}: route '${r.route}' is plain http://, so secret ${c.secret} is never injected there (credential_plaintext_refused); use https, or set allow_plaintext: true`,
      );
    }
  }
  return out;
}
