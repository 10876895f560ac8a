/**
 * Sluice as a library: the front door (`import ... from 'sluice'`).
 *
 * Start a gate in this process, decide and explain requests against a policy
 * without one, and read the refusal table every deny body and JSON-RPC refusal
 * comes from. Everything else is internal and may move; what is exported here is
 * the contract (docs/library.md walks through it).
 *
 * @example
 * import { initDataDir, startGate, issueToken, loadSigningKey, proxyUrlFor } from 'sluice';
 * await initDataDir('/srv/sluice');
 * const gate = await startGate({ config: { version: 1, rules: [{ id: 'gh', hosts: ['api.github.com'] }] }, dir: '/srv/sluice' });
 * const { token } = await issueToken(await loadSigningKey('/srv/sluice'), { tenant: 'acme', agent: 'bot' });
 * process.env.HTTPS_PROXY = proxyUrlFor(gate, token); // http://sluice:<token>@127.0.0.1:8877
 * await gate.close();
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { stringify } from 'yaml';
import type * as z from 'zod';
import type { AuditSink } from './audit/index.js';
import { loadConfig as loadConfigFile, parseConfig } from './config/index.js';
import type { configSchema, LoadedConfig } from './config/index.js';
import { ensureMasterKey } from './credentials/index.js';
import { ensureTokenKeys, PROXY_USER } from './identity/index.js';
import { createLogger } from './logger.js';
import { compileConfigPolicy } from './policy/compile.js';
import type { CompiledPolicy } from './policy/index.js';
import { Gate } from './proxy/index.js';
import { CA_CERT_FILE, createCa, loadCa, writeCa } from './tls/index.js';

// The pieces a library user needs as they are: pure policy, the refusal table, errors, tokens, audit.
export { decide, explain, compilePolicy } from './policy/index.js';
export type { CompiledPolicy, Decision, DecisionReason, Explanation, Outcome, RequestFacts, RuleSpec, TraceEntry, Who } from './policy/index.js';
export { REFUSALS, isRefusalCode, jsonRpcCodeFor, refusalOfSluiceCode } from './refusals.js';
export type { RefusalCode, RefusalSpec } from './refusals.js';
export { ConfigError, ErrorCode, SluiceError } from './errors.js';
export type { ConfigProblem } from './errors.js';
export { parseConfig } from './config/index.js';
export type { Config, LoadedConfig } from './config/index.js';
export { issueToken, loadSigningKey } from './identity/index.js';
export type { IssueTokenRequest, Principal } from './identity/index.js';
export { MemoryAuditSink } from './audit/index.js';
export type { AuditRecord, AuditSink } from './audit/index.js';
export type { Gate, ReloadResult } from './proxy/index.js';

/**
 * A config as an object: the YAML file's shape, keys and all (`snake_case`, durations
 * as `'30s'`, `listen` as `'127.0.0.1:8877'`). Checked exactly as a file is.
 */
export type ConfigInput = z.input<typeof configSchema>;

/** What a config object's problems are reported against, in `dir` (there is no file). */
const OBJECT_SOURCE = '<config object>';

/**
 * Load a config from a file, or from an object in the file's shape. Relative paths in
 * an object (and `data_dir`, which defaults to the config's folder) resolve against
 * `dir` (default: the current directory). Throws ConfigError listing every problem;
 * for an object its lines are those of the object written out as YAML.
 *
 * @example
 * const fromFile = await loadConfig('/etc/sluice/sluice.yaml');
 * const inline = await loadConfig({ version: 1, rules: [{ id: 'gh', hosts: ['api.github.com'], methods: ['GET'] }] }, { dir: '/srv/sluice' });
 * inline.config.data_dir; // '/srv/sluice'
 * inline.version; // 12 hex characters, as for a file: audit records and decisions carry it
 */
export async function loadConfig(source: string | ConfigInput, opts: { dir?: string } = {}): Promise<LoadedConfig> {
  if (typeof source === 'string') return loadConfigFile(source);
  // YAML text of the object: the version hash, the line numbers and the checks are a file's.
  return parseConfig(stringify(source), join(resolve(opts.dir ?? '.'), OBJECT_SOURCE));
}

