/**
 * Approvals in the embedded SQLite database (`state.db`), as an append-only log on the
 * shared watched-log base (watched-log.ts): a row opens an approval, a row decides it,
 * a row uses its grant. Every process folds the rows into the same in-memory view, so
 * a gate holding a request sees `sluice approvals approve` from another terminal within
 * a poll, and a restarted gate finds its pending approvals and unused grants again.
 * "Once" is enforced by SQLite, not by the view: deciding and using insert their row
 * only where none exists yet, in one statement.
 *
 * @example
 * const approvals = SqliteApprovalStore.open(dataDir, { onError: (e) => log.warn(e) });
 */
import { applyApprovalRows, type ApprovalRow } from './approval-rows.js';
import { randomBytes } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import { ErrorCode, SluiceError } from '../errors.js';
import { checkName, checkText } from '../identity/names.js';
import { InvalidArgumentError } from '../identity/errors.js';
import type { ApprovalDecision, ApprovalEntry, ApprovalStore, GrantScope, NewApproval } from './approvals.js';
import { settleApproval, statusAt } from './approvals.js';
import { WatchedLog, type WatchedLogOptions } from './watched-log.js';
import { stateError } from './sqlite-db.js';

export type SqliteApprovalOptions = Omit<WatchedLogOptions, 'participant'>;

const SCHEMA = [
  `CREATE TABLE approval_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('open', 'decide', 'use')),
    approval TEXT NOT NULL,
    at INTEGER NOT NULL,
    body TEXT NOT NULL
  )`,
  'CREATE INDEX approval_log_approval ON approval_log (approval, kind)',
];

type Row = ApprovalRow;

/** Pending approvals at most: an agent cannot fill the store (and the approvers' list) with requests. */
export const MAX_PENDING = 1000;

export class SqliteApprovalStore implements ApprovalStore {
  readonly #log: WatchedLog<Row, [ApprovalEntry[]]>;
  readonly #view = new Map<string, ApprovalEntry>();
  readonly #insert: Statement<[string, string, number, string]>;
  readonly #once: Statement<[string, string, number, string, string, string]>;

  static open(dataDir: string, opts: SqliteApprovalOptions = {}): SqliteApprovalStore {
    return new SqliteApprovalStore(dataDir, opts);
  }

  private constructor(dataDir: string, opts: SqliteApprovalOptions) {
    this.#log = WatchedLog.open<Row, [ApprovalEntry[]]>(
      dataDir,
      {
        table: 'approval_log',
        schema: SCHEMA,
        columns: 'id, kind, approval, at, body',
        what: 'approvals',
        store: 'approval store',
        // Runs inside WatchedLog.open too, before #log is set: it gets the log as an argument.
        apply: (rows, log) => this.#apply(rows, log),
      },
      opts,
    );
    const db = this.#log.db;
    this.#insert = db.prepare('INSERT INTO approval_log (kind, approval, at, body) VALUES (?, ?, ?, ?)');
    // A decide or a use is recorded only where none of its kind exists for the approval: once, across processes.
    this.#once = db.prepare(
      'INSERT INTO approval_log (kind, approval, at, body) SELECT ?, ?, ?, ? WHERE NOT EXISTS (SELECT 1 FROM approval_log WHERE approval = ? AND kind = ?)',
    );
  }

  create(a: NewApproval): Promise<ApprovalEntry> {
    return this.#log.write(() => {
      const now = this.#log.now();
      if (this.list().length >= MAX_PENDING) {
        throw new SluiceError(ErrorCode.STATE_UNAVAILABLE, `${MAX_PENDING} approvals are already pending; decide some first (sluice approvals list)`);
      }
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
      this.#insert.run('open', id, now, JSON.stringify(body));
      this.#log.load();
      return this.#view.get(id) ?? this.#log.unread(id);
    });
  }

  get(id: string): ApprovalEntry | null {
    const e = this.#view.get(id);
    return e === undefined ? null : this.#current(e);
  }

  list(opts: { all?: boolean } = {}): ApprovalEntry[] {
    this.#fresh();
    const out: ApprovalEntry[] = [];
    for (const e of this.#view.values()) {
      const c = this.#current(e);
      if (opts.all === true || c.status === 'pending') out.push(c);
    }
    return out;
  }

  forDigest(digest: string): ApprovalEntry | null {
    this.#fresh();
    let found: ApprovalEntry | null = null;
    for (const e of this.#view.values()) if (e.digest === digest) found = e;
    return found === null ? null : this.#current(found);
  }

  widened(rule: string, tenant: string | null, session: string | null): ApprovalEntry | null {
    const now = this.#fresh();
    for (const e of this.#view.values()) {
      if (e.status !== 'approved' || e.scope === 'request' || e.rule !== rule || e.tenant !== tenant) continue;
      if (e.grantUntil !== null && now >= e.grantUntil) continue;
      if (e.scope === 'session' && e.session !== session) continue;
      return e;
    }
    return null;
  }

  decide(id: string, d: ApprovalDecision): Promise<ApprovalEntry> {
    return this.#log.write(() => {
      const by = checkName('approver', d.by);
      const reason = d.reason == null ? null : checkText('reason', d.reason);
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
      if (this.#once.run('decide', id, now, body, id, 'decide').changes === 0) throw new InvalidArgumentError('approval', `approval ${id} was already decided`);
      this.#log.load();
      return this.get(id) ?? this.#log.unread(id);
    });
  }

  consume(id: string): Promise<boolean> {
    return this.#log.write(() => {
      const taken = this.#once.run('use', id, this.#log.now(), '{}', id, 'use').changes === 1;
      this.#log.load();
      return taken;
    });
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

  /**
   * Read what other processes added since the last load before answering: a decision
   * made a moment ago in another terminal must count for the agent's retry even before
   * the next poll (one indexed SELECT, only for requests that need an approval).
   */
  #fresh(): number {
    const now = this.#log.assertCurrent();
    try {
      this.#log.load();
    } catch (err) {
      throw stateError(this.#log.db.name, err);
    }
    return now;
  }

  #current(e: ApprovalEntry): ApprovalEntry {
    const status = statusAt(e, this.#log.now());
    return status === e.status ? e : { ...e, status };
  }

  #apply(rows: Row[], log: WatchedLog<Row, [ApprovalEntry[]]>): void {
    const changed = applyApprovalRows(rows, this.#view, log.now());
    if (changed.length > 0) log.notify(changed);
  }
}
