/**
 * The blast radius (state/blast-radius.ts) in Redis, shared by every gate replica and
 * `sluice mcp` of a namespace: a session's critical domains are one set, its tool-call
 * count one counter, so a session cannot spread its writes (or its tool calls) across
 * replicas to stay under a cap. The count is checked and added by one script, so
 * replicas racing at the cap never let more than `max` through.
 *
 * Keys: `blast:domains:<key>` (set) and `blast:calls:<key>` (counter), each kept for
 * `ttlMs` (default 7 days) after the session's last write to it: a forgotten session
 * starts again from none, the permissive side, as the in-memory store's bound does.
 *
 * Redis unreachable: every call rejects (StateUnavailableError), and the caller refuses
 * the request or the tool call (fail closed).
 *
 * @example
 * const blast = new RedisBlastRadius(redis, { failOpen: false });
 * await blast.wrote('acme/s1', 'db.example');
 * await blast.domains('acme/s1'); // ['db.example']
 */
import type { Redis } from 'ioredis';
import type { BlastRadiusStore } from '../blast-radius.js';
import { answered, StateUnavailableError } from '../state-unavailable.js';

/** KEYS: the counter. ARGV: max, ttl ms. 1 (counted) or 0 (at the cap: not counted). */
const TOOL_CALL_SCRIPT = `
local n = tonumber(redis.call('GET', KEYS[1]) or '0')
if n >= tonumber(ARGV[1]) then return 0 end
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;

interface BlastCommands {
  sluiceBlastToolCall(key: string, max: number, ttlMs: number): Promise<number>;
}

const DAY = 86_400_000;

export class RedisBlastRadius implements BlastRadiusStore {
  readonly #redis: Redis & BlastCommands;
  readonly #failOpen: boolean;
  readonly #ttlMs: number;
  readonly #release: () => Promise<void>;
  #closed = false;

  constructor(redis: Redis, opts: { readonly failOpen: boolean; readonly ttlMs?: number; readonly release?: () => Promise<void> }) {
    redis.defineCommand('sluiceBlastToolCall', { lua: TOOL_CALL_SCRIPT, numberOfKeys: 1 });
    this.#redis = redis as Redis & BlastCommands;
    this.#failOpen = opts.failOpen;
    this.#ttlMs = opts.ttlMs ?? 7 * DAY;
    this.#release = opts.release ?? (() => Promise.resolve());
  }

  async domains(key: string): Promise<readonly string[]> {
    try {
      return (await this.#redis.smembers(`blast:domains:${key}`)).sort();
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  async wrote(key: string, domain: string): Promise<void> {
    try {
      await this.#redis.multi().sadd(`blast:domains:${key}`, domain).pexpire(`blast:domains:${key}`, this.#ttlMs).exec();
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  async toolCall(key: string, max: number): Promise<boolean> {
    if (max === 0) return true;
    try {
      return (await this.#redis.sluiceBlastToolCall(`blast:calls:${key}`, max, this.#ttlMs)) === 1;
    } catch (err) {
      throw this.#unavailable(err);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#release();
  }

  #unavailable(err: unknown): Error {
    return answered(err) ? err : new StateUnavailableError('blast radius', this.#failOpen, err);
  }
}
