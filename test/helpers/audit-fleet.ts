/**
 * Gate replicas (`sluice start` processes, each with its own data directory and
 * journal) sharing one state namespace, and a load that remembers what the client
 * was answered: for the shared audit trail's tests (test/scale/audit-*.test.ts).
 * Every request has a unique path, so the client's answers and the trail's records
 * are matched by path.
 */
import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createServer, request, Agent, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type pg from 'pg';
import type { AuditRecord } from '../../src/audit/fields.js';
import { initDir, sluice, startCliGate, type CliGate, type InitDir } from './cli.js';

export const SCALE_HOST = 'api.scale.test';

export interface Replica {
  readonly name: string;
  readonly dir: InitDir;
  /** The Proxy-Authorization value for a token of this replica's key. */
  readonly auth: string;
  gate: CliGate | null;
}

/** What a client saw for one request. */
export interface Answer {
  readonly path: string;
  readonly status: number;
  readonly body: string;
  /** When the request was sent (Date.now()). */
  readonly sentAt: number;
}

/** An upstream that answers GETs at once and POSTs after a little while (so some are in flight). */
export async function scaleUpstream(credential: string): Promise<{ server: Server; port: number; reached: Set<string>; credentialSeen: () => number }> {
  const reached = new Set<string>();
  let seen = 0;
  const server = createServer((req, res) => {
    reached.add(req.url ?? '');
    if (req.headers.authorization === `Bearer ${credential}`) seen++;
    req.resume();
    req.on('end', () => {
      if (req.method === 'POST') setTimeout(() => res.end('stored'), Math.floor(Math.random() * 20));
      else res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as AddressInfo).port, reached, credentialSeen: () => seen };
}

/**
 * A replica's data directory: GETs allowed without a credential, POSTs under /post/
 * with one (`secret`), the state section given, `audit.fail_closed: credentialed`.
 * Replicas share the secret store (PostgreSQL holds the sealed secrets), so they share
 * the master key too: a replica after the first takes `first`'s and finds the secret
 * already stored.
 */
export async function replicaDir(
  name: string,
  state: { postgres: string; redis: string; namespace: string },
  secret: string,
  first?: Replica,
): Promise<Replica> {
  const dir = await initDir(`  - id: read
    hosts: [${SCALE_HOST}]
    methods: [GET]
  - id: write
    hosts: [${SCALE_HOST}]
    methods: [POST]
    paths: ["/post/**"]
    credential:
      secret: scale_token
      header: authorization
      value: "Bearer {{secret}}"
      allow_plaintext: true
dns:
  hosts:
    ${SCALE_HOST}: 127.0.0.1
network:
  allow_private: [127.0.0.1/32]
state:
  backend: postgres
  postgres: ${state.postgres}
  redis: ${state.redis}
  namespace: ${state.namespace}
audit:
  fail_closed: credentialed
`);
  if (first === undefined) {
    const set = await sluice(['secret', 'set', 'scale_token', '--config', dir.configFile], { input: `${secret}\n` });
    assert.equal(set.code, 0, set.stderr);
  } else {
    await copyFile(join(first.dir.dir, 'master.key'), join(dir.dir, 'master.key'));
  }
  const t = await sluice(['token', '--tenant', 'acme', '--agent', name, '--ttl', '1h', '--config', dir.configFile]);
  assert.equal(t.code, 0, t.stderr);
  return { name, dir, auth: `Basic ${Buffer.from(`sluice:${t.stdout.trim()}`).toString('base64')}`, gate: null };
}

/** Start (or restart) a replica's gate, named by SLUICE_REPLICA_ID. */
export async function startReplica(r: Replica): Promise<CliGate> {
  r.gate = await startCliGate(r.dir.configFile, { env: { ...process.env, SLUICE_REPLICA_ID: r.name } });
  return r.gate;
}

/** One request through `gate`; the answer, or null when none came back whole (the gate died). */
export function send(gate: CliGate, auth: string, agent: Agent, upstreamPort: number, method: 'GET' | 'POST', path: string): Promise<Answer | null> {
  const sentAt = Date.now();
  return new Promise((resolve) => {
    const req = request({
      host: '127.0.0.1',
      port: gate.port,
      method,
      path: `http://${SCALE_HOST}:${upstreamPort}${path}`,
      headers: { 'proxy-authorization': auth },
      agent,
    });
    req.on('response', (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.complete ? { path, status: res.statusCode ?? 0, body, sentAt } : null));
      res.on('error', () => resolve(null));
    });
    req.on('error', () => resolve(null));
    req.end(method === 'POST' ? `{"n":"${path}"}` : undefined);
  });
}

/**
 * `clients` loops sending to `replica` until `stop()` (each path unique: `/<kind>/<tag>/<n>`);
 * every third client POSTs (credentialed). A loop ends when its gate stops answering.
 */
export function load(replica: Replica, upstreamPort: number, tag: string, clients: number, answers: Answer[]): { stop: () => Promise<void> } {
  const gate = replica.gate;
  if (!gate) throw new Error(`${replica.name} is not running`);
  const agent = new Agent({ keepAlive: true, maxSockets: clients });
  let stopped = false;
  let n = 0;
  const loops = Array.from({ length: clients }, async (_, c) => {
    while (!stopped) {
      const post = c % 3 === 0;
      const a = await send(gate, replica.auth, agent, upstreamPort, post ? 'POST' : 'GET', `/${post ? 'post' : 'get'}/${tag}/${n++}`);
      if (a === null) break;
      answers.push(a);
    }
  });
  return {
    async stop() {
      stopped = true;
      await Promise.all(loops);
      agent.destroy();
    },
  };
}

/** Every record in the namespace's shared trail, with its writer. */
export async function trailRows(pool: pg.Pool, namespace: string): Promise<{ writer: string; record: AuditRecord }[]> {
  const r = await pool.query<{ writer: string; record: AuditRecord }>(`SELECT writer, record FROM "${namespace}".audit_records AS t ORDER BY t.seq`);
  return r.rows;
}

/**
 * The client's answers against the trail: answered requests with no record, with more
 * than one (by path, unique per request), and every record's count by path.
 */
export function reconcile(
  answers: readonly Answer[],
  records: readonly AuditRecord[],
): { missing: string[]; duplicated: string[]; byPath: Map<string, AuditRecord[]> } {
  const byPath = new Map<string, AuditRecord[]>();
  for (const r of records) {
    const list = byPath.get(r.path);
    if (list) list.push(r);
    else byPath.set(r.path, [r]);
  }
  const missing = answers.filter((a) => !byPath.has(a.path)).map((a) => a.path);
  const duplicated = answers.filter((a) => (byPath.get(a.path)?.length ?? 0) > 1).map((a) => a.path);
  return { missing, duplicated, byPath };
}
