/**
 * Start each contender on loopback with an equivalent configuration, generated in the
 * run's scratch directory: no caching, no access logging (except Sluice's audit, which is
 * part of what it is), loopback clients allowed, the local upstream's CA trusted for
 * HTTPS, idle timeouts long enough for the idle scenario. A contender that cannot start
 * is returned as unavailable with the reason; no figure is ever made up for it.
 */
import { chmod, copyFile, cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firstLine, type Children } from '../children.js';
import { freePort, waitForPort } from './ports.js';
import type { CaFiles } from './tls-files.js';
import type { Tools } from './tools.js';
import type { Upstream } from './upstream.js';

export interface Contender {
  name: string;
  /** The proxy's main process (undefined for direct). */
  pid?: number;
  proxy?: { port: number; auth?: string };
  /** PEM the HTTPS client trusts through this contender (its interception CA, or the upstream CA). */
  ca: string;
  note?: string;
  unavailable?: string;
}

export interface StartContext {
  kids: Children;
  tools: Tools;
  dir: string;
  upstream: Upstream;
  upstreamCa: string;
  /** The interception CA given to mitmproxy and Squid (Sluice uses the one `sluice init` made). */
  icpt: CaFiles;
  sluice: SluiceHome;
}

/** What each contender does with HTTPS in a scenario. */
export interface Mode {
  intercept: boolean;
  /** Add `Authorization: Bearer <secret>` to requests (credential injection). */
  inject: boolean;
  /** Idle timeout long enough to hold tunnels open (idle scenario). */
  longIdle: boolean;
}

export const SECRET_NAME = 'bench_token';
export const SECRET_VALUE = 'bench-4f7d1c2a9b8e6d5c3f0a1b2c3d4e5f60';
/** The Sluice CLI under test: this build's, unless --sluice names another build (a clean checkout, a release). */
let SLUICE = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export function useSluiceCli(path: string): void {
  SLUICE = path;
}
export const sluiceCli = (): string => SLUICE;
let BEFORE: readonly string[] = [];
/**
 * Also run other builds of Sluice (`--sluice-before A[,B]`) as extra contenders, named
 * `before: <label>` (then `before 2: <label>`, ...), in the same alternation: before/after
 * figures from one run on a noisy machine, instead of runs an hour apart.
 */
export function compareWithSluice(paths: readonly string[]): void {
  BEFORE = paths;
}
/** The `--sluice-before` builds, in the order given. */
export const sluiceBeforeClis = (): readonly string[] => BEFORE;
/** The label the `--sluice-before` build number `n` (0-based) runs under. */
export const beforeLabel = (label: string, n = 0): string => `before${n === 0 ? '' : ` ${n + 1}`}: ${label}`;
let WORKERS: readonly number[] = [];
/**
 * Also run this build with `workers: N` (`--sluice-workers N[,M]`) as extra contenders,
 * named `Sluice workers: N`, in the same alternation as `Sluice` (one process): the
 * scaling of one build measured in one run. The CPU column counts the whole process
 * tree (the primary and every worker).
 */
export function compareWithWorkers(counts: readonly number[]): void {
  WORKERS = counts;
}
/** The `--sluice-workers` counts, in the order given. */
export const sluiceWorkerCounts = (): readonly number[] => WORKERS;
let PROFILE_DIR: string | undefined;
/** Start Sluice with `node --cpu-prof`, profiles written to `dir` when it stops. */
export function profileSluiceInto(dir: string): void {
  PROFILE_DIR = dir;
}
const PROXY_CHAIN = fileURLToPath(new URL('./proxy-chain-server.js', import.meta.url));
const CERTGEN = '/usr/lib/squid/security_file_certgen';

export function direct(ctx: StartContext): Contender {
  return { name: 'direct', ca: ctx.upstreamCa };
}

async function guarded(name: string, ca: string, start: () => Promise<Contender>): Promise<Contender> {
  try {
    return await start();
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    return { name, ca, unavailable: `failed to start: ${why.split('\n').slice(0, 3).join(' ')}` };
  }
}

const isRoot = (): boolean => process.getuid?.() === 0;

