import { captureExchange } from '../forensics-capture.js';
import type { Exchange } from './exchange.js';

/**
 * Forensics mode (`sluice forensics start --session S`): when the asking session is
 * under it, keep this exchange in full, redacted (forensics-capture.ts). Right after
 * `identify` and `classify` (the session and the target are known; nothing the agent
 * sent has been read or changed yet), so refused requests are kept too. Never refuses: an unreadable forensics
 * state is logged and the exchange goes on without capture.
 *
 * @example
 * step('forensics', forensics) // after 'classify' in HTTP_STEPS
 */
export function forensics(x: Exchange, next: () => Promise<void>): Promise<void> {
  const f = x.gate.forensics;
  const p = x.principal;
  if (f === undefined || p === null) return next();
  try {
    if (f.store.active(p.session) !== null) captureExchange(x, f.dir);
  } catch (err) {
    x.gate.logger.error({ err, session: p.session }, 'forensics: state unreadable; exchange not captured');
  }
  return next();
}
