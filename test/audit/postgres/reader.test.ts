/**
 * The shared trail's reader (what `sluice audit query|tail` use with state.backend
 * postgres) against the real PostgreSQL: every filter of audit/query.ts, latest, and
 * following new records.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../../src/audit/fields.js';
import { auditRecord } from '../../../src/audit/record.js';
import { PostgresAuditReader } from '../../../src/audit/postgres/reader.js';
import { PostgresAuditSink } from '../../../src/audit/postgres/sink.js';
import { openPostgres } from '../../../src/state/postgres/pool.js';
import { sharedState, type SharedState } from '../../helpers/shared-state.js';

describe('PostgresAuditReader', () => {
  let shared: SharedState;
  let reader: PostgresAuditReader;
  let sink: PostgresAuditSink;
  const all: AuditRecord[] = [];
  let n = 0;
  const rec = (over: Partial<AuditRecord>): AuditRecord =>
    auditRecord({
      decision_id: `dec_r${++n}`,
      time: new Date(Date.UTC(2026, 0, 1, 0, n)).toISOString(),
      policy_version: 'v1',
      outcome: 'allow',
      reason: 'rule_matched',
      status: 200,
      ...over,
    });
  const ids = (rs: readonly AuditRecord[]): string[] => rs.map((r) => r.decision_id);

  before(async () => {
    shared = await sharedState('pgr');
    reader = new PostgresAuditReader(openPostgres({ url: shared.state.postgres, namespace: shared.namespace }), shared.namespace, shared.state.postgres);
    assert.equal(await reader.exists(), false, 'no table before a gate wrote');
    sink = new PostgresAuditSink({
      pool: openPostgres({ url: shared.state.postgres, namespace: shared.namespace }),
      ownsPool: true,
      namespace: shared.namespace,
      writer: 'r1',
      spoolMaxBytes: 1 << 24,
      onError: (err) => assert.fail(err),
    });
    all.push(
      rec({ agent: 'ci', tenant: 'acme', session: 's1', host: 'a.test', rule: 'r-a' }),
      rec({ agent: 'ci', tenant: 'acme', session: 's1', outcome: 'deny', reason: 'no_rule_matched', host: 'b.test' }),
      rec({ agent: 'bot', tenant: 'other', session: 's2', outcome: 'error', reason: 'upstream_error', budget: 'daily,team' }),
      rec({ agent: 'bot', tenant: 'other', session: 's2', protocol: 'mcp', server: 'fs', tool: 'read', approval_id: 'apr_1' }),
      rec({ agent: 'ci', tenant: 'acme', session: 's3', outcome: 'would_deny', budget: 'team' }),
    );
    for (const r of all) sink.write(r);
    await sink.close();
  });
  after(async () => {
    await reader.close();
    await shared.cleanup();
  });

  test('exists once a gate has written; names where it reads without a password', async () => {
    assert.equal(await reader.exists(), true);
    assert.match(reader.file, new RegExp(`schema ${shared.namespace}, table audit_records`));
  });

  test('every filter of sluice audit query', async () => {
    assert.deepEqual(ids(await reader.query({ order: 'asc' })), ids(all));
    assert.deepEqual(ids(await reader.query()), ids(all).reverse(), 'newest first by default');
    assert.deepEqual(ids(await reader.query({ agent: 'ci', order: 'asc' })), ['dec_r1', 'dec_r2', 'dec_r5']);
    assert.deepEqual(ids(await reader.query({ tenant: 'other', order: 'asc' })), ['dec_r3', 'dec_r4']);
    assert.deepEqual(ids(await reader.query({ session: 's1', order: 'asc' })), ['dec_r1', 'dec_r2']);
    assert.deepEqual(ids(await reader.query({ outcome: ['deny', 'error'], order: 'asc' })), ['dec_r2', 'dec_r3']);
    assert.deepEqual(ids(await reader.query({ outcome: 'would_deny' })), ['dec_r5']);
    assert.deepEqual(ids(await reader.query({ reason: 'no_rule_matched' })), ['dec_r2']);
    assert.deepEqual(ids(await reader.query({ rule: 'r-a' })), ['dec_r1']);
    assert.deepEqual(ids(await reader.query({ host: 'b.test' })), ['dec_r2']);
    assert.deepEqual(ids(await reader.query({ budget: 'team', order: 'asc' })), ['dec_r3', 'dec_r5']);
    assert.deepEqual(ids(await reader.query({ budget: 'dai' })), [], 'a budget name matches whole');
    assert.deepEqual(ids(await reader.query({ approval: 'apr_1' })), ['dec_r4']);
    assert.deepEqual(ids(await reader.query({ protocol: ['mcp', 'a2a'] })), ['dec_r4']);
    assert.deepEqual(ids(await reader.query({ since: new Date(all[1]!.time), until: new Date(all[3]!.time), order: 'asc' })), ['dec_r2', 'dec_r3']);
    assert.deepEqual(ids(await reader.query({ limit: 2 })), ['dec_r5', 'dec_r4']);
    assert.deepEqual(ids(await reader.query({ agent: "ci' OR 1=1 --" })), [], 'values are bound, never spliced');
    await assert.rejects(reader.query({ limit: -1 }), RangeError);
    // The record comes back whole.
    assert.deepEqual((await reader.query({ approval: 'apr_1' }))[0], all[3]);
  });

  test('latest, then tail delivers each new record once, in insertion order', async () => {
    const { records, lastRowid } = await reader.latest(2);
    assert.deepEqual(ids(records), ['dec_r4', 'dec_r5']);
    assert.ok(lastRowid >= 5);
    const seen: string[] = [];
    const stop = reader.tail({ fromRowid: lastRowid, pollMs: 20, onRecord: (r) => seen.push(r.decision_id), onError: (err) => assert.fail(err as Error) });
    const more = new PostgresAuditSink({
      pool: openPostgres({ url: shared.state.postgres, namespace: shared.namespace }),
      ownsPool: true,
      namespace: shared.namespace,
      writer: 'r2',
      spoolMaxBytes: 1 << 24,
      onError: (err) => assert.fail(err),
    });
    const next = [rec({}), rec({}), rec({})];
    for (const r of next) more.write(r);
    await more.close();
    const end = Date.now() + 5000;
    while (seen.length < 3 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    stop();
    assert.deepEqual(seen, ids(next));
  });
});
