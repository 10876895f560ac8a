/**
 * Sluice against other forward proxies on loopback, one command:
 *
 *   npm run bench -- [plain] [mitm] [tunnel] [handshake] [idle] | all  [--rounds 3] [--duration 10s]
 *                    [--connections 64] [--tunnels 10000] [--out bench/out] [--no-install]
 *                    [--sluice path/to/dist/src/cli/main.js] [--sluice-prof DIR]
 *                    [--sluice-before path/to/other/dist/src/cli/main.js[,another]] [--sluice-workers N[,M]] [--only direct,squid]
 *
 * --sluice-prof starts Sluice under `node --cpu-prof`; summarise a profile with
 * `node dist/bench/compare/cpuprofile-top.js DIR/*.cpuprofile`. --sluice-before adds other
 * builds of Sluice as contenders (`before: Sluice`, `before 2: Sluice`, ...) in the same
 * alternation, for before/after figures from one run; --only keeps the named contenders (and Sluice).
 *
 * Installs what is missing (Debian: tinyproxy, squid-openssl, mitmproxy, wrk,
 * nginx-light, when root; npm: proxy-chain into a temporary prefix), starts nginx as the
 * upstream and every contender with an equivalent configuration, drives the same load at
 * each in turn (A B A B ...) and prints one markdown table per scenario, every figure
 * with its ratio to Sluice's. Writes OUT/<scenario>.md and .json, and OUT/plot.svg
 * drawn from every scenario's JSON in OUT. Never asserts: figures are for reading.
 */
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { cpus, release, totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Children } from '../children.js';
import { compareWithSluice, compareWithWorkers, profileSluiceInto, sluiceCli, sluiceHome, useSluiceCli, type StartContext } from './contenders.js';
import { idle } from './idle.js';
import { measure } from './measure.js';
import { plotSvg } from './plot.js';
import { isSluice, markdown, type Row, type ScenarioName, type ScenarioResult } from './report.js';
import { SCENARIOS, type Options } from './scenarios.js';
import { makeCa, makeUpstreamTls } from './tls-files.js';
import { ensureTools } from './tools.js';
import { startUpstream } from './upstream.js';
import { versions } from './versions.js';

const ORDER: ScenarioName[] = ['plain', 'mitm', 'handshake', 'tunnel', 'idle'];

function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(s|ms)?$/.exec(text.trim());
  if (!m) throw new Error(`--duration: expected seconds like 10s, got '${text}'`);
  return m[2] === 'ms' ? Number(m[1]) / 1000 : Number(m[1]);
}

