/**
 * The in-memory index behind `killedFor` and `quarantined`: kills by scope, quarantined
 * names in a map, `*.` suffixes walked label by label (a lookup per label of the
 * request's host), CIDRs scanned (operators write a handful). With nothing stopped a
 * request costs two size checks.
 *
 * @example
 * const snap = new StopSnapshot();
 * snap.addQuarantine(entry);
 * snap.quarantined(normalizeHost('api.evil.example'), Date.now());
 */
import type { Host } from '../net/host.js';
import { parseQuarantineTarget, targetCovers, type QuarantineTarget } from './stop-target.js';
import type { KillEntry, QuarantineEntry } from './stops.js';

interface Held {
  readonly entry: QuarantineEntry;
  readonly target: QuarantineTarget;
}

export class StopSnapshot {
  #global: KillEntry[] = [];
  readonly #byTenant = new Map<string, KillEntry[]>();
  readonly #names = new Map<string, Held[]>();
  readonly #suffixes = new Map<string, Held[]>();
  #cidrs: Held[] = [];
  /** Every entry in force (quarantines until lifted, expired or not), by id: what a lift removes. */
  readonly #all = new Map<string, { kill: KillEntry } | { held: Held }>();

  addKill(e: KillEntry): void {
    if (e.tenant === null) this.#global.push(e);
    else push(this.#byTenant, e.tenant, e);
    this.#all.set(e.id, { kill: e });
  }

  addQuarantine(e: QuarantineEntry): void {
    const target = parseQuarantineTarget(e.target);
    const held = { entry: e, target };
    if (target.kind === 'name') push(this.#names, target.text, held);
    else if (target.kind === 'suffix') push(this.#suffixes, target.under, held);
    else this.#cidrs.push(held);
    this.#all.set(e.id, { held });
  }

  /** Drop the entry with this id (a lift); false when it is not here. */
  remove(id: string): boolean {
    const found = this.#all.get(id);
    if (found === undefined) return false;
    this.#all.delete(id);
    const other = (x: { id: string }): boolean => x.id !== id;
    if ('kill' in found) {
      const t = found.kill.tenant;
      if (t === null) this.#global = this.#global.filter(other);
      else drop(this.#byTenant, t, (k) => k.id !== id);
      return true;
    }
    const t = found.held.target;
    if (t.kind === 'name') drop(this.#names, t.text, (h) => h.entry.id !== id);
    else if (t.kind === 'suffix') drop(this.#suffixes, t.under, (h) => h.entry.id !== id);
    else this.#cidrs = this.#cidrs.filter((h) => h.entry.id !== id);
    return true;
  }

  /** The kill that refuses `tenant` (the global one first), or null. */
  killedFor(tenant: string | null): KillEntry | null {
    const g = this.#global[0];
    if (g !== undefined) return g;
    if (tenant === null || this.#byTenant.size === 0) return null;
    return this.#byTenant.get(tenant)?.[0] ?? null;
  }

  /** The first quarantine in force at `now` that covers `host`, or null. */
  quarantined(host: Host, now: number): QuarantineEntry | null {
    if (this.#all.size === 0) return null;
    if (host.kind === 'ip') return live(this.#cidrs, now, (h) => targetCovers(h.target, host));
    const exact = live(this.#names.get(host.name), now, () => true);
    if (exact !== null || this.#suffixes.size === 0) return exact;
    // Every parent domain of the name: a.b.evil.example looks up b.evil.example, evil.example, example.
    for (let dot = host.name.indexOf('.'); dot !== -1; dot = host.name.indexOf('.', dot + 1)) {
      const hit = live(this.#suffixes.get(host.name.slice(dot + 1)), now, () => true);
      if (hit !== null) return hit;
    }
    return null;
  }

  kills(): KillEntry[] {
    return [...this.#all.values()].flatMap((v) => ('kill' in v ? [v.kill] : []));
  }

  /** Quarantines not lifted and not expired at `now`, oldest first. */
  quarantines(now: number): QuarantineEntry[] {
    return [...this.#all.values()].flatMap((v) => ('held' in v && inForce(v.held.entry, now) ? [v.held.entry] : []));
  }
}

function inForce(e: QuarantineEntry, now: number): boolean {
  return e.expiresAt === null || now < e.expiresAt;
}

function live(list: readonly Held[] | undefined, now: number, covers: (h: Held) => boolean): QuarantineEntry | null {
  if (list === undefined) return null;
  for (const h of list) if (inForce(h.entry, now) && covers(h)) return h.entry;
  return null;
}

function push<V>(map: Map<string, V[]>, key: string, v: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [v]);
  else list.push(v);
}

function drop<V>(map: Map<string, V[]>, key: string, keep: (v: V) => boolean): void {
  const rest = (map.get(key) ?? []).filter(keep);
  if (rest.length === 0) map.delete(key);
  else map.set(key, rest);
}
