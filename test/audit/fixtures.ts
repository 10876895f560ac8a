import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { newDecisionId } from '../../src/audit/decision-id.js';
import type { AuditRecord } from '../../src/audit/fields.js';

/** A complete record; `i` spreads ids and times (one second apart from `base`). */
export function makeRecord(i: number, over: Partial<AuditRecord> = {}, base = Date.parse('2025-01-01T00:00:00.000Z')): AuditRecord {
  return {
    decision_id: newDecisionId(base + i * 1000),
    time: new Date(base + i * 1000).toISOString(),
    tenant: 'acme',
    agent: 'agent-a',
    session: 'sess-1',
    human: null,
    method: 'GET',
    scheme: 'https',
    host: 'api.example.com',
    port: 443,
    path: `/v1/items/${i}`,
    intent: null,
    outcome: 'allow',
    reason: 'rule_allow',
    rule: 'example',
    policy_version: 'abc123def456',
    credential: null,
    route: null,
    status: 200,
    bytes_in: 10 + i,
    bytes_out: 2048,
    duration_ms: 12.5,
    findings: [],
    transport: 'intercept',
    address: '93.184.216.34:443',
    error: null,
    synthesised: false,
    rewritten: [],
    protocol: null,
    server: null,
    tool: null,
    parent_id: null,
    budget: null,
    model: null,
    tokens_in: null,
    tokens_out: null,
    cost: null,
    approval_id: null,
    ...over,
  };
}

/** Rows committed to an audit.db, read from a connection of its own. */
export function committedRows(file: string): number {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM audit').get() as { n: number }).n;
  } finally {
    db.close();
  }
}

/** A fresh temp folder, removed after `fn`. */
export async function withTempDir<T>(fn: (dir: string) => T | Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-audit-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Poll `check` until it returns true, at most `ms`; false if it never did. */
export async function waitFor(check: () => boolean, ms = 5_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 10));
  }
  return check();
}

/** Collects onError calls. */
export function errors(): { list: Error[]; onError: (err: Error) => void } {
  const list: Error[] = [];
  return { list, onError: (err) => list.push(err) };
}
