import { CLOSE } from '../websocket/frames.js';
import type { IdentityError } from '../../identity/errors.js';
import type { Exchange } from './exchange.js';
import { stoppedBy } from './stop.js';

/**
 * WebSocket: a session lives as long as its identity, registered (plain and `wss`
 * alike) so that expiry or revocation closes it with 1008 and records why. Ended
 * before the upgrade completes, `session.check()` throws the reason and the agent gets
 * the deny contract.
 */
export function holdSession(x: Exchange, next: () => Promise<void>): Promise<void> {
  let ended: IdentityError | null = null;
  const session: NonNullable<Exchange['session']> = {
    relay: null,
    check: () => {
      if (ended) throw ended;
    },
  };
  x.session = session;
  const socket = x.carrier!.socket;
  if (x.principal) {
    const release = x.gate.exchanges.hold(x.principal, {
      dest: x,
      end: (why) => {
        ended = why;
        const text =
          why.reason === 'identity_expired'
            ? 'agent token expired'
            : why.reason === 'gate_killed'
              ? 'gate killed'
              : why.reason === 'quarantined'
                ? 'destination quarantined'
                : 'agent identity revoked';
        x.stoppedBy = stoppedBy(why);
        session.relay?.end(CLOSE.policyViolation, text, { outcome: 'deny', reason: why.reason, error: why.reason });
      },
    });
    if (socket.destroyed) release();
    else socket.once('close', release);
  }
  return next();
}