export async function tinyproxy(ctx: StartContext, mode: Mode): Promise<Contender> {
  const name = 'tinyproxy';
  if (!ctx.tools.has('tinyproxy')) return { name, ca: ctx.upstreamCa, unavailable: ctx.tools.why('tinyproxy') };
  return guarded(name, ctx.upstreamCa, async () => {
    const dir = join(ctx.dir, 'tinyproxy');
    await mkdir(dir, { recursive: true });
    const port = await freePort();
    const conf = join(dir, 'tinyproxy.conf');
    await writeFile(
      conf,
      [
        `Port ${port}`,
        'Listen 127.0.0.1',
        `Timeout ${mode.longIdle ? 3600 : 600}`,
        'MaxClients 20000',
        'Allow 127.0.0.1',
        'LogLevel Critical',
        `LogFile "${join(dir, 'tinyproxy.log')}"`,
        `PidFile "${join(dir, 'tinyproxy.pid')}"`,
        '',
      ].join('\n'),
    );
    const child = ctx.kids.spawn(ctx.tools.path('tinyproxy'), ['-d', '-c', conf]);
    child.stdout.resume();
    child.stderr.resume();
    await waitForPort(port, 15_000, () => child.exitCode === null);
    // tinyproxy answers with Connection: close: wrk reconnects and counts each close as a read error.
    return {
      name,
      pid: child.pid!,
      proxy: { port },
      ca: ctx.upstreamCa,
      note: 'no keep-alive to the agent (closes after each response; wrk counts those closes as read errors)',
    };
  });
}

export async function squid(ctx: StartContext, mode: Mode): Promise<Contender> {
  const name = mode.intercept ? 'Squid ssl-bump' : 'Squid';
  const ca = mode.intercept ? ctx.icpt.cert : ctx.upstreamCa;
  if (!ctx.tools.has('squid')) return { name, ca, unavailable: ctx.tools.why('squid') };
  if (mode.intercept && !ctx.tools.squidBump)
    return { name, ca, unavailable: `this squid (${ctx.tools.squidVersion}) is built without OpenSSL: no ssl-bump (Debian: install squid-openssl)` };
  if (mode.intercept && !existsSync(CERTGEN)) return { name, ca, unavailable: `${CERTGEN} not found` };
  return guarded(name, ca, async () => {
    const dir = join(ctx.dir, mode.intercept ? 'squid-bump' : 'squid');
    await mkdir(dir, { recursive: true });
    const port = await freePort();
    const lines = [
      mode.intercept
        ? `http_port 127.0.0.1:${port} ssl-bump generate-host-certificates=on dynamic_cert_mem_cache_size=16MB tls-cert=${join(dir, 'ca.pem')} tls-key=${join(dir, 'ca-key.pem')}`
        : `http_port 127.0.0.1:${port}`,
      'acl loopback src 127.0.0.1/32',
      'http_access allow loopback',
      'http_access deny all',
      'cache deny all',
      'cache_mem 0 MB',
      'access_log none',
      `cache_log ${join(dir, 'cache.log')}`,
      `pid_filename ${join(dir, 'squid.pid')}`,
      `coredump_dir ${dir}`,
      'netdb_filename none',
      'pinger_enable off',
      'visible_hostname sluice-bench',
      'max_filedescriptors 20000',
      'shutdown_lifetime 0 seconds',
      `read_timeout ${mode.longIdle ? 60 : 15} minutes`,
      'client_lifetime 1 day',
      `tls_outgoing_options cafile=${ctx.upstreamCa}`,
    ];
    if (mode.intercept) {
      const db = join(dir, 'ssl_db');
      // Each start gets a fresh certificate store (certgen -c refuses an existing one).
      await rm(db, { recursive: true, force: true });
      // Peek at the client hello, stare at the server's certificate, then bump: the usual
      // configuration, and the one that mimics the upstream certificate's names (its IP SAN).
      lines.push(
        `sslcrtd_program ${CERTGEN} -s ${db} -M 16MB`,
        'sslcrtd_children 4 startup=1 idle=1',
        'acl step1 at_step SslBump1',
        'acl step2 at_step SslBump2',
        'ssl_bump peek step1',
        'ssl_bump stare step2',
        'ssl_bump bump all',
      );
      await copyFile(ctx.icpt.cert, join(dir, 'ca.pem'));
      await copyFile(ctx.icpt.key, join(dir, 'ca-key.pem'));
      const init = await ctx.kids.run(CERTGEN, ['-c', '-s', db, '-M', '16MB'], 30_000);
      if (init.code !== 0) throw new Error(`security_file_certgen -c: ${init.stderr.trim()}`);
    }
    if (mode.inject) lines.push(`request_header_add Authorization "Bearer ${SECRET_VALUE}" all`);
    const conf = join(dir, 'squid.conf');
    await writeFile(conf, lines.join('\n') + '\n');
    // Squid drops to its cache_effective_user (Debian: proxy) when started as root.
    if (isRoot()) await chownTree(ctx.kids, dir, 'proxy:proxy');
    const child = ctx.kids.spawn(ctx.tools.path('squid'), ['-N', '-f', conf]);
    child.stdout.resume();
    child.stderr.resume();
    try {
      await waitForPort(port, 30_000, () => child.exitCode === null);
    } catch (err) {
      const log = await readFile(join(dir, 'cache.log'), 'utf8').catch(() => '');
      throw new Error(
        `${(err as Error).message}; cache.log: ${log
          .split('\n')
          .filter((l) => /FATAL|ERROR/.test(l))
          .slice(-2)
          .join(' ')}`,
      );
    }
    return { name, pid: child.pid!, proxy: { port }, ca, note: mode.intercept ? 'peek, stare, bump; certificate helper processes counted' : undefined };
  });
}

