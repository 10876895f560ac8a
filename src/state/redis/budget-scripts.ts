/**
 * The Lua scripts behind the Redis budget store (redis-budgets.ts). Each runs
 * atomically on the Redis server: no other command, from any gate replica, runs
 * between its reads and its writes, so a check and the charge that follows it can
 * never interleave with another replica's (the reason budgets are not overspent by
 * requests racing at the limit).
 *
 * Keys, per account (KEYS come in threes, in the order of the asks):
 * - `acct`: hash `started_at`, `paused_at`, `paused_metric` (the account's life);
 * - `use`: hash of the counters in one window (`calls`, `writes`, ..., `cost`), expiring
 *   a while after the window ends (life-long budgets: never);
 * - `raise`: list of the raises given in that window, JSON `{metric, by, to, at}`, same expiry;
 * then the set of every account's key (for `sluice budget show`), and last the ledger's
 * marker (`budget:ledger:epoch`): while it is missing (Redis came up empty, and the
 * ledger in PostgreSQL has not been read back yet: pg-budget-ledger.ts) every script
 * answers -1 and changes nothing, so no account is counted from zero after a restart.
 *
 * The asks come as one JSON argument: per ask `[pause, expireAt, limits, spend, key]`,
 * where `limits` is `[[metric, limit], ...]` in config order, `spend` is
 * `[[counter, amount-as-text], ...]`, `expireAt` is epoch ms (0: never).
 *
 * @example
 * redis.defineCommand('budgetTake', { lua: TAKE_SCRIPT });
 */

/** Shared pieces: what a request of this kind is limited by, the limit in force, what was used. */
const LIB = `
local function applies(m, write, llm)
  if m == 'writes' then return write end
  if m == 'tokens' or m == 'input_tokens' or m == 'output_tokens' or m == 'cost' then return llm end
  return true
end
local function limit_in_force(base, metric, raises)
  local limit = base
  for _, raw in ipairs(raises) do
    local r = cjson.decode(raw)
    if r.metric == metric then
      if type(r.to) == 'number' then limit = r.to
      elseif type(r.by) == 'number' then limit = limit + r.by end
    end
  end
  return limit
end
local function used_of(m, use, acct, now)
  if m == 'time' then
    local s = redis.call('HGET', acct, 'started_at')
    if not s then return 0 end
    return now - tonumber(s)
  end
  if m == 'tokens' then
    return (tonumber(redis.call('HGET', use, 'input_tokens')) or 0) + (tonumber(redis.call('HGET', use, 'output_tokens')) or 0)
  end
  return tonumber(redis.call('HGET', use, m)) or 0
end
local function charge(i, a, now)
  local acct, use, rz = KEYS[i * 3 - 2], KEYS[i * 3 - 1], KEYS[i * 3]
  redis.call('HSETNX', acct, 'started_at', now)
  for _, s in ipairs(a[4]) do
    if s[1] == 'cost' then redis.call('HINCRBYFLOAT', use, 'cost', s[2])
    else redis.call('HINCRBY', use, s[1], s[2]) end
  end
  if a[2] > 0 then redis.call('PEXPIREAT', use, a[2]) end
  redis.call('SADD', KEYS[#KEYS - 1], a[5])
end
`;

/** The marker missing: nothing is read or written (the store reads the ledger back and asks again). */
const MARKER = `if redis.call('EXISTS', KEYS[#KEYS]) == 0 then return -1 end
`;

/**
 * Check every ask; when none refuses, charge each its spend. Returns 0 when charged,
 * else `{index (1-based), metric, limit, used, paused (0/1)}` for the first refusing
 * ask, numbers as text (a Lua number would be truncated to an integer in the reply).
 * A refusing budget with `on_exhausted: pause` pauses its account here, atomically.
 *
 * ARGV: now (epoch ms), write (0/1), llm (0/1), asks (JSON).
 */
export const TAKE_SCRIPT = `${LIB}${MARKER}
local now = tonumber(ARGV[1])
local write, llm = ARGV[2] == '1', ARGV[3] == '1'
local asks = cjson.decode(ARGV[4])
for i, a in ipairs(asks) do
  local acct, use, rz = KEYS[i * 3 - 2], KEYS[i * 3 - 1], KEYS[i * 3]
  local raises = redis.call('LRANGE', rz, 0, -1)
  local paused = redis.call('HGET', acct, 'paused_at')
  if paused then
    local m = redis.call('HGET', acct, 'paused_metric') or a[3][1][1]
    local base = 0
    for _, l in ipairs(a[3]) do if l[1] == m then base = l[2] end end
    return {i, m, tostring(limit_in_force(base, m, raises)), tostring(used_of(m, use, acct, now)), 1}
  end
  for _, l in ipairs(a[3]) do
    local m = l[1]
    if applies(m, write, llm) then
      local limit = limit_in_force(l[2], m, raises)
      local used = used_of(m, use, acct, now)
      if used >= limit then
        if a[1] == 1 then
          redis.call('HSETNX', acct, 'started_at', now)
          redis.call('HSET', acct, 'paused_at', now, 'paused_metric', m)
          redis.call('SADD', KEYS[#KEYS - 1], a[5])
        end
        return {i, m, tostring(limit), tostring(used), a[1]}
      end
    end
  end
end
for i, a in ipairs(asks) do charge(i, a, now) end
return 0
`;

/** Charge each ask its spend, checking nothing (a response's bytes, tokens and cost). ARGV: now, asks (JSON). */
export const CHARGE_SCRIPT = `${LIB}${MARKER}
local now = tonumber(ARGV[1])
for i, a in ipairs(cjson.decode(ARGV[2])) do charge(i, a, now) end
return 0
`;

/**
 * Record a raise in the account's window and lift its pause. KEYS: acct, raise list,
 * the raise id counter, the account set, the ledger's marker. ARGV: raise (JSON), expireAt (0: never),
 * account key. Returns `{id, unpaused (0/1)}`.
 */
export const RAISE_SCRIPT = `${MARKER}
local acct, rz, ids, all = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local id = redis.call('INCR', ids)
redis.call('RPUSH', rz, ARGV[1])
local expire_at = tonumber(ARGV[2])
if expire_at > 0 then redis.call('PEXPIREAT', rz, expire_at) end
local unpaused = 0
if redis.call('HEXISTS', acct, 'paused_at') == 1 then
  redis.call('HDEL', acct, 'paused_at', 'paused_metric')
  unpaused = 1
end
redis.call('SADD', all, ARGV[3])
return {id, unpaused}
`;
