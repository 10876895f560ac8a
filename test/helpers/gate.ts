import { mkdtemp, writeFile } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { MemoryAuditSink } from '../../src/audit/sink.js';
import { loadConfig } from '../../src/config/load.js';
import { Gate } from '../../src/proxy/gate.js';
import { createCa, loadCa, writeCa } from '../../src/tls/ca.js';
import { upstreamPki } from './pki.js';
import { ensureTokenKeys, loadSigningKey } from '../../src/identity/keys.js';
import { issueToken } from '../../src/identity/tokens.js';
import { ensureMasterKey } from '../../src/credentials/master-key.js';
import { FileSecretStore } from '../../src/credentials/file-store.js';

export interface TestGate {
  gate: Gate;
  url: string;
  port: number;
  dir: string;
  configFile: string;
  /** The gate's own interception CA (what agents must trust). */
  caFile: string;
  caPem: string;
  audit: MemoryAuditSink;
  /** A token for tenant `acme`, agent `test-agent` (15 min). */
  token: string;
  /** `http://sluice:<token>@127.0.0.1:PORT`: what an agent is given. */
  proxyUrl: string;
  /** The `Proxy-Authorization` value for `token`. */
  auth: string;
  /** Mint another token with this gate's key. */
  mint(req: {
    tenant?: string;
    agent?: string;
    session?: string;
    human?: string;
    labels?: Record<string, string>;
    ttlMs?: number;
    now?: number;
  }): Promise<string>;
  /** Every log line the gate wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A real gate on 127.0.0.1:0, in this process, with a fresh data dir and CA, its
 * upstream trust set to this run's upstream test CA, and its audit kept in memory.
 * `yaml` is appended to a config with `version: 1`.
 */
export async function startTestGate(yaml: string, opts: { secrets?: Record<string, string>; audit?: MemoryAuditSink | 'config' } = {}): Promise<TestGate> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-gate-'));
  const pki = await upstreamPki();
  const ca = await createCa();
  const { certPath, keyPath } = await writeCa(dir, ca);
  await ensureTokenKeys(dir);
  const signingKey = await loadSigningKey(dir);
  const mint: TestGate['mint'] = async (req) =>
    (await issueToken(signingKey, { tenant: req.tenant ?? 'acme', agent: req.agent ?? 'test-agent', ttlMs: req.ttlMs ?? 15 * 60_000, ...stripUndefined(req) }))
      .token;
  const token = await mint({});
  if (opts.secrets) {
    await ensureMasterKey(dir);
    const store = await FileSecretStore.open(dir);
    for (const [name, value] of Object.entries(opts.secrets)) await store.set(name, value);
  }
  const configFile = join(dir, 'sluice.yaml');
  const hasTls = /^tls:/m.test(yaml);
  const text = `version: 1\nlisten: 127.0.0.1:0\n${hasTls ? '' : `tls:\n  upstream_ca: ${pki.caFile}\n`}${yaml}\n`;
  await writeFile(configFile, text);
  const loaded = await loadConfig(configFile);
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = pino(
    { level: 'debug' },
    {
      write(line: string) {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      },
    },
  );
  const audit = opts.audit instanceof MemoryAuditSink ? opts.audit : new MemoryAuditSink();
  const gate = await Gate.start({ loaded, ca: await loadCa(certPath, keyPath), logger, ...(opts.audit === 'config' ? {} : { audit }) });
  return {
    gate,
    token,
    proxyUrl: gate.url.replace('http://', `http://sluice:${token}@`),
    auth: `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`,
    mint,
    url: gate.url,
    port: gate.address.port,
    dir,
    configFile,
    caFile: certPath,
    caPem: ca.certPem,
    audit,
    logs,
    close: () => gate.close(),
  };
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * One plain-HTTP request through the gate (absolute-form, as an agent's HTTP client
 * sends it), with `auth` as its Proxy-Authorization (default: the gate's token).
 *
 * @example
 * const r = await proxyRequest(g, 'GET', 'http://tickets.internal/tickets');
 */
export function proxyRequest(
  g: TestGate,
  method: string,
  url: string,
  opts: { auth?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const headers = { 'proxy-authorization': opts.auth ?? g.auth, ...opts.headers };
    const req = httpRequest({ host: '127.0.0.1', port: g.port, method, path: url, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

/** The Proxy-Authorization value for `token`. */
export function proxyAuth(token: string): string {
  return `Basic ${Buffer.from(`sluice:${token}`).toString('base64')}`;
}
