import { Cut } from '../cut.js';
import type { Exchange } from './exchange.js';
import { stoppedBy } from './stop.js';

/**
 * HTTP: the exchange counts against the in-flight limits (limits.ts) and lives as long
 * as its identity: registered until the response closes, so expiry or revocation
 * aborts it (upload and download) with the identity's reason.
 */
export function holdExchange(x: Exchange, next: () => Promise<void>): Promise<void> {
  const gate = x.gate;
  gate.limits?.admit(x);
  const cut = new Cut();
  x.cut = cut;
  if (x.principal) {
    const release = gate.exchanges.hold(x.principal, {
      dest: x,
      end: (why) => {
        // Before the cut: ending it may write the record at once.
        x.stoppedBy = stoppedBy(why);
        if (!cut.fire(why)) {
          // Before forwarding starts (the MCP intake reading the body ahead, DNS), an
          // upload still arriving is ended here; forward() refuses to start once fired.
          if (!x.req.complete) x.req.destroy(why);
          return;
        }
        // Already streaming to the agent: cut it now, not when the abort comes back, so
        // nothing more leaves once `sluice revoke` has been told this gate applied it.
        if (x.res.headersSent && !x.res.writableFinished && !x.res.destroyed) {
          x.outcome = 'deny';
          x.reason = x.error = why.reason;
          x.res.destroy();
        }
      },
    });
    // An agent that left while it was being identified has already had its 'close'.
    if (x.res.destroyed || x.req.socket.destroyed) release();
    else x.res.once('close', release);
  }
  gate.limits?.track(x, cut);
  return next();
}
