/**
 * What `sluice run` and `sluice mcp` do before they start a child: find the gate
 * (and refuse to go on when none listens), write the CA bundle, mint a token with a
 * fresh session, and build the child's environment (proxy URL with the token, CA
 * trusted). One place, so the two commands' children reach the network the same way.
 */
import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { join } from 'node:path';
import { parseDuration } from '../config/duration.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import type { Principal } from '../identity/principal.js';
import { mintRunToken } from '../identity/mint-run-token.js';
import { writeClientBundle } from '../tls/trust.js';
import { agentEnv } from './agent-env.js';
import { configPath } from './paths.js';
import { CLIENT_BUNDLE_FILE } from './stale-temps.js';
import { UsageError } from './usage-error.js';

/** The flags both commands share. */
export interface GateSessionFlags {
  config?: string | undefined;
  gate?: string | undefined;
  tenant: string;
  agent: string;
  human?: string | undefined;
  ttl: string;
}

export interface GateSession {
  loaded: LoadedConfig;
  /** Who the child is, as the gate will see it. */
  principal: Principal;
  /** The child's environment: proxy variables with the token, CA files. */
  env: NodeJS.ProcessEnv;
}

/**
 * Load the config, check the gate listens, mint the session's token, build the env.
 * Throws UsageError (exit 2) with a fix-it message when the gate is not running.
 *
 * @example
 * const s = await openGateSession({ tenant: 'acme', agent: 'bot', ttl: '1h' });
 * spawn('curl', ['https://api.example.com/'], { env: s.env });
 */
export async function openGateSession(flags: GateSessionFlags): Promise<GateSession> {
  const loaded = await loadConfig(configPath(flags.config));
  const config = loaded.config;
  const { host, port } = gateAddress(flags.gate, config.listen);
  await assertListening(host, port);
  const bundle = join(config.data_dir, CLIENT_BUNDLE_FILE);
  await writeClientBundle(bundle, await readFile(config.tls.ca_cert, 'utf8'));
  let ttlMs: number;
  try {
    ttlMs = parseDuration(flags.ttl);
  } catch (err) {
    throw new UsageError(`--ttl: ${(err as Error).message}`);
  }
  const { token, principal } = await mintRunToken(config.data_dir, {
    tenant: flags.tenant,
    agent: flags.agent,
    ttlMs,
    ...(flags.human !== undefined ? { human: flags.human } : {}),
  });
  const url = `http://sluice:${token}@${host.includes(':') ? `[${host}]` : host}:${port}`;
  return { loaded, principal, env: agentEnv(process.env, url, { caCert: config.tls.ca_cert, bundle }) };
}

/** `--gate HOST:PORT`, else the config's listen address; a wildcard address is reached over loopback. */
function gateAddress(flag: string | undefined, listen: { host: string; port: number }): { host: string; port: number } {
  let host = listen.host;
  let port = listen.port;
  if (flag) {
    const m = /^(.+):(\d+)$/.exec(flag);
    if (!m) throw new UsageError(`--gate: expected HOST:PORT, got '${flag}'`);
    host = m[1]!.replace(/^\[|\]$/g, '');
    port = Number(m[2]);
  }
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return { host, port };
}

function assertListening(host: string, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = connect({ host, port });
    s.setTimeout(2000);
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    const fail = (why: string): void => {
      s.destroy();
      reject(new UsageError(`no gate is listening on ${host}:${port} (${why}); start one with 'sluice start --config FILE'`));
    };
    s.once('error', (err: NodeJS.ErrnoException) => fail(err.code ?? err.message));
    s.once('timeout', () => fail('timed out'));
  });
}
