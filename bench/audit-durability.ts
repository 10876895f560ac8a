/**
 * What the audit journal's durability costs: the same `sluice start` gate (one allow
 * rule, SQLite audit, data directory on this machine's disk) under wrk, with
 * `audit.durability: process` (one write to the kernel before anything leaves) and
 * `machine` (plus an fdatasync shared by the requests waiting together), alternated
 * over rounds in one run. Prints req/s and latency side by side, with ratios.
 *
 *   npm run bench:durability [-- --rounds 3 --seconds 5 --connections 32]
 */
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Children, firstLine } from './children.js';
import { wrkLoad } from './compare/wrk-load.js';

const SLUICE = new URL('../src/cli/main.js', import.meta.url).pathname;
const { values } = parseArgs({
  options: { rounds: { type: 'string', default: '3' }, seconds: { type: 'string', default: '5' }, connections: { type: 'string', default: '32' } },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const kids = new Children();
// The data directory under the working directory (a real disk), not /tmp (may be tmpfs, where fdatasync is free).
const dir = await mkdtemp(join(process.cwd(), 'bench-durability-'));
try {
  const upstream = createServer((_req, res) => res.end('x'.repeat(1024)));
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as AddressInfo).port;
  const home = join(dir, 'data');
  const init = await kids.run('node', [SLUICE, 'init', '--dir', home], 60_000);
  if (init.code !== 0) throw new Error(init.stderr);
  const starter = (await readFile(join(home, 'sluice.yaml'), 'utf8')).replace(/^( {2}level:) info$/m, '$1 warn');
  const tok = await kids.run('node', [SLUICE, 'token', '--tenant', 'bench', '--agent', 'bench', '--ttl', '24h', '--config', join(home, 'sluice.yaml')], 60_000);
  const auth = `Basic ${Buffer.from(`sluice:${tok.stdout.trim()}`).toString('base64')}`;
  const modes = ['process', 'machine'] as const;
  const results: Record<string, { rps: number; p50: number; p99: number }[]> = { process: [], machine: [] };
  for (let r = 0; r < rounds; r++) {
    for (const mode of r % 2 === 0 ? modes : [...modes].reverse()) {
      const conf = join(home, `bench-${mode}.yaml`);
      await writeFile(conf, `${starter}  - id: bench\n    hosts: [127.0.0.1]\nnetwork:\n  allow_private: [127.0.0.1/32]\naudit:\n  durability: ${mode}\n`);
      const gate = kids.spawn('node', [SLUICE, 'start', '--config', conf, '--listen', '127.0.0.1:0']);
      const url = new URL((await firstLine(gate, /^sluice listening on (http:\/\/\S+)$/, 30_000))[1]!);
      const res = await wrkLoad(
        kids,
        'wrk',
        dir,
        { upstreamPort: upPort, path: '/1k', proxy: { port: Number(url.port), auth } },
        { connections, threads: 1, seconds },
      );
      if (res.errors > 0) throw new Error(`${mode}: ${res.detail}`);
      results[mode]!.push(res);
      console.log(`round ${r + 1} ${mode}: ${Math.round(res.rps)} req/s, p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms`);
      gate.kill('SIGTERM');
      await new Promise((ok) => gate.once('close', ok));
    }
  }
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const m = (mode: string, k: 'rps' | 'p50' | 'p99'): number => median(results[mode]!.map((x) => x[k]));
  console.log(`\nwrk -t1 -c${connections} -d${seconds}s, GET of 1 KiB through the gate, ${rounds} rounds alternating; medians\n`);
  console.log('| audit.durability | req/s | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: |');
  for (const mode of modes) {
    const ratio = (k: 'rps' | 'p50' | 'p99'): string => (mode === 'process' ? '' : ` (${(m(mode, k) / m('process', k)).toFixed(2)}x)`);
    console.log(
      `| ${mode} | ${Math.round(m(mode, 'rps'))}${ratio('rps')} | ${m(mode, 'p50').toFixed(2)}${ratio('p50')} | ${m(mode, 'p99').toFixed(2)}${ratio('p99')} |`,
    );
  }
  upstream.close();
} finally {
  await kids.stopAll();
  await (await import('node:fs/promises')).rm(dir, { recursive: true, force: true });
}
