import { GATE_SESSION, parseFlags, STRING } from './flags.js';
import { prepareLaunch, type Launch } from '../launcher/launch.js';
import { openGateSession } from './gate-session.js';
import { runIdentity } from './run-identity.js';
import { keepRenewed } from './run-renewal.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice run [--control SOCKET] [--config FILE] [--gate HOST:PORT] [--tenant T] [--agent A] [--human H] [--ttl 1h]
           [--isolate | --no-isolate] [--user NAME] [--rw PATH]... [--print-env] -- CMD [ARGS...]

Run CMD with the gate as its HTTP and HTTPS proxy and the gate's CA trusted, for
curl, wget, git, Python (urllib, requests, pip, uv), Node (fetch, http, https), npm,
pnpm, yarn, cargo, Go, Ruby, .NET and Java ('--print-env' lists every variable set).

The token comes from the running gate over its control socket (--control, else
$SLUICE_CONTROL, else control.socket of the config, default <data_dir>/control.sock):
this command reads no key and no secret, and the gate decides whether your user may
have that identity (control.mint). Tenant and agent default to 'default'; a new
session id is printed on stderr. CMD gets a run-scoped proxy password, not the token
(http://sluice:<run alias>@HOST:PORT); the gate maps it to the current token, which
lives --ttl (default 1h, at most 24h) and is renewed at 2/3 of it for as long as
this command runs and the session is not revoked. When CMD exits the alias stops
working. Exits with CMD's exit code.

Isolation (Linux, bubblewrap; on by default where the host supports it): CMD runs
in its own network namespace whose only way out is the gate (no DNS, no direct
connection), sees the host's files read-only except the working directory and any
--rw PATH, has a private /tmp and /run, and cannot see the data directory, the
control socket, the config, key files, 'file:' secrets or the usual credential files
in $HOME. Where the host cannot isolate, a warning says why and CMD runs with the
proxy variables only; --isolate makes that an error, --no-isolate runs without
isolation and without the warning. --user NAME (as root) runs CMD as that user.

--print-env prints what the run sets and removes (the token masked) and exits.`;

export async function run(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, {
    ...GATE_SESSION,
    // Launcher flags: the sandbox and the client environment (src/launcher/).
    isolate: { type: 'boolean' },
    'no-isolate': { type: 'boolean' },
    user: STRING,
    rw: { type: 'string', multiple: true },
    'print-env': { type: 'boolean', default: false },
  });
  if (values.isolate && values['no-isolate']) throw new UsageError('--isolate and --no-isolate contradict each other');
  const printEnv = values['print-env'];
  if (positionals.length === 0 && !printEnv) throw new UsageError('nothing to run: sluice run [--config FILE] -- CMD [ARGS...]');
  const session = await openGateSession({ ...values, ...runIdentity(values), ttl: values.ttl ?? '1h', ttlDefault: values.ttl === undefined });
  const { principal } = session;
  const say = (line: string): void => {
    if (!values.quiet) process.stderr.write(`sluice run: ${line}\n`);
  };
  let launch: Launch | undefined;
  let renewal: { stop(): Promise<void> } | undefined;
  try {
    launch = await prepareLaunch(session, session.env, {
      isolate: values['no-isolate'] ? false : values.isolate,
      user: values.user,
      rw: values.rw,
      quiet: values.quiet || printEnv,
    });
    if (printEnv) {
      process.stdout.write(launch.describe());
      return 0;
    }
    say(`session ${principal.session} (tenant ${principal.tenant}, agent ${principal.agent})`);
    renewal = keepRenewed({ ...session, issuedAt: principal.issuedAt, expiresAt: principal.expiresAt }, say);
    const [cmd, ...args] = positionals as [string, ...string[]];
    return await launch.run('sluice run', cmd, args);
  } finally {
    await renewal?.stop();
    await launch?.close();
    await session.cleanup();
  }
}
