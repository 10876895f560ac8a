import { DECISION_HEADER, writeRawResponse } from '../deny-response.js';
import { synthesize } from '../synthesize.js';
import type { Exchange } from './exchange.js';

/**
 * A rule that answers itself (`respond:`): the answer is written here and the list
 * stops; nothing is resolved or dialled. On a WebSocket it is a plain HTTP answer, no upgrade.
 */
export function respond(x: Exchange, next: () => Promise<void>): Promise<void> {
  const spec = x.decision?.respond;
  if (!spec) return next();
  const carrier = x.carrier;
  if (!carrier) {
    synthesize(x, spec);
    return Promise.resolve();
  }
  const body = Buffer.from(spec.body, 'utf8');
  x.synthesised = true;
  x.outcome ??= 'allow';
  x.bytesOut = body.length;
  x.rawStatus = spec.status;
  writeRawResponse(carrier.socket, spec.status, { ...spec.headers, [DECISION_HEADER]: x.decisionId }, body);
  return Promise.resolve();
}
