/**
 * Every in-flight exchange, by the identity that started it, so that identity's end
 * ends them all: a plain request (its upload and its streamed response), a WebSocket
 * session (plain or inside a tunnel), a CONNECT tunnel (intercepted or passthrough).
 * Each transport registers when it starts and releases when it ends. One expiry timer
 * per token (not per exchange) fires at the token's expiry plus the clock tolerance,
 * and a revocation sweeps the identities (not the exchanges) once.
 *
 * The per-request cost is two map operations; nothing here reads state.db.
 *
 * @example
 * const release = exchanges.hold(principal, { inner: true, end: (err) => abort(err) });
 * res.once('close', release);
 */
import { IdentityError } from '../identity/errors.js';
import type { Principal } from '../identity/principal.js';
import type { Host } from '../net/host.js';
import { killMessage, quarantineMessage, type QuarantineEntry } from '../state/stops.js';

export interface LiveExchange {
  /**
   * A tunnel carries other exchanges; it is ended after the exchanges inside it, so
   * theirs are ended (and recorded) for the identity's reason, not as a lost connection.
   */
  readonly carrier?: boolean;
  /** End the exchange now because of `why` (identity_expired, identity_revoked, gate_killed, quarantined). Must not throw. */
  end(why: IdentityError): void;
  /** Where it goes (the exchange itself: no object per request): a quarantine of this destination (`sluice quarantine`) ends it. */
  readonly dest?: { readonly host: Host | undefined; readonly hostText: string };
}

/** One registered exchange: a link in its holder's ring (no Set: see Holder). */
interface Link {
  readonly x: LiveExchange | null;
  prev: Link;
  next: Link;
  /** The holder it counts under (changes when a renewal carries it over); null for a ring's sentinel. */
  owner: Holder | null;
}

/**
 * One token's open exchanges, as a ring of links around a sentinel. Measured under
 * `sluice start` (wrk, 64 keep-alive connections, one token), a Set here (one
 * long-lived table taking and dropping an entry per request, each held until the
 * response closes) cost about 28 µs of CPU per request, mostly garbage collection,
 * and 85 MiB more resident memory; a ring costs one small object and a few pointer writes.
 */
interface Holder {
  readonly principal: Principal;
  readonly ring: Link;
  count: number;
  timer: NodeJS.Timeout | null;
}

function newRing(): Link {
  const l = { x: null, prev: null, next: null, owner: null } as unknown as { x: null; prev: Link; next: Link; owner: null };
  l.prev = l;
  l.next = l;
  return l;
}

function membersOf(h: Holder): LiveExchange[] {
  const out: LiveExchange[] = [];
  for (let l = h.ring.next; l !== h.ring; l = l.next) out.push(l.x!);
  return out;
}

/** What the registry asks of the revocation snapshot (state/ RevocationStore satisfies it). */
export interface RevokedCheck {
  isRevoked(p: Principal): { kind: string; revokedAt: number } | null;
}

/** What the registry asks of the kill switch (state/ StopStore satisfies it). */
export interface KilledCheck {
  killedFor(tenant: string | null): { id: string; tenant: string | null; reason: string | null } | null;
  /** The quarantine in force on a destination, or null (absent: quarantines end nothing open). */
  quarantined?(host: Host): QuarantineEntry | null;
}

export class LiveExchanges {
  /** By jti; more than one holder only for tokens that share a jti. */
  readonly #byToken = new Map<string, Holder[]>();
  readonly #revocations: RevokedCheck;
  readonly #kills: KilledCheck | null;
  readonly #toleranceMs: number;
  readonly #onEnd: (p: Principal, why: IdentityError, count: number) => void;
  readonly #now: () => number;

  constructor(opts: {
    revocations: RevokedCheck;
    /** `sluice kill`: a killed tenant's (or, killed globally, every) exchange ends and none is registered. */
    kills?: KilledCheck;
    toleranceMs: number;
    onEnd?: (p: Principal, why: IdentityError, count: number) => void;
    now?: () => number;
  }) {
    this.#revocations = opts.revocations;
    this.#kills = opts.kills ?? null;
    this.#toleranceMs = opts.toleranceMs;
    this.#onEnd = opts.onEnd ?? (() => undefined);
    this.#now = opts.now ?? Date.now;
  }

