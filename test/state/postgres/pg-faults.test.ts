/**
 * The PostgreSQL watched log under faults, through a TCP proxy of this test's own in
 * front of the machine's PostgreSQL (never the server itself): a LISTEN connection cut
 * mid-run is replaced and what was missed arrives by polling; PostgreSQL unreachable
 * past `maxStaleMs` makes reads refuse (fail closed) instead of answering from a stale
 * snapshot; once reachable again the replica catches up on every row written meanwhile.
 */
import assert from 'node:assert/strict';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { SharedConnections } from '../../../src/state/shared-backend.js';
import { PgRevocationStore } from '../../../src/state/postgres/pg-revocations.js';
import type { Principal } from '../../../src/identity/principal.js';
import { sharedState, type SharedState } from '../../helpers/shared-state.js';

/** A cuttable TCP proxy to PostgreSQL. */
class PgProxy {
  readonly sockets = new Set<Socket>();
  server: Server | null = null;
  port = 0;
  async start(port = 0): Promise<void> {
    this.server = createServer((client) => {
      const upstream = connect({ host: '127.0.0.1', port: 5432 });
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
      client.on('close', () => upstream.destroy());
      upstream.on('close', () => client.destroy());
    });
    await new Promise<void>((r) => this.server!.listen(port, '127.0.0.1', r));
    this.port = (this.server.address() as { port: number }).port;
  }
  /** Cut every connection open now (new ones still get through). */
  cut(): void {
    for (const s of this.sockets) s.destroy();
  }
  /** Refuse new connections too. */
  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server?.close(() => r()));
    this.server = null;
  }
}

const principal = (session: string): Principal =>
  ({
    tenant: 'acme',
    agent: 'bot',
    session,
    tokenId: 'jti',
    human: null,
    labels: {},
    issuedAt: Date.now(),
    expiresAt: Date.now() + 60_000,
  }) as unknown as Principal;

async function until(what: string, pred: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) assert.fail(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('PgWatchedLog under faults (a proxy of our own in front of PostgreSQL)', () => {
  let shared: SharedState;
  const proxy = new PgProxy();
  const conns: SharedConnections[] = [];
  before(async () => {
    shared = await sharedState('pgf');
    await proxy.start();
  });
  after(async () => {
    for (const c of conns) await c.end();
    await proxy.stop().catch(() => undefined);
    await shared.cleanup();
  });

  test('a cut LISTEN connection: rows still arrive (poll, then a new LISTEN); unreachable past maxStaleMs: reads refuse; back: caught up', async () => {
    const direct = new SharedConnections({ ...shared.state, redis_down: 'refuse' });
    const viaProxy = new SharedConnections({ ...shared.state, postgres: `postgres://root@127.0.0.1:${proxy.port}/test`, redis_down: 'refuse' });
    conns.push(direct, viaProxy);
    const writer = await PgRevocationStore.open(direct, { watch: false });
    const errors: unknown[] = [];
    const replica = await PgRevocationStore.open(viaProxy, { pollMs: 200, maxStaleMs: 800, onError: (e) => errors.push(e) });

    proxy.cut();
    await writer.revoke({ kind: 'session', value: 'ses_after_cut' });
    await until('the revocation written after the cut', () => replica.isRevoked(principal('ses_after_cut')) !== null);
    assert.ok(errors.length > 0, 'the lost LISTEN connection was reported');

    // Now over a new LISTEN connection: fast again.
    const listening = async (): Promise<number> =>
      (
        await shared.pg.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_stat_activity WHERE query = $1 AND state = 'idle'", [
          `LISTEN "${shared.namespace}.revocations"`,
        ])
      ).rows[0]!.n;
    for (let i = 0; (await listening()) !== 1; i++) {
      if (i > 200) assert.fail('no new LISTEN connection');
      await new Promise((r) => setTimeout(r, 25));
    }
    const t0 = Date.now();
    await writer.revoke({ kind: 'session', value: 'ses_relisten' });
    await until('the revocation over the new LISTEN', () => replica.isRevoked(principal('ses_relisten')) !== null);
    console.log(`after reconnecting, a revocation arrived in ${Date.now() - t0} ms`);

    await proxy.stop();
    await writer.revoke({ kind: 'session', value: 'ses_while_down' });
    await until(
      'reads to refuse',
      () => {
        try {
          replica.isRevoked(principal('ses_other'));
          return false;
        } catch (err) {
          return /could not be read for \d+ms; refusing/.test((err as Error).message);
        }
      },
      10_000,
    );

    await proxy.start(proxy.port);
    await until(
      'reads to answer again, with what was written meanwhile',
      () => {
        try {
          return replica.isRevoked(principal('ses_while_down')) !== null;
        } catch {
          return false;
        }
      },
      10_000,
    );
    assert.equal(replica.isRevoked(principal('ses_other')), null);
    await replica.close();
    await writer.close();
  });

  test('Redis unreachable: revocations, kills and approvals need only PostgreSQL', async () => {
    const free = createServer();
    await new Promise<void>((r) => free.listen(0, '127.0.0.1', r));
    const deadPort = (free.address() as { port: number }).port;
    await new Promise<void>((r) => free.close(() => r()));
    const noRedis = new SharedConnections({ ...shared.state, redis: `redis://127.0.0.1:${deadPort}`, redis_down: 'refuse' });
    conns.push(noRedis);
    const store = await PgRevocationStore.open(noRedis, { pollMs: 200 });
    await store.revoke({ kind: 'session', value: 'ses_no_redis' });
    assert.notEqual(store.isRevoked(principal('ses_no_redis')), null);
    await store.close();
  });
});
