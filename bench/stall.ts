/**
 * Stall benchmark: no single exchange may freeze the gate for every other agent. A
 * probe agent sends a small request through the gate every 20 ms while, in turn, each
 * hostile shape runs; the probe's latency (p50, p99, max) per shape is printed beside
 * the probe alone. Target: p99 within 2x of the probe alone, max under 250 ms.
 *
 * Three processes, so the figures are the gate's alone: the gate (`sluice start`), the
 * upstreams and the hostile client (this file with `--role`), and the probe (this
 * process, which does nothing else).
 *
 * Shapes: a 4 MiB text/plain body of BIP-39 words; 600,000 one-byte chunks (chunked
 * transfer encoding); an upstream SSE event of 1 MiB without a newline written 256
 * bytes at a time; a 1 MiB WebSocket text message (echoed back); a deflate body with
 * trailing bytes after the compressed stream.
 *
 * @example
 * npm run bench:stall
 * node dist/bench/stall.js --shapes bip39,sse-no-newline   # a subset
 * node dist/bench/stall.js --gate-prof /tmp/prof       # the gate under --cpu-prof
 */
import { createServer, request, Agent, type IncomingMessage, type ServerResponse } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { deflateSync } from 'node:zlib';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import WebSocket, { WebSocketServer } from 'ws';
import { Children, firstLine } from './children.js';

const SLUICE = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const SELF = fileURLToPath(import.meta.url);
const HOST = 'stall.bench';
const MIB = 1024 * 1024;
const PROBE_EVERY_MS = 20;
const SHAPE_TIMEOUT_MS = 60_000;

const SHAPES = ['bip39', 'one-byte-chunks', 'sse-no-newline', 'ws-1mib-text', 'deflate-trailing'] as const;
type Shape = (typeof SHAPES)[number];
const LABELS: Record<Shape, string> = {
  bip39: '4 MiB text/plain of BIP-39 words',
  'one-byte-chunks': '600,000 one-byte chunks',
  'sse-no-newline': 'SSE event 1 MiB, no newline, 256 B writes',
  'ws-1mib-text': '1 MiB WebSocket text message (echoed)',
  'deflate-trailing': 'deflate body + trailing bytes',
};

// ---- role: upstream (probe target, upload sink, hostile SSE, WebSocket echo) ----

function upstream(): void {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let n = 0;
    req.on('data', (c: Buffer) => (n += c.length));
    req.on('end', () => {
      if (req.url === '/sse') return void hostileSse(res);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ received: n }));
    });
  });
  const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * MIB });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  server.listen(0, '127.0.0.1', () => console.log(`stall upstream listening on 127.0.0.1:${(server.address() as AddressInfo).port}`));
}

/** One event of 1 MiB with no newline, 256 bytes per write (one turn each, so they arrive apart). */
function hostileSse(res: ServerResponse): void {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('data: ');
  const piece = Buffer.alloc(256, 0x61);
  let sent = 0;
  const next = (): void => {
    if (res.destroyed) return;
    if (sent >= MIB) return void res.end('\n\n');
    sent += piece.length;
    if (res.write(piece)) setImmediate(next);
    else res.once('drain', next);
  };
  next();
}

// ---- role: hostile client (one shape, then exit) ----

async function hostile(shape: Shape, gatePort: number, auth: string, upPort: number): Promise<void> {
  const started = performance.now();
  let outcome: string;
  try {
    outcome = await runShape(shape, gatePort, auth, upPort);
  } catch (err) {
    outcome = `error: ${(err as Error).message}`;
  }
  console.log(JSON.stringify({ outcome, ms: Math.round(performance.now() - started) }));
  process.exit(0);
}

function runShape(shape: Shape, gatePort: number, auth: string, upPort: number): Promise<string> {
  const target = `http://${HOST}:${upPort}`;
  switch (shape) {
    case 'bip39': {
      const words: string[] = [];
      let len = 0;
      for (let i = 0; len < 4 * MIB; i++) {
        const w = wordlist[(i * 7919 + 13) % wordlist.length]!;
        words.push(w);
        len += w.length + 1;
      }
      return post(gatePort, auth, `${target}/upload`, { 'content-type': 'text/plain' }, Buffer.from(words.join(' ').slice(0, 4 * MIB)));
    }
    case 'one-byte-chunks':
      return rawChunked(gatePort, auth, `${target}/upload`, 600_000);
    case 'sse-no-newline':
      return get(gatePort, auth, `${target}/sse`);
    case 'ws-1mib-text':
      return wsText(gatePort, auth, `ws://${HOST}:${upPort}/echo`, 'x '.repeat(MIB / 2));
    case 'deflate-trailing': {
      const body = Buffer.concat([deflateSync(Buffer.from('hello from a compressed body\n'.repeat(2000))), Buffer.from('trailing garbage after the stream')]);
      return post(gatePort, auth, `${target}/upload`, { 'content-type': 'text/plain', 'content-encoding': 'deflate' }, body);
    }
  }
}

