/**
 * Memory benchmark: a 1 GiB download and a 1 GiB upload through an intercepted
 * (CONNECT + TLS-terminated) connection must leave the gate's RSS within 64 MiB of its
 * warmed-up baseline. Three processes so the figures are the gate's alone: the upstream
 * (bench/bulk-upstream.ts), the gate (`sluice start`) and the client (curl). The same
 * transfers are then run straight to the upstream, for the throughput side by side.
 *
 * Each direction also runs with a slow reader (curl --limit-rate for the download, an
 * upstream reading at a fixed rate for the upload): at full speed the gate itself is
 * the bottleneck, so only a slow reader shows whether backpressure holds or the gate
 * buffers the difference.
 *
 * Exits non-zero if a transfer is incomplete or the growth reaches the limit.
 *
 * @example
 * npm run bench:memory
 * node dist/bench/memory-1gib.js --size 64MiB   # a quick check
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createCa, writeCa } from '../src/tls/ca.js';
import { Children, firstLine } from './children.js';
import { readRss, RssSampler } from './proc-rss.js';

const MIB = 1024 * 1024;
const LIMIT = 64 * MIB;
const HOST = 'bulk.upstream.test';
const SLUICE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const UPSTREAM = fileURLToPath(new URL('./bulk-upstream.js', import.meta.url));
const CURL_TIMEOUT_S = 1200;
/** The slow reader's rate, well under what the gate moves at full speed. */
const SLOW_BPS = 50_000_000;

type Kind = 'download' | 'upload';

interface Transfer {
  kind: Kind;
  /** A reader slower than the gate: the agent (download) or the upstream (upload). */
  slow: boolean;
}

const TRANSFERS: Transfer[] = [
  { kind: 'download', slow: false },
  { kind: 'upload', slow: false },
  { kind: 'download', slow: true },
  { kind: 'upload', slow: true },
];

const transferName = (t: Transfer): string => (t.slow ? `${t.kind}, slow ${t.kind === 'download' ? 'client' : 'upstream'} ${SLOW_BPS / 1e6} MB/s` : t.kind);

interface Result {
  via: 'gate' | 'direct';
  name: string;
  bytes: number;
  seconds: number;
  complete: boolean;
  detail: string;
  /** Gate RSS, only for transfers through the gate. */
  rss?: { baseline: number; peak: number };
}

function parseSize(text: string): number {
  const m = /^(\d+)\s*(B|KiB|MiB|GiB)?$/i.exec(text.trim());
  const unit = { b: 1, kib: 1024, mib: MIB, gib: 1024 * MIB }[(m?.[2] ?? 'b').toLowerCase() as 'b'];
  const n = m ? Number(m[1]) * unit : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new Error(`--size: expected a byte count like 1073741824 or 64MiB, got '${text}'`);
  return n;
}

/** Where curl sends its traffic: through the gate's CONNECT, or straight to the upstream. */
interface Route {
  via: 'gate' | 'direct';
  curlArgs: string[];
}

