/**
 * Budgets and rate limits in Redis, per request: requests per second and latency (p50, p99) through one, two
 * and three `sluice start` gates sharing PostgreSQL and Redis (`state.backend:
 * postgres`), against one gate on the embedded SQLite default, in one run. Every
 * request counts in a budget and a rate limit (both set far above what the run
 * reaches), so each one pays the shared state's round trips: the printed overhead per
 * request is what the shared backend costs over the in-memory ledger and buckets, and
 * a row without budget or rate limit on the shared backend separates Redis's part.
 *
 * The load generator is this process (keep-alive, `CONCURRENCY` requests in flight,
 * round robin across the gates); the upstream is a plain Node server here too. On a
 * small machine the gates, the client and the databases share the cores: compare the
 * rows with each other, not with other machines.
 *
 *   npm run bench:counters            # SLUICE_BENCH_SECONDS=5 SLUICE_BENCH_CONCURRENCY=32
 *
 * (bench/replicas.ts measures throughput and CPU per request across replicas; this one
 * is about what the budget and rate-limit round trips to Redis add.)
 */
import { rm } from 'node:fs/promises';
import { Agent, createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { writeFile, readFile } from 'node:fs/promises';
import { initDir, loopbackUpstream, sluice, startCliGate, type CliGate } from '../test/helpers/cli.js';
import { sharedState, type SharedState } from '../test/helpers/shared-state.js';
import { accountKey, accountOf, budgetPlan } from '../src/state/budget-plan.js';
import type { BudgetAsk } from '../src/state/budgets.js';
import { openRedis } from '../src/state/redis/client.js';
import { connected } from '../src/state/redis/open-counters.js';
import { RedisBudgetStore } from '../src/state/redis/redis-budgets.js';
import { RedisRateBuckets } from '../src/state/redis/redis-rate-buckets.js';
import { Latencies, quantile } from './compare/stats.js';

const SECONDS = Number(process.env.SLUICE_BENCH_SECONDS ?? 5);
const CONCURRENCY = Number(process.env.SLUICE_BENCH_CONCURRENCY ?? 32);

interface Row {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

/** Load `gates` for `seconds` (after a 1 s warm-up) and measure. */
async function load(gates: readonly CliGate[], token: string, url: string, seconds: number): Promise<Omit<Row, 'name'>> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const auth = `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
  let i = 0;
  const one = (): Promise<number> =>
    new Promise((resolve) => {
      const g = gates[i++ % gates.length]!;
      const req = httpRequest({ host: '127.0.0.1', port: g.port, path: url, headers: { 'proxy-authorization': auth }, agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', () => resolve(0));
      req.end();
    });
  const run = async (ms: number, lat: Latencies | null): Promise<{ n: number; errors: number }> => {
    const until = performance.now() + ms;
    let n = 0;
    let errors = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (performance.now() < until) {
          const t = performance.now();
          const status = await one();
          lat?.push(performance.now() - t);
          n++;
          if (status !== 200) errors++;
        }
      }),
    );
    return { n, errors };
  };
  await run(1000, null);
  const lat = new Latencies();
  const t0 = performance.now();
  const { n, errors } = await run(seconds * 1000, lat);
  const elapsed = (performance.now() - t0) / 1000;
  agent.destroy();
  const sorted = lat.sorted();
  return { rps: n / elapsed, p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99), errors };
}

async function scenario(name: string, state: string, replicas: number, upstreamPort: number, counted = true): Promise<Row> {
  const limits = counted
    ? `${loopbackUpstream('upstream', '    rate_limit: { requests: 1000000, per: 1s, by: session }\n')}budgets:\n  session-calls: { per: session, calls: 1000000000 }\n`
    : loopbackUpstream('upstream');
  const d = await initDir(`${limits}${state}`);
  const base = await readFile(d.configFile, 'utf8');
  const gates: CliGate[] = [];
  try {
    for (let i = 0; i < replicas; i++) {
      const f = join(d.dir, `replica-${i}.yaml`);
      await writeFile(f, `${base}control:\n  socket: ${join(d.dir, `control-${i}.sock`)}\n`);
      gates.push(await startCliGate(f));
    }
    const t = await sluice(['token', '--tenant', 'acme', '--agent', 'bench', '--session', 'bench', '--config', d.configFile]);
    if (t.code !== 0) throw new Error(`sluice token: ${t.stderr}`);
    const r = await load(gates, t.stdout.trim(), `http://api.upstream.test:${upstreamPort}/`, SECONDS);
    return { name, ...r };
  } finally {
    for (const g of gates) await g.stop();
    await rm(dirname(d.dir), { recursive: true, force: true });
  }
}

