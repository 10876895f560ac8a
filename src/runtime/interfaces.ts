/**
 * The services the runtime opens, as interfaces: what the gate, `sluice mcp`, the
 * CLI and the admin server program against, whichever backend is behind them.
 * Revocations, tool pins and the audit writer have their interfaces where their
 * semantics are written down (state/, audit/); the secret store and the audit
 * reader are named here, over what the CLI and the gate use of them.
 */
import type { AuditRecord } from '../audit/fields.js';
import type { AuditFilter, TailOptions } from '../audit/query.js';
import type { SecretSource } from '../credentials/refs.js';

export type { RevocationStore } from '../state/revocations.js';
export type { StopStore } from '../state/stops.js';
export type { ToolPinStore } from '../state/tool-pins.js';
export type { AuditSink as AuditWriter } from '../audit/sink.js';

/**
 * The encrypted secret store (credentials/file-store.ts today). Values leave it only
 * through `reveal`, as a Buffer the caller zeroes; `list` gives names, never values.
 */
export interface SecretStore extends SecretSource {
  /** Where it is kept, for messages ("no secrets in FILE"). */
  readonly file: string;
  list(): { name: string; setAt: string }[];
  set(name: string, value: string | Buffer): Promise<void>;
  /** False when there was no such secret. */
  remove(name: string): Promise<boolean>;
  /** Read it again (after `sluice secret set` in another process). */
  reload(): Promise<void>;
}

/**
 * Reads the audit trail the gate writes: audit.db (SqliteAuditReader: each call opens
 * and closes its own read-only connection, answers synchronously), or the shared
 * trail in PostgreSQL (audit/postgres/reader.ts: answers with promises; the runtime
 * ends its connections at close). Await every answer: both kinds fit.
 *
 * @example
 * if (!(await reader.exists())) return 1;
 * const denied = await reader.query({ outcome: 'deny', limit: 20 });
 */
export interface AuditReader {
  /** The trail's location, for messages. */
  readonly file: string;
  /** False while no gate has written a trail to read. */
  exists(): boolean | Promise<boolean>;
  /** Records matching every filter given, newest first unless `order: 'asc'`. */
  query(filter?: AuditFilter): AuditRecord[] | Promise<AuditRecord[]>;
  /** The newest `n` records in write order, and the position to follow from. */
  latest(n: number): { records: AuditRecord[]; lastRowid: number } | Promise<{ records: AuditRecord[]; lastRowid: number }>;
  /** Follow new records; returns the function that stops following. */
  tail(opts: TailOptions): () => void;
}