async function chownTree(kids: Children, dir: string, owner: string): Promise<void> {
  const r = await kids.run('chown', ['-R', owner, dir], 10_000);
  if (r.code !== 0) throw new Error(`chown ${owner} ${dir}: ${r.stderr.trim()}`);
}

export async function mitmproxy(ctx: StartContext, mode: Mode): Promise<Contender> {
  const name = mode.intercept ? 'mitmproxy' : 'mitmproxy (ignore_hosts)';
  const ca = mode.intercept ? ctx.icpt.cert : ctx.upstreamCa;
  if (!ctx.tools.has('mitmdump')) return { name, ca, unavailable: ctx.tools.why('mitmdump') };
  return guarded(name, ca, async () => {
    const confdir = join(ctx.dir, mode.intercept ? 'mitmproxy' : 'mitmproxy-pass');
    await mkdir(confdir, { recursive: true });
    // mitmproxy's CA file is the key and the certificate in one PEM.
    await writeFile(join(confdir, 'mitmproxy-ca.pem'), (await readFile(ctx.icpt.key, 'utf8')) + (await readFile(ctx.icpt.cert, 'utf8')));
    const port = await freePort();
    const args = [
      '-q',
      '--listen-host',
      '127.0.0.1',
      '--listen-port',
      String(port),
      '--set',
      `confdir=${confdir}`,
      '--set',
      `ssl_verify_upstream_trusted_ca=${ctx.upstreamCa}`,
      '--set',
      'termlog_verbosity=error',
      '--set',
      'flow_detail=0',
    ];
    if (!mode.intercept) args.push('--ignore-hosts', '.*');
    if (mode.inject) args.push('--modify-headers', `/~q/Authorization/Bearer ${SECRET_VALUE}`);
    const child = ctx.kids.spawn(ctx.tools.path('mitmdump'), args);
    child.stdout.resume();
    const err: string[] = [];
    child.stderr.setEncoding('utf8').on('data', (s: string) => err.push(s));
    try {
      await waitForPort(port, 60_000, () => child.exitCode === null);
    } catch (e) {
      throw new Error(`${(e as Error).message}: ${err.join('').trim().slice(-300)}`);
    }
    return { name, pid: child.pid!, proxy: { port }, ca };
  });
}

const NODE_FLOOR = fileURLToPath(new URL('./node-floor.js', import.meta.url));

const FLOOR_NOTES = {
  http: "Node's http server and an undici Pool",
  'raw-head': "head parsed by hand, Node's IncomingMessage and ServerResponse built for it, an undici Pool",
  raw: 'head parsed by hand, response head written by hand (one write), an undici Pool',
} as const;

/**
 * The floor of a proxy on Node (node-floor.ts): forwarding only, no identity, policy,
 * inspection or audit. `variant` says what is in front of the undici Pool: Node's
 * `http` server, or a hand parser with or without Node's request and response objects.
 */
export async function nodeFloor(ctx: StartContext, variant: keyof typeof FLOOR_NOTES): Promise<Contender> {
  const name = variant === 'http' ? 'Node floor' : `Node floor (${variant})`;
  return guarded(name, ctx.upstreamCa, async () => {
    const port = await freePort();
    const child = ctx.kids.spawn('node', [NODE_FLOOR, '--port', String(port), '--variant', variant]);
    await firstLine(child, /^node floor listening on \d+$/);
    return { name, pid: child.pid!, proxy: { port }, ca: ctx.upstreamCa, note: `forwarding only: ${FLOOR_NOTES[variant]}` };
  });
}

export async function proxyChain(ctx: StartContext): Promise<Contender> {
  const name = 'proxy-chain';
  if (ctx.tools.proxyChainDir === undefined) return { name, ca: ctx.upstreamCa, unavailable: ctx.tools.why('proxy-chain') };
  const prefix = ctx.tools.proxyChainDir;
  return guarded(name, ctx.upstreamCa, async () => {
    const port = await freePort();
    const child = ctx.kids.spawn('node', [PROXY_CHAIN, '--prefix', prefix, '--port', String(port)]);
    await firstLine(child, /^proxy-chain listening on \d+$/);
    return { name, pid: child.pid!, proxy: { port }, ca: ctx.upstreamCa };
  });
}

