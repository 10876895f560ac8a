/**
 * What `sluice run` and `sluice mcp` do before they start a child: ask the running
 * gate, over its control socket, for a token and a run alias (the gate decides
 * whether this user may have that identity), check the proxy port answers, write
 * the gate's CA into a private temp folder, and build the child's environment
 * (proxy URL with the alias, CA trusted). Nothing here reads the data directory:
 * no signing key, no master key, no secret store.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ControlRefused, ControlUnreachable, controlCall } from '../control/control-client.js';
import type { RunAnswer } from '../control/protocol.js';
import type { Principal } from '../identity/principal.js';
import { writeClientBundle } from '../tls/trust.js';
import { agentEnv } from '../launcher/agent-env.js';
import { loadConfig, type LoadedConfig } from '../config/load.js';
import { controlSocket } from './control-socket.js';
import { ttlFlag } from './duration-flag.js';
import { configPath } from './paths.js';
import { CommandError, UsageError } from '../usage-error.js';

/** The flags both commands share. */
export interface GateSessionFlags {
  config?: string | undefined;
  control?: string | undefined;
  gate?: string | undefined;
  tenant: string;
  agent: string;
  human?: string | undefined;
  ttl: string;
  /** `ttl` is the command's default (the user typed none): the gate may shorten it to its identity.max_ttl. */
  ttlDefault?: boolean;
}

export interface GateSession {
  /** The control socket the token came from (renewal goes there too). */
  control: string;
  /**
   * The operator's config when this user can read it (it names what an isolated
   * command must not see); null for an agent user that reached the gate by its socket.
   */
  loaded: LoadedConfig | null;
  /** The gate's CA certificate, written for this run (PEM file in a private temp folder). */
  caCert: string;
  /** Who the child is, as the gate will see it. */
  principal: Principal;
  /** The run's token (renewal proves the run with it) and the alias the child holds. */
  token: string;
  alias: string;
  /** The child's environment: proxy variables with the alias, CA files. */
  env: NodeJS.ProcessEnv;
  /** Remove the CA files written for the child. */
  cleanup(): Promise<void>;
}

/**
 * Mint over the control socket, check the gate listens, build the env. Throws
 * UsageError (exit 2) when the gate cannot be reached, CommandError (exit 1) when it refuses.
 *
 * @example
 * const s = await openGateSession({ tenant: 'acme', agent: 'bot', ttl: '1h' });
 * spawn('curl', ['https://api.example.com/'], { env: s.env });
 */
export async function openGateSession(flags: GateSessionFlags): Promise<GateSession> {
  const ttlMs = ttlFlag(flags.ttl).ms;
  const socket = await controlSocket(flags);
  let run: RunAnswer;
  try {
    run = await controlCall<RunAnswer>(socket, 'POST', '/v1/runs', {
      tenant: flags.tenant,
      agent: flags.agent,
      human: flags.human ?? null,
      ttl_ms: ttlMs,
      ttl_default: flags.ttlDefault === true,
    });
  } catch (err) {
    if (err instanceof ControlUnreachable) throw new UsageError(err.message);
    // A bad argument (a --ttl over the gate's limit) is a usage error, as 'sluice token' says it.
    if (err instanceof ControlRefused) {
      throw err.error === 'bad_request'
        ? new UsageError(`the gate refused: ${err.message}`)
        : new CommandError(`the gate refused: ${err.message} [${err.error}]`);
    }
    throw err;
  }
  const { host, port } = gateAddress(flags.gate, run.proxy);
  await assertListening(host, port);
  // Private to this run (mkdtemp is 0700): the agent user may not be able to write the data directory, and needs no file of it.
  const dir = await mkdtemp(join(tmpdir(), 'sluice-run-'));
  const caCert = join(dir, 'ca.pem');
  const bundle = join(dir, 'ca-bundle.pem');
  await writeFile(caCert, run.ca_cert, { mode: 0o644 });
  await writeClientBundle(bundle, run.ca_cert);
  const url = `http://sluice:${run.alias}@${host.includes(':') ? `[${host}]` : host}:${port}`;
  const i = run.identity;
  const principal: Principal = Object.freeze({
    tenant: i.tenant,
    agent: i.agent,
    session: i.session,
    human: i.human,
    labels: i.labels,
    tokenId: i.token_id,
    issuedAt: i.issued_at,
    expiresAt: i.expires_at,
    policyVersion: i.policy_version,
  });
  return {
    control: socket,
    loaded: await readableConfig(flags),
    caCert,
    principal,
    token: run.token,
    alias: run.alias,
    env: agentEnv(process.env, url, { caCert, bundle }),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** The config, when given or found and readable by this user; null otherwise (an agent user). */
async function readableConfig(flags: GateSessionFlags): Promise<LoadedConfig | null> {
  try {
    return await loadConfig(configPath(flags.config));
  } catch {
    return null;
  }
}

/** `--gate HOST:PORT`, else where the gate says it listens. */
function gateAddress(flag: string | undefined, proxy: { host: string; port: number }): { host: string; port: number } {
  if (!flag) return proxy;
  const m = /^(.+):(\d+)$/.exec(flag);
  if (!m) throw new UsageError(`--gate: expected HOST:PORT, got '${flag}'`);
  let host = m[1]!.replace(/^\[|\]$/g, '');
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  return { host, port: Number(m[2]) };
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
