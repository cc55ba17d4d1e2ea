/**
 * Lua scripts. Each runs atomically on one Redis node; the keys each one touches share a hash tag
 * (see redis-keys.ts).
 */

/**
 * Register a user: KEYS = seq, names, profiles, skeletons; ARGV = lower-cased name, profile JSON,
 * the name's look-alike key (usernameSkeleton; '' for none). Returns the new numeric id, false
 * when the name is taken, or -1 when it looks like the name of an account that still exists (a
 * key whose account was removed by hand blocks nothing). Checks and writes
 * are one step, so two concurrent registrations of one name, or of two look-alikes, cannot both
 * win.
 */
export const REGISTER_USER = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return false end
if ARGV[3] ~= '' then
  local holder = redis.call('HGET', KEYS[4], ARGV[3])
  if holder and redis.call('HEXISTS', KEYS[3], holder) == 1 then return -1 end
end
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], id)
redis.call('HSET', KEYS[3], id, ARGV[2])
if ARGV[3] ~= '' then redis.call('HSET', KEYS[4], ARGV[3], id) end
return id
`;

/**
 * Append a message: KEYS = stream, seq counter, clientId key (unused when ARGV[3] is ''), room
 * hash, room roles hash, change count, read markers hash, room feeds hash; ARGV = from, text,
 * clientId, maxlen, clientId ttl (s), entry id ('*' or explicit for seeding), '1' when the room is
 * everyone's (General) else '0'.
 * Returns {1, id, seq, fed} for a new message (fed = 1 when the room has feeds, so that the feed
 * writer reads them only then, not once per message), {0, id, fields} when the clientId was already used
 * (the stored copy), {2, id} when that copy has since been trimmed away, {3} for a room that does
 * not exist, {4} when the sender is not a member and {5} when the sender is blocked in this DM
 * (a `blocked:<id>` field of the DM's hash). Membership is checked in the same step as
 * the append, so a member removed a moment ago cannot post, whatever a gateway still believes.
 * The seq is taken in the same step as the append, so seqs have no gaps: when the XADD fails (an
 * explicit id not newer than the stream's last), the seq is given back and the error returned.
 * The sender's read marker moves to the new message in the same step (message-updates.lua.ts
 * explains the marker), so no own message ever sits after it, even with concurrent sends.
 */
export const APPEND_MESSAGE = `
if ARGV[7] ~= '1' then
  local kind = redis.call('HGET', KEYS[4], 'kind')
  if not kind then return {3} end
  if kind == 'dm' then
    local members = ',' .. (redis.call('HGET', KEYS[4], 'members') or '') .. ','
    if not string.find(members, ',' .. ARGV[1] .. ',', 1, true) then return {4} end
    if redis.call('HEXISTS', KEYS[4], 'blocked:' .. ARGV[1]) == 1 then return {5} end
  elseif redis.call('HEXISTS', KEYS[5], ARGV[1]) == 0 then
    return {4}
  end
end
local cid = ARGV[3]
if cid ~= '' then
  local existing = redis.call('GET', KEYS[3])
  if existing then
    local entries = redis.call('XRANGE', KEYS[1], existing, existing)
    if #entries > 0 then return {0, existing, entries[1][2]} end
    return {2, existing}
  end
end
local seq = redis.call('INCR', KEYS[2])
-- One JSON field per entry: a history page then decodes two strings per message, not eight.
local body = { f = ARGV[1], m = ARGV[2], s = seq }
if cid ~= '' then body.c = cid end
local id = redis.pcall('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], ARGV[6], 'j', cjson.encode(body))
if type(id) == 'table' and id.err then
  -- Nothing was stored (e.g. an explicit id not newer than the stream's): give the seq back.
  redis.call('DECR', KEYS[2])
  return id
end
if cid ~= '' then redis.call('SET', KEYS[3], id, 'EX', ARGV[5]) end
local messages = seq - tonumber(redis.call('GET', KEYS[6]) or '0')
redis.call('HSET', KEYS[7], ARGV[1], seq .. ':' .. messages)
return {1, id, seq, redis.call('EXISTS', KEYS[8])}
`;

/*
 * Presence. A user's connection count is the sum of their counts on the live gateways (the
 * gateways set holds each one's last heartbeat), so a crashed gateway's users drop out when it is
 * reaped, and a Redis that lost its data is rebuilt by each gateway re-registering its own sockets.
 * Going offline is deferred through the `leaving` set: a quick reconnect (a reload, a gateway
 * drain) cancels it, and the announcement is made by whichever gateway sweeps it first, once.
 *
 * Common KEYS: 1 online set, 2 gateways zset, 3 leaving zset, 4 this gateway's hash (if any).
 * The per-gateway hashes are found from the gateways zset plus ARGV prefix.
 */
const SUM_CONNECTIONS = `
local function connections(user, prefix)
  local total = 0
  for _, gw in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    total = total + tonumber(redis.call('HGET', prefix .. gw, user) or '0')
  end
  return total
end
`;

/**
 * KEYS[5] = the user's pending admissions; ARGV: user, gateway id, now ms, prefix, reservation id
 * ('' for none). Returns {1 when the user just came online, else 0; how many users are online}:
 * the count decides who hears about it, and asking for it separately cost a round trip.
 */
export const PRESENCE_CONNECT = `
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
redis.call('HINCRBY', KEYS[4], ARGV[1], 1)
-- Counted now: its admission reservation goes in the same step, so the connection cap never
-- sees the socket twice.
if ARGV[5] ~= '' then redis.call('ZREM', KEYS[5], ARGV[5]) end
redis.call('ZREM', KEYS[3], ARGV[1])
local added = redis.call('SADD', KEYS[1], ARGV[1])
return {added, redis.call('SCARD', KEYS[1])}
`;

/** ARGV: user, gateway id, announce-at ms, prefix. Returns the user's remaining connections. */
export const PRESENCE_DISCONNECT = `${SUM_CONNECTIONS}
local left = redis.call('HINCRBY', KEYS[4], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[4], ARGV[1]) end
local total = connections(ARGV[1], ARGV[4])
if total <= 0 and redis.call('SISMEMBER', KEYS[1], ARGV[1]) == 1 then
  redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1])
