/**
 * The budget functions of the shared counter script. A budget period is a hash `{spent, reserved, warned,
 * h:<id>…}` plus a sorted set of the reservations still held, scored by when their request must have ended. A
 * replica killed mid-request never settles its holds; the next reservation on that window releases the ones whose
 * time is up, so a crash makes a budget stricter for a while, never leaks it for the rest of the period.
 */

/**
 * KEYS per budget: window, holds. ARGV: reservation id, hold ms, then per budget: limit, nanos, ttl.
 * Reply: 0 when reserved on every budget, i when budget i would overrun, -i when budget i's window needs seeding
 * (nothing is held in either case). Expired holds are swept, and TTLs renewed, once per window per batch.
 */
const RESERVE = `
local id, hold, n = ARGV[1], tonumber(ARGV[2]), #KEYS / 2
for i = 1, n do
  local w, h = KEYS[2 * i - 1], KEYS[2 * i]
  if not once[h] then
    once[h] = true
    for _, s in ipairs(redis.call('ZRANGEBYSCORE', h, '-inf', now, 'LIMIT', 0, 100)) do
      local amt = redis.call('HGET', w, 'h:' .. s)
      if amt then
        redis.call('HINCRBY', w, 'reserved', -tonumber(amt))
        redis.call('HDEL', w, 'h:' .. s)
      end
      redis.call('ZREM', h, s)
    end
  end
end
-- A window nobody has seeded (a new period, or Redis lost it) is rebuilt from the request log first.
for i = 1, n do
  if redis.call('HEXISTS', KEYS[2 * i - 1], 'spent') == 0 then return -i end
end
for i = 1, n do
  local v = redis.call('HMGET', KEYS[2 * i - 1], 'spent', 'reserved')
  if (tonumber(v[1]) or 0) + (tonumber(v[2]) or 0) + tonumber(ARGV[3 * i + 1]) > tonumber(ARGV[3 * i]) then return i end
end
for i = 1, n do
  local w, h, nanos, ttl = KEYS[2 * i - 1], KEYS[2 * i], ARGV[3 * i + 1], ARGV[3 * i + 2]
  redis.call('HINCRBY', w, 'reserved', nanos)
  redis.call('HSET', w, 'h:' .. id, nanos)
  redis.call('ZADD', h, now + hold, id)
  if not once['ttl:' .. w] then
    once['ttl:' .. w] = true
    redis.call('PEXPIRE', w, ttl)
    redis.call('PEXPIRE', h, ttl)
  end
end
return 0
`;

/**
 * The settles of a batch, all at once. KEYS per window: window, holds. ARGV: window count, then per window: the
 * spend to add, the soft threshold, ttl; then the reservation count, then per reservation: its id, its hold count,
 * then per hold: the window's index and the nanos held.
 * Reply per window: spent, reserved, and 1 when this settle crossed the soft threshold first (HSETNX: exactly one
 * replica fires the warning). A hold released already (its request outlived it) is not released twice.
 */
const SETTLE = `
local nw, p = tonumber(ARGV[1]), 2
local add, soft, ttl, released, fields = {}, {}, {}, {}, {}
for i = 1, nw do
  add[i], soft[i], ttl[i] = ARGV[p], tonumber(ARGV[p + 1]), ARGV[p + 2]
  released[i], fields[i] = 0, {}
  p = p + 3
end
local nr = tonumber(ARGV[p])
p = p + 1
for _ = 1, nr do
  local id, nh = ARGV[p], tonumber(ARGV[p + 1])
  p = p + 2
  for _ = 1, nh do
    local i, held = tonumber(ARGV[p]), tonumber(ARGV[p + 1])
    p = p + 2
    if redis.call('ZREM', KEYS[2 * i], id) == 1 then
      released[i] = released[i] + held
      table.insert(fields[i], 'h:' .. id)
    end
  end
end
local out = {}
for i = 1, nw do
  local w = KEYS[2 * i - 1]
  local reserved
  if #fields[i] > 0 then
    redis.call('HDEL', w, unpack(fields[i]))
    -- %d: a Lua number handed to redis.call as is would be written as %.14g, which HINCRBY refuses.
    reserved = redis.call('HINCRBY', w, 'reserved', string.format('%d', -released[i]))
  else
    reserved = tonumber(redis.call('HGET', w, 'reserved') or '0')
  end
  -- Into a window that vanished (Redis lost it) nothing is added: the next reservation rebuilds it from the log.
  local spent = 0
  if redis.call('HEXISTS', w, 'spent') == 1 then spent = redis.call('HINCRBY', w, 'spent', add[i]) end
  local warned = 0
  if spent >= soft[i] then warned = redis.call('HSETNX', w, 'warned', 1) end
  redis.call('PEXPIRE', w, ttl[i])
  table.insert(out, spent)
  table.insert(out, reserved)
  table.insert(out, warned)
end
return out
`;

/** KEYS[1]: the window. ARGV: spent, ttl. The state already in Redis is the truth: seed only a period nobody began. */
const SEED = `
if redis.call('HSETNX', KEYS[1], 'spent', ARGV[1]) == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;

export const BUDGET_FUNCTIONS = { 'budgets.reserve': RESERVE, 'budgets.settle': SETTLE, 'budgets.seed': SEED } as const;
