/**
 * Room membership scripts. Each touches one room's keys only (room hash, members zset, roles
 * hash: all tagged `{roomId}`), so a rule and the change it allows are one atomic step, on a
 * single Redis and on a Cluster alike. Replies are `{status, ...}` with status a short word the
 * repository maps to a typed result.
 *
 * Common KEYS: 1 room hash, 2 members zset, 3 roles hash.
 */

/** ARGV: kind, name, topic, owner id, created ms. A fresh random id: nothing to check. */
export const ROOM_CREATE = `
redis.call('HSET', KEYS[1], 'kind', ARGV[1], 'name', ARGV[2], 'topic', ARGV[3],
  'createdBy', ARGV[4], 'created', ARGV[5])
redis.call('ZADD', KEYS[2], 0, ARGV[4])
redis.call('HSET', KEYS[3], ARGV[4], 'owner')
return 'ok'
`;

/**
 * Adds a member. ARGV: mode ('join': the caller joins a public room; 'add': actor adds target),
 * actor id, target id. Replies: {'added', memberCount} | {'already', role} | {'not_found'} |
 * {'fixed'} (a DM) | {'private'} (join of a private room) | {'not_member'} (actor) |
 * {'not_admin'} (a member adding to a private room).
 */
export const ROOM_ADD_MEMBER = `
local kind = redis.call('HGET', KEYS[1], 'kind')
if not kind then return {'not_found'} end
if kind == 'dm' then return {'fixed'} end
if ARGV[1] == 'join' then
  if kind ~= 'public' then return {'private'} end
else
  local actor = redis.call('HGET', KEYS[3], ARGV[2])
  if not actor then return {'not_member'} end
  if kind == 'private' and actor == 'member' then return {'not_admin'} end
end
local role = redis.call('HGET', KEYS[3], ARGV[3])
if role then return {'already', role} end
redis.call('ZADD', KEYS[2], 0, ARGV[3])
redis.call('HSET', KEYS[3], ARGV[3], 'member')
return {'added', redis.call('ZCARD', KEYS[2])}
`;

/**
 * Removes a member. ARGV: mode ('leave' | 'kick'), actor id, target id. Replies:
 * {'removed', memberCount} | {'not_found'} | {'fixed'} | {'not_member'} (target) |
 * {'actor_not_member'} | {'not_admin'} | {'owner'} (the owner leaving, or being kicked).
 */
export const ROOM_REMOVE_MEMBER = `
local kind = redis.call('HGET', KEYS[1], 'kind')
if not kind then return {'not_found'} end
if kind == 'dm' then return {'fixed'} end
if ARGV[1] == 'kick' then
  local actor = redis.call('HGET', KEYS[3], ARGV[2])
  if not actor then return {'actor_not_member'} end
  if actor == 'member' then return {'not_admin'} end
end
local role = redis.call('HGET', KEYS[3], ARGV[3])
if not role then return {'not_member'} end
if role == 'owner' then return {'owner'} end
redis.call('ZREM', KEYS[2], ARGV[3])
redis.call('HDEL', KEYS[3], ARGV[3])
return {'removed', redis.call('ZCARD', KEYS[2])}
`;

/**
 * Changes a member's role. ARGV: actor id, target id, role. Only the owner may; giving `owner`
 * hands ownership over (the old owner becomes an admin), so a room has exactly one owner.
 * Replies: {'ok', previous role} | {'not_found'} | {'fixed'} | {'not_owner'} | {'not_member'}.
 */
export const ROOM_SET_ROLE = `
local kind = redis.call('HGET', KEYS[1], 'kind')
if not kind then return {'not_found'} end
if kind == 'dm' then return {'fixed'} end
if redis.call('HGET', KEYS[3], ARGV[1]) ~= 'owner' then return {'not_owner'} end
local previous = redis.call('HGET', KEYS[3], ARGV[2])
if not previous then return {'not_member'} end
redis.call('HSET', KEYS[3], ARGV[2], ARGV[3])
if ARGV[3] == 'owner' then redis.call('HSET', KEYS[3], ARGV[1], 'admin') end
return {'ok', previous}
`;

/**
 * What a user may do in a room, in one round trip. ARGV: user id. Replies {kind or false,
 * role or false, lastSeq}; KEYS[4] is the room's seq counter. A DM's members are its hash field.
 */
export const ROOM_ACCESS = `
local kind = redis.call('HGET', KEYS[1], 'kind')
local seq = tonumber(redis.call('GET', KEYS[4]) or '0')
if not kind then return {false, false, seq} end
if kind == 'dm' then
  local members = ',' .. (redis.call('HGET', KEYS[1], 'members') or '') .. ','
  if string.find(members, ',' .. ARGV[1] .. ',', 1, true) then return {kind, 'member', seq} end
  return {kind, false, seq}
end
return {kind, redis.call('HGET', KEYS[3], ARGV[1]), seq}
`;

/**
 * Creates a DM record once. KEYS: room hash; ARGV: "a,b", created ms. Returns 1 when created now.
 * One step, so a DM never exists without its members.
 */
export const DM_CREATE = `
if redis.call('HSETNX', KEYS[1], 'kind', 'dm') == 0 then return 0 end
redis.call('HSET', KEYS[1], 'members', ARGV[1], 'created', ARGV[2])
return 1
`;

/**
 * Claims a public name. KEYS: names hash; ARGV: lower-cased name, room id, room id to displace
 * ('' for none: only a name held by a room that no longer exists may be displaced, and the
 * caller checked that). Returns the id now holding the name.
 */
export const ROOM_CLAIM_NAME = `
local holder = redis.call('HGET', KEYS[1], ARGV[1])
if holder and holder ~= ARGV[2] and holder ~= ARGV[3] then return holder end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
return ARGV[2]
`;

/** Releases a public name if `room id` still holds it. KEYS: names hash; ARGV: name, room id. */
export const ROOM_RELEASE_NAME = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 1
`;
