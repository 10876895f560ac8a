/**
 * Human approvals: the interface every backend implements (embedded SQLite today,
 * PostgreSQL or Redis later), and what an approval is. The gate opens one when an
 * `action: approve` rule (or the blast radius) matches; a person decides it from
 * another process (`sluice approvals approve|deny`, later the console); the gate that
 * holds the request, or the agent's retry, learns the decision through the store.
 *
 * Semantics, the same for every backend:
 * - An approval is bound to one request: `digest` covers method, target, body and the
 *   identity (approvalDigest). A grant of scope `request` is used once (`consume`).
 * - The approver may widen it: `session` (any request the same rule decides, in the
 *   same tenant and session) or `rule` (any request the rule decides, in the tenant),
 *   until `grantUntil`.
 * - A pending approval that nobody decides by `expiresAt` is expired; deciding it then fails.
 * - Nothing in an approval holds a secret: the diff is redacted before `create`.
 *
 * @example
 * const a = await store.create({ digest, rule: 'deploy', tenant: 'acme', session: 's1', allowed: ['alice'], diff, ttlMs: 900_000 });
 * await store.decide(a.id, { approve: true, by: 'alice' });
 * await store.consume(a.id); // true once, then false
 */
import { createHash } from 'node:crypto';

export type ApprovalStatus = 'pending' | 'approved' | 'denied' | 'expired';
/** What a grant covers: the one request, the session under the same rule, or the rule (in the tenant). */
export type GrantScope = 'request' | 'session' | 'rule';

/** What a person judges: the request as the gate saw it, secrets redacted. */
export interface ApprovalDiff {
  readonly kind: 'http' | 'mcp';
  readonly method: string;
  /** scheme://host:port/path (query string redacted). */
  readonly url: string;
  readonly tenant: string | null;
  readonly agent: string | null;
  readonly session: string | null;
  readonly human: string | null;
  /** The body, summarised and redacted (null: none). */
  readonly body: string | null;
  readonly bodyBytes: number;
  /** MCP: the tool and its arguments, redacted. */
  readonly tool?: string;
  readonly args?: unknown;
  /** Why approval is needed (the rule's approval, or the blast radius). */
  readonly why: string;
}

export interface NewApproval {
  digest: string;
  rule: string;
  tenant: string | null;
  session: string | null;
  /** Who may decide (empty: anyone who names themselves). */
  allowed: readonly string[];
  diff: ApprovalDiff;
  ttlMs: number;
  /** The audit record that asked for it. */
  decisionId: string;
}

export interface ApprovalDecision {
  approve: boolean;
  /** The approver, as named on the CLI (`--as`). */
  by: string;
  reason?: string | null;
  /** Widen the grant (approve only); default `request`. */
  scope?: GrantScope;
  /** How long the grant lasts, ms; default the approval's own lifetime. Required for `rule`. */
  forMs?: number | null;
}

export interface ApprovalEntry {
  readonly id: string;
  readonly digest: string;
  readonly rule: string;
  readonly tenant: string | null;
  readonly session: string | null;
  readonly allowed: readonly string[];
  readonly diff: ApprovalDiff;
  readonly decisionId: string;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly status: ApprovalStatus;
  readonly decidedBy: string | null;
  readonly decidedAt: number | null;
  readonly reason: string | null;
  readonly scope: GrantScope;
  /** Until when an approved grant may be used, epoch ms. */
  readonly grantUntil: number | null;
  /** When a `request` grant was used; null while unused. */
  readonly usedAt: number | null;
}

