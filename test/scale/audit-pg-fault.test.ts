/**
 * PostgreSQL "stopped" mid-load (issue #17), without stopping the machine's server:
 * two replicas reach PostgreSQL through a TCP proxy of the test's own, which is cut
 * (every connection destroyed, no longer listening) while the load runs. While it is
 * down, credentialed requests are refused 503 `audit_unavailable` and uncredentialed
 * ones are still answered (`audit.fail_closed: credentialed`, as with audit.db); their
 * records wait in each replica's spool. The proxy is reopened: the spools are replayed,
 * and every request a client was answered has exactly one record in the trail. One
 * replica is killed with SIGKILL while PostgreSQL is down: its records are then only in
 * its journal on disk, which it replays when it starts again.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { AuditRecord } from '../../src/audit/fields.js';
import { waitFor } from '../helpers/cli-e2e.js';
import { sharedState, type SharedState } from '../helpers/shared-state.js';
import { startPgProxy, type PgProxy } from '../helpers/pg-proxy.js';
import { load, reconcile, replicaDir, scaleUpstream, startReplica, trailRows, type Answer, type Replica } from '../helpers/audit-fleet.js';

const CANARY = `fault-canary-${Math.random().toString(36).slice(2)}`;
const CLIENTS = 6;

describe('the shared audit trail while PostgreSQL is unreachable', () => {
  let shared: SharedState;
  let proxy: PgProxy;
  let upstream: { server: Server; port: number; reached: Set<string>; credentialSeen: () => number };
  const replicas: Replica[] = [];

  before(async () => {
    shared = await sharedState('scf');
    proxy = await startPgProxy();
    upstream = await scaleUpstream(CANARY);
    const state = { ...shared.state, postgres: proxy.url() };
    for (const name of ['replica-a', 'replica-b']) replicas.push(await replicaDir(name, state, CANARY, replicas[0]));
    for (const r of replicas) await startReplica(r);
  });
  after(async () => {
    for (const r of replicas) await r.gate?.stop('SIGKILL');
    upstream.server.closeAllConnections();
    await new Promise((r) => upstream.server.close(r));
    await proxy.close();
    await shared.cleanup();
  });

  test('credentialed requests refused, the rest answered and spooled, replayed after PostgreSQL is back: none lost', async () => {
    const answers: Answer[] = [];
    const count = (pred: (a: Answer) => boolean): number => answers.filter(pred).length;
    const phase = (tag: string) => (a: Answer) => a.path.includes(`-${tag}/`);
    const loads = replicas.map((r) => load(r, upstream.port, `${r.name}-up`, CLIENTS, answers));
    await waitFor('both replicas answering', () => (count(phase('up')) >= 100 ? true : undefined), 60_000, 50);
    await Promise.all(loads.map((l) => l.stop()));

    // PostgreSQL goes away mid-load.
    const during = replicas.map((r) => load(r, upstream.port, `${r.name}-down`, CLIENTS, answers));
    await waitFor('a little load before the cut', () => (count(phase('down')) >= 30 ? true : undefined), 60_000, 20);
    await proxy.cut();
    const cutAt = answers.length;
    await waitFor(
      'each replica refusing credentialed requests for the audit',
      () =>
        replicas.every((r) => answers.slice(cutAt).some((a) => a.path.includes(`/${r.name}-down/`) && a.status === 503 && a.body.includes('audit_unavailable')))
          ? true
          : undefined,
      60_000,
      20,
    );
    // Keep going a while with PostgreSQL down, every replica having noticed: GETs answered, POSTs refused.
    // Requests sent from now on find every replica knowing its audit is failing.
    const noticedAt = Date.now();
    const refusedAt = answers.length;
    await waitFor('load while PostgreSQL is down', () => (answers.length - refusedAt >= 150 ? true : undefined), 60_000, 20);
    // One replica is killed while its records are only in its spool and journal.
    const victim = replicas[1]!;
    victim.gate!.child.kill('SIGKILL');
    await victim.gate!.stop('SIGKILL');
    await Promise.all(during.map((l) => l.stop()));
    const whileDown = answers.filter((a) => a.path.includes('-down/') && a.sentAt > noticedAt);
    const rows = await trailRows(shared.pg, shared.namespace);
    const pathsInPg = new Set(rows.map((r) => r.record.path));
    const spooled = whileDown.filter((a) => !pathsInPg.has(a.path)).length;

    // Back: the spools are replayed, the killed replica's from its journal as it restarts; new load is recorded too.
    await proxy.open();
    await startReplica(victim);
    const back = replicas.map((r) => load(r, upstream.port, `${r.name}-back`, CLIENTS, answers));
    await waitFor('answers after PostgreSQL is back', () => (count(phase('back')) >= 100 ? true : undefined), 60_000, 50);
    await Promise.all(back.map((l) => l.stop()));
    let records: AuditRecord[] = [];
    await waitFor(
      'every answered request in the trail',
      async () => {
        records = (await trailRows(shared.pg, shared.namespace)).map((r) => r.record);
        return reconcile(answers, records).missing.length === 0 ? true : undefined;
      },
      60_000,
      200,
    ).catch(() => undefined);
    for (const r of replicas) assert.deepEqual(await r.gate!.stop('SIGTERM', 30_000), { code: 0, signal: null }, r.gate!.stderr());
    records = (await trailRows(shared.pg, shared.namespace)).map((r) => r.record);
    const { missing, duplicated, byPath } = reconcile(answers, records);

    const getsDown = whileDown.filter((a) => a.path.startsWith('/get/'));
    const postsDown = whileDown.filter((a) => a.path.startsWith('/post/'));
    const refused = postsDown.filter((a) => a.status === 503 && a.body.includes('audit_unavailable'));
    console.log(
      `# ${answers.length} answered; while PostgreSQL was down: ${getsDown.length} GETs (${getsDown.filter((a) => a.status === 200).length} answered 200), ` +
        `${postsDown.length} credentialed POSTs (${refused.length} refused audit_unavailable), ${spooled} records spooled then (${whileDown.filter((a) => a.path.includes(`/${victim.name}-`)).length} by the replica killed then); ` +
        `${records.length} records in the trail; missing ${missing.length}, duplicated ${duplicated.length}`,
    );
    assert.ok(getsDown.length > 50 && getsDown.every((a) => a.status === 200), 'uncredentialed requests are answered while PostgreSQL is down');
    assert.ok(postsDown.length > 10, 'credentialed requests were tried while PostgreSQL was down');
    assert.deepEqual(
      postsDown.filter((a) => a.status !== 503).map((a) => a.path),
      [],
      'every credentialed request after the failure was noticed is refused',
    );
    assert.equal(refused.length, postsDown.length, 'refused for the audit, with its reason');
    assert.ok(spooled > 50, `records waited in the spools while PostgreSQL was down (${spooled})`);
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} answered requests have no record`);
    assert.deepEqual(duplicated.slice(0, 10), [], `${duplicated.length} answered requests have more than one record`);
    // A refused request's record says why; or, cut by the kill before its finished record
    // reached the journal, it is the decision on record as interrupted (journal-recover.ts).
    for (const a of refused) {
      const r = byPath.get(a.path)?.[0];
      assert.ok(r?.reason === 'audit_unavailable' || r?.error === 'gate_interrupted', `${a.path}: ${JSON.stringify(r)}`);
    }
    assert.ok(!JSON.stringify(records).includes(CANARY), 'no secret in the trail');
    // The replica that lived through it said so, loudly, and said when it recovered; the
    // one killed replayed its journal when it started again.
    assert.match(replicas[0]!.gate!.stderr(), /AUDIT WRITE FAILED/);
    assert.match(replicas[0]!.gate!.stderr(), /audit sink recovered/);
    const replayed = /"restored":(\d+).*audit journal replayed/.exec(victim.gate!.stderr());
    assert.ok(replayed !== null && Number(replayed[1]) > 0, victim.gate!.stderr());
  });
});
