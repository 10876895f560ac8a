/**
 * One audit trail for every replica (issue #17): three `sluice start` processes, each
 * with its own data directory and journal, share one state namespace in PostgreSQL.
 * Under load, one replica is killed with SIGKILL, restarted on its data directory
 * (its journal replayed into the shared trail), and the load goes on. Then every
 * request the clients were answered (2xx or 4xx/5xx, any status) has exactly one
 * record in PostgreSQL, every replica's records are there under its name, and
 * `sluice audit query` on any replica's config reads them all.
 */
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { auditQuery, waitFor } from '../helpers/cli-e2e.js';
import { sluice } from '../helpers/cli.js';
import { sharedState, type SharedState } from '../helpers/shared-state.js';
import { load, reconcile, replicaDir, scaleUpstream, startReplica, trailRows, type Answer, type Replica } from '../helpers/audit-fleet.js';

const CANARY = `scale-canary-${Math.random().toString(36).slice(2)}`;
const CLIENTS = 6;

describe('the shared audit trail across replicas', () => {
  let shared: SharedState;
  let upstream: { server: Server; port: number; reached: Set<string>; credentialSeen: () => number };
  const replicas: Replica[] = [];

  before(async () => {
    shared = await sharedState('sca');
    upstream = await scaleUpstream(CANARY);
    for (const name of ['replica-a', 'replica-b', 'replica-c']) replicas.push(await replicaDir(name, shared.state, CANARY, replicas[0]));
    for (const r of replicas) await startReplica(r);
  });
  after(async () => {
    for (const r of replicas) await r.gate?.stop('SIGKILL');
    upstream.server.closeAllConnections();
    await new Promise((r) => upstream.server.close(r));
    await shared.cleanup();
  });

  test('kill -9 of a replica mid-load: every answered request has exactly one record in the one trail', async () => {
    const answers: Answer[] = [];
    const answered = (tag: string): number => answers.filter((a) => a.path.includes(`/${tag}/`)).length;
    const victim = replicas[1]!;
    const loads = replicas.map((r) => load(r, upstream.port, `${r.name}-1`, CLIENTS, answers));
    // Mid-load: once each replica has answered a good number (a loaded machine warms up slowly).
    await waitFor('every replica answering', () => (replicas.every((r) => answered(`${r.name}-1`) >= 50) ? true : undefined), 60_000, 50);
    const victimLog = victim.gate!.stderr();
    // Mid-load: the victim dies with exchanges in flight and records not yet in PostgreSQL.
    victim.gate!.child.kill('SIGKILL');
    await victim.gate!.stop('SIGKILL');
    await loads[1]!.stop();
    // What PostgreSQL held of the victim at the kill: the rest was only in its journal.
    const victimPaths = new Set(answers.filter((a) => a.path.includes(`/${victim.name}-1/`)).map((a) => a.path));
    const inPgAtKill = (await trailRows(shared.pg, shared.namespace)).filter((r) => victimPaths.has(r.record.path)).length;
    const answeredBeforeKill = answered(`${victim.name}-1`);
    await new Promise((r) => setTimeout(r, 500));
    await startReplica(victim);
    const again = load(victim, upstream.port, `${victim.name}-2`, CLIENTS, answers);
    await waitFor('the restarted replica answering', () => (answered(`${victim.name}-2`) >= 50 ? true : undefined), 60_000, 50);
    await again.stop();
    await Promise.all([loads[0]!.stop(), loads[2]!.stop()]);
    for (const r of replicas) assert.deepEqual(await r.gate!.stop('SIGTERM', 30_000), { code: 0, signal: null }, r.gate!.stderr());

    const rows = await trailRows(shared.pg, shared.namespace);
    const records = rows.map((r) => r.record);
    const { missing, duplicated, byPath } = reconcile(answers, records);
    const writers = new Map<string, number>();
    for (const r of rows) writers.set(r.writer, (writers.get(r.writer) ?? 0) + 1);
    const interrupted = records.filter((r) => r.error === 'gate_interrupted').length;
    const statuses = new Map<number, number>();
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
    console.log(
      `# ${answers.length} answered (${[...statuses].map(([s, c]) => `${c}×${s}`).join(', ')}; ${answeredBeforeKill} by the victim before its kill, ${answeredBeforeKill - inPgAtKill} of them only in its journal then), ` +
        `${records.length} records (${[...writers].map(([w, c]) => `${w}: ${c}`).join(', ')}), ${interrupted} gate_interrupted; missing ${missing.length}, duplicated ${duplicated.length}`,
    );
    assert.ok(answeredBeforeKill > 20, `the victim was under load when killed; its log:\n${victimLog.slice(-3000)}`);
    assert.ok(answers.length > 200, 'the load ran');
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} answered requests have no record`);
    assert.deepEqual(duplicated.slice(0, 10), [], `${duplicated.length} answered requests have more than one record`);
    assert.equal(new Set(records.map((r) => r.decision_id)).size, records.length, 'one row per decision id');
    // Every request that reached the upstream is on record too (some only as gate_interrupted).
    const lostReached = [...upstream.reached].filter((p) => !byPath.has(p));
    assert.deepEqual(lostReached.slice(0, 10), [], `${lostReached.length} requests that reached the upstream have no record`);
    assert.deepEqual([...writers.keys()].sort(), ['replica-a', 'replica-b', 'replica-c'], 'one trail holds every replica');
    assert.ok(upstream.credentialSeen() > 0, 'credentialed requests were served');
    assert.ok(!JSON.stringify(records).includes(CANARY), 'no secret in the trail');

    // `sluice audit query` on any replica's config reads the shared trail.
    const viaCli = await auditQuery(replicas[0]!.dir.configFile, ['--limit', '1000000']);
    assert.equal(viaCli.length, records.length);
    const agents = new Set(viaCli.map((r) => r.agent));
    assert.deepEqual([...agents].sort(), ['replica-a', 'replica-b', 'replica-c']);
    const denied = await auditQuery(replicas[2]!.dir.configFile, ['--agent', 'replica-b', '--limit', '5']);
    assert.ok(denied.length === 5 && denied.every((r) => r.agent === 'replica-b'));
    const tail = await sluice(['audit', 'tail', '-n', '3', '--json', '--config', replicas[1]!.dir.configFile]);
    assert.equal(tail.code, 0, tail.stderr);
    const last3 = tail.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { decision_id: string }).decision_id);
    assert.deepEqual(
      last3,
      rows.slice(-3).map((r) => r.record.decision_id),
      'tail shows the last records inserted, from every replica',
    );
  });
});
