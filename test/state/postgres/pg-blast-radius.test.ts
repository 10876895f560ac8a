/**
 * The blast radius on PostgreSQL: two replicas (two runtimes on one namespace) see one
 * session's critical domains and count its tool calls against one cap, even when they
 * count at once; the table stays within its bound.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { SharedConnections } from '../../../src/state/shared-backend.js';
import { PgBlastRadius } from '../../../src/state/postgres/pg-blast-radius.js';
import { needsApproval } from '../../../src/state/blast-radius.js';
import { sharedState, type SharedState } from '../../helpers/shared-state.js';

let shared: SharedState;
before(async () => {
  shared = await sharedState('blast');
});
after(() => shared.cleanup());

const open = (maxSessions = 10_000): Promise<PgBlastRadius> =>
  PgBlastRadius.open(new SharedConnections({ ...shared.state, redis_down: 'refuse' }), { maxSessions });

test('a domain written through one replica counts on the other; a second critical domain needs approval', async () => {
  const [a, b] = await Promise.all([open(), open()]);
  try {
    const key = 'acme\u0000s1';
    assert.deepEqual(await b.domains(key), []);
    await a.wrote(key, 'db.example');
    await a.wrote(key, 'db.example');
    assert.deepEqual(await b.domains(key), ['db.example']);
    assert.equal(needsApproval(await b.domains(key), 'billing.example', 1), true);
    assert.equal(needsApproval(await b.domains(key), 'db.example', 1), false);
    await b.wrote(key, 'billing.example');
    assert.deepEqual([...(await a.domains(key))].sort(), ['billing.example', 'db.example']);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('tool calls from two replicas at once count against one cap: exactly max pass', async () => {
  const [a, b] = await Promise.all([open(), open()]);
  try {
    const key = 'acme\u0000chain';
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? a : b).toolCall(key, 15)));
    assert.equal(results.filter(Boolean).length, 15);
    assert.equal(await a.toolCall(key, 15), false);
    assert.equal(await b.toolCall(key, 0), true, 'no cap: always allowed');
    const row = await shared.pg.query<{ calls: number }>(`SELECT calls FROM "${shared.namespace}".blast_sessions WHERE key = $1`, [Buffer.from(key)]);
    assert.equal(row.rows[0]?.calls, 15);
  } finally {
    await Promise.all([a.close(), b.close()]);
  }
});

test('the table is bounded: the least recently seen sessions are forgotten', async () => {
  let t = 1_000;
  const s = await PgBlastRadius.open(new SharedConnections({ ...shared.state, redis_down: 'refuse' }), { maxSessions: 64, now: () => t++ });
  try {
    for (let i = 0; i < 200; i++) await s.wrote(`bound\u0000s${i}`, 'db.example');
    const n = await shared.pg.query<{ n: string }>(`SELECT count(*) AS n FROM "${shared.namespace}".blast_sessions WHERE position('bound'::bytea in key) = 1`);
    assert.ok(Number(n.rows[0]!.n) <= 64 + 1, `rows: ${n.rows[0]!.n}`);
    assert.deepEqual(await s.domains('bound\u0000s199'), ['db.example']);
    assert.deepEqual(await s.domains('bound\u0000s0'), []);
  } finally {
    await s.close();
  }
});
