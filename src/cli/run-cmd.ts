import { parseArgs } from 'node:util';
import { openGateSession } from './gate-session.js';
import { keepRenewed } from './run-renewal.js';
import { spawnWrapped } from './spawn-child.js';
import { UsageError } from './usage-error.js';

export const help = `sluice run [--control SOCKET] [--config FILE] [--gate HOST:PORT] [--tenant T] [--agent A] [--human H] [--ttl 1h] -- CMD [ARGS...]

Run CMD with the gate as its HTTP and HTTPS proxy and the gate's CA trusted
(HTTP_PROXY, HTTPS_PROXY, NODE_EXTRA_CA_CERTS, SSL_CERT_FILE, REQUESTS_CA_BUNDLE,
CURL_CA_BUNDLE, GIT_SSL_CAINFO, PIP_CERT, AWS_CA_BUNDLE, DENO_CERT; NO_PROXY cleared).

The token comes from the running gate over its control socket (--control, else
$SLUICE_CONTROL, else control.socket of the config, default <data_dir>/control.sock):
this command reads no key and no secret, and the gate decides whether your user may
have that identity (control.mint). Tenant and agent default to 'default'; a new
session id is printed on stderr. CMD gets a run-scoped proxy password, not the token
(http://sluice:<run alias>@HOST:PORT); the gate maps it to the current token, which
lives --ttl (default 1h, at most 24h) and is renewed at 2/3 of it for as long as
this command runs and the session is not revoked. When CMD exits the alias stops
working. Exits with CMD's exit code.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      control: { type: 'string' },
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
  const session = await openGateSession(values);
  const { principal } = session;
  const say = (line: string): void => {
    if (!values.quiet) process.stderr.write(`sluice run: ${line}\n`);
  };
  say(`session ${principal.session} (tenant ${principal.tenant}, agent ${principal.agent})`);
  const renewal = keepRenewed({ ...session, issuedAt: principal.issuedAt, expiresAt: principal.expiresAt }, say);
  const [cmd, ...args] = positionals as [string, ...string[]];
  try {
    return await spawnWrapped('sluice run', cmd, args, { stdio: 'inherit', env: session.env }).exited;
  } finally {
    await renewal.stop();
    await session.cleanup();
  }
}
