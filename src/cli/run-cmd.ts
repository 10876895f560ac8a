import { parseArgs } from 'node:util';
import { prepareLaunch } from '../launcher/launch.js';
import { openGateSession } from './gate-session.js';
import { UsageError } from './usage-error.js';

export const help = `sluice run [--config FILE] [--gate HOST:PORT] [--tenant T] [--agent A] [--human H] [--ttl 1h]
           [--isolate | --no-isolate] [--user NAME] [--rw PATH]... [--print-env] -- CMD [ARGS...]

Run CMD with the gate as its HTTP and HTTPS proxy and the gate's CA trusted, for
curl, wget, git, Python (urllib, requests, pip, uv), Node (fetch, http, https), npm,
pnpm, yarn, cargo, Go, Ruby, .NET and Java ('--print-env' lists every variable set).
A fresh agent token (new session id) is minted for the run and carried in the proxy
URL as http://sluice:<token>@HOST:PORT; tenant and agent default to 'default', the
token lives --ttl (default 1h, at most 24h). The session id is printed on stderr.
The gate must be running ('sluice start'). Exits with CMD's exit code.

Isolation (Linux, bubblewrap; on by default where the host supports it): CMD runs
in its own network namespace whose only way out is the gate (no DNS, no direct
connection), sees the host's files read-only except the working directory and any
--rw PATH, has a private /tmp and /run, and cannot see the data directory, the
config, key files, 'file:' secrets or the usual credential files in $HOME. Where the
host cannot isolate, a warning says why and CMD runs with the proxy variables only;
--isolate makes that an error, --no-isolate runs without isolation and without the
warning. --user NAME (as root) runs CMD as that user.

--print-env prints what the run sets and removes (the token masked) and exits.`;

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
      // Launcher flags: the sandbox and the client environment (src/launcher/).
      isolate: { type: 'boolean' },
      'no-isolate': { type: 'boolean' },
      user: { type: 'string' },
      rw: { type: 'string', multiple: true },
      'print-env': { type: 'boolean', default: false },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.isolate && values['no-isolate']) throw new UsageError('--isolate and --no-isolate contradict each other');
  const printEnv = values['print-env'];
  if (positionals.length === 0 && !printEnv) throw new UsageError('nothing to run: sluice run [--config FILE] -- CMD [ARGS...]');
  const { principal, env, loaded } = await openGateSession(values);
  const launch = await prepareLaunch(loaded, env, {
    isolate: values['no-isolate'] ? false : values.isolate,
    user: values.user,
    rw: values.rw,
    quiet: values.quiet || printEnv,
  });
  try {
    if (printEnv) {
      process.stdout.write(launch.describe());
      return 0;
    }
    if (!values.quiet) process.stderr.write(`sluice run: session ${principal.session} (tenant ${values.tenant}, agent ${values.agent})\n`);
    const [cmd, ...args] = positionals as [string, ...string[]];
    return await launch.run('sluice run', cmd, args);
  } finally {
    await launch.close();
  }
}