function answer(res: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let n = 0;
    res.on('data', (c: Buffer) => (n += c.length));
    res.on('end', () => resolve(`HTTP ${res.statusCode} ${String(res.headers['x-sluice-decision'] ?? '')} ${n} bytes`.replace(/\s+/g, ' ')));
    res.on('error', (e) => resolve(`HTTP ${res.statusCode} cut (${e.message})`));
    res.on('aborted', () => resolve(`HTTP ${res.statusCode} cut`));
  });
}

function post(gatePort: number, auth: string, url: string, headers: Record<string, string>, body: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port: gatePort,
      method: 'POST',
      path: url,
      headers: { ...headers, 'proxy-authorization': auth, 'content-length': body.length },
      timeout: SHAPE_TIMEOUT_MS,
    });
    req.on('response', (res) => void answer(res).then(resolve));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end(body);
  });
}

function get(gatePort: number, auth: string, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: gatePort, path: url, headers: { 'proxy-authorization': auth }, timeout: SHAPE_TIMEOUT_MS });
    req.on('response', (res) => void answer(res).then(resolve));
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** A chunked upload written as `n` one-byte chunks (raw, so each is its own chunk on the wire). */
function rawChunked(gatePort: number, auth: string, url: string, n: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(gatePort, '127.0.0.1');
    const head = `POST ${url} HTTP/1.1\r\nHost: ${new URL(url).host}\r\nProxy-Authorization: ${auth}\r\nContent-Type: text/plain\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n`;
    const batch = Buffer.from('1\r\na\r\n'.repeat(10_000));
    let sent = 0;
    const pump = (): void => {
      while (sent < n) {
        sent += 10_000;
        if (!sock.write(batch)) return void sock.once('drain', pump);
      }
      sock.write('0\r\n\r\n');
    };
    let reply = '';
    sock.on('data', (c: Buffer) => (reply += c.toString('latin1')));
    sock.on('close', () => resolve(reply.split('\r\n')[0] || 'closed without an answer'));
    sock.on('error', reject);
    sock.setTimeout(SHAPE_TIMEOUT_MS, () => sock.destroy(new Error('timed out')));
    sock.write(head);
    pump();
  });
}

function wsText(gatePort: number, auth: string, url: string, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      perMessageDeflate: false,
      maxPayload: 64 * MIB,
      createConnection: () => connect({ port: gatePort, host: '127.0.0.1' }),
      finishRequest: (req) => {
        req.path = url.replace('ws://', 'http://');
        req.setHeader('proxy-authorization', auth);
        req.end();
      },
    });
    const timer = setTimeout(() => ws.terminate(), SHAPE_TIMEOUT_MS);
    ws.on('open', () => ws.send(text));
    ws.on('message', (m: Buffer) => {
      clearTimeout(timer);
      ws.close();
      resolve(`echoed ${m.length} bytes`);
    });
    ws.on('close', (code) => resolve(`closed ${code}`));
    ws.on('unexpected-response', (_req, res) => resolve(`HTTP ${res.statusCode}`));
    ws.on('error', reject);
  });
}

// ---- role: probe (this process) ----

interface Stats {
  n: number;
  p50: number;
  p99: number;
  max: number;
  failed: number;
}

function stats(xs: number[], failed: number): Stats {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q: number): number => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? NaN;
  return { n: s.length, p50: at(0.5), p99: at(0.99), max: s[s.length - 1] ?? NaN, failed };
}