/** The Sluice data directory shared by every Sluice variant of a run, with its agent token. */
export interface SluiceHome {
  dir: string;
  token: string;
}

export async function sluiceHome(kids: Children, dir: string): Promise<SluiceHome> {
  const home = join(dir, 'sluice');
  const init = await kids.run('node', [SLUICE, 'init', '--dir', home], 60_000);
  if (init.code !== 0) throw new Error(`sluice init: ${init.stderr.trim()}`);
  const cfg = join(home, 'sluice.yaml');
  const set = await kids.run('sh', ['-c', 'printf %s "$1" | node "$2" secret set "$3" --config "$4"', 'sh', SECRET_VALUE, SLUICE, SECRET_NAME, cfg], 60_000);
  if (set.code !== 0) throw new Error(`sluice secret set: ${set.stderr.trim()}`);
  const tok = await kids.run('node', [SLUICE, 'token', '--tenant', 'bench', '--agent', 'bench', '--ttl', '24h', '--config', cfg], 60_000);
  if (tok.code !== 0) throw new Error(`sluice token: ${tok.stderr.trim()}`);
  await chmod(home, 0o700);
  // The --sluice-before build gets its own copy of the keys, secrets and CA, before any
  // store exists: an older build refuses a state.db a newer one has migrated.
  for (let n = 0; n < BEFORE.length; n++) await cp(home, beforeHome(home, n), { recursive: true });
  return { dir: home, token: tok.stdout.trim() };
}

const beforeHome = (home: string, n: number): string => `${home}-before${n === 0 ? '' : n + 1}`;

/**
 * The idle scenario holds thousands of tunnels under one token: an idle timeout long
 * enough, and the per-identity and per-address limits (128 by default) out of the way
 * (max_connections is still held under the open-files limit by the gate itself).
 */
const IDLE_YAML = `timeouts:
  idle: 1h
limits:
  max_connections: 1000000
  max_connections_per_identity: 1000000
  max_unidentified_per_ip: 1000000
  max_in_flight_per_identity: 1000000
`;

/**
 * Sluice, through its CLI, with policy (one allow rule), inspection (defaults) and audit
 * (SQLite, default) on; `before` numbers a `--sluice-before` build (0-based) to run instead.
 */
export async function sluice(ctx: StartContext, mode: Mode & { label?: string; before?: number; workers?: number }): Promise<Contender> {
  const before = mode.before !== undefined;
  const cli = before ? BEFORE[mode.before!] : SLUICE;
  const name = before ? beforeLabel(mode.label ?? 'Sluice', mode.before) : (mode.label ?? 'Sluice');
  if (cli === undefined) return { name, ca: ctx.upstreamCa, unavailable: 'no such --sluice-before build given' };
  const home = before ? beforeHome(ctx.sluice.dir, mode.before!) : ctx.sluice.dir;
  const ca = mode.intercept ? join(home, 'ca.pem') : ctx.upstreamCa;
  return guarded(name, ca, async () => {
    const cred = mode.inject ? `\n    credential: { secret: ${SECRET_NAME}, header: authorization, value: "Bearer {{secret}}" }` : '';
    const yaml = `version: 1
listen: 127.0.0.1:0
network:
  allow_private: [127.0.0.1/32]
tls:
  upstream_ca: ${ctx.upstreamCa}${mode.intercept ? '' : '\n  passthrough: [127.0.0.1]'}
${mode.longIdle ? IDLE_YAML : ''}${mode.workers === undefined ? '' : `workers: ${mode.workers}\n`}log:
  level: warn
rules:
  - id: bench-upstream
    hosts: [127.0.0.1]${cred}
`;
    const conf = join(home, `bench-${name.replace(/[^a-z0-9]+/gi, '-').toLowerCase()}.yaml`);
    await writeFile(conf, yaml);
    const prof = PROFILE_DIR === undefined || before ? [] : ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`];
    const child = ctx.kids.spawn('node', [...prof, cli, 'start', '--config', conf, '--listen', '127.0.0.1:0']);
    const url = new URL((await firstLine(child, /^sluice listening on (http:\/\/\S+)$/, 30_000))[1]!);
    const auth = `Basic ${Buffer.from(`sluice:${ctx.sluice.token}`).toString('base64')}`;
    const note = `${before ? `${cli}; ` : ''}${mode.workers === undefined ? '' : `${mode.workers} worker processes; `}audit record per request (SQLite)${mode.inject ? ', credential injected' : ''}${mode.intercept ? '' : ', tls.passthrough'}`;
    return { name, pid: child.pid!, proxy: { port: Number(url.port), auth }, ca, note };
  });
}
