/**
 * A wrapped stdio server lives as long as its identity: when `sluice revoke` names
 * its session, agent or token (in this process or another), the wrapper is told,
 * as the gate cuts an open tunnel. The gate already refuses the server's own
 * traffic by then; this ends the tool calls too. A revocation store that cannot be
 * read counts as revoked (fail closed).
 *
 * @example
 * const stop = await watchRevocation(config.data_dir, principal, (why) => child.kill('SIGTERM'));
 * await stop();
 */
import type { Principal } from '../../identity/principal.js';
import { openRevocationStore, type RevocationStore } from '../../state/index.js';

/**
 * Calls `onRevoked` once, with a reason, when `who` is revoked. Returns a stop function.
 *
 * @example
 * const stop = await watchRevocation(dir, principal, (why) => warn(why));
 */
export async function watchRevocation(dataDir: string, who: Principal, onRevoked: (why: string) => void): Promise<() => Promise<void>> {
  let told = false;
  const tell = (why: string): void => {
    if (told) return;
    told = true;
    onRevoked(why);
  };
  let store: RevocationStore | null = null;
  const check = (): void => {
    if (!store) return;
    try {
      const e = store.isRevoked(who);
      if (e) tell(`${e.kind} ${e.value} was revoked${e.reason ? ` (${e.reason})` : ''}`);
    } catch {
      tell('the revocation state cannot be read (fail closed)');
    }
  };
  store = await openRevocationStore(dataDir, { onError: check });
  const opened = store;
  const unsubscribe = store.onChange(check);
  check();
  return async () => {
    unsubscribe();
    await opened.close();
  };
}
