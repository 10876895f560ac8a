/**
 * The red button and the quarantine list: the interface every backend implements
 * (embedded SQLite today). A kill refuses all traffic of every gate on the state (or
 * of one tenant) and ends what is open; a quarantine refuses one destination (a host,
 * a `*.` suffix or a CIDR) for everyone, before the policy is read. Reads are
 * synchronous from an in-memory snapshot, as for revocations: the gate asks on every
 * request.
 *
 * Semantics, the same for every backend:
 * - A kill has a scope: every tenant (null) or one. `unkill` lifts the kills of exactly
 *   that scope; a tenant's kill is not lifted by lifting the global one, nor the reverse.
 * - A quarantine may expire (`forMs`); an expired one refuses nothing, and lists as gone.
 * - Lifting is recorded like an entry (an id later than the one it lifts), so every
 *   process applies it the same way, and `awaitApplied` waits for it.
 * - Only whoever can write the state (the CLI on the data directory) can change it:
 *   nothing an agent sends reaches these methods.
 *
 * @example
 * const k = await stops.kill({ tenant: 'acme', reason: 'runaway agent' });
 * await stops.awaitApplied(k, 5000);
 * stops.killedFor('acme'); // k
 */
import type { Host } from '../net/host.js';

export interface KillEntry {
  /** Backend-assigned, unique, increasing in the order entries were recorded. */
  readonly id: string;
  /** null: every tenant. */
  readonly tenant: string | null;
  readonly reason: string | null;
  /** When it was recorded, epoch ms. */
  readonly at: number;
}

export interface QuarantineEntry {
  readonly id: string;
  /** The canonical target: a host name, `*.` and a suffix, or a CIDR (`10.0.0.0/8`, `2001:db8::/32`, one address as /32 or /128). */
  readonly target: string;
  readonly reason: string | null;
  readonly at: number;
  /** Epoch ms after which it refuses nothing; null: until lifted. */
  readonly expiresAt: number | null;
}

/** What a lift recorded: its own id (for `awaitApplied`) and the entries it lifted, oldest first. */
export interface StopLift<E> {
  readonly id: string;
  readonly lifted: readonly E[];
}

export interface StopStore {
  /** Record a kill durably (every tenant, or `tenant`). */
  kill(r: { tenant?: string | null; reason?: string | null }): Promise<KillEntry>;
  /** Lift the kills of exactly this scope; null when none is in force. */
  unkill(tenant: string | null): Promise<StopLift<KillEntry> | null>;
  /** Quarantine `target` (any spelling parseQuarantineTarget accepts), for `forMs` or until lifted. */
  quarantine(r: { target: string; reason?: string | null; forMs?: number | null }): Promise<QuarantineEntry>;
  /** Lift a quarantine by its id (`q7`) or every one in force on that target; null when none matched. */
  lift(idOrTarget: string): Promise<StopLift<QuarantineEntry> | null>;
  /**
   * The kill that refuses traffic of `tenant` (the global one first), or null.
   * Synchronous, from memory; throws SLUICE_STATE_UNAVAILABLE when the snapshot
   * cannot be trusted to be current (the caller refuses).
   */
  killedFor(tenant: string | null): KillEntry | null;
  /** The quarantine in force on `host` (by its canonical form), or null. Same contract as killedFor. */
  quarantined(host: Host): QuarantineEntry | null;
  /** Kills in force, oldest first. */
  kills(): KillEntry[];
  /** Quarantines in force (not lifted, not expired), oldest first. */
  quarantines(): QuarantineEntry[];
  /** Wait (at most `timeoutMs`) until every live gate on this state applied `entry`; what had not (empty: all have). */
  awaitApplied(entry: { readonly id: string }, timeoutMs: number): Promise<string[]>;
  /** Called after entries were added or lifted (by this process or another), before they are acknowledged. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

/**
 * The deny text of a kill: its scope and reason (the operator's words, checked text
 * with no secret by construction: it was typed on the CLI of the data directory).
 *
 * @example
 * killMessage({ id: '3', tenant: 'acme', reason: 'runaway' }); // 'the gate is killed for tenant acme (kill k3): runaway; ...'
 */
export function killMessage(k: { id: string; tenant: string | null; reason: string | null }): string {
  const scope = k.tenant === null ? 'the gate is killed' : `the gate is killed for tenant ${k.tenant}`;
  const off = k.tenant === null ? 'sluice kill --off' : `sluice kill --off --tenant ${k.tenant}`;
  return `${scope} (kill k${k.id})${k.reason === null ? '' : `: ${k.reason}`}; only '${off}' on the gate's data directory lifts it`;
}

/**
 * The deny text of a quarantine: the destination as asked for, the entry, until when,
 * and the operator's reason.
 *
 * @example
 * quarantineMessage(q, 'evil.example'); // 'evil.example is quarantined (q7, *.example, until lifted): exfiltration'
 */
export function quarantineMessage(q: QuarantineEntry, hostText: string): string {
  const until = q.expiresAt === null ? 'until lifted' : `until ${new Date(q.expiresAt).toISOString()}`;
  const why = q.reason === null ? '' : `: ${q.reason}`;
  return `${hostText} is quarantined (q${q.id}, ${q.target}, ${until})${why}`;
}

/** How a quarantine's id is written: `q` and the entry's number. */
export function quarantineId(id: string): string {
  return `q${id}`;
}
