/**
 * A wrapped stdio server lives as long as its identity: when `sluice revoke` names
 * its session, agent or token (in this process or another), or when its token
 * expires, the wrapper is told, as the gate cuts an open tunnel. The gate already
 * refuses the server's own traffic by then; this ends the tool calls too. A
 * revocation store that cannot be read counts as revoked (fail closed). The wrapper
 * registers as a participant, so `sluice revoke` returns only after it was told.
 *
 * @example
 * const stop = await watchRevocation(config.data_dir, principal, (why) => child.kill('SIGTERM'));
 * await stop();
 */
import type { Principal } from '../../identity/principal.js';
import { CLOCK_TOLERANCE_SEC, openRuntime, type RevocationStore } from '../../runtime/index.js';

/** The clock skew the gate allows on expiry. */
const CLOCK_TOLERANCE_MS = CLOCK_TOLERANCE_SEC * 1000;

/**
 * Calls `onRevoked` once, with a reason, when `who` is revoked or its token expires. Returns a stop function.
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
  const rt = await openRuntime({ dataDir }, { need: ['revocations'], revocations: { onError: check, participant: 'mcp' } });
  store = rt.revocations;
  const unsubscribe = store.onChange(check);
  check();
  const expiry = setTimeout(
    () => tell(`the session token expired at ${new Date(who.expiresAt).toISOString()}`),
    Math.max(0, who.expiresAt + CLOCK_TOLERANCE_MS - Date.now()),
  );
  expiry.unref();
  return async () => {
    clearTimeout(expiry);
    unsubscribe();
    await rt.close();
  };
}
