import type { Host } from '../../net/host.js';
import type { StopStore } from '../../state/stops.js';
import { killMessage, quarantineMessage } from '../../state/stops.js';
import { Rejection } from '../errors-map.js';
import type { Exchange } from './exchange.js';

/**
 * The operator's stops, before anything else is decided: `sluice kill` (every tenant,
 * or the asking one: 503 `gate_killed`) and `sluice quarantine` (this destination, for
 * everyone: 403 `quarantined`), each refusal naming its id in the record's `rule`.
 *
 * Where it sits: after `identify` and `classify` (CONNECT: `connect-target` and
 * `identify`), because a tenant's kill needs the tenant and a quarantine needs the
 * canonical host; before `host-checks` and `decide`, so no policy, DNS or SSRF work
 * is done for what is stopped, and before `hold`, so nothing stopped is registered.
 * A global kill therefore answers a request with no token (or an unreadable host)
 * with 407 (400) first: nothing passes either way. What a kill finds open is ended
 * by LiveExchanges (the store's onChange sweeps it), not here.
 */
export function stop(x: Exchange, next: () => Promise<void>): Promise<void> {
  const stops = x.gate.stops;
  if (stops === undefined) return next();
  const refused = stopRefusal(stops, x.principal?.tenant ?? null, x.host, x.hostText);
  if (refused !== null) {
    x.stoppedBy = refused.rule ?? undefined;
    throw refused;
  }
  return next();
}

/**
 * The refusal a kill or a quarantine gives a request of `tenant` to `host`, or null;
 * its `rule` names the stop (`kill:k3`, `quarantine:q7`). Shared with `sluice explain`
 * (gate-verdict.ts). Throws SLUICE_STATE_UNAVAILABLE when the state cannot be trusted.
 *
 * @example
 * stopRefusal(stops, 'acme', normalizeHost('evil.example'), 'evil.example')?.error; // 'quarantined'
 */
export function stopRefusal(
  stops: Pick<StopStore, 'killedFor' | 'quarantined'>,
  tenant: string | null,
  host: Host | undefined,
  hostText: string,
): Rejection | null {
  const k = stops.killedFor(tenant);
  if (k !== null) return new Rejection('gate_killed', killMessage(k), `kill:k${k.id}`);
  const q = host === undefined ? null : stops.quarantined(host);
  if (q === null) return null;
  return new Rejection('quarantined', quarantineMessage(q, hostText), `quarantine:q${q.id}`);
}

/** The kill an exchange was ended by (`kill:k3`), for its record's `rule`; undefined for an expiry or revocation. */
export function stoppedBy(why: { details: Readonly<Record<string, unknown>> }): string | undefined {
  const by = why.details.stopped_by;
  return typeof by === 'string' ? by : undefined;
}
