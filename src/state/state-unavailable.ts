/**
 * The shared state (Redis) could not be asked: a command failed, timed out, or the
 * connection is down (the client keeps no offline queue, so this comes at once). The
 * budget and rate-limit stores throw it instead of answering; the govern step turns it
 * into a refusal (`state_unavailable`, 503) or, with `state.redis_down: allow`, lets
 * the request through, logs it (rate-limited) and marks the audit record.
 *
 * @example
 * try {
 *   await store.take(asks, kind, spend);
 * } catch (err) {
 *   if (err instanceof StateUnavailableError && err.failOpen) allowAndMark(err);
 *   else throw err;
 * }
 */
import type * as IoRedis from 'ioredis';
import { lazyRequire } from '../lazy-require.js';

/** Loaded when there is an error to classify: a gate on the embedded backend never has one. */
const ioredis = lazyRequire<typeof IoRedis>('ioredis');

export class StateUnavailableError extends Error {
  override readonly name = 'StateUnavailableError';

  constructor(
    /** What could not be counted, in words: 'budgets', 'rate limits'. */
    readonly what: string,
    /** `state.redis_down: allow`: the caller lets the request through. */
    readonly failOpen: boolean,
    /** The client's error (its message names no value: ioredis says what failed, not what was sent). */
    cause: unknown,
  ) {
    super(`the shared state (Redis) is unreachable: ${what} cannot be counted (${causeText(cause)})`, { cause });
  }
}

/** The client's reason, short: its message's first line, no more than 200 characters. */
function causeText(cause: unknown): string {
  const m = cause instanceof Error ? cause.message : String(cause);
  return (m.split('\n')[0] ?? '').slice(0, 200);
}

/**
 * Redis answered with an error of its own (a script's fault), not "cannot serve now"
 * (LOADING after a restart, BUSY, READONLY...): reported as it is, never as Redis
 * unreachable, so `redis_down: allow` cannot turn a bug into allowing everything.
 */
export function answered(err: unknown): err is Error {
  return err instanceof ioredis().ReplyError && !/^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN)\b/.test((err as Error).message);
}
