/**
 * Lua scripts. Each runs atomically on one Redis node; the keys each one touches share a hash tag
 * (see redis-keys.ts).
 */

/**
 * Register a user: KEYS = seq, names, profiles; ARGV = lower-cased name, profile JSON.
 * Returns the new numeric id, or false when the name is taken. Check and write are one step, so
 * two concurrent registrations of one name cannot both win.
 */
export const REGISTER_USER = `
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return false end
local id = redis.call('INCR', KEYS[1])
redis.call('HSET', KEYS[2], ARGV[1], id)
redis.call('HSET', KEYS[3], id, ARGV[2])
return id
`;

/**
 * Append a message: KEYS = stream, seq counter, clientId key (unused when ARGV[3] is '');
 * ARGV = from, text, clientId, maxlen, clientId ttl (s), entry id ('*' or explicit for seeding).
 * Returns {1, id, seq} for a new message, {0, id, fields} when the clientId was already used
 * (the stored copy), or {2, id} when that copy has since been trimmed away.
 * The seq is taken in the same step as the append, so seqs have no gaps.
 */
export const APPEND_MESSAGE = `
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
local id
if cid ~= '' then
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], ARGV[6], 'f', ARGV[1], 'm', ARGV[2], 's', seq, 'c', cid)
  redis.call('SET', KEYS[3], id, 'EX', ARGV[5])
else
  id = redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[4], ARGV[6], 'f', ARGV[1], 'm', ARGV[2], 's', seq)
end
return {1, id, seq}
`;
