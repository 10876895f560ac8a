/**
 * The in-memory index behind `isRevoked`: one map per kind, keyed by the revoked
 * value, so a request costs three map lookups however many revocations exist.
 *
 * @example
 * const snap = new RevocationSnapshot();
 * snap.add(entry);
 * snap.match(principal); // entry or null
 */
import type { Principal } from '../identity/principal.js';
import type { RevocationEntry, RevocationKind } from './revocations.js';

export class RevocationSnapshot {
  readonly #byKind: Record<RevocationKind, Map<string, RevocationEntry[]>> = {
    session: new Map(),
    agent: new Map(),
    token: new Map(),
  };
  readonly #all: RevocationEntry[] = [];

  get size(): number {
    return this.#all.length;
  }

  add(e: RevocationEntry): void {
    const map = this.#byKind[e.kind];
    const list = map.get(e.value);
    if (list === undefined) map.set(e.value, [e]);
    else list.push(e);
    this.#all.push(e);
  }

  /** Drop the entry with this id (an undo); false when it is not here. */
  remove(id: string): boolean {
    const at = this.#all.findIndex((e) => e.id === id);
    if (at === -1) return false;
    const [e] = this.#all.splice(at, 1) as [RevocationEntry];
    const map = this.#byKind[e.kind];
    const rest = (map.get(e.value) ?? []).filter((x) => x.id !== id);
    if (rest.length === 0) map.delete(e.value);
    else map.set(e.value, rest);
    return true;
  }

  /** The first entry that refuses `p`, or null. */
  match(p: Principal): RevocationEntry | null {
    return (
      first(this.#byKind.token.get(p.tokenId), p, () => true) ??
      first(this.#byKind.session.get(p.session), p, () => true) ??
      first(this.#byKind.agent.get(p.agent), p, (e) => p.issuedAt <= e.revokedAt)
    );
  }

  list(): RevocationEntry[] {
    return [...this.#all];
  }
}

function first(entries: RevocationEntry[] | undefined, p: Principal, applies: (e: RevocationEntry) => boolean): RevocationEntry | null {
  if (entries === undefined) return null;
  for (const e of entries) if ((e.tenant === null || e.tenant === p.tenant) && applies(e)) return e;
  return null;
}

/** One row of a revocation log, as every backend stores it: a revocation, or an undo (`undoes` set). */
export interface RevocationRow {
  id: number;
  kind: RevocationKind;
  value: string;
  tenant: string | null;
  reason: string | null;
  revoked_at: number;
  /** Set on an undo row: the id of the revocation it lifts. */
  undoes: number | null;
}

/**
 * The entry a revocation row stands for.
 *
 * @example
 * revocationEntryOf({ id: 1, kind: 'session', value: 's1', tenant: null, reason: null, revoked_at: 0, undoes: null }).id; // '1'
 */
export function revocationEntryOf(row: RevocationRow): RevocationEntry {
  return Object.freeze({ id: String(row.id), kind: row.kind, value: row.value, tenant: row.tenant, reason: row.reason, revokedAt: row.revoked_at });
}

/**
 * Apply log rows to `snapshot` in order (an undo removes what it lifts) and return the
 * entries added. An undo only lifts: nothing open has to end, so listeners hear of
 * additions only.
 *
 * @example
 * const added = applyRevocationRows(rows, snapshot);
 * if (added.length > 0) log.notify(added);
 */
export function applyRevocationRows(rows: readonly RevocationRow[], snapshot: RevocationSnapshot): RevocationEntry[] {
  const added: RevocationEntry[] = [];
  for (const row of rows) {
    if (row.undoes !== null) {
      snapshot.remove(String(row.undoes));
      continue;
    }
    const entry = revocationEntryOf(row);
    snapshot.add(entry);
    added.push(entry);
  }
  return added;
}
