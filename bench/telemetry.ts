/**
 * What metrics and traces cost per request: the same loop of keep-alive requests
 * through an in-process gate with tracing off (the default: metrics only) and on
 * (OTLP/HTTP to a local collector that discards what it gets), printed side by side as
 * CPU µs per request (this process: client, gate and upstream, so only the difference
 * between the rows is telemetry's) and wall µs per request. Rounds alternate off/on
 * and the median round is printed. Also the cost of counting one record
 * (`observeRecord`) on its own.
 *
 * @example
 * npm run build && node dist/bench/telemetry.js
 * node dist/bench/telemetry.js --requests 5000 --rounds 5
 */
import { Agent, request, createServer } from 'node:http';
import { parseArgs } from 'node:util';
import { startTestGate, type TestGate } from '../test/helpers/gate.js';
import { startUpstream } from '../test/helpers/upstream.js';
import { observeRecord } from '../src/observe/metrics.js';
import { auditRecord } from '../src/audit/record.js';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '3000' }, rounds: { type: 'string', default: '5' } } });
const N = Number(values.requests);
const ROUNDS = Number(values.rounds);

function get(g: TestGate, agent: Agent, url: string, traceparent: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: g.port, method: 'GET', path: url, agent, headers: { 'proxy-authorization': g.auth, traceparent } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve() : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

async function round(g: TestGate, url: string, n: number): Promise<{ cpu: number; wall: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  const tp = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
  for (let i = 0; i < 200; i++) await get(g, agent, url, tp);
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  // 8 in flight at a time, as a busy agent would.
  let next = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (next < n) {
        next++;
        await get(g, agent, url, tp);
      }
    }),
  );
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / n;
  const c = process.cpuUsage(cpu0);
  agent.destroy();
  return { cpu: (c.user + c.system) / n, wall };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const up = await startUpstream();
  const sink = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => sink.listen(0, '127.0.0.1', r));
  const sinkPort = (sink.address() as { port: number }).port;
  const base = `
dns:
  hosts: { api.upstream.test: 127.0.0.1 }
network:
  allow_private: [127.0.0.1/32]
rules:
  - id: open
    hosts: [api.upstream.test]
audit:
  sqlite: false
`;
  const off = await startTestGate(base);
  const on = await startTestGate(`${base}telemetry:\n  otlp:\n    endpoint: http://127.0.0.1:${sinkPort}\n`);
  const url = `http://api.upstream.test:${up.port}/`;
  const rows = { off: [] as { cpu: number; wall: number }[], on: [] as { cpu: number; wall: number }[] };
  for (let i = 0; i < ROUNDS; i++) {
    rows.off.push(await round(off, url, N));
    rows.on.push(await round(on, url, N));
  }
  await off.close();
  await on.close();
  await up.close();
  sink.close();

  const r = auditRecord({
    decision_id: 'd',
    time: new Date().toISOString(),
    policy_version: 'v',
    outcome: 'allow',
    reason: 'rule_allow',
    status: 200,
    rule: 'open',
    tenant: 'acme',
  });
  const M = 200_000;
  for (let i = 0; i < 10_000; i++) observeRecord(r);
  const c0 = process.cpuUsage();
  for (let i = 0; i < M; i++) observeRecord(r, { startNs: 0n, sentNs: 1000n, headNs: 2000n });
  const cr = process.cpuUsage(c0);

  const offCpu = median(rows.off.map((x) => x.cpu));
  const onCpu = median(rows.on.map((x) => x.cpu));
  console.log(`telemetry cost per request (${N} requests x ${ROUNDS} rounds, 8 in flight; median round)`);
  console.log('                          CPU µs/req   wall µs/req');
  console.log(
    `tracing off (metrics on)  ${offCpu.toFixed(1).padStart(11)}   ${median(rows.off.map((x) => x.wall))
      .toFixed(1)
      .padStart(11)}`,
  );
  console.log(
    `tracing on (OTLP/HTTP)    ${onCpu.toFixed(1).padStart(11)}   ${median(rows.on.map((x) => x.wall))
      .toFixed(1)
      .padStart(11)}`,
  );
  console.log(`tracing's share: +${(onCpu - offCpu).toFixed(1)} µs CPU per request`);
  console.log(`observeRecord alone: ${(((cr.user + cr.system) / M) * 1000).toFixed(0)} ns per record`);
}

await main();
