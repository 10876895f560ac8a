import type { Exchange } from './exchange.js';

const VIA = '1.1 sluice';

/**
 * The rule's header rewrite (remove, then set), then the headers operators' steps
 * added, then `Host` for the destination and the gate's `Via`.
 */
export function rewrite(x: Exchange, next: () => Promise<void>): Promise<void> {
  const up = x.up!;
  const headers = up.headers;
  const rw = x.decision!.headers;
  if (rw) {
    for (const name of rw.remove) {
      if (headers[name] !== undefined) up.rewritten.push(name);
      delete headers[name];
    }
    for (const [name, value] of Object.entries(rw.set)) {
      headers[name] = value;
      up.rewritten.push(name);
    }
  }
  if (x.added) {
    for (const [name, value] of Object.entries(x.added)) {
      headers[name] = value;
      up.rewritten.push(name);
    }
  }
  headers.host = x.dest!.hostHeader;
  const via = headers.via;
  headers.via = via === undefined ? VIA : `${Array.isArray(via) ? via.join(', ') : via}, ${VIA}`;
  return next();
}
