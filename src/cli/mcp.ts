/**
 * `sluice mcp`: a stdio MCP server behind the gate (the wrapper form, always with
 * `--`), and the operator's pin commands (`accept`, `pins`).
 */
import type { ChildProcess } from 'node:child_process';
import { createLogger } from '../logger.js';
import { serverNameFor, SERVER_NAME } from '../mcp/stdio/server-name.js';
import { watchRevocation } from '../mcp/stdio/revocation.js';
import { openStdioServices } from '../mcp/stdio/services.js';
import { wrapStdio } from '../mcp/stdio/wrap.js';
import { loadConfig } from '../config/load.js';
import { controlCall } from '../control/control-client.js';
import type { Finding } from '../inspect/finding.js';
import { openGateSession, type GateSessionFlags } from './gate-session.js';
import { GATE_SESSION, parseFlags, STRING } from './flags.js';
import { configPath } from './paths.js';
import { acceptPins, listPins } from './mcp-pins.js';
import { spawnWrapped } from '../launcher/spawn-child.js';
import { runIdentity } from './run-identity.js';
import { UsageError } from '../usage-error.js';

export const help = `sluice mcp [--config FILE] [--control SOCKET] [--gate HOST:PORT] [--tenant T] [--agent A] [--human H] [--name SERVER] [--ttl 12h] -- CMD [ARGS...]
sluice mcp accept SERVER [--tenant T] [--config FILE]
sluice mcp pins [SERVER] [--tenant T] [--config FILE]

Run a stdio MCP server (CMD) behind the gate. Point your MCP client at this
command instead of CMD: every JSON-RPC message between the client (our stdin and
stdout) and the server passes the gate's MCP guard, with the policy, DLP,
injection scanning, tool pinning and audit of the config the gate uses:
  - tools/call: MCP tool rules decide; a denied call gets a JSON-RPC error (-32001)
    whose data is the deny body {error, reason, rule, decision_id}; secrets in
    arguments are blocked; every call is one audit record (transport stdio, host
    SERVER).
  - tools/list: denied, poisoned and changed-since-pinned tools are taken out.
  - results: a prompt injection in a tool result is refused.
  - a message over mcp.max_message_bytes, or one that is not JSON-RPC, is refused.
The server's own network access goes through the gate like 'sluice run' (a token
and session minted by the gate over its control socket, a run alias in the proxy
variables, CA trusted); the gate must be running. Its
stderr passes through. Exits with CMD's exit code. Revoking the session (or its
agent or token), or its token expiring, stops the server (its stdin closed, then
SIGTERM, then SIGKILL after 2 s), as the gate cuts an open tunnel.

SERVER (for policy, pins and audit) is --name, else derived from CMD: its
basename, or for npx, node, uvx, python, ... the first argument that is not a
flag, without scope, version or extension ('npx -y @modelcontextprotocol/server-
everything' is 'server-everything'). The session id is printed on stderr
(--quiet: not). The server's token lives --ttl (default 12h, at most 24h: MCP
clients keep stdio servers running for a working day); when it expires the
server is stopped. Restart it to renew.

accept: a tool whose definition (description, schema) changed since it was first
pinned is blocked until an operator accepts it; this accepts every change
waiting for SERVER (all tenants, or --tenant T) and prints what it accepted.
pins: lists pinned tools and the changes waiting, for SERVER or all servers.`;

const SUBCOMMANDS = new Set(['accept', 'pins']);

