import { request } from 'node:http';
import type { CliGate } from '../helpers/cli.js';

/** One answered request: its status, body and the decision id the gate gave it. */
export interface Answer {
  status: number;
  body: string;
  decision: string;
}

/**
 * One absolute-form request through the gate on a new connection (no keep-alive: the
 * kernel picks a worker for each). Rejects when no whole answer came back.
 */
export function fresh(port: number, auth: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'GET', path: url, agent: false, headers: { 'proxy-authorization': auth, connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, decision: String(res.headers['x-sluice-decision'] ?? '') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** Worker pid to worker number, from the primary's "worker listening" log lines. */
export function workerPids(gate: CliGate): Map<number, number> {
  const out = new Map<number, number>();
  for (const l of gate.logLines()) if (l.msg === 'worker listening') out.set(Number(l.pid), Number(l.worker));
  return out;
}
