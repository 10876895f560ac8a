/**
 * Talking to a running gate's control socket, for `sluice run`, `sluice mcp` and
 * `sluice status`. One JSON request per call, on a fresh connection.
 *
 * @example
 * const run = await controlCall<RunAnswer>(socket, 'POST', '/v1/runs', { tenant: 'acme', agent: 'bot' });
 */
import { request } from 'node:http';
import { formatDuration } from '../config/duration.js';
import type { ControlRefusal } from './protocol.js';

/** The gate answered with a refusal (`mint_refused`, `revoked`, ...). */
export class ControlRefused extends Error {
  readonly status: number;
  readonly error: ControlRefusal['error'];
  constructor(status: number, body: ControlRefusal) {
    super(body.reason);
    this.status = status;
    this.error = body.error;
  }
}

/** No gate answered on the socket: the message says why and what to do. */
export class ControlUnreachable extends Error {
  readonly code: string;
  constructor(socket: string, code: string) {
    const why: Record<string, string> = {
      ENOENT: "no control socket there: is the gate running ('sluice start')? If it runs as another user, pass --control with its control.socket",
      ECONNREFUSED: "nothing listens on it (a gate that stopped?); start one with 'sluice start'",
      EACCES:
        "permission denied: the socket belongs to the gate's user; the operator must grant your uid in control.mint and put control.socket where you can reach it",
      ENOTDIR: 'not a socket path',
    };
    super(`cannot reach the gate's control socket ${socket}: ${why[code] ?? code}`);
    this.code = code;
  }
}

const MAX_ANSWER_BYTES = 1024 * 1024;

export function controlCall<T>(socket: string, method: 'GET' | 'POST', path: string, body?: object, timeoutMs = 10_000): Promise<T> {
  return new Promise((resolve, reject) => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const req = request(
      { socketPath: socket, method, path, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_ANSWER_BYTES) res.destroy(new Error('control answer too large'));
          else chunks.push(c);
        });
        res.once('error', reject);
        res.once('end', () => {
          let parsed: unknown;
          try {
            parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
          } catch {
            reject(new Error(`the control socket answered ${res.statusCode ?? '?'} with something that is not JSON`));
            return;
          }
          if (res.statusCode === 200) resolve(parsed as T);
          else reject(new ControlRefused(res.statusCode ?? 0, parsed as ControlRefusal));
        });
      },
    );
    req.once('timeout', () => req.destroy(new Error(`the control socket ${socket} did not answer within ${formatDuration(timeoutMs)}`)));
    req.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code !== undefined && !err.message.includes('did not answer') ? new ControlUnreachable(socket, err.code) : err),
    );
    req.end(text);
  });
}