  /** Open exchanges (all identities). */
  get size(): number {
    let n = 0;
    for (const hs of this.#byToken.values()) for (const h of hs) n += h.count;
    return n;
  }

  /**
   * Register `x` under `p` and return its release function (idempotent). Throws the
   * IdentityError if `p` is already expired or revoked (the check and the
   * registration are one synchronous step, so no revocation can fall between them).
   */
  hold(p: Principal, x: LiveExchange): () => void {
    const refused = this.#refusal(p);
    if (refused) throw refused;
    const h = this.#holderFor(p);
    const ring = h.ring;
    const link: Link = { x, prev: ring.prev, next: ring, owner: h };
    ring.prev.next = link;
    ring.prev = link;
    h.count++;
    // An idle token keeps its (empty) holder and timer until it expires: an agent's
    // next request then costs no timer, and there are at most as many holders as
    // live tokens in use (each lives at most 24 h).
    // A no-op once released, or ended with its holder.
    return () => unlink(link);
  }

  /**
   * A `sluice run` token was renewed (same session): what is open under the old token
   * now lives as long as the new one, so a tunnel opened with the run's alias is not
   * cut at the old token's expiry. The old holder stays, empty, until its timer.
   */
  carryOver(from: Principal, to: Principal): void {
    if (sameToken(from, to) || from.session !== to.session || from.tenant !== to.tenant || this.#refusal(to) !== null) return;
    const h = this.#byToken.get(from.tokenId)?.find((o) => sameToken(o.principal, from));
    if (h === undefined || h.count === 0) return;
    const target = this.#holderFor(to);
    for (let l = h.ring.next; l !== h.ring;) {
      const next = l.next;
      l.prev = target.ring.prev;
      l.next = target.ring;
      target.ring.prev.next = l;
      target.ring.prev = l;
      l.owner = target;
      l = next;
    }
    target.count += h.count;
    h.ring.next = h.ring.prev = h.ring;
    h.count = 0;
  }

  /** The holder of `p`'s token, made (with its expiry timer) on first use. */
  #holderFor(p: Principal): Holder {
    let list = this.#byToken.get(p.tokenId);
    if (list === undefined) {
      list = [];
      this.#byToken.set(p.tokenId, list);
    }
    let h = list.find((o) => sameToken(o.principal, p));
    if (h === undefined) {
      h = { principal: p, ring: newRing(), count: 0, timer: null };
      list.push(h);
      const holder = h;
      // Tokens live at most 24 h, well under setTimeout's ~24.8-day ceiling.
      holder.timer = setTimeout(() => this.#endAll(holder, expired(p)), Math.max(0, p.expiresAt + this.#toleranceMs - this.#now()));
      holder.timer.unref();
    }
    return h;
  }

  /**
   * For `sluice status`: open tunnels, and the sessions with open exchanges (walks
   * every ring: a status call, not a per-request cost).
   */
  summary(): { tunnels: number; sessions: Array<{ tenant: string; agent: string; session: string; exchanges: number }> } {
    let tunnels = 0;
    const sessions = new Map<string, { tenant: string; agent: string; session: string; exchanges: number }>();
    for (const h of [...this.#byToken.values()].flat()) {
      if (h.count === 0) continue;
      for (const m of membersOf(h)) if (m.carrier) tunnels++;
      const p = h.principal;
      const k = `${p.tenant}\u0000${p.session}`;
      const s = sessions.get(k) ?? { tenant: p.tenant, agent: p.agent, session: p.session, exchanges: 0 };
      s.exchanges += h.count;
      sessions.set(k, s);
    }
    return { tunnels, sessions: [...sessions.values()] };
  }

  /**
   * For the admin API: each session with open exchanges, its tunnels, and where its
   * exchanges go (those that know their destination). Walks every ring, like summary.
   */
  openSessions(): Array<{ tenant: string; agent: string; session: string; human: string | null; exchanges: number; tunnels: number; destinations: string[] }> {
    const out = new Map<
      string,
      { tenant: string; agent: string; session: string; human: string | null; exchanges: number; tunnels: number; destinations: string[] }
    >();
    for (const h of [...this.#byToken.values()].flat()) {
      if (h.count === 0) continue;
      const p = h.principal;
      const k = `${p.tenant}\u0000${p.session}`;
      const s = out.get(k) ?? { tenant: p.tenant, agent: p.agent, session: p.session, human: p.human, exchanges: 0, tunnels: 0, destinations: [] };
      for (const m of membersOf(h)) {
        s.exchanges++;
        if (m.carrier) s.tunnels++;
        const d = m.dest?.hostText;
        if (d !== undefined && !s.destinations.includes(d)) s.destinations.push(d);
      }
      out.set(k, s);
    }
    return [...out.values()];
  }

  /**
   * After the revocation snapshot (or the stop store) changed: end every exchange whose
   * identity it now refuses, then every one still open to a destination now quarantined.
   */
  sweep(): void {
    const quarantined: Array<[Link, IdentityError]> = [];
    for (const h of [...this.#byToken.values()].flat()) {
      if (h.count === 0) continue;
      const refused = this.#refusal(h.principal);
      if (refused) this.#endAll(h, refused);
      else this.#quarantinedIn(h, quarantined);
    }
    // Exchanges inside tunnels first, then the tunnels that carry them (as #endAll).
    quarantined.sort(([a], [b]) => Number(a.x!.carrier === true) - Number(b.x!.carrier === true));
    for (const [l] of quarantined) unlink(l);
    for (const [l, why] of quarantined) endOne(l.x!, why);
  }

  /** Collect `h`'s exchanges to a quarantined destination, each with its refusal. */
  #quarantinedIn(h: Holder, out: Array<[Link, IdentityError]>): void {
    const check = this.#kills?.quarantined?.bind(this.#kills);
    if (check === undefined) return;
    for (let l = h.ring.next; l !== h.ring; l = l.next) {
      const dest = l.x!.dest;
      if (dest?.host === undefined) continue;
      let q: QuarantineEntry | null;
      try {
        q = check(dest.host);
      } catch {
        out.push([l, withPrincipal(new IdentityError('quarantined', 'the quarantine state cannot be read; ending the exchange (fail closed)'), h.principal)]);
        continue;
      }
      if (q !== null)
        out.push([l, withPrincipal(new IdentityError('quarantined', quarantineMessage(q, dest.hostText), { stopped_by: `quarantine:q${q.id}` }), h.principal)]);
    }
  }

  /** Why `p` may no longer ask, or null. A snapshot that cannot answer refuses (fail closed). */
  #refusal(p: Principal): IdentityError | null {
    if (p.expiresAt + this.#toleranceMs <= this.#now()) return expired(p);
    const killed = this.#killed(p);
    if (killed) return killed;
    let entry: { kind: string; revokedAt: number } | null;
    try {
      entry = this.#revocations.isRevoked(p);
    } catch {
      return withPrincipal(new IdentityError('identity_revoked', 'the revocation state cannot be read; ending the exchange (fail closed)'), p);
    }
    if (entry === null) return null;
    return withPrincipal(
      new IdentityError('identity_revoked', `agent token refused: its ${entry.kind} was revoked at ${new Date(entry.revokedAt).toISOString()}`, {
        kind: entry.kind,
      }),
      p,
    );
  }

  #killed(p: Principal): IdentityError | null {
    if (this.#kills === null) return null;
    try {
      const k = this.#kills.killedFor(p.tenant);
      if (k === null) return null;
      return withPrincipal(new IdentityError('gate_killed', killMessage(k), { stopped_by: `kill:k${k.id}` }), p);
    } catch {
      return withPrincipal(new IdentityError('gate_killed', 'the kill switch state cannot be read; ending the exchange (fail closed)'), p);
    }
  }

  #endAll(h: Holder, why: IdentityError): void {
    if (h.timer) clearTimeout(h.timer);
    h.timer = null;
    const list = this.#byToken.get(h.principal.tokenId);
    const i = list?.indexOf(h) ?? -1;
    if (i !== -1) list!.splice(i, 1);
    if (list?.length === 0) this.#byToken.delete(h.principal.tokenId);
    const members = membersOf(h);
    // Unlink every member (a later release is a no-op) before ending any of them.
    for (let l = h.ring.next; l !== h.ring;) {
      const next = l.next;
      l.next = l.prev = l;
      l = next;
    }
    h.ring.next = h.ring.prev = h.ring;
    h.count = 0;
    if (members.length === 0) return;
    // Exchanges inside tunnels first, then the tunnels that carry them.
    const ordered = [...members.filter((m) => !m.carrier), ...members.filter((m) => m.carrier)];
    for (const m of ordered) endOne(m, why);
    this.#onEnd(h.principal, why, members.length);
  }
}

/** Take one link out of its holder's ring (a later release of it is a no-op). */
function unlink(l: Link): void {
  if (l.next === l) return;
  l.prev.next = l.next;
  l.next.prev = l.prev;
  l.next = l.prev = l;
  l.owner!.count--;
}

function endOne(m: LiveExchange, why: IdentityError): void {
  try {
    m.end(why);
  } catch {
    // end() must not throw; one that does must not spare the others.
  }
}

/**
 * One holder per token, whatever principal object a request got from the verifier's
 * cache. Every field expiry and revocation look at must match, so two tokens that
 * share a jti (minted outside `sluice token`) never share a holder, timer or verdict.
 */
function sameToken(a: Principal, b: Principal): boolean {
  return a === b || (a.tenant === b.tenant && a.session === b.session && a.agent === b.agent && a.issuedAt === b.issuedAt && a.expiresAt === b.expiresAt);
}

function expired(p: Principal): IdentityError {
  return withPrincipal(
    new IdentityError('identity_expired', `the agent token expired at ${new Date(p.expiresAt).toISOString()}; reconnect with a fresh token`),
    p,
  );
}

function withPrincipal(err: IdentityError, p: Principal): IdentityError {
  err.principal = p;
  return err;
}