end
return total
`;

/**
 * ARGV: now ms, dead-before ms, prefix, leave-at ms. Reaps gateways whose heartbeat is older than
 * dead-before (their users start leaving at leave-at), then takes every leaving user whose time has come and who has
 * no connection left off the online set. Returns those users: the caller announces them.
 */
export const PRESENCE_SWEEP = `${SUM_CONNECTIONS}
for _, gw in ipairs(redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. ARGV[2])) do
  local hash = ARGV[3] .. gw
  local users = redis.call('HKEYS', hash)
  redis.call('DEL', hash)
  redis.call('ZREM', KEYS[2], gw)
  for _, user in ipairs(users) do
    if redis.call('SISMEMBER', KEYS[1], user) == 1 then redis.call('ZADD', KEYS[3], ARGV[4], user) end
  end
end
local gone = {}
for _, user in ipairs(redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', ARGV[1])) do
  redis.call('ZREM', KEYS[3], user)
  if connections(user, ARGV[3]) <= 0 and redis.call('SREM', KEYS[1], user) == 1 then
    table.insert(gone, user)
  end
end
return gone
`;

/**
 * ARGV: gateway id, now ms, then user/count pairs. Replaces this gateway's hash with its real
 * sockets (after a Redis restart or a missed write) and marks those users online.
 */
export const PRESENCE_RESYNC = `
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
redis.call('DEL', KEYS[4])
for i = 3, #ARGV, 2 do
  redis.call('HSET', KEYS[4], ARGV[i], ARGV[i + 1])
  redis.call('SADD', KEYS[1], ARGV[i])
  redis.call('ZREM', KEYS[3], ARGV[i])
end
return 1
`;

/**
 * Fixed-window counter: KEYS = counter; ARGV = window ms, limit. Returns 0 when the hit is allowed,
 * else the ms until the window ends.
 */
/**
 * Takes up to ARGV[3] hits at once from a fixed-window counter: KEYS = counter; ARGV = window ms,
 * limit, wanted. Returns {granted, window ms left}; granted is 0 once the window is full. A
 * process spends what it was granted locally, so one Redis call covers several messages.
 */
export const RATE_LEASE = `
local function left()
  local ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], ARGV[1])
    return tonumber(ARGV[1])
  end
  return math.max(ttl, 1)
end
local room = tonumber(ARGV[2]) - tonumber(redis.call('GET', KEYS[1]) or '0')
if room <= 0 then return {0, left()} end
local granted = math.min(tonumber(ARGV[3]), room)
redis.call('INCRBY', KEYS[1], granted)
return {granted, left()}
`;
/**
 * Per-user connection cap across gateways. KEYS = gateways zset, the user's pending zset;
 * ARGV = user, now ms, gateway hash prefix, limit, reservation id, reservation ttl ms.
 * The user's connections are their counts on every registered gateway (the presence hashes) plus
 * the handshakes admitted but not yet counted there (pending reservations, which expire). Returns
 * 1 and reserves a slot when there is room, else 0. Check and reservation are one step, so
 * concurrent handshakes on several gateways cannot overshoot the cap.
 */
export const CONNECTION_ADMIT = `
local total = 0
for _, gw in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  total = total + tonumber(redis.call('HGET', ARGV[3] .. gw, ARGV[1]) or '0')
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', ARGV[2])
total = total + redis.call('ZCARD', KEYS[2])
if total >= tonumber(ARGV[4]) then return 0 end
redis.call('ZADD', KEYS[2], tonumber(ARGV[2]) + tonumber(ARGV[6]), ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[6])
return 1
`;

/**
 * Compare-and-set of one hash field: KEYS = hash; ARGV = field, expected value, new value.
 * Returns 1 when the field held the expected value and now holds the new one, else 0.
 */
export const HASH_FIELD_CAS = `
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
return 1
`;
