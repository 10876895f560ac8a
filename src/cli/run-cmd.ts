import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/load.js';
import { parseDuration } from '../config/duration.js';
import { mintRunToken } from '../identity/mint-run-token.js';
import { writeClientBundle } from '../tls/trust.js';
import { readFile } from 'node:fs/promises';
import { agentEnv } from './agent-env.js';
import { configPath } from './paths.js';
import { UsageError } from './usage-error.js';

export const help = `sluice run [--config FILE] [--gate HOST:PORT] [--tenant T] [--agent A] [--human H] [--ttl 1h] -- CMD [ARGS...]

Run CMD with the gate as its HTTP and HTTPS proxy and the gate's CA trusted
(HTTP_PROXY, HTTPS_PROXY, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
CURL_CA_BUNDLE, GIT_SSL_CAINFO, PIP_CERT, AWS_CA_BUNDLE, DENO_CERT; NO_PROXY cleared).
A fresh agent token (new session id) is minted for the run and carried in the proxy
URL as http://sluice:<token>@HOST:PORT; tenant and agent default to 'default', the
token lives --ttl (default 1h, at most 24h). The session id is printed on stderr.
The gate must be running ('sluice start'). Exits with CMD's exit code.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string' },
      gate: { type: 'string' },
      tenant: { type: 'string', default: 'default' },
      agent: { type: 'string', default: 'default' },
      human: { type: 'string' },
      ttl: { type: 'string', default: '1h' },
      quiet: { type: 'boolean', short: 'q', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length === 0) throw new UsageError('nothing to run: sluice run [--config FILE] -- CMD [ARGS...]');
  const { config } = await loadConfig(configPath(values.config));
  let host = config.listen.host;
  let port = config.listen.port;
  if (values.gate) {
    const m = /^(.+):(\d+)$/.exec(values.gate);
    if (!m) throw new UsageError(`--gate: expected HOST:PORT, got '${values.gate}'`);
    host = m[1]!.replace(/^\[|\]$/g, '');
    port = Number(m[2]);
  }
  // A gate on every interface is still reached over loopback from this machine.
  if (host === '0.0.0.0') host = '127.0.0.1';
  if (host === '::') host = '::1';
  await assertListening(host, port);
  const bundle = join(config.data_dir, 'ca-bundle.pem');
  await writeClientBundle(bundle, await readFile(config.tls.ca_cert, 'utf8'));
  let ttlMs: number;
  try {
    ttlMs = parseDuration(values.ttl);
  } catch (err) {
    throw new UsageError(`--ttl: ${(err as Error).message}`);
  }
  const { token, session } = await mintRunToken(config.data_dir, {
    tenant: values.tenant,
    agent: values.agent,
    ttlMs,
    ...(values.human !== undefined ? { human: values.human } : {}),
  });
  if (!values.quiet) process.stderr.write(`sluice run: session ${session} (tenant ${values.tenant}, agent ${values.agent})\n`);
  const url = `http://sluice:${token}@${host.includes(':') ? `[${host}]` : host}:${port}`;
  const env = agentEnv(process.env, url, { caCert: config.tls.ca_cert, bundle });

  const [cmd, ...args] = positionals as [string, ...string[]];
  // Catch signals before the child exists: it can print (and whoever watches it can
  // signal us) before spawn() even returns; a signal with no handler would kill this
  // process and leave the child running.
  const running: { child?: ReturnType<typeof spawn>; pending?: NodeJS.Signals } = {};
  const forward = (sig: NodeJS.Signals): void => {
    if (running.child) running.child.kill(sig);
    else running.pending = sig;
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(sig, forward);
  const child = spawn(cmd, args, { stdio: 'inherit', env });
  running.child = child;
  if (running.pending) child.kill(running.pending);
  return new Promise<number>((resolve) => {
    child.once('error', (err: NodeJS.ErrnoException) => {
      process.stderr.write(`sluice run: cannot start '${cmd}': ${err.code === 'ENOENT' ? 'command not found' : err.message}\n`);
      resolve(127);
    });
    child.once('exit', (code, signal) => {
      resolve(code ?? 128 + (signal ? signalNumber(signal) : 0));
    });
  });
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

function signalNumber(signal: NodeJS.Signals): number {
  return osConstants.signals[signal] ?? 0;
}
