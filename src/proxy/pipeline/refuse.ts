import { openRefusal } from '../audit-open.js';
import { sendDeny, writeRawDeny } from '../deny-response.js';
import { recordFailure } from '../record-failure.js';
import { hasBody } from '../framing-guard.js';
import type { Exchange } from './exchange.js';
import { IdentityError } from '../../identity/errors.js';
import { stoppedBy } from './stop.js';
import { Rejection } from '../errors-map.js';

/**
 * The error boundary: whatever a later step throws (a refusal from the table in
 * refusals.ts, an identity error, an upstream failure) is recorded on the exchange,
 * put on record, and answered with the deny contract, on the response or raw on the
 * carrier.
 */
export async function refuse(x: Exchange, next: () => Promise<void>): Promise<void> {
  try {
    await next();
  } catch (thrown) {
    const f = recordFailure(x.gate, x, thrown);
    // A kill that landed between the stop step and hold: the record names it all the same.
    if (thrown instanceof IdentityError) x.stoppedBy ??= stoppedBy(thrown);
    openRefusal(x.gate, x);
    const body = { error: f.error, reason: f.reason, rule: f.rule ?? x.decision?.rule ?? null, decision_id: x.decisionId, ...f.details };
    if (thrown instanceof Rejection && thrown.extra !== null) Object.assign(body, thrown.extra);
    const carrier = x.carrier;
    if (carrier) {
      x.rawStatus = f.status;
      writeRawDeny(carrier.socket, body, f.headers);
      // A WebSocket agent may still send: read (and drop) it so its close is seen and the socket freed.
      if (x.transport !== 'tunnel') carrier.socket.resume();
      return;
    }
    // The agent may still be sending a body we will never read: close after answering.
    if (x.expectContinue || hasBody(x.req)) x.res.shouldKeepAlive = false;
    sendDeny(x.res, body, f.headers);
  }
}
