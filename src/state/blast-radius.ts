/**
 * The blast radius of one session, in memory and bounded: the critical domains it has
 * written to (rules tagged `critical`, non-safe methods), and how many tool calls it
 * has made. Sessions are keyed by tenant and session id; the least recently seen are
 * forgotten first once `maxSessions` are remembered (a forgotten session starts
 * again from none, the permissive side, which the bound makes explicit in the config).
 *
 * @example
 * const blast = new BlastRadius(10_000);
 * blast.needsApproval('acme/s1', 'db.example', 1); // false: the first critical domain
 * blast.wrote('acme/s1', 'db.example');
 * blast.needsApproval('acme/s1', 'billing.example', 1); // true
 */
import { Lru } from '../identity/lru.js';

interface SessionRadius {
  readonly domains: Set<string>;
  calls: number;
}

/** Methods that do not write (RFC 9110 §9.2.1). */
const SAFE = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * @example
 * isWrite('POST'); // true
 */
export function isWrite(method: string): boolean {
  return !SAFE.has(method.toUpperCase());
}

export class BlastRadius {
  readonly #sessions: Lru<string, SessionRadius>;

  constructor(maxSessions: number) {
    this.#sessions = new Lru(maxSessions);
  }

  #of(key: string): SessionRadius {
    let s = this.#sessions.get(key);
    if (s === undefined) {
      s = { domains: new Set(), calls: 0 };
      this.#sessions.set(key, s);
    }
    return s;
  }

  /** A write to `domain` would be past `limit` critical domains for this session. */
  needsApproval(key: string, domain: string, limit: number): boolean {
    const s = this.#sessions.get(key);
    if (s === undefined || s.domains.has(domain)) return false;
    return s.domains.size >= limit;
  }

  /** The domains this session has written to (for the approval's reason). */
  domains(key: string): string[] {
    return [...(this.#sessions.get(key)?.domains ?? [])];
  }

  wrote(key: string, domain: string): void {
    this.#of(key).domains.add(domain);
  }

  /** Count a tool call; false when it is past `max` (0: no cap), and then it is not counted. */
  toolCall(key: string, max: number): boolean {
    if (max === 0) return true;
    const s = this.#of(key);
    if (s.calls >= max) return false;
    s.calls++;
    return true;
  }
}

/**
 * The key a session's radius is kept under.
 *
 * @example
 * sessionKey({ tenant: 'acme', session: 's1' }); // 'acme\u0000s1'
 */
export function sessionKey(who: { tenant: string; session: string } | null): string | null {
  return who === null ? null : `${who.tenant}\u0000${who.session}`;
}
