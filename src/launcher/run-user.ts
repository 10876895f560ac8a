/**
 * `--user NAME`: the account the agent runs as, from the system's user database
 * (getent, so NSS sources such as LDAP count), and only when this process may switch
 * to it. The agent gets that user's HOME, USER and LOGNAME, and no supplementary
 * groups (libuv drops them when it switches uid).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../usage-error.js';

export interface RunUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/**
 * @example
 * const u = await lookupUser('agent'); // { name: 'agent', uid: 1001, gid: 1001, home: '/home/agent' }
 */
export async function lookupUser(name: string): Promise<RunUser> {
  if (process.getuid?.() !== 0) throw new UsageError(`--user ${name}: only root can start a command as another user`);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/.test(name)) throw new UsageError(`--user: '${name}' is not a user name`);
  let line: string;
  try {
    line = (await promisify(execFile)('getent', ['passwd', name], { timeout: 10_000 })).stdout.split('\n')[0] ?? '';
  } catch {
    throw new UsageError(`--user: no user named '${name}' (getent passwd ${name} found nothing)`);
  }
  const f = line.split(':');
  const uid = Number(f[2]);
  const gid = Number(f[3]);
  if (f.length < 7 || !Number.isInteger(uid) || !Number.isInteger(gid)) throw new UsageError(`--user: unreadable passwd entry for '${name}'`);
  if (uid === 0) throw new UsageError(`--user ${name}: that is root; pick an unprivileged user`);
  return { name, uid, gid, home: f[5] || '/' };
}
