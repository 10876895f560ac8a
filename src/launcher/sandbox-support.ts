/**
 * Whether this host can isolate a run: Linux, bubblewrap on the PATH, and namespaces
 * it may create (a kernel or container may forbid unprivileged user namespaces).
 * Asked by trying the same kind of sandbox with `true` inside, since that is the only
 * answer that covers every reason it could fail.
 */
import { spawn } from 'node:child_process';
import { findOnPath } from './find-on-path.js';

export type Support = { ok: true; bwrap: string } | { ok: false; why: string };

/**
 * @example
 * const s = await isolationSupport();
 * if (!s.ok) process.stderr.write(`not isolated: ${s.why}\n`);
 */
export async function isolationSupport(as?: { uid: number; gid: number }): Promise<Support> {
  if (process.platform !== 'linux') return { ok: false, why: `isolation needs Linux namespaces; this is ${process.platform}` };
  const bwrap = await findOnPath('bwrap');
  if (!bwrap) return { ok: false, why: "bubblewrap is not installed (Debian/Ubuntu: 'apt-get install bubblewrap')" };
  const probe = ['--unshare-user', '--unshare-pid', '--unshare-net', '--cap-drop', 'ALL', '--ro-bind', '/', '/', '--proc', '/proc', '--', 'true'];
  const r = await new Promise<{ code: number | null; err: string }>((resolve) => {
    const c = spawn(bwrap, probe, { stdio: ['ignore', 'ignore', 'pipe'], ...(as ?? {}) });
    let err = '';
    c.stderr.on('data', (b: Buffer) => {
      if (err.length < 2000) err += b.toString();
    });
    c.once('error', (e) => resolve({ code: null, err: e.message }));
    c.once('close', (code) => resolve({ code, err }));
  });
  if (r.code === 0) return { ok: true, bwrap };
  return { ok: false, why: `bubblewrap cannot create a sandbox here (${r.err.trim().replace(/^bwrap: /, '') || `exit ${r.code}`})` };
}