export async function run(argv: string[]): Promise<number> {
  const dashdash = argv.indexOf('--');
  const own = dashdash === -1 ? argv : argv.slice(0, dashdash);
  const { values, positionals } = parseFlags(own, { ...GATE_SESSION, name: STRING });
  const [sub, ...rest] = positionals;
  if (sub !== undefined && SUBCOMMANDS.has(sub)) {
    if (dashdash !== -1) throw new UsageError(`'sluice mcp ${sub}' runs no command; leave out '--' and what follows`);
    for (const flag of ['control', 'gate', 'agent', 'human', 'name', 'ttl'] as const) {
      if (values[flag] !== undefined) throw new UsageError(`--${flag} belongs to the wrapper form (sluice mcp [options] -- CMD), not to 'sluice mcp ${sub}'`);
    }
    const flags = { config: values.config, tenant: values.tenant };
    return sub === 'accept' ? acceptPins(rest, flags) : listPins(rest, flags);
  }
  if (sub !== undefined)
    throw new UsageError(`unknown subcommand '${sub}': expected 'accept' or 'pins', or a server to wrap after '--' (sluice mcp [options] -- CMD [ARGS...])`);
  const command = dashdash === -1 ? [] : argv.slice(dashdash + 1);
  if (command.length === 0) throw new UsageError('nothing to run: sluice mcp [options] -- CMD [ARGS...]');
  const [cmd, ...args] = command as [string, ...string[]];
  return wrap(cmd, args, { ...values, ...runIdentity(values), ttl: values.ttl ?? '12h', ttlDefault: values.ttl === undefined });
}

async function wrap(
  cmd: string,
  args: string[],
  flags: GateSessionFlags & { name?: string | undefined; ttlDefault: boolean; quiet: boolean },
): Promise<number> {
  if (flags.name !== undefined && !SERVER_NAME.test(flags.name)) {
    throw new UsageError(
      `--name: expected a server name like 'tickets' (a letter, then letters, digits, '.', '_' or '-'); got '${flags.name.replace(/[^\x20-\x7e]/g, '?')}'`,
    );
  }
  const server = flags.name ?? serverNameFor(cmd, args);
  if (server === null) throw new UsageError(`cannot derive a server name from '${cmd}'; pass --name SERVER`);
  // The guard needs the operator's policy; the token comes from the gate (no key is read here).
  const loaded = await loadConfig(configPath(flags.config));
  const session = await openGateSession(flags);
  const c = loaded.config;
  const warn = (text: string): void => void process.stderr.write(`sluice mcp: ${text}\n`);
  const logger = createLogger({ level: c.log.level, file: c.log.file, format: c.log.format });
  // Stored secrets in tool-call arguments are matched by the gate: this process holds no secret value.
  const knownSecrets = (payload: unknown): Promise<Finding[]> =>
    controlCall<{ findings: Finding[] }>(session.control, 'POST', '/v1/runs/scan', { token: session.token, alias: session.alias, payload }).then(
      (a) => a.findings,
    );
  const services = await openStdioServices(loaded, logger, warn, knownSecrets);
  const who = session.principal;
  if (!flags.quiet) warn(`session ${who.session} (tenant ${who.tenant}, agent ${who.agent}), server ${server}`);
  let stopWatching = async (): Promise<void> => {};
  try {
    const running: { child?: ChildProcess; revoked?: boolean } = {};
    stopWatching = await watchRevocation(c.data_dir, who, (why) => {
      warn(`${why}: stopping the server`);
      running.revoked = true;
      stop(running.child);
    });
    const { child, exited } = spawnWrapped('sluice mcp', cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env: session.env });
    running.child = child;
    if (running.revoked) stop(child);
    return await wrapStdio({
      guard: services.guard,
      env: services.env,
      audit: services.audit,
      who,
      server,
      child,
      exited,
      clientIn: process.stdin,
      clientOut: process.stdout,
      warn,
    });
  } finally {
    await stopWatching();
    await controlCall(session.control, 'POST', '/v1/runs/end', { token: session.token, alias: session.alias }, 2000).catch(() => undefined);
    await session.cleanup();
    await services.close().catch((err: unknown) => warn(`closing the audit trail failed: ${err instanceof Error ? err.message : String(err)}`));
    logger.flush();
  }
}

/** How long a server told to stop (revoked, expired) may take before it is killed. */
const STOP_GRACE_MS = 2000;

/**
 * The MCP stdio shutdown sequence: close the server's stdin (no tool call reaches it
 * from now on), SIGTERM, and SIGKILL if it is still running after the grace: a server
 * cannot outlive its identity by ignoring a signal.
 */
function stop(child: ChildProcess | undefined): void {
  if (!child) return;
  if (child.stdin && !child.stdin.destroyed) child.stdin.end();
  child.kill('SIGTERM');
  const timer = setTimeout(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }, STOP_GRACE_MS);
  timer.unref();
  child.once('exit', () => clearTimeout(timer));
}