function targets(res: ScenarioResult): string[] {
  const row = (f: (r: Row) => boolean): Row | undefined => res.rows.find((r) => !r.unavailable && f(r));
  const sl = row(isSluice);
  const out: string[] = [];
  const verdict = (ok: boolean | undefined): string => (ok === undefined ? 'not measured' : ok ? 'met' : 'MISSED');
  const ratio = (a: number | undefined, b: number | undefined): number | undefined =>
    a !== undefined && b !== undefined && Number.isFinite(a / b) ? a / b : undefined;
  const added = (): void => {
    const d = row((r) => r.name === 'direct');
    const add = sl?.p50c1 !== undefined && d?.p50c1 !== undefined ? sl.p50c1 - d.p50c1 : undefined;
    out.push(
      `added median latency at one keep-alive connection under 1 ms: Sluice ${add?.toFixed(3) ?? '-'} ms over direct: ${verdict(add === undefined || !Number.isFinite(add) ? undefined : add < 1)}`,
    );
  };
  if (res.scenario === 'plain') {
    const r = ratio(sl?.rps, row((x) => x.name === 'Squid')?.rps);
    out.push(`requests/s at least 1.2x Squid: ${r?.toFixed(2) ?? '-'}x: ${verdict(r === undefined ? undefined : r >= 1.2)}`);
    added();
  } else if (res.scenario === 'mitm') {
    const r = ratio(sl?.rps, row((x) => x.name === 'mitmproxy')?.rps);
    out.push(`requests/s at least 3x mitmproxy: ${r?.toFixed(2) ?? '-'}x: ${verdict(r === undefined ? undefined : r >= 3)}`);
    added();
  } else if (res.scenario === 'tunnel') {
    const r = ratio(sl?.mbps, row((x) => x.name === 'direct')?.mbps);
    out.push(`throughput at least 80% of direct: ${r === undefined ? '-' : `${(r * 100).toFixed(0)}%`}: ${verdict(r === undefined ? undefined : r >= 0.8)}`);
  } else if (res.scenario === 'idle') {
    for (const r of res.rows.filter((x) => isSluice(x) && x.idle)) {
      out.push(
        `10,000 idle tunnels under 300 MiB, ${r.name}: ${r.idle!.projectedMiB.toFixed(1)} MiB${r.idle!.tunnels < 10_000 ? ' (projected)' : ''}: ${verdict(r.idle!.projectedMiB < 300)}`,
      );
    }
  }
  return out;
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    strict: true,
    options: {
      rounds: { type: 'string', default: '3' },
      duration: { type: 'string', default: '10s' },
      probe: { type: 'string', default: '3s' },
      connections: { type: 'string', default: '64' },
      'handshake-connections': { type: 'string', default: '16' },
      threads: { type: 'string', default: '1' },
      tunnels: { type: 'string', default: '10000' },
      out: { type: 'string', default: 'bench/out' },
      'no-install': { type: 'boolean', default: false },
      sluice: { type: 'string' },
      'sluice-prof': { type: 'string' },
      'sluice-before': { type: 'string' },
      'sluice-workers': { type: 'string' },
      only: { type: 'string', default: '' },
    },
  });
  // One or more scenarios (`plain mitm`), or `all`; run in the table's order.
  const asked = positionals.length === 0 ? ['all'] : positionals;
  const unknown = asked.filter((w) => w !== 'all' && !ORDER.includes(w as ScenarioName));
  if (unknown.length > 0) throw new Error(`unknown scenario '${unknown.join("', '")}': one or more of ${ORDER.join(', ')}, or all`);
  const names: ScenarioName[] = asked.includes('all') ? ORDER : ORDER.filter((n) => asked.includes(n));
  const o: Options = {
    only: values.only
      .split(',')
      .map((x) => x.trim().toLowerCase())
      .filter((x) => x !== ''),
    rounds: Number(values.rounds),
    seconds: seconds(values.duration),
    probeSeconds: seconds(values.probe),
    connections: Number(values.connections),
    handshakeConnections: Number(values['handshake-connections']),
    threads: Number(values.threads),
    tunnels: Number(values.tunnels),
  };
  if (values.sluice !== undefined) useSluiceCli(resolve(values.sluice));
  if (values['sluice-before'] !== undefined) compareWithSluice(values['sluice-before'].split(',').map((p) => resolve(p.trim())));
  if (values['sluice-workers'] !== undefined) compareWithWorkers(values['sluice-workers'].split(',').map((n) => Number(n.trim())));
  if (values['sluice-prof'] !== undefined) {
    await mkdir(values['sluice-prof'], { recursive: true });
    profileSluiceInto(resolve(values['sluice-prof']));
  }
  const kids = new Children();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-compare-'));
  // nginx's workers and Squid drop privileges when started by root: they must reach into it.
  await chmod(dir, 0o755);
  const cleanUp = async (): Promise<void> => {
    await kids.stopAll();
    await rm(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const log = (m: string): void => console.error(m);
  try {
    const tools = await ensureTools(kids, { install: !values['no-install'], scratch: dir, log });
    const upTls = await makeUpstreamTls(kids, dir);
    const icpt = await makeCa(kids, dir, 'intercept-ca', 'Bench Interception CA (mitmproxy, Squid)');
    const upstream = await startUpstream(kids, tools, dir, upTls);
    const home = await sluiceHome(kids, dir);
    const ctx: StartContext = { kids, tools, dir, upstream, upstreamCa: upTls.ca.cert, icpt, sluice: home };
    const v = await versions(kids, tools, dirname(sluiceCli()));
    const machine = `${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}; upstream ${upstream.kind}; ${v}`;
    log(`machine: ${machine}`);
    await mkdir(values.out, { recursive: true });
    for (const name of names) {
      const s = SCENARIOS[name];
      log(`\n== ${name}: ${s.title}`);
      const res = name === 'idle' ? await idle(s, ctx, o, machine, log) : await measure(s, ctx, o, machine, log);
      res.targets = targets(res);
      const md = markdown(res);
      console.log(`\n${md}`);
      await writeFile(join(values.out, `${name}.md`), md);
      await writeFile(join(values.out, `${name}.json`), JSON.stringify(res, null, 2) + '\n');
    }
    const all: ScenarioResult[] = [];
    for (const f of (await readdir(values.out)).filter((f) => f.endsWith('.json'))) {
      const r = JSON.parse(await readFile(join(values.out, f), 'utf8')) as ScenarioResult;
      if (ORDER.includes(r.scenario)) all.push(r);
    }
    all.sort((a, b) => ORDER.indexOf(a.scenario) - ORDER.indexOf(b.scenario));
    await writeFile(join(values.out, 'plot.svg'), plotSvg(all));
    log(`\nwrote ${names.map((n) => `${n}.md/.json`).join(', ')} and plot.svg (${all.map((r) => r.scenario).join(', ')}) in ${values.out}`);
  } finally {
    await cleanUp();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`bench compare: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
