/**
 * Gate replicas sharing PostgreSQL and Redis against the embedded default, one command:
 *
 *   npm run bench:replicas -- [--duration 10s] [--connections 32] [--rounds 2] [--replicas 1,2,3]
 *                             [--postgres URL] [--redis URL]
 *
 * Every variant runs the same config (one allow rule with a rate limit, a per-session
 * calls budget, the audit record) so that each request takes a rate-limit token and
 * charges a budget: the shared-state work a replica does per request. Variants: the
 * SQLite default on one gate, then 1, 2 and 3 gates on `state.backend: postgres`
 * sharing one namespace. Each replica gets its own wrk (the connections split between
 * them), all at once; rounds alternate the variants (A B C D A B C D) so the machine's
 * drift spreads over all of them. CPU is read from /proc: the gates' own, and the
 * PostgreSQL and Redis servers' (the shared state's cost that is not in the gate).
 * Never asserts: figures are for reading, and on this 2-core machine three replicas
 * share two cores, so the table shows the cost per request, not scaling.
 */
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { Redis } from 'ioredis';
import { Children, firstLine } from './children.js';
import { cpuSeconds } from './compare/proc-tree.js';
import { wrkLoad } from './compare/wrk-load.js';

const SLUICE = resolve(import.meta.dirname, '..', 'src', 'cli', 'main.js');
const CLK_TCK = 100;

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10s' },
    connections: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '2' },
    replicas: { type: 'string', default: '1,2,3' },
    postgres: { type: 'string', default: process.env.SLUICE_TEST_POSTGRES ?? 'postgres://root@127.0.0.1:5432/test' },
    redis: { type: 'string', default: process.env.SLUICE_TEST_REDIS ?? 'redis://127.0.0.1:6379' },
  },
  strict: true,
});
const seconds = Number(/^(\d+)s?$/.exec(values.duration)?.[1] ?? NaN);
if (!Number.isFinite(seconds) || seconds <= 0) throw new Error(`--duration: expected seconds like 10s, got '${values.duration}'`);
const connections = Number(values.connections);
const rounds = Number(values.rounds);
const replicaCounts = values.replicas
  .split(',')
  .filter((s) => s !== '')
  .map(Number);

interface Variant {
  readonly name: string;
  readonly backend: 'sqlite' | 'postgres';
  readonly replicas: number;
}

interface Sample {
  rps: number;
  p99: number;
  requests: number;
  errors: number;
  gateUs: number;
  sharedUs: number;
}

/** CPU seconds of every process whose command name is one of `names` (the PostgreSQL and Redis servers). */
function serverCpu(names: readonly string[]): number {
  let ticks = 0;
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p)) continue;
    try {
      const s = readFileSync(`/proc/${p}/stat`, 'utf8');
      const comm = s.slice(s.indexOf('(') + 1, s.lastIndexOf(')'));
      if (!names.some((n) => comm.startsWith(n))) continue;
      const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch {
      // exited while reading
    }
  }
  return ticks / CLK_TCK;
}

const SERVERS = ['postgres', 'redis-server'];

function yaml(v: Variant, dataDir: string, upstreamPort: number, namespace: string): string {
  const state =
    v.backend === 'postgres' ? `state:\n  backend: postgres\n  postgres: ${values.postgres}\n  redis: ${values.redis}\n  namespace: ${namespace}\n` : '';
  return `version: 1
listen: 127.0.0.1:0
data_dir: ${dataDir}
network:
  allow_private: [127.0.0.1/32]
log:
  level: warn
${state}rules:
  - id: bench-upstream
    hosts: [127.0.0.1]
    rate_limit: { requests: 1000000, per: 1s, by: identity }
budgets:
  per-session: { per: session, calls: 1000000000 }
`;
}

