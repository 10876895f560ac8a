import { parseOptionsOnly, shared } from './flags.js';
import { ControlRefused, ControlUnreachable, controlCall } from '../control/control-client.js';
import type { StatusAnswer } from '../control/protocol.js';
import { controlSocket } from './control-socket.js';

export const help = `sluice status [--control SOCKET] [--config FILE] [--json]

Ask the running gate, over its control socket, whether it is up, which policy
version it serves, and what is open: exchanges, tunnels, live 'sluice run'
sessions (session ids and agents only for the gate's own user and root).
No proxy request is made: no audit record, no 407. Exit 0 when the gate answered,
1 when it did not.`;

export async function run(argv: string[]): Promise<number> {
  const { values } = parseOptionsOnly(argv, shared('control', 'config', 'json'));
  const socket = await controlSocket(values, 'status');
  let s: StatusAnswer;
  try {
    s = await controlCall<StatusAnswer>(socket, 'GET', '/v1/status', undefined, 5000);
  } catch (err) {
    const why = err instanceof ControlUnreachable || err instanceof ControlRefused ? err.message : `no answer: ${(err as Error).message}`;
    if (values.json) process.stdout.write(`${JSON.stringify({ gate: 'down', reason: why })}\n`);
    else process.stdout.write(`gate: down (${why})\n`);
    return 1;
  }
  if (values.json) {
    process.stdout.write(`${JSON.stringify(s)}\n`);
    return 0;
  }
  const host = s.proxy.host.includes(':') ? `[${s.proxy.host}]` : s.proxy.host;
  let out = `gate: up (pid ${s.pid}, proxy ${host}:${s.proxy.port})\npolicy: ${s.policy_version}\nopen: ${s.exchanges} exchange(s), ${s.tunnels} tunnel(s), ${s.runs} run(s)\n`;
  for (const x of s.sessions ?? []) {
    const run = x.run_expires_at === null ? '' : `, run token until ${new Date(x.run_expires_at).toISOString()}`;
    out += `  session ${x.session}  tenant ${x.tenant}  agent ${x.agent}  ${x.exchanges} open${run}\n`;
  }
  process.stdout.write(out);
  return 0;
}
