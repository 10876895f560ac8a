/**
 * The admin API tests' set-up: a gate from `sluice start` (its own process) with
 * `admin.listen` on a free loopback port, operator tokens minted by `sluice operator
 * token`, and one client that keeps every answer's text (for the canary checks).
 */
import assert from 'node:assert/strict';
import { sluice, type CliGate } from '../helpers/cli.js';
import { parseRawResponse, rawExchange } from '../helpers/raw.js';

/** The admin address `sluice start` announced. */
export function adminPortOf(gate: CliGate): number {
  const m = /^admin API on http:\/\/127\.0\.0\.1:(\d+) /m.exec(gate.stdout());
  assert.ok(m, `no admin line in the gate's stdout: ${gate.stdout()}`);
  return Number(m[1]);
}

export async function operatorToken(configFile: string, name: string, role: string, ttl?: string): Promise<string> {
  const r = await sluice(['operator', 'token', '--name', name, '--role', role, ...(ttl ? ['--ttl', ttl] : []), '--config', configFile]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

/** A client of one admin listener that remembers every answer's text. */
export class AdminClient {
  readonly texts: string[] = [];
  constructor(readonly port: number) {}

  /** One call; `statusOnly` reads the status and headers and drops the body (an event stream never ends). */
  async call(
    method: string,
    path: string,
    opts: { token?: string; body?: unknown; headers?: Record<string, string>; statusOnly?: boolean } = {},
  ): Promise<ApiAnswer> {
    const headers: Record<string, string> = { ...opts.headers };
    if (opts.token !== undefined) headers.authorization = `Bearer ${opts.token}`;
    if (opts.body !== undefined) headers['content-type'] = 'application/json';
    const ctl = new AbortController();
    const res = await fetch(`http://127.0.0.1:${this.port}${path}`, {
      method,
      signal: ctl.signal,
      headers,
      ...(opts.body !== undefined ? { body: typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) } : {}),
    });
    if (opts.statusOnly && res.ok) {
      ctl.abort();
      return { status: res.status, headers: res.headers, text: '', body: {} };
    }
    const text = await res.text();
    this.texts.push(text);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // Not JSON (metrics text, an event stream).
    }
    return { status: res.status, headers: res.headers, text, body };
  }
}

/** The Proxy-Authorization value for an agent token. */
export function proxyAuth(token: string): string {
  return `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
}

/**
 * One agent request through the gate's proxy port to `authority` (a plain-HTTP
 * upstream named in the config's `dns.hosts`), JSON body, connection closed after.
 */
export async function agentSend(
  gatePort: number,
  token: string,
  authority: string,
  method: string,
  path: string,
  body = '',
  timeoutMs = 30_000,
): Promise<{ status: number; body: string }> {
  const { response } = await rawExchange(
    gatePort,
    `${method} http://${authority}${path} HTTP/1.1\r\nHost: ${authority}\r\nProxy-Authorization: ${proxyAuth(token)}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    { timeoutMs },
  );
  return parseRawResponse(response);
}
