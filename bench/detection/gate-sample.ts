/**
 * `npm run bench:detection -- --gate`: a sample of the injection cases through a
 * running gate, to show the in-process figures hold end to end. The gate is the
 * CLI (`sluice init`, `sluice start` on 127.0.0.1:0, `sluice token`), the upstream
 * an HTTP server in this process on 127.0.0.1 that answers each case's body with
 * its Content-Type; requests go through the gate as an agent sends them
 * (absolute-form, Proxy-Authorization). A case counts as flagged through the gate
 * when the answer is the 403 `injection_blocked`. Printed: rates in-process and
 * through the gate on the same sample, and every case where the two disagree.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Children, firstLine } from '../children.js';
import type { DetectionCase, Evaluate, Scanner } from './case.js';

const SLUICE = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const HOST = 'docs.bench.test';
/** Every n-th case of each kind: about 150 attacks and 150 benign documents. */
const sampleOf = (cases: DetectionCase[], want: number): DetectionCase[] => cases.filter((_, i) => i % Math.max(1, Math.floor(cases.length / want)) === 0);

function fetchThroughGate(gatePort: number, auth: string, url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: gatePort, method: 'GET', path: url, headers: { host: new URL(url).host, 'proxy-authorization': auth } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export async function runGateSample(runs: readonly DetectionCase[], evaluators: ReadonlyMap<Scanner, { evaluate: Evaluate }>): Promise<void> {
  const injection = evaluators.get('injection');
  if (!injection) return;
  const cases = runs.filter((c) => c.scanner === 'injection');
  const sample = [
    ...sampleOf(
      cases.filter((c) => c.kind === 'attack'),
      150,
    ),
    ...sampleOf(
      cases.filter((c) => c.kind === 'benign'),
      150,
    ),
  ];
  const upstream = createServer((req, res) => {
    const c = sample[Number((req.url ?? '').slice(1))];
    if (!c) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': c.input.headers?.['content-type'] ?? 'text/plain' }).end(c.input.body ?? '');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upPort = (upstream.address() as AddressInfo).port;
  const kids = new Children();
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-detection-'));
  try {
    const init = await kids.run('node', [SLUICE, 'init', '--dir', dir], 30_000);
    if (init.code !== 0) throw new Error(`sluice init failed: ${init.stderr}`);
    const configFile = join(dir, 'bench.yaml');
    await writeFile(
      configFile,
      `version: 1\nlisten: 127.0.0.1:0\ndns:\n  hosts:\n    ${HOST}: 127.0.0.1\nnetwork:\n  allow_private: [127.0.0.1/32]\nlog:\n  level: warn\nrules:\n  - id: docs\n    hosts: [${HOST}]\n`,
    );
    const gate = kids.spawn('node', [SLUICE, 'start', '--config', configFile, '--listen', '127.0.0.1:0']);
    const gatePort = Number(new URL((await firstLine(gate, /^sluice listening on (http:\/\/\S+)$/))[1]!).port);
    const minted = await kids.run('node', [SLUICE, 'token', '--tenant', 'bench', '--agent', 'detection', '--ttl', '1h', '--config', configFile], 30_000);
    if (minted.code !== 0) throw new Error(`sluice token failed: ${minted.stderr}`);
    const auth = `Basic ${Buffer.from(`sluice:${minted.stdout.trim()}`).toString('base64')}`;
    const rows = { attack: { n: 0, inProcess: 0, gate: 0 }, benign: { n: 0, inProcess: 0, gate: 0 } };
    const disagree: string[] = [];
    for (let i = 0; i < sample.length; i++) {
      const c = sample[i]!;
      const local = await injection.evaluate(c);
      const r = await fetchThroughGate(gatePort, auth, `http://${HOST}:${upPort}/${i}`);
      const viaGate = r.status === 403 && r.body.includes('injection_blocked');
      if (r.status !== 200 && !viaGate) disagree.push(`${c.id}: unexpected ${r.status} ${r.body.slice(0, 120)}`);
      const row = rows[c.kind];
      row.n++;
      if (local) row.inProcess++;
      if (viaGate) row.gate++;
      if (local !== viaGate) disagree.push(`${c.id}: in-process ${local ? 'flagged' : 'passed'}, gate ${viaGate ? 'blocked' : `answered ${r.status}`}`);
    }
    const pct = (a: number, n: number): string => `${((100 * a) / Math.max(1, n)).toFixed(1)}%`;
    console.log(`\nthrough a running gate (sluice start, pid ${gate.pid}), a sample of ${sample.length} injection cases:`);
    console.log('| kind | cases | flagged in-process | blocked through the gate |');
    console.log('| --- | ---: | ---: | ---: |');
    for (const [kind, r] of Object.entries(rows)) console.log(`| ${kind} | ${r.n} | ${pct(r.inProcess, r.n)} | ${pct(r.gate, r.n)} |`);
    console.log(disagree.length === 0 ? 'in-process and gate agree on every sampled case' : `disagreements:\n${disagree.join('\n')}`);
  } finally {
    await kids.stopAll();
    upstream.closeAllConnections();
    await new Promise<void>((r) => upstream.close(() => r()));
    await rm(dir, { recursive: true, force: true });
  }
}
