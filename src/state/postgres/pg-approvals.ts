/**
 * Approvals in PostgreSQL (`state.backend: postgres`): the same append-only log as in
 * `state.db` (a row opens an approval, a row decides it, a row uses its grant), watched
 * by every replica (pg-watched-log.ts). A replica holding a request hears of a decision
 * made through any other replica or `sluice approvals approve` within milliseconds
 * (LISTEN/NOTIFY). "Once" is enforced by PostgreSQL, not by the view: a partial unique
 * index allows one decide and one use per approval, so across every replica exactly one
 * `decide` and one `consume` succeed (`INSERT ... ON CONFLICT DO NOTHING RETURNING`).
 *
 * @example
 * const approvals = await PgApprovalStore.open(conn, { onError: (e) => log.warn(e) });
 */
import { applyApprovalRows, type ApprovalRow } from '../approval-rows.js';
import { randomBytes } from 'node:crypto';
import { ErrorCode, SluiceError } from '../../errors.js';
import { checkName, checkText } from '../../identity/names.js';
import { InvalidArgumentError } from '../../identity/errors.js';
import type { ApprovalDecision, ApprovalEntry, ApprovalStore, GrantScope, NewApproval } from '../approvals.js';
import { settleApproval, statusAt } from '../approvals.js';
import { MAX_PENDING } from '../sqlite-approvals.js';
import type { SharedConnections } from '../shared-backend.js';
import { PgWatchedLog, type PgWatchedLogOptions } from './pg-watched-log.js';

export type PgApprovalOptions = Omit<PgWatchedLogOptions, 'participant'>;

type Row = ApprovalRow;

const COLUMNS = 'id::float8 AS id, kind, approval, at::float8 AS at, body';
const ONCE = `INSERT INTO approval_log (kind, approval, at, body) VALUES ($1, $2, $3, $4)
  ON CONFLICT (approval, kind) WHERE kind IN ('decide', 'use') DO NOTHING RETURNING id`;

export class PgApprovalStore implements ApprovalStore {
  readonly #view = new Map<string, ApprovalEntry>();
  #log!: PgWatchedLog<Row, [ApprovalEntry[]]>;

  /**
   * Open on the shared connections, load every approval and (unless `watch: false`) watch.
   *
   * @example
   * const approvals = await PgApprovalStore.open(conn, { watch: false }); // sluice approvals
   */
  static async open(conn: SharedConnections, opts: PgApprovalOptions = {}): Promise<PgApprovalStore> {
    const store = new PgApprovalStore();
    store.#log = await PgWatchedLog.open<Row, [ApprovalEntry[]]>(
      conn,
      { table: 'approval_log', columns: COLUMNS, what: 'approvals', store: 'approval store', apply: (rows, log) => store.#apply(rows, log) },
      opts,
    );
    return store;
  }

  private constructor() {}