async function main(): Promise<void> {
  const kids = new Children();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-replicas-'));
  const namespace = `bench_${randomBytes(4).toString('hex')}`;
  try {
    const up = kids.spawn('node', [
      '-e',
      `const b=Buffer.alloc(1024,97);require('http').createServer((q,s)=>{q.resume();s.writeHead(200,{'content-type':'application/octet-stream','content-length':1024});s.end(b)}).listen(0,'127.0.0.1',function(){console.log('upstream '+this.address().port)})`,
    ]);
    const upstreamPort = Number((await firstLine(up, /^upstream (\d+)$/))[1]);
    const home = join(dir, 'home');
    const init = await kids.run('node', [SLUICE, 'init', '--dir', home], 60_000);
    if (init.code !== 0) throw new Error(`sluice init: ${init.stderr.trim()}`);
    const tok = await kids.run(
      'node',
      [SLUICE, 'token', '--tenant', 'bench', '--agent', 'bench', '--session', 'bench', '--ttl', '24h', '--config', join(home, 'sluice.yaml')],
      60_000,
    );
    if (tok.code !== 0) throw new Error(`sluice token: ${tok.stderr.trim()}`);
    const auth = `Basic ${Buffer.from(`sluice:${tok.stdout.trim()}`).toString('base64')}`;

    const variants: Variant[] = [
      { name: 'SQLite (default), 1 gate', backend: 'sqlite', replicas: 1 },
      ...replicaCounts.map((n): Variant => ({ name: `PostgreSQL + Redis, ${n} gate${n > 1 ? 's' : ''}`, backend: 'postgres', replicas: n })),
    ];
    const samples = new Map<string, Sample[]>(variants.map((v) => [v.name, []]));
    let made = 0;
    for (let round = 0; round < rounds; round++) {
      for (const v of variants) {
        const gates: { pid: number; port: number }[] = [];
        for (let i = 0; i < v.replicas; i++) {
          // Each replica its own data directory (journal, CA copy), the same keys.
          const data = join(dir, `gate-${made++}`);
          await cp(home, data, { recursive: true });
          const conf = join(data, 'bench.yaml');
          await writeFile(conf, yaml(v, data, upstreamPort, namespace));
          const child = kids.spawn('node', [SLUICE, 'start', '--config', conf]);
          child.stderr.resume();
          const url = new URL((await firstLine(child, /^sluice listening on (http:\/\/\S+)$/, 60_000))[1]!);
          gates.push({ pid: child.pid!, port: Number(url.port) });
        }
        // Warm up every replica (JIT, pools, the first budget rows), then measure.
        await Promise.all(
          gates.map((g) => wrkLoad(kids, 'wrk', dir, { upstreamPort, path: '/1k', proxy: { port: g.port, auth } }, { connections: 4, threads: 1, seconds: 1 })),
        );
        const gate0 = gates.reduce((a, g) => a + cpuSeconds(g.pid), 0);
        const shared0 = serverCpu(SERVERS);
        const per = Math.max(1, Math.floor(connections / v.replicas));
        const results = await Promise.all(
          gates.map((g) => wrkLoad(kids, 'wrk', dir, { upstreamPort, path: '/1k', proxy: { port: g.port, auth } }, { connections: per, threads: 1, seconds })),
        );
        const gate1 = gates.reduce((a, g) => a + cpuSeconds(g.pid), 0);
        const shared1 = serverCpu(SERVERS);
        const requests = results.reduce((a, r) => a + r.requests, 0);
        samples.get(v.name)!.push({
          rps: results.reduce((a, r) => a + r.rps, 0),
          p99: Math.max(...results.map((r) => r.p99)),
          requests,
          errors: results.reduce((a, r) => a + r.errors, 0),
          gateUs: ((gate1 - gate0) * 1e6) / Math.max(1, requests),
          sharedUs: ((shared1 - shared0) * 1e6) / Math.max(1, requests),
        });
        for (const g of gates) process.kill(g.pid, 'SIGTERM');
        await new Promise((r) => setTimeout(r, 1500));
        process.stderr.write(`round ${round + 1}/${rounds}: ${v.name} done\n`);
      }
    }
    const med = (xs: number[]): number => {
      const s = [...xs].sort((a, b) => a - b);
      return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
    };
    const base = samples.get(variants[0]!.name)!;
    const baseRps = med(base.map((s) => s.rps));
    const baseCpu = med(base.map((s) => s.gateUs + s.sharedUs));
    const lines = [
      `Gate replicas on ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${rounds} rounds of ${seconds}s, ${connections} keep-alive connections split between the replicas, 1 KiB answers; each request takes a rate-limit token, charges a budget and writes its audit record. Medians of the rounds.`,
      '',
      '| variant | req/s | vs SQLite | p99 ms (worst replica) | gate CPU µs/req | PostgreSQL+Redis CPU µs/req | total µs/req | shared-state overhead µs/req | errors |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ];
    for (const v of variants) {
      const s = samples.get(v.name)!;
      const rps = med(s.map((x) => x.rps));
      const total = med(s.map((x) => x.gateUs + x.sharedUs));
      lines.push(
        `| ${v.name} | ${rps.toFixed(0)} | ${(rps / baseRps).toFixed(2)}x | ${med(s.map((x) => x.p99)).toFixed(2)} | ${med(s.map((x) => x.gateUs)).toFixed(1)} | ${med(s.map((x) => x.sharedUs)).toFixed(1)} | ${total.toFixed(1)} | ${v.backend === 'sqlite' ? '-' : (total - baseCpu).toFixed(1)} | ${s.reduce((a, x) => a + x.errors, 0)} |`,
      );
    }
    process.stdout.write(lines.join('\n') + '\n');
  } finally {
    await kids.stopAll();
    const pool = new pg.Pool({ connectionString: values.postgres, max: 1 });
    await pool.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`).catch(() => undefined);
    await pool.end().catch(() => undefined);
    const redis = new Redis(values.redis, { maxRetriesPerRequest: 1 });
    redis.on('error', () => undefined);
    const keys = await redis.keys(`${namespace}:*`).catch(() => [] as string[]);
    if (keys.length > 0) await redis.del(...keys).catch(() => undefined);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