/** Probe every 20 ms until `until` settles (and for at least `minMs`). */
async function probe(gatePort: number, auth: string, url: string, until: Promise<unknown>, minMs: number): Promise<Stats> {
  const agent = new Agent({ keepAlive: true });
  const times: number[] = [];
  let failed = 0;
  let done = false;
  void until.finally(() => (done = true));
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const req = request({ agent, host: '127.0.0.1', port: gatePort, path: url, headers: { 'proxy-authorization': auth } }, (res) => {
        res.resume();
        res.on('end', () => {
          if (res.statusCode === 200) times.push(performance.now() - t0);
          else failed++;
          resolve();
        });
      });
      req.on('error', () => {
        failed++;
        resolve();
      });
      req.end();
    });
  const inFlight: Promise<void>[] = [];
  const start = performance.now();
  while (!done || performance.now() - start < minMs) {
    inFlight.push(one());
    await new Promise((r) => setTimeout(r, PROBE_EVERY_MS));
  }
  await Promise.all(inFlight);
  agent.destroy();
  return stats(times, failed);
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { shapes: { type: 'string', default: SHAPES.join(',') }, 'alone-ms': { type: 'string', default: '3000' }, 'gate-prof': { type: 'string' } },
    strict: true,
  });
  const shapes = values.shapes.split(',').filter((s): s is Shape => (SHAPES as readonly string[]).includes(s));
  const kids = new Children();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-stall-'));
  try {
    const init = await kids.run('node', [SLUICE, 'init', '--dir', dir], 30_000);
    if (init.code !== 0) throw new Error(`sluice init failed: ${init.stderr}`);
    const configFile = join(dir, 'bench.yaml');
    await writeFile(
      configFile,
      `version: 1\nlisten: 127.0.0.1:0\ndns:\n  hosts:\n    ${HOST}: 127.0.0.1\nnetwork:\n  allow_private: [127.0.0.1/32]\nlog:\n  level: warn\nrules:\n  - id: stall\n    hosts: [${HOST}]\n`,
    );
    const up = kids.spawn('node', [SELF, '--role', 'upstream']);
    const upPort = Number((await firstLine(up, /listening on 127\.0\.0\.1:(\d+)$/))[1]);
    const gate = kids.spawn('node', [
      ...(values['gate-prof'] ? ['--cpu-prof', '--cpu-prof-dir', values['gate-prof']] : []),
      SLUICE,
      'start',
      '--config',
      configFile,
      '--listen',
      '127.0.0.1:0',
    ]);
    const gateUrl = (await firstLine(gate, /^sluice listening on (http:\/\/\S+)$/))[1]!;
    const gatePort = Number(new URL(gateUrl).port);
    const minted = await kids.run('node', [SLUICE, 'token', '--tenant', 'bench', '--agent', 'stall', '--ttl', '1h', '--config', configFile], 30_000);
    if (minted.code !== 0) throw new Error(`sluice token failed: ${minted.stderr}`);
    const auth = `Basic ${Buffer.from(`sluice:${minted.stdout.trim()}`).toString('base64')}`;
    const probeUrl = `http://${HOST}:${upPort}/probe`;

    console.log(
      `sluice stall benchmark: probe every ${PROBE_EVERY_MS} ms through the gate (pid ${gate.pid}) while one hostile exchange runs; Node ${process.version}`,
    );
    // Warm up (JIT, connection pools), then the probe alone.
    await probe(gatePort, auth, probeUrl, Promise.resolve(), 1000);
    const alone = await probe(gatePort, auth, probeUrl, Promise.resolve(), Number(values['alone-ms']));
    const rows: { name: string; s: Stats; outcome: string; ms: number }[] = [{ name: 'probe alone', s: alone, outcome: '', ms: 0 }];
    for (const shape of shapes) {
      const child = kids.spawn('node', [SELF, '--role', 'hostile', '--shape', shape, '--gate', String(gatePort), '--auth', auth, '--upstream', String(upPort)]);
      const line = firstLine(child, /^(\{.*\})$/, SHAPE_TIMEOUT_MS + 10_000).then((m) => JSON.parse(m[1]!) as { outcome: string; ms: number });
      const s = await probe(gatePort, auth, probeUrl, line, 500);
      const r = await line;
      rows.push({ name: LABELS[shape], s, outcome: r.outcome, ms: r.ms });
    }
    return printTable(rows, alone) ? 0 : 1;
  } finally {
    await kids.stopAll();
    await rm(dir, { recursive: true, force: true });
  }
}

function printTable(rows: { name: string; s: Stats; outcome: string; ms: number }[], alone: Stats): boolean {
  const head = ['shape', 'probes', 'p50 ms', 'p99 ms', 'max ms', 'failed', 'shape ms', 'shape outcome', 'result'];
  let ok = true;
  const cells = rows.map((r, i) => {
    const pass = i === 0 || (r.s.p99 <= 2 * alone.p99 && r.s.max < 250 && r.s.failed === 0);
    ok &&= pass;
    return [
      r.name,
      String(r.s.n),
      r.s.p50.toFixed(1),
      r.s.p99.toFixed(1),
      r.s.max.toFixed(1),
      String(r.s.failed),
      i === 0 ? '-' : String(r.ms),
      r.outcome || '-',
      i === 0 ? '' : pass ? 'PASS' : 'FAIL',
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string => c.map((x, i) => (i === 0 || i === 7 ? x.padEnd(widths[i]!) : x.padStart(widths[i]!))).join('  ');
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const c of cells) console.log(line(c));
  return ok;
}

const { values: role } = parseArgs({
  options: { role: { type: 'string' }, shape: { type: 'string' }, gate: { type: 'string' }, auth: { type: 'string' }, upstream: { type: 'string' } },
  strict: false,
});
if (role.role === 'upstream') upstream();
else if (role.role === 'hostile') void hostile(role.shape as Shape, Number(role.gate), String(role.auth), Number(role.upstream));
else {
  main().then(
    (code) => process.exit(code),
    (err: Error) => {
      console.error(err);
      process.exit(1);
    },
  );
}