async function curlTransfer(kids: Children, route: Route, t: Transfer, size: number, origin: string): Promise<Omit<Result, 'rss'>> {
  const common = ['-sS', '--max-time', String(CURL_TIMEOUT_S), ...route.curlArgs];
  const name = transferName(t);
  if (t.kind === 'download') {
    const r = await kids.run(
      'curl',
      [
        ...common,
        ...(t.slow ? ['--limit-rate', String(SLOW_BPS)] : []),
        '-o',
        '/dev/null',
        '-w',
        '%{http_code} %{size_download} %{time_total}',
        `${origin}/bytes?n=${size}`,
      ],
      (CURL_TIMEOUT_S + 30) * 1000,
    );
    const [status, got, secs] = r.stdout.trim().split(' ');
    const bytes = Number(got);
    const complete = r.code === 0 && status === '200' && bytes === size;
    return {
      via: route.via,
      name,
      bytes,
      seconds: Number(secs),
      complete,
      detail: complete ? '' : `curl exit ${r.code}, HTTP ${status}, ${got} bytes; ${r.stderr.trim()}`,
    };
  }
  // A generated stream of unknown length: curl sends it chunked (POST with -T -).
  const script = 'n=$1; shift; head -c "$n" /dev/zero | curl "$@"';
  const r = await kids.run(
    'sh',
    [
      '-c',
      script,
      'sh',
      String(size),
      ...common,
      '-X',
      'POST',
      '-T',
      '-',
      '-H',
      'content-type: application/octet-stream',
      '-w',
      '\n%{http_code} %{size_upload} %{time_total}',
      `${origin}/upload${t.slow ? `?bps=${SLOW_BPS}` : ''}`,
    ],
    (CURL_TIMEOUT_S + 30) * 1000,
  );
  const lines = r.stdout.trim().split('\n');
  const [status, , secs] = (lines.pop() ?? '').split(' ');
  let received = NaN;
  try {
    received = (JSON.parse(lines.join('\n')) as { received: number }).received;
  } catch {
    // Not the upstream's answer (a deny body, or nothing): reported below.
  }
  const complete = r.code === 0 && status === '200' && received === size;
  return {
    via: route.via,
    name,
    bytes: received,
    seconds: Number(secs),
    complete,
    detail: complete ? '' : `curl exit ${r.code}, HTTP ${status}, upstream received ${received}; ${r.stderr.trim()} ${lines.join(' ')}`,
  };
}

const fmtMib = (b: number): string => (b / MIB).toFixed(1);
const mbps = (r: Result): number => r.bytes / r.seconds / 1e6;

