import { request } from 'node:http';
import type { CliGate } from '../helpers/cli.js';

/**
 * One answered request: its status, body, its path (unique per request: how an allowed
 * request's record is found) and, for a refusal, the decision id of its deny body.
 */
export interface Answer {
  status: number;
  body: string;
  path: string;
  decision: string | undefined;
}

/** Whether `r` is the record of `a`. */
export function recordOf(a: Answer, r: { path?: string | null; decision_id: string }): boolean {
  return a.decision === undefined ? r.path === a.path : r.decision_id === a.decision;
}

/**
 * One absolute-form request through the gate on a new connection (no keep-alive: the
 * kernel picks a worker for each). Rejects when no whole answer came back.
 */
export function fresh(port: number, auth: string, url: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method: 'GET', path: url, agent: false, headers: { 'proxy-authorization': auth, connection: 'close' } },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => {
          const id = res.headers['x-sluice-decision'];
          resolve({ status: res.statusCode ?? 0, body, path: new URL(url).pathname, decision: typeof id === 'string' ? id : undefined });
        });
        res.on('error', reject);
      },
    );
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