/** The stores alone, one call at a time from this process: what each request's round trips to Redis cost. */
async function storeLatencies(shared: SharedState): Promise<string[]> {
  const redis = openRedis({ url: shared.state.redis, namespace: shared.namespace });
  await connected(redis, 2000);
  try {
    const b = budgetPlan({ budgets: { s: { per: 'session', window: 'life', on_exhausted: 'refuse', calls: 1e12 } } }).budgets[0]!;
    const account = accountOf(b, { tenant: 'acme', agent: 'bench', session: 'store' });
    const ask: BudgetAsk = { budget: b, account, key: accountKey(account) };
    const budgets = new RedisBudgetStore(redis, { failOpen: false });
    const rates = new RedisRateBuckets(redis, { failOpen: false });
    const ops: [string, () => Promise<unknown>][] = [
      ['budget take (check + charge script)', () => budgets.take([ask], { write: false, llm: false }, [{ calls: 1 }])],
      ['rate take (token bucket script)', () => rates.take([{ key: 'bench', requests: 1e9, perMs: 1000, burst: 1e9 }], 65_536)],
      ['PING (one round trip)', () => redis.ping()],
    ];
    const out: string[] = [];
    for (const [name, op] of ops) {
      for (let i = 0; i < 200; i++) await op();
      const lat = new Latencies();
      for (let i = 0; i < 3000; i++) {
        const t = performance.now();
        await op();
        lat.push(performance.now() - t);
      }
      const sorted = lat.sorted();
      out.push(`${name.padEnd(40)}${quantile(sorted, 0.5).toFixed(3).padStart(10)}${quantile(sorted, 0.99).toFixed(3).padStart(10)}`);
    }
    return out;
  } finally {
    redis.disconnect();
  }
}

async function main(): Promise<void> {
  const upstream = createServer((_req, res) => res.end('ok'));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const port = (upstream.address() as AddressInfo).port;
  const shared = await sharedState('bench');
  const st = shared.state;
  const pgState = `state:\n  backend: postgres\n  postgres: ${st.postgres}\n  redis: ${st.redis}\n  namespace: ${st.namespace}\n`;
  const rows: Row[] = [];
  let stores: string[] = [];
  try {
    stores = await storeLatencies(shared);
    rows.push(await scenario('1 gate, SQLite (default)', '', 1, port));
    rows.push(await scenario('1 gate, PostgreSQL + Redis, uncounted', pgState, 1, port, false));
    for (const n of [1, 2, 3]) rows.push(await scenario(`${n} gate${n > 1 ? 's' : ''}, PostgreSQL + Redis`, pgState, n, port));
  } finally {
    await shared.cleanup();
    upstream.close();
  }
  console.log(`\nReplicas sharing state: ${SECONDS} s per row, ${CONCURRENCY} requests in flight, one budget and one rate limit on every request\n`);
  console.log(`${'setup'.padEnd(40)}${'req/s'.padStart(10)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}${'non-200'.padStart(10)}`);
  for (const r of rows) {
    console.log(
      `${r.name.padEnd(40)}${r.rps.toFixed(0).padStart(10)}${r.p50.toFixed(2).padStart(10)}${r.p99.toFixed(2).padStart(10)}${String(r.errors).padStart(10)}`,
    );
  }
  console.log(`\nThe Redis stores alone, one call at a time (3000 calls each)\n\n${'call'.padEnd(40)}${'p50 ms'.padStart(10)}${'p99 ms'.padStart(10)}`);
  for (const l of stores) console.log(l);
  const sqlite = rows[0]!;
  const uncounted = rows[1]!;
  const one = rows[2]!;
  const ms = (x: number): string => `${x >= 0 ? '+' : ''}${x.toFixed(2)} ms`;
  console.log(
    `\nper request, 1 gate: the shared backend vs SQLite ${ms(1000 / one.rps - 1000 / sqlite.rps)} of throughput time (p50 ${ms(one.p50 - sqlite.p50)}, p99 ${ms(one.p99 - sqlite.p99)}); of which budgets and rate limits in Redis (counted vs uncounted) ${ms(1000 / one.rps - 1000 / uncounted.rps)} (p50 ${ms(one.p50 - uncounted.p50)})`,
  );
}

await main();
