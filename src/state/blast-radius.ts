/**
 * The blast radius of one session: the critical domains it has written to (rules
 * tagged `critical`, non-safe methods), and how many tool calls it has made. Sessions
 * are keyed by tenant and session id (sessionKey); the least recently seen are
 * forgotten first once `maxSessions` are remembered (a forgotten session starts
 * again from none, the permissive side, which the bound makes explicit in the config).
 *
 * Behind an interface every backend implements (BlastRadiusStore):
 *
 *   domains(key) -> string[] | Promise<string[]>
 *       The critical domains the session has written to, as the store has them now
 *       (another process's writes included); needsApproval() decides from them.
 *   wrote(key, domain) -> void | Promise<void>
 *       Record a write to a critical domain (rare: written through at once).
 *   toolCall(key, max) -> boolean | Promise<boolean>
 *       Count one tool call; false (and not counted) when the session has made `max`.
 *   close() -> Promise<void>
 *
 * A method may answer synchronously (memory, SQLite) or with a Promise (a network
 * store); callers await only a Promise. A store that cannot answer throws or rejects,
 * and the request or call is refused (fail closed).
 *
 * Stores: BlastRadius (this file, in memory: each process on its own, gone on restart),
 * SqliteBlastRadius (sqlite-blast-radius.ts: state.db, shared by the gate and `sluice
 * mcp` on one data directory, surviving restarts). Opened through the runtime (`blastRadius`).
 *
 * @example
 * const blast = new BlastRadius(10_000);
 * needsApproval(blast.domains('acme/s1'), 'db.example', 1); // false: the first critical domain
 * blast.wrote('acme/s1', 'db.example');
 * needsApproval(blast.domains('acme/s1'), 'billing.example', 1); // true
 */
import { Lru } from '../identity/lru.js';

/** Per-session blast radius state (see the file's comment for the contract). */
export interface BlastRadiusStore {
  domains(key: string): readonly string[] | Promise<readonly string[]>;
  wrote(key: string, domain: string): void | Promise<void>;
  toolCall(key: string, max: number): boolean | Promise<boolean>;
  close(): Promise<void>;
}

/**
 * A write to `domain` would be past `limit` critical domains, for a session that has written to `had`.
 *
 * @example
 * needsApproval(['db.example'], 'billing.example', 1); // true
 * needsApproval(['db.example'], 'db.example', 1); // false: a domain it has already
 */
export function needsApproval(had: readonly string[], domain: string, limit: number): boolean {
  return !had.includes(domain) && had.length >= limit;
}

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

/** The in-memory store (tests, embedders, and a gate built without the runtime). */
export class BlastRadius implements BlastRadiusStore {
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

  close(): Promise<void> {
    return Promise.resolve();
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
