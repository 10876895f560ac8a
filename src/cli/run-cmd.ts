import { parseArgs } from 'node:util';
import { openGateSession } from './gate-session.js';
import { spawnWrapped } from './spawn-child.js';
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
  const { principal, env } = await openGateSession(values);
  if (!values.quiet) process.stderr.write(`sluice run: session ${principal.session} (tenant ${values.tenant}, agent ${values.agent})\n`);
  const [cmd, ...args] = positionals as [string, ...string[]];
  return spawnWrapped('sluice run', cmd, args, { stdio: 'inherit', env }).exited;
}