  async create(a: NewApproval): Promise<ApprovalEntry> {
    const now = this.#log.now();
    const id = `apr_${randomBytes(9).toString('base64url')}`;
    const body = {
      digest: a.digest,
      rule: a.rule,
      tenant: a.tenant,
      session: a.session,
      allowed: a.allowed,
      diff: a.diff,
      expiresAt: now + a.ttlMs,
      decisionId: a.decisionId,
    };
    await this.#log.write(async (c) => {
      // Counted in the database, under the write lock: every replica's pending ones.
      const pending = await c.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM approval_log o
          WHERE kind = 'open' AND (body::jsonb ->> 'expiresAt')::bigint > $1
            AND NOT EXISTS (SELECT 1 FROM approval_log d WHERE d.approval = o.approval AND d.kind = 'decide')`,
        [now],
      );
      if ((pending.rows[0]?.n ?? 0) >= MAX_PENDING) {
        throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${MAX_PENDING} approvals are already pending; decide some first (sluice approvals list)`);
      }
      await c.query('INSERT INTO approval_log (kind, approval, at, body) VALUES ($1, $2, $3, $4)', ['open', id, now, JSON.stringify(body)]);
    });
    return this.#view.get(id) ?? this.#log.unread(id);
  }

  get(id: string): ApprovalEntry | null {
    const e = this.#view.get(id);
    return e === undefined ? null : this.#current(e);
  }

  list(opts: { all?: boolean } = {}): ApprovalEntry[] {
    this.#log.assertCurrent();
    const out: ApprovalEntry[] = [];
    for (const e of this.#view.values()) {
      const c = this.#current(e);
      if (opts.all === true || c.status === 'pending') out.push(c);
    }
    return out;
  }

  forDigest(digest: string): ApprovalEntry | null {
    this.#log.assertCurrent();
    let found: ApprovalEntry | null = null;
    for (const e of this.#view.values()) if (e.digest === digest) found = e;
    return found === null ? null : this.#current(found);
  }

  widened(rule: string, tenant: string | null, session: string | null): ApprovalEntry | null {
    const now = this.#log.assertCurrent();
    for (const e of this.#view.values()) {
      if (e.status !== 'approved' || e.scope === 'request' || e.rule !== rule || e.tenant !== tenant) continue;
      if (e.grantUntil !== null && now >= e.grantUntil) continue;
      if (e.scope === 'session' && e.session !== session) continue;
      return e;
    }
    return null;
  }

  async decide(id: string, d: ApprovalDecision): Promise<ApprovalEntry> {
    const by = checkName('approver', d.by);
    const reason = d.reason == null ? null : checkText('reason', d.reason);
    // An approval opened on another replica a moment ago: read it before judging.
    if (!this.#view.has(id)) await this.#log.load();
    const e = this.#view.get(id);
    if (e === undefined) throw new InvalidArgumentError('approval', `no approval ${id}`);
    const now = this.#log.now();
    const status = statusAt(e, now);
    if (status !== 'pending')
      throw new InvalidArgumentError('approval', `approval ${id} is ${status}${e.decidedBy ? ` (by ${e.decidedBy})` : ''}; nothing to decide`);
    if (e.allowed.length > 0 && !e.allowed.includes(by)) {
      throw new InvalidArgumentError('as', `${by} may not decide approval ${id} (rule ${e.rule}); approvers: ${e.allowed.join(', ')}`);
    }
    const scope: GrantScope = d.approve ? (d.scope ?? 'request') : 'request';
    if (d.forMs != null && (!Number.isSafeInteger(d.forMs) || d.forMs <= 0)) throw new InvalidArgumentError('for', 'expected a positive duration');
    if (scope === 'rule' && d.forMs == null) throw new InvalidArgumentError('for', "a grant for the whole rule needs a duration ('--for 10m')");
    const grantUntil = d.approve ? now + (d.forMs ?? e.expiresAt - e.createdAt) : null;
    const body = JSON.stringify({ approve: d.approve, by, reason, scope, grantUntil });
    const took = await this.#log.write(async (c) => (await c.query(ONCE, ['decide', id, now, body])).rowCount === 1);
    if (!took) throw new InvalidArgumentError('approval', `approval ${id} was already decided`);
    return this.get(id) ?? this.#log.unread(id);
  }

  async consume(id: string): Promise<boolean> {
    return this.#log.write(async (c) => (await c.query(ONCE, ['use', id, this.#log.now(), '{}'])).rowCount === 1);
  }

  settled(id: string, signal: AbortSignal): Promise<ApprovalEntry | null> {
    return settleApproval(this, () => this.#log.now(), id, signal);
  }

  onChange(listener: (changed: ApprovalEntry[]) => void): () => void {
    return this.#log.onChange(listener);
  }

  close(): Promise<void> {
    return this.#log.close();
  }

  #current(e: ApprovalEntry): ApprovalEntry {
    const status = statusAt(e, this.#log.now());
    return status === e.status ? e : { ...e, status };
  }

  #apply(rows: Row[], log: PgWatchedLog<Row, [ApprovalEntry[]]>): void {
    const changed = applyApprovalRows(rows, this.#view, log.now());
    if (changed.length > 0) log.notify(changed);
  }
}
