/**
 * Queue scripts (/mq). Every script gets one queue's keys, all tagged `{mq:<user>:<queue>}`:
 * KEYS 1 ready list, 2 values hash, 3 leases zset, 4 expiry zset, 5 reads hash, 6 meta hash,
 * 7 seq counter. ARGV[1] is the caller's clock in ms.
 *
 * A message is a number n: its value sits in the values hash while it exists (waiting or leased),
 * and n sits in the ready list (waiting) or the leases zset (leased). Values that expired, and
 * messages deleted one by one, leave their number in the ready list; takes skip such numbers.
 * So a queue's length is HLEN values - ZCARD leases, and the cap counts leased messages too.
 */
const PRELUDE = `
local now = tonumber(ARGV[1])
local function reclaim()
  local due = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now, 'LIMIT', 0, 100)
  for _, n in ipairs(due) do
    redis.call('ZREM', KEYS[3], n)
    redis.call('RPUSH', KEYS[1], n)
  end
  if #due > 0 then redis.call('HINCRBY', KEYS[6], 'redelivered', #due) end
end
local function forget(n)
  redis.call('HDEL', KEYS[2], n)
  redis.call('HDEL', KEYS[5], n)
  redis.call('ZREM', KEYS[4], n)
end
local function expire()
  local dead = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', now, 'LIMIT', 0, 100)
  for _, n in ipairs(dead) do
    forget(n)
    redis.call('ZREM', KEYS[3], n)
  end
  if #dead > 0 then redis.call('HINCRBY', KEYS[6], 'expired', #dead) end
end
local function pop()
  for _ = 1, 1000 do
    local n = redis.call('RPOP', KEYS[1])
    if not n then return nil end
    local v = redis.call('HGET', KEYS[2], n)
    if v then return n, v end
  end
  return nil
end
local function reads(n)
  return tonumber(redis.call('HGET', KEYS[5], n) or '0')
end
-- A got message in a reply: four entries, n, value, soft reads, lease deadline or 0.
local function answer(out, n, v, count, leaseUntil)
  out[#out + 1] = n; out[#out + 1] = v; out[#out + 1] = count; out[#out + 1] = leaseUntil
end
`;

/** Deletes one message wherever it is (the JSON protocol's del). ARGV: now, n. Reply: 1 | 0. */
export const QUEUE_DELETE_ONE = `${PRELUDE}
if redis.call('HEXISTS', KEYS[2], ARGV[2]) == 0 then return 0 end
forget(ARGV[2])
redis.call('ZREM', KEYS[3], ARGV[2])
return 1
`;

/**
 * Length and settings. ARGV: now. Reply: {waiting, leased, status, policy, counters...} where
 * counters is a flat field/value list of the meta hash.
 */
export const QUEUE_STATS = `${PRELUDE}
reclaim()
expire()
local leased = redis.call('ZCARD', KEYS[3])
return {redis.call('HLEN', KEYS[2]) - leased, leased, redis.call('HGETALL', KEYS[6])}
`;

/**
 * Deletes the whole queue but its counter: numbers are never reused, so a late ack of an old
 * lease cannot hit a new message. ARGV: now. Reply: how many messages it held.
 */
export const QUEUE_PURGE = `${PRELUDE}
local held = redis.call('HLEN', KEYS[2])
redis.call('DEL', KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5], KEYS[6])
return held
`;

/**
 * Adds values in order, all or none (one value is a single add). ARGV: now, ttl ms (0: none),
 * max messages, wake channel (told in the same step, so a waiting consumer on any process hears
 * of it), then the values. One wake-up for the batch: consumers drain what waits.
 * Reply: {'ok', first n, last n} | {'full'}.
 */
export const QUEUE_ADD = `${PRELUDE}
expire()
local count = #ARGV - 4
if redis.call('HLEN', KEYS[2]) + count > tonumber(ARGV[3]) then return {'full'} end
local last = redis.call('INCRBY', KEYS[7], count)
local first = last - count + 1
local ttl = tonumber(ARGV[2])
for i = 1, count do
  local n = first + i - 1
  redis.call('HSET', KEYS[2], n, ARGV[4 + i])
  redis.call('LPUSH', KEYS[1], n)
  if ttl > 0 then redis.call('ZADD', KEYS[4], now + ttl, n) end
end
redis.call('HINCRBY', KEYS[6], 'added', count)
redis.call('PUBLISH', ARGV[4], last)
return {'ok', first, last}
`;

/**
 * Takes up to k of the oldest waiting messages (k = 1: a single get). ARGV: now, lease ms (0: a
 * hard get, the message is gone), k. Reply: a flat list, oldest first, four entries per message
 * (see `answer`).
 */
export const QUEUE_TAKE = `${PRELUDE}
reclaim()
expire()
local lease = tonumber(ARGV[2])
local out = {}
local got = 0
for _ = 1, tonumber(ARGV[3]) do
  local n, v = pop()
  if not n then break end
  local count = reads(n)
  got = got + 1
  if lease > 0 then
    redis.call('ZADD', KEYS[3], now + lease, n)
    answer(out, n, v, count, now + lease)
  else
    forget(n)
    answer(out, n, v, count, 0)
  end
end
if got > 0 then redis.call('HINCRBY', KEYS[6], lease > 0 and 'leased' or 'taken', got) end
return out
`;

/**
 * Acks leased messages (one number: a single ack). ARGV: now, then numbers. Reply: how many were
 * leased (not unknown, or already redelivered).
 */
export const QUEUE_ACK = `${PRELUDE}
local acked = 0
for i = 2, #ARGV do
  if redis.call('ZREM', KEYS[3], ARGV[i]) == 1 then
    forget(ARGV[i])
    acked = acked + 1
  end
end
if acked > 0 then redis.call('HINCRBY', KEYS[6], 'acked', acked) end
return acked
`;

/**
 * Reads up to k of the oldest waiting messages in place, counting each read (k = 1: a soft get).
 * ARGV: now, k. Reply: a flat list, four entries per message ({n, value, earlier reads, 0}),
 * oldest first. It walks the list from its tail 100 numbers at a time, skipping expired or
 * deleted ones, and looks at no more than k + 1000 of them.
 */
export const QUEUE_PEEK = `${PRELUDE}
reclaim()
expire()
local want = tonumber(ARGV[2])
local out = {}
local got = 0
local last = -1
while got < want and -last <= want + 1000 do
  local chunk = redis.call('LRANGE', KEYS[1], last - 99, last)
  if #chunk == 0 then break end
  for i = #chunk, 1, -1 do
    local n = chunk[i]
    local v = redis.call('HGET', KEYS[2], n)
    if v then
      answer(out, n, v, redis.call('HINCRBY', KEYS[5], n, 1) - 1, 0)
      got = got + 1
      if got == want then break end
    end
  end
  last = last - #chunk
end
return out
`;
