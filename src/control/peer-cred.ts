/**
 * Who is at the other end of a Unix socket: the uid, gid and pid the kernel recorded
 * when the peer connected (SO_PEERCRED). Node has no API for it, so a 40-line N-API
 * addon (native/peercred.c, built by node-gyp at `npm install`) makes the one
 * getsockopt call. Why this and not the alternatives: docs/design-notes.md,
 * "Control channel".
 *
 * When the addon is missing (no compiler at install), `peerCredentials` answers
 * null and the control server falls back to the socket file's mode (0600: only the
 * gate's own user and root can connect at all).
 *
 * @example
 * const who = peerOf(socket); // { uid: 1001, gid: 1001, pid: 4242 } or null
 */
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';

export interface PeerCred {
  readonly uid: number;
  readonly gid: number;
  /** -1 where the platform does not say (getpeereid). */
  readonly pid: number;
}

type Addon = { peerCred(fd: number): PeerCred | null };

let addon: Addon | null | undefined;

/** The addon, loaded once; null when it was not built. */
function load(): Addon | null {
  if (addon !== undefined) return addon;
  const require = createRequire(import.meta.url);
  // dist/src/control/ (built) and src/control/ (tsx) both sit three folders below the package root.
  for (const path of ['../../../build/Release/peercred.node', '../../build/Release/peercred.node']) {
    try {
      addon = require(path) as Addon;
      return addon;
    } catch {
      // try the next layout
    }
  }
  addon = null;
  return addon;
}

/** Whether peers can be identified on this install (the addon loaded). */
export function peerCredAvailable(): boolean {
  return load() !== null;
}

/**
 * The peer of an accepted Unix-socket connection, or null (no addon, or the
 * descriptor is not readable). The descriptor comes from the socket's libuv handle:
 * `handle.fd` is not documented, but it is how Node itself exposes a stream's
 * descriptor on Unix and has been for every release we support; a handle without a
 * numeric fd answers null, and the caller refuses the connection.
 *
 * @example
 * server.on('connection', (s) => { const who = peerOf(s); if (who === null) s.destroy(); });
 */
export function peerOf(socket: Socket): PeerCred | null {
  const a = load();
  if (a === null) return null;
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  if (typeof fd !== 'number' || fd < 0) return null;
  const cred = a.peerCred(fd);
  if (cred === null || !Number.isInteger(cred.uid) || cred.uid < 0) return null;
  return cred;
}
