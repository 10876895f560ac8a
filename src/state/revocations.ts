/**
 * Revocations: the interface every backend implements (embedded SQLite today,
 * Redis or PostgreSQL later). Reads are synchronous from an in-memory snapshot
 * because the gate asks on every request; a backend keeps the snapshot current
 * and says what it added through `onChange`.
 *
 * Semantics, the same for every backend:
 * - `session` and `token` (by `jti`) revocations are permanent.
 * - `agent` revokes every token for that agent issued at or before the revocation
 *   time; tokens minted afterwards work. Token issue times have one-second
 *   resolution, so a token minted in the same second as the revocation is refused
 *   too (the safe side).
 * - `tenant`, when set, limits any revocation to principals of that tenant.
 * - `undo` lifts revocations; it is recorded like one (an id later than theirs), so
 *   every process applies it the way it applies a revocation, and `awaitApplied`
 *   waits for it the same way. Exchanges a revocation already ended stay ended.
 *
 * @example
 * await store.revoke({ kind: 'agent', value: 'billing-bot', tenant: 'acme', reason: 'key leaked' });
 * store.isRevoked(principal); // the matching entry, or null
 */
import type { Principal } from '../identity/principal.js';

export type RevocationKind = 'session' | 'agent' | 'token';
export const REVOCATION_KINDS: readonly RevocationKind[] = ['session', 'agent', 'token'];

export interface RevocationRequest {
  kind: RevocationKind;
  /** The session id, agent id or token id (`jti`). */
  value: string;
  tenant?: string | null;
  reason?: string | null;
}

export interface RevocationEntry {
  /** Backend-assigned, unique, increasing in the order revocations were recorded. */
  readonly id: string;
  readonly kind: RevocationKind;
  readonly value: string;
  readonly tenant: string | null;
  readonly reason: string | null;
  /** When it was recorded, epoch ms. */
  readonly revokedAt: number;
}

/** What `undo` lifts: every revocation of this kind and value, recorded with exactly this tenant (null: all tenants). */
export interface RevocationTarget {
  kind: RevocationKind;
  value: string;
  tenant?: string | null;
}

export interface RevocationUndo {
  /** The undo's own id, later than every entry it lifts: pass it to `awaitApplied`. */
  readonly id: string;
  /** The revocations lifted, oldest first. */
  readonly undone: readonly RevocationEntry[];
}

export interface RevocationStore {
  /** Record a revocation durably; resolves with the entry once it is committed. */
  revoke(r: RevocationRequest): Promise<RevocationEntry>;
  /**
   * Lift every revocation in force that matches `t`, durably; null when there is none.
   *
   * @example
   * const u = await store.undo({ kind: 'session', value: 'ses_1', tenant: null });
   * if (u !== null) await store.awaitApplied(u, 5000);
   */
  undo(t: RevocationTarget): Promise<RevocationUndo | null>;
  /**
   * The entry that refuses `p`, or null. Synchronous, from memory: called per request.
   * Throws (SLUICE_STATE_UNAVAILABLE) when the snapshot cannot be trusted to be
   * current (the backend has been unreadable for too long, or the store is closed):
   * the caller denies.
   */
  isRevoked(p: Principal): RevocationEntry | null;
  /**
   * Wait (at most `timeoutMs`) until every live process enforcing revocations on this
   * state (each gate, each `sluice mcp` wrapper) has applied `entry`: its snapshot
   * refuses it and its open exchanges of that identity are ended. Resolves with a
   * description of each one that had not (empty: all have).
   */
  awaitApplied(entry: { readonly id: string }, timeoutMs: number): Promise<string[]>;
  /** Every revocation in force (not undone), oldest first. */
  list(): RevocationEntry[];
  /** Called with the entries added (by this process or another) since the last call. Returns an unsubscribe function. */
  onChange(listener: (added: RevocationEntry[]) => void): () => void;
  close(): Promise<void>;
}