export interface ApprovalStore {
  /** Open a pending approval, durably. */
  create(a: NewApproval): Promise<ApprovalEntry>;
  get(id: string): ApprovalEntry | null;
  /** Pending approvals (or, with `all`, every one still remembered), oldest first. */
  list(opts?: { all?: boolean }): ApprovalEntry[];
  /** The newest approval bound to `digest`, or null. */
  forDigest(digest: string): ApprovalEntry | null;
  /** A widened grant in force that covers `rule` for this tenant and session, or null. */
  widened(rule: string, tenant: string | null, session: string | null): ApprovalEntry | null;
  /** Decide a pending approval, durably, once; throws when it is not pending (decided, expired, unknown). */
  decide(id: string, d: ApprovalDecision): Promise<ApprovalEntry>;
  /** Use an approved `request` grant: true for exactly one caller across every process. */
  consume(id: string): Promise<boolean>;
  /**
   * Resolves with the approval once it is decided (by any process) or expired; with
   * null when `signal` aborts first. Never blocks the event loop.
   */
  settled(id: string, signal: AbortSignal): Promise<ApprovalEntry | null>;
  /** Called with the approvals that changed (by this process or another). Returns an unsubscribe function. */
  onChange(listener: (changed: ApprovalEntry[]) => void): () => void;
  close(): Promise<void>;
}

/** Who asked, as an approval names them. */
export type ApprovalWho = Pick<ApprovalDiff, 'tenant' | 'agent' | 'session' | 'human'>;

/**
 * The identity fields of a diff (and of the digest) from a principal, or all null.
 *
 * @example
 * approvalWho({ tenant: 'acme', agent: 'bot', session: 's1', human: null }); // { tenant: 'acme', agent: 'bot', session: 's1', human: null }
 */
export function approvalWho(p: { tenant: string; agent: string; session: string; human: string | null } | null): ApprovalWho {
  return { tenant: p?.tenant ?? null, agent: p?.agent ?? null, session: p?.session ?? null, human: p?.human ?? null };
}

/**
 * The digest an approval is bound to: method, target (scheme, host, port, path with
 * query), body, and the identity. Fields are length-prefixed so no two requests share
 * one by moving bytes between fields.
 *
 * @example
 * approvalDigest({ method: 'POST', target: 'https://api.test:443/x', body: Buffer.from('{}'), who: approvalWho(principal) });
 */
export function approvalDigest(r: { method: string; target: string; body: Buffer | null; who: ApprovalWho }): string {
  const h = createHash('sha256');
  const w = r.who;
  for (const part of [r.method, r.target, w.tenant ?? '', w.agent ?? '', w.session ?? '', w.human ?? '']) {
    const b = Buffer.from(part, 'utf8');
    h.update(`${b.length}:`).update(b);
  }
  h.update(`${r.body?.length ?? -1}:`);
  if (r.body) h.update(r.body);
  return h.digest('hex');
}

/**
 * The status an entry has at `now`: a pending approval past its expiry is expired.
 *
 * @example
 * statusAt(entry, Date.now()); // 'expired'
 */
export function statusAt(e: ApprovalEntry, now: number): ApprovalStatus {
  return e.status === 'pending' && now >= e.expiresAt ? 'expired' : e.status;
}

/**
 * Wait until approval `id` is decided or expires (`ApprovalStore.settled`), whichever
 * store it is: the store's change listener tells a decision, and expiry, a time rather
 * than a row, is the waiter's own timer (a timer may fire a millisecond early: until
 * the entry reads expired, it waits again). Null when aborted or unknown.
 *
 * @example
 * settled(id, signal) { return settleApproval(this, () => this.#log.now(), id, signal); }
 */
export function settleApproval(
  store: Pick<ApprovalStore, 'get' | 'onChange'>,
  now: () => number,
  id: string,
  signal: AbortSignal,
): Promise<ApprovalEntry | null> {
  return new Promise((resolve) => {
    const first = store.get(id);
    if (first === null || first.status !== 'pending' || signal.aborted) return resolve(signal.aborted ? null : first);
    const done = (e: ApprovalEntry | null): void => {
      clearTimeout(timer);
      unsubscribe();
      signal.removeEventListener('abort', onAbort);
      resolve(e);
    };
    const onAbort = (): void => done(null);
    const unsubscribe = store.onChange((changed) => {
      const mine = changed.find((c) => c.id === id);
      if (mine !== undefined && mine.status !== 'pending') done(mine);
    });
    const expire = (): void => {
      const e = store.get(id);
      if (e !== null && e.status === 'pending') timer = setTimeout(expire, Math.max(1, e.expiresAt - now()));
      else done(e);
    };
    let timer = setTimeout(expire, Math.max(1, first.expiresAt - now()));
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