function printTable(results: Result[]): boolean {
  const head = ['via', 'transfer', 'bytes', 'seconds', 'MB/s', 'gate RSS base MiB', 'gate RSS peak MiB', 'growth MiB', 'limit MiB', 'result'];
  const rows = results.map((r) => {
    const growth = r.rss ? r.rss.peak - r.rss.baseline : 0;
    const ok = r.complete && growth < LIMIT;
    return [
      r.via,
      r.name,
      String(r.bytes),
      r.seconds.toFixed(2),
      mbps(r).toFixed(1),
      r.rss ? fmtMib(r.rss.baseline) : '-',
      r.rss ? fmtMib(r.rss.peak) : '-',
      r.rss ? fmtMib(growth) : '-',
      r.rss ? fmtMib(LIMIT) : '-',
      ok ? 'PASS' : r.complete ? 'FAIL (memory)' : 'FAIL (incomplete)',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (i === cells.length - 1 ? c : i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
  for (const r of results) if (r.detail) console.log(`  ${r.via} ${r.name}: ${r.detail}`);
  return rows.every((row) => row[row.length - 1] === 'PASS');
}

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { size: { type: 'string', default: String(1024 * MIB) } }, strict: true });
  const size = parseSize(values.size);
  const kids = new Children();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-memory-'));
  const cleanUp = async (): Promise<void> => {
    await kids.stopAll();
    await rm(dir, { recursive: true, force: true });
  };
  const onSignal = (): void => void cleanUp().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    // The upstream's own CA, which the gate is told to trust (like a private service's).
    const up = await writeCa(join(dir, 'upstream-ca'), await createCa({ commonName: 'Sluice Bench Upstream CA' }));
    const init = await kids.run('node', [SLUICE, 'init', '--dir', dir], 30_000);
    if (init.code !== 0) throw new Error(`sluice init failed: ${init.stderr}`);
    const configFile = join(dir, 'bench.yaml');
    await writeFile(
      configFile,
      `version: 1\nlisten: 127.0.0.1:0\ndns:\n  hosts:\n    ${HOST}: 127.0.0.1\nnetwork:\n  allow_private: [127.0.0.1/32]\n` +
        // DLP reads the first 4 MiB; the rest of the upload streams on unscanned (audited),
        // which is what this measures: the default refuses a body DLP cannot read whole.
        `tls:\n  upstream_ca: ${up.certPath}\nlog:\n  level: warn\ninspect:\n  dlp:\n    on_incomplete: warn\nrules:\n  - id: bulk\n    hosts: [${HOST}]\n`,
    );

    const upstream = kids.spawn('node', [UPSTREAM, '--ca-cert', up.certPath, '--ca-key', up.keyPath, '--name', HOST]);
    const upPort = Number((await firstLine(upstream, /listening on 127\.0\.0\.1:(\d+)$/))[1]);
    const gate = kids.spawn('node', [SLUICE, 'start', '--config', configFile, '--listen', '127.0.0.1:0']);
    const gateUrl = (await firstLine(gate, /^sluice listening on (http:\/\/\S+)$/))[1]!;
    const gatePid = gate.pid!;
    const origin = `https://${HOST}:${upPort}`;
    // The gate requires an agent token: mint one with the real CLI, as an operator would.
    const minted = await kids.run('node', [SLUICE, 'token', '--tenant', 'bench', '--agent', 'memory', '--ttl', '1h', '--config', configFile], 30_000);
    if (minted.code !== 0) throw new Error(`sluice token failed: ${minted.stderr}`);
    const proxyUrl = gateUrl.replace('http://', `http://sluice:${minted.stdout.trim()}@`);
    const viaGate: Route = { via: 'gate', curlArgs: ['--proxy', proxyUrl, '--cacert', join(dir, 'ca.pem')] };
    const direct: Route = { via: 'direct', curlArgs: ['--noproxy', '*', '--resolve', `${HOST}:${upPort}:127.0.0.1`, '--cacert', up.certPath] };

    console.log(`sluice memory benchmark: ${size} bytes (${fmtMib(size)} MiB) each way, intercepted CONNECT + TLS, curl client`);
    console.log(`gate pid ${gatePid} at ${gateUrl}; upstream ${origin} (pid ${upstream.pid}); Node ${process.version}`);

    // Warm-up: load the TLS, interception and undici code paths before the baseline.
    for (let i = 0; i < 3; i++) {
      for (const kind of ['download', 'upload'] as const) {
        const w = await curlTransfer(kids, viaGate, { kind, slow: false }, 4 * MIB, origin);
        if (!w.complete) throw new Error(`warm-up ${kind} through the gate failed: ${w.detail}`);
      }
    }
    await new Promise((r) => setTimeout(r, 1000));
    const baseline = readRss(gatePid).rss;

    const results: Result[] = [];
    for (const t of TRANSFERS) {
      const sampler = RssSampler.start(gatePid, 100);
      const r = await curlTransfer(kids, viaGate, t, size, origin);
      const { peak, samples, hwmUsed } = sampler.stop();
      console.log(`  gate ${r.name}: ${r.seconds.toFixed(1)} s, ${samples} RSS samples${hwmUsed ? ' + kernel VmHWM' : ''}`);
      results.push({ ...r, rss: { baseline, peak } });
    }
    const after = readRss(gatePid).rss;
    // Direct only at full speed: a slow reader caps both sides at the same rate.
    for (const t of TRANSFERS) if (!t.slow) results.push(await curlTransfer(kids, direct, t, size, origin));

    console.log('');
    const ok = printTable(results);
    console.log('');
    for (const kind of ['download', 'upload'] as const) {
      const g = results.find((r) => r.via === 'gate' && r.name === kind);
      const d = results.find((r) => r.via === 'direct' && r.name === kind);
      if (g?.complete && d?.complete) {
        console.log(`${kind}: gate ${mbps(g).toFixed(1)} MB/s vs direct ${mbps(d).toFixed(1)} MB/s (gate/direct ${(mbps(g) / mbps(d)).toFixed(2)}x)`);
      }
    }
    console.log(
      'growth = gate peak RSS during the transfer - one baseline taken after warm-up (so memory kept from an earlier transfer counts against later ones)',
    );
    console.log(`gate RSS after all transfers: ${fmtMib(after)} MiB (baseline ${fmtMib(baseline)} MiB)`);
    console.log(ok ? 'PASS' : 'FAIL');
    return ok ? 0 : 1;
  } finally {
    await cleanUp();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`memory-1gib: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
