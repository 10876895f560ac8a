/**
 * Rate-limit token buckets in Redis, shared by every gate replica of a namespace: a
 * limit of 10 a minute is 10 a minute across all of them. One Lua script per request
 * takes a token from every bucket the request counts against, or from none (a refused
 * request spends nothing), atomically on the server; it reads the clock there too
 * (`TIME`), so replicas whose clocks differ still agree on how full a bucket is.
 *
 * A bucket is a hash `{tokens, at}` under `rate:<key>`, set to expire once it would
 * have refilled to `burst`: a missing key is a full bucket, so Redis forgets idle
 * buckets by itself and `maxBuckets` is not needed here.
 *
 * Redis unreachable: `take` rejects with StateUnavailableError (`failOpen` from
 * `state.redis_down`); the govern step refuses or allows.
 *
 * @example
 * const rates = new RedisRateBuckets(redis, { failOpen: false });
 * await rates.take([{ key: 'k', requests: 10, perMs: 60_000, burst: 10 }], 65_536); // { ok: true }
 */
import type { Redis } from 'ioredis';
import type { RateAsk, RateBucketStore, RateTake } from '../rate-buckets.js';
import { answered, StateUnavailableError } from '../state-unavailable.js';

/**
 * KEYS: the buckets. ARGV: per ask `requests, perMs, burst`. Returns `{-1, '0'}` when a
 * token was taken from each, else `{index (0-based), wait ms as text}` for the ask that
 * would wait longest (the memory store's choice).
 */
export const TAKE_TOKENS_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + tonumber(t[2]) / 1000
local levels = {}
local refused, wait = -1, 0
for i = 1, #KEYS do
  local r, per, burst = tonumber(ARGV[i * 3 - 2]), tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3])
  local h = redis.call('HMGET', KEYS[i], 'tokens', 'at')
  local tokens = burst
  if h[1] then
    local gained = (now - tonumber(h[2])) * r / per
    if gained < 0 then gained = 0 end
    tokens = math.min(burst, tonumber(h[1]) + gained)
  end
  levels[i] = tokens
  if tokens + 1e-9 < 1 then
    local w = (1 - tokens) * per / r
    if refused == -1 or w > wait then refused, wait = i - 1, w end
  end
end
if refused ~= -1 then return {refused, tostring(wait)} end
for i = 1, #KEYS do
  local r, per, burst = tonumber(ARGV[i * 3 - 2]), tonumber(ARGV[i * 3 - 1]), tonumber(ARGV[i * 3])
  local left = math.max(0, levels[i] - 1)
  redis.call('HSET', KEYS[i], 'tokens', string.format('%.17g', left), 'at', string.format('%.17g', now))
  redis.call('PEXPIRE', KEYS[i], math.ceil((burst - left) * per / r) + 1000)
end
return {-1, '0'}
`;

interface RateCommands {
  sluiceRateTake(numKeys: number, ...args: (string | number)[]): Promise<[number, string]>;
}

const OK: RateTake = { ok: true };

export class RedisRateBuckets implements RateBucketStore {
  readonly #redis: Redis & RateCommands;
  readonly #failOpen: boolean;

  readonly #release: () => Promise<void>;
  #closed = false;

  constructor(redis: Redis, opts: { readonly failOpen: boolean; readonly release?: () => Promise<void> }) {
    redis.defineCommand('sluiceRateTake', { lua: TAKE_TOKENS_SCRIPT });
    this.#redis = redis as Redis & RateCommands;
    this.#failOpen = opts.failOpen;
    this.#release = opts.release ?? (() => Promise.resolve());
  }

  /** Let go of the connections (nothing is held back: every take is on the server). Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#release();
  }

  /** Not known here (Redis expires idle buckets itself); 0. */
  get size(): number {
    return 0;
  }

  async take(asks: readonly RateAsk[], maxBuckets: number): Promise<RateTake> {
    void maxBuckets;
    if (asks.length === 0) return OK;
    const args: (string | number)[] = asks.map((a) => `rate:${a.key}`);
    for (const a of asks) args.push(a.requests, a.perMs, a.burst);
    let reply: [number, string];
    try {
      reply = await this.#redis.sluiceRateTake(asks.length, ...args);
    } catch (err) {
      if (answered(err)) throw err;
      throw new StateUnavailableError('rate limits', this.#failOpen, err);
    }
    return reply[0] === -1 ? OK : { ok: false, refused: reply[0], waitMs: Number(reply[1]) };
  }
}
