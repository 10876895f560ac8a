/**
 * Run aliases shared by the workers of one gate (`workers: N`, cli/start-workers.ts).
 * The control socket runs in one worker, but the child of `sluice run` may connect to
 * any of them: an alias bound (issued, renewed) or dropped in one worker is sent to the
 * primary, which passes it to every other worker and keeps a copy for a worker it
 * starts later (a restart after a crash), handed over before that worker listens.
 *
 * The messages carry the alias and its principal (never the token): the same secret
 * every worker holds in memory anyway, over the IPC channel between processes of one
 * user. The window between the control answer and the other workers' bind is one IPC
 * hop (well under a millisecond); a child starts slower than that.
 *
 * @example
 * const aliases = new SharedRunAliases((m) => process.send?.(m));
 * process.on('message', (m) => { if (isAliasMessage(m)) aliases.apply(m); });
 */
import type { Principal } from '../identity/principal.js';
import { RunAliases } from '../identity/run-aliases.js';

/** An alias bound to a principal, or dropped for a session. */
export type AliasMessage =
  { type: 'sluice:alias'; op: 'bind'; alias: string; principal: Principal } | { type: 'sluice:alias'; op: 'drop'; alias: string; session: string };

/** Entries expired longer than this are not handed to a new worker (as run-aliases.ts forgets them). */
const KEEP_EXPIRED_MS = 10 * 60_000;

export function isAliasMessage(m: unknown): m is AliasMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'sluice:alias';
}

/** A worker's alias table: what it binds is told to its siblings; what they bind is applied here. */
export class SharedRunAliases extends RunAliases {
  readonly #send: (m: AliasMessage) => void;

  constructor(send: (m: AliasMessage) => void, max?: number) {
    super(max);
    this.#send = send;
  }

  override issue(p: Principal): string {
    const alias = super.issue(p);
    this.#send({ type: 'sluice:alias', op: 'bind', alias, principal: p });
    return alias;
  }

  override rebind(alias: string, p: Principal): boolean {
    if (!super.rebind(alias, p)) return false;
    this.#send({ type: 'sluice:alias', op: 'bind', alias, principal: p });
    return true;
  }

  override drop(alias: string, session: string): void {
    super.drop(alias, session);
    this.#send({ type: 'sluice:alias', op: 'drop', alias, session });
  }

  /** A sibling's change (through the primary): applied without telling anyone again. */
  apply(m: AliasMessage): void {
    if (m.op === 'bind') super.rebind(m.alias, Object.freeze({ ...m.principal, labels: Object.freeze({ ...m.principal.labels }) }));
    else super.drop(m.alias, m.session);
  }
}

/** The primary's copy: every live alias, for a worker that starts later. */
export class AliasLedger {
  readonly #byAlias = new Map<string, Principal>();
  #swept = 0;

  note(m: AliasMessage, now = Date.now()): void {
    if (m.op === 'bind') this.#byAlias.set(m.alias, m.principal);
    else if (this.#byAlias.get(m.alias)?.session === m.session) this.#byAlias.delete(m.alias);
    // At most once a minute: a renewal every few seconds per run must not walk the table each time.
    if (now - this.#swept < 60_000) return;
    this.#swept = now;
    for (const [a, p] of this.#byAlias) if (p.expiresAt + KEEP_EXPIRED_MS < now) this.#byAlias.delete(a);
  }

  /** Every live alias as bind messages. */
  binds(): AliasMessage[] {
    return [...this.#byAlias].map(([alias, principal]) => ({ type: 'sluice:alias', op: 'bind', alias, principal }));
  }
}