/**
 * The compiled policy of a loaded config, ready for `decide` and `explain`.
 *
 * @example
 * const policy = policyFromConfig(await loadConfig('sluice.yaml'));
 * decide({ scheme: 'https', host: 'api.github.com', port: 443, method: 'GET', path: '/user' }, null, policy).outcome; // 'allow' | 'deny'
 */
export function policyFromConfig(loaded: LoadedConfig): CompiledPolicy {
  // As the gate compiles it: approvals' roles, blast radius and the inspection defaults included.
  return compileConfigPolicy(loaded.config, loaded.version);
}

export interface StartGateOptions {
  /** A config file's path, or the config as an object (see ConfigInput). */
  config: string | ConfigInput;
  /** For an object config: where its relative paths and its default `data_dir` resolve. Default: the current directory. */
  dir?: string;
  /** Overrides the config's `listen` (port 0: any free port; read it back from `gate.address`). */
  listen?: { host: string; port: number };
  /** Default: the logger the config's `log:` section describes (JSON lines on stderr). */
  logger?: Logger;
  /** Replaces the audit sinks the config asks for (a MemoryAuditSink to read records back). */
  audit?: AuditSink;
}

/**
 * Start a gate in this process, as `sluice start` does: load the config, load its CA
 * (`tls.ca_cert`, `tls.ca_key`; `initDataDir` makes one), listen. The data directory
 * must hold the token key and the CA. Close it with `gate.close()`; `gate.reload(loaded)`
 * swaps the policy.
 *
 * @example
 * const audit = new MemoryAuditSink();
 * const gate = await startGate({ config: 'sluice.yaml', listen: { host: '127.0.0.1', port: 0 }, audit });
 * console.log(gate.url, gate.policyVersion); // http://127.0.0.1:40123 3f2a9c01b7de
 * await gate.close();
 */
export async function startGate(opts: StartGateOptions): Promise<Gate> {
  const loaded = await loadConfig(opts.config, opts.dir === undefined ? {} : { dir: opts.dir });
  const c = loaded.config;
  const ca = await loadCa(c.tls.ca_cert, c.tls.ca_key);
  const logger = opts.logger ?? createLogger({ level: c.log.level, file: c.log.file, format: c.log.format });
  return Gate.start({ loaded, ca, logger, ...(opts.audit ? { audit: opts.audit } : {}), ...(opts.listen ? { listen: opts.listen } : {}) });
}

/**
 * Make `dir` a data directory a gate can start from, keeping what is there: the
 * interception CA (`ca.pem`, `ca-key.pem`), the token signing key and the secret
 * store's master key (unless SLUICE_MASTER_KEY is set), as `sluice init` does,
 * without writing a config. Returns where the CA certificate is (agents trust it).
 *
 * @example
 * const { caCert } = await initDataDir('/srv/sluice');
 * process.env.NODE_EXTRA_CA_CERTS = caCert;
 */
export async function initDataDir(dir: string): Promise<{ caCert: string }> {
  const abs = resolve(dir);
  await mkdir(abs, { recursive: true, mode: 0o700 });
  const caCert = join(abs, CA_CERT_FILE);
  // writeCa refuses to replace a CA (clients trust it); a half-present CA fails there, by name.
  if (!existsSync(caCert)) await writeCa(abs, await createCa());
  await ensureTokenKeys(abs);
  await ensureMasterKey(abs);
  return { caCert };
}

/**
 * The proxy URL an agent is given: `http://sluice:<token>@HOST:PORT`, so every common
 * client (curl, git, npm, pip, Node's fetch) sends the identity unmodified.
 *
 * @example
 * proxyUrlFor(gate, token); // 'http://sluice:eyJhbGciOi...@127.0.0.1:8877'
 */
export function proxyUrlFor(gate: { readonly url: string }, token: string): string {
  const url = new URL(gate.url);
  url.username = PROXY_USER;
  url.password = token;
  return url.href.replace(/\/$/, '');
}
