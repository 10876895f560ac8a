/**
 * Which replica wrote an audit record to the shared trail: `SLUICE_REPLICA_ID` when
 * set (a pod name, say), else the host name and a short hash of the data directory,
 * so two gates on one host with their own data directories are told apart and a
 * replica restarted on the same directory keeps its name.
 */
import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';

/**
 * @example
 * writerId('/var/lib/sluice'); // 'gate-7f9c:3e1a0b2c', or $SLUICE_REPLICA_ID
 */
export function writerId(dataDir: string, env: NodeJS.ProcessEnv = process.env): string {
  const given = env.SLUICE_REPLICA_ID?.trim();
  if (given) return given.slice(0, 200);
  return `${hostname()}:${createHash('sha256').update(resolve(dataDir)).digest('hex').slice(0, 8)}`;
}
