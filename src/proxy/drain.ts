/**
 * Graceful stop: stop taking work, let exchanges in flight finish up to the drain
 * timeout, then end the rest with a recorded reason (`shutting_down`, error
 * `drain_timeout`) instead of cutting them silently. Returns once every request has
 * closed, so its audit record is written before the sinks are closed.
 *
 * @example
 * const r = await drain(limits, 30_000); // { ms: 812, ended: 0 }
 */
import { formatDuration } from '../config/duration.js';
import { Rejection } from './errors-map.js';
import { RETRY_AFTER, type GateLimits } from './limits.js';

export interface DrainResult {
  /** How long the drain took. */
  ms: number;
  /** In flight when it started. */
  inFlight: number;
  /** Ended at the timeout. */
  ended: number;
}

export async function drain(limits: GateLimits, timeoutMs: number): Promise<DrainResult> {
  const start = Date.now();
  const inFlight = limits.busy;
  const idle = limits.drain();
  const finished = await within(idle, timeoutMs);
  let ended = 0;
  if (!finished) {
    ended = endInFlight(limits, timeoutMs);
    // Ended requests answer 503 (or are cut mid-body) at once; a step that ignores its cut gets a bounded grace.
    await within(idle, 2000);
  }
  return { ms: Date.now() - start, inFlight, ended };
}

/** End every request still in flight because the drain timed out. */
function endInFlight(limits: GateLimits, timeoutMs: number): number {
  const why = new Rejection('shutting_down', `the gate stopped before this exchange finished (timeouts.drain ${formatDuration(timeoutMs)}); retry it`, null, {
    'retry-after': RETRY_AFTER,
  });
  const all = limits.inFlight();
  for (const e of all) {
    const ctx = e.ctx;
    if (ctx) {
      // Recorded before the cut: an unfinished response with no cause on record reads as the agent's abort.
      ctx.outcome = 'deny';
      ctx.reason = 'shutting_down';
      ctx.error = 'drain_timeout';
    }
    if (!ctx || !e.cut) {
      // Not yet identified: nothing was sent anywhere for it.
      e.res.destroy();
      continue;
    }
    if (ctx.res.headersSent) {
      // Mid-response: cutting the connection is the only honest signal left.
      ctx.res.destroy();
      continue;
    }
    // Forwarding: the upstream exchange is aborted and the agent gets the 503; before it, forward() refuses to start.
    if (!e.cut.fire(why) && !ctx.req.complete) ctx.req.destroy(why);
  }
  return all.length;
}

/** Whether `p` settled within `ms`. */
function within(p: Promise<void>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p.then(() => true),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
