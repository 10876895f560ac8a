/**
 * The shared state (Redis) could not be asked for a budget or a rate limit
 * (StateUnavailableError): with `state.redis_down: refuse` (the default) the request is
 * refused 503 `state_unavailable`, naming what could not be counted; with `allow` it
 * goes on uncounted, the audit record carries a `state_unavailable` finding (action `warn`) and the gate logs it, at most one line per 10 s per kind.
 * Anything else is thrown on unchanged.
 *
 * @example
 * try {
 *   await takeBudgets(x, rule);
 * } catch (err) {
 *   stateDown(x, err, rule);
 * }
 */
import type { Logger } from 'pino';
import type { Finding } from '../audit/fields.js';
import { StateUnavailableError } from '../state/state-unavailable.js';
import { Rejection } from './errors-map.js';

/** Per logger (one per gate), per kind: when the last line was written and how many were left out since. */
const logged = new WeakMap<Logger, Map<string, { at: number; suppressed: number }>>();
const EVERY_MS = 10_000;

/** Refuse, or (redis_down: allow) mark and log and return; rethrows what is not StateUnavailableError. */
export function stateDown(x: { readonly gate: { readonly logger: Logger }; readonly findings: Finding[] }, err: unknown, rule: string): void {
  if (!(err instanceof StateUnavailableError)) throw err;
  if (!err.failOpen) {
    throw new Rejection('state_unavailable', `${err.message}; refused (state.redis_down: refuse)`, rule);
  }
  x.findings.push({
    type: 'state_unavailable',
    location: 'request',
    action: 'warn',
    detail: `${err.what} not counted: Redis unreachable, allowed (state.redis_down: allow)`,
  });
  let kinds = logged.get(x.gate.logger);
  if (kinds === undefined) logged.set(x.gate.logger, (kinds = new Map<string, { at: number; suppressed: number }>()));
  const now = Date.now();
  const last = kinds.get(err.what);
  if (last !== undefined && now - last.at < EVERY_MS) {
    last.suppressed++;
    return;
  }
  kinds.set(err.what, { at: now, suppressed: 0 });
  x.gate.logger.warn({ state: err.what, suppressed_since_last: last?.suppressed ?? 0 }, `${err.message}; allowed uncounted (state.redis_down: allow)`);
}
