/**
 * The bubblewrap command line for one isolated run, as a pure function of what to
 * show and hide, so it can be read and tested without starting anything.
 *
 * The view: the host's root read-only; the working directory (and any --rw path)
 * writable; fresh /dev, /proc (own pid namespace: no other process's environ or
 * memory), /tmp and /run (host Unix sockets live there: D-Bus, systemd-resolved,
 * nscd, ssh-agent, container daemons; each would be a way out of the network
 * namespace); the trust folder and the run's folder (the bridge socket) under /run/sluice; then
 * every hidden path covered by an unreadable empty file or an empty folder. Later mounts
 * cover earlier ones, so the hides come last.
 *
 * The sandbox: its own user, pid, ipc, uts, cgroup and network namespaces (loopback
 * only); every capability dropped (bwrap run by root keeps them otherwise, and a
 * capable agent could unmount a hide); a new session (no TIOCSTI into the caller's
 * terminal); killed when `sluice run` dies.
 */

/** Where the trust folder (CA files) appears inside the sandbox. */
export const INSIDE_TRUST_DIR = '/run/sluice/trust';
/** Where the run's own folder (the bridge socket) appears inside the sandbox. */
export const INSIDE_RUN_DIR = '/run/sluice/run';

export interface SandboxView {
  /** Absolute, symlinks resolved. */
  cwd: string;
  /** Extra writable paths (absolute, resolved, existing). */
  writable: readonly string[];
  /** Host paths the sandbox needs read-only that a private mount would cover (Node, Sluice's own code under /tmp). */
  readOnly: readonly string[];
  /** The trust folder outside; appears at INSIDE_TRUST_DIR. */
  trustDir: string;
  /** The run's folder outside; appears at INSIDE_RUN_DIR. */
  runDir: string;
  /** An empty file of mode 0000 to cover hidden files with. */
  blankFile: string;
  /** Paths to hide (absolute, resolved, existing), with what they are. */
  hide: readonly { path: string; dir: boolean }[];
}

const PRIVATE = ['/tmp', '/run', '/dev', '/proc'];

/**
 * @example
 * spawn('bwrap', [...bwrapArgs(view), '--', process.execPath, relay, '8877', '/run/sluice/gate.sock', 'curl', url]);
 */
export function bwrapArgs(view: SandboxView): string[] {
  // --as-pid-1: the relay is the namespace's init, so signals sent to it (by host pid,
  // from --info-fd) reach a process that handles them; bwrap forwards none itself.
  const a = ['--as-pid-1', '--unshare-user', '--unshare-pid', '--unshare-ipc', '--unshare-uts', '--unshare-cgroup-try', '--unshare-net'];
  a.push('--die-with-parent', '--new-session', '--cap-drop', 'ALL');
  a.push('--ro-bind', '/', '/', '--dev', '/dev', '--proc', '/proc', '--tmpfs', '/tmp', '--tmpfs', '/run');
  const shown = view.cwd === '/' ? [...view.writable] : [view.cwd, ...view.writable];
  for (const p of shown) a.push('--bind', p, p);
  for (const p of view.readOnly) if (!visible(p, shown)) a.push('--ro-bind', p, p);
  a.push('--ro-bind', view.trustDir, INSIDE_TRUST_DIR, '--ro-bind', view.runDir, INSIDE_RUN_DIR);
  for (const h of view.hide) {
    // Under a private mount there is nothing to hide; under a hidden folder, it is hidden already.
    if (!visible(h.path, shown) || view.hide.some((o) => o.dir && o.path !== h.path && under(h.path, o.path))) continue;
    // An empty read-only folder (not --perms 0000: bubblewrap before 0.5, Debian 11's, lacks it).
    if (h.dir) a.push('--tmpfs', h.path, '--remount-ro', h.path);
    else a.push('--ro-bind', view.blankFile, h.path);
  }
  a.push('--chdir', view.cwd);
  return a;
}

/** Whether the host's `p` shows through: the deepest mount over it is a bind of the host, not a private one. */
export function visible(p: string, binds: readonly string[]): boolean {
  let best = '/';
  let isPrivate = false;
  for (const m of [...PRIVATE.map((x) => ({ m: x, priv: true })), ...binds.map((x) => ({ m: x, priv: false }))]) {
    if (under(p, m.m) && m.m.length >= best.length) {
      best = m.m;
      isPrivate = m.priv;
    }
  }
  return !isPrivate;
}

function under(p: string, root: string): boolean {
  return p === root || p.startsWith(root === '/' ? '/' : `${root}/`);
}
