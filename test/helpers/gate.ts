import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import { MemoryAuditSink } from '../../src/audit/sink.js';
import { loadConfig } from '../../src/config/load.js';
import { Gate } from '../../src/proxy/gate.js';
import { createCa, loadCa, writeCa } from '../../src/tls/ca.js';
import { upstreamPki } from './pki.js';

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
  /** Every log line the gate wrote, parsed. */
  logs: Record<string, unknown>[];
  close(): Promise<void>;
}

/**
 * A real gate on 127.0.0.1:0, in this process, with a fresh data dir and CA, its
 * upstream trust set to this run's upstream test CA, and its audit kept in memory.
 * `yaml` is appended to a config with `version: 1`.
 */
export async function startTestGate(yaml: string): Promise<TestGate> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-gate-'));
  const pki = await upstreamPki();
  const ca = await createCa();
  const { certPath, keyPath } = await writeCa(dir, ca);
  const configFile = join(dir, 'sluice.yaml');
  const hasTls = /^tls:/m.test(yaml);
  const text = `version: 1\nlisten: 127.0.0.1:0\n${hasTls ? '' : `tls:\n  upstream_ca: ${pki.caFile}\n`}${yaml}\n`;
  await writeFile(configFile, text);
  const loaded = await loadConfig(configFile);
  const logs: Record<string, unknown>[] = [];
  const logger: Logger = pino({ level: 'debug' }, {
    write(line: string) {
      logs.push(JSON.parse(line) as Record<string, unknown>);
    },
  });
  const audit = new MemoryAuditSink();
  const gate = await Gate.start({ loaded, ca: await loadCa(certPath, keyPath), logger, audit });
  return {
    gate,
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
