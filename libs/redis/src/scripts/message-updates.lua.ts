/**
 * Lua for what happens to messages after they are sent (edits, deletions, reactions) and for read
 * markers. Every key of one room shares the room's hash tag, so each script is one atomic step on
 * one slot.
 *
 * Storage, and why:
 * - The stream entry of a message is never rewritten (a stream cannot change an entry in place,
 *   and its id is the message id). Its current state lives beside it in the room's `state` hash,
 *   message id → JSON {m: edited text, e: edited at ms, d: 1 when deleted, r: [[emoji, [user
 *   ids]]], s: seq of the last change}; every read merges it in the same script that reads the
 *   entries. Only changed messages have a field, so plain history costs one HMGET more.
 * - Each change takes the room's next seq (the same counter messages use) and is logged in the
 *   room's `changes` stream under the explicit id `<seq>-0`, with the running count of changes
 *   `c`: `sync` reads it by seq, and the count turns any seq into "messages up to here".
 * - Unread counts: every seq is a message or a change, so the messages up to seq S are
 *   S − (changes up to S). A marker stores `readSeq:readCount` (readCount = messages up to
 *   readSeq, fixed when the marker moves). Sending moves the sender's marker to the new message
 *   in the append itself, so a user never has an own message after their marker, and unread =
 *   (seq − changes) − readCount: three O(1) reads per room, whatever happens concurrently.
 */

/** Reads the author of a stream entry (one JSON field `j`, or the older field-per-value form). */
const AUTHOR_OF = `
local function author(fields)
  if fields[1] == 'j' then return cjson.decode(fields[2]).f end
  for i = 1, #fields, 2 do if fields[i] == 'f' then return fields[i + 1] end end
  return nil
end
`;

/** The seq of a stream entry, in either form. */
const SEQ_OF = `
local function seqOf(fields)
  if fields[1] == 'j' then return tonumber(cjson.decode(fields[2]).s) end
  for i = 1, #fields, 2 do if fields[i] == 's' then return tonumber(fields[i + 1]) end end
  return 0
end
`;

/** HMGET of the state of each entry, or an empty list when the room has no changed message. */
const STATES_OF = `
local function statesOf(stateKey, entries)
  if #entries == 0 or redis.call('EXISTS', stateKey) == 0 then return {} end
  local ids = {}
  for i, e in ipairs(entries) do ids[i] = e[1] end
  return redis.call('HMGET', stateKey, unpack(ids))
end
`;

/**
 * Changes one message. KEYS: 1 stream, 2 seq, 3 change count, 4 state hash, 5 changes stream,
 * 6 room hash, 7 roles hash, 8 room feeds hash. ARGV: 1 op ('edit' | 'delete' | 'react' |
 * 'unreact'), 2 user, 3 message id, 4 new text or emoji, 5 now ms, 6 maxlen of the changes
 * stream, 7 '1' for General (everyone's), 8 most distinct reactions per message.
 * Replies: {'changed', seq, fields, state, fed (1 when the room has feeds)} | {'same', fields,
 * state} (nothing to do: same text, already deleted, reaction already there / not there) |
 * {'no_room'} | {'not_member'} | {'no_message'} | {'not_author'} | {'not_allowed'} |
 * {'deleted'} | {'too_many'}.
 * Membership, the author/admin rule and the change are one step: a member removed a moment ago
 * changes nothing.
 */
export const CHANGE_MESSAGE = `${AUTHOR_OF}
local role = 'member'
if ARGV[7] ~= '1' then
  local kind = redis.call('HGET', KEYS[6], 'kind')
  if not kind then return {'no_room'} end
  if kind == 'dm' then
    local members = ',' .. (redis.call('HGET', KEYS[6], 'members') or '') .. ','
    if not string.find(members, ',' .. ARGV[2] .. ',', 1, true) then return {'not_member'} end
  else
    role = redis.call('HGET', KEYS[7], ARGV[2])
    if not role then return {'not_member'} end
  end
end
local entries = redis.call('XRANGE', KEYS[1], ARGV[3], ARGV[3])
if #entries == 0 then return {'no_message'} end
local fields = entries[1][2]
local raw = redis.call('HGET', KEYS[4], ARGV[3])
local state = raw and cjson.decode(raw) or {}
local op, user = ARGV[1], ARGV[2]
local mine = author(fields) == user
local function same() return {'same', fields, raw or ''} end

if op == 'delete' then
  if not mine and role ~= 'owner' and role ~= 'admin' then return {'not_allowed'} end
  if state.d then return same() end
  state = { d = 1, e = state.e }
else
  if op == 'edit' and not mine then return {'not_author'} end
  if state.d then return {'deleted'} end
  if op == 'edit' then
    local text = state.m
    if text == nil then
      if fields[1] == 'j' then text = cjson.decode(fields[2]).m
      else for i = 1, #fields, 2 do if fields[i] == 'm' then text = fields[i + 1] end end end
    end
    if text == ARGV[4] then return same() end
    state.m = ARGV[4]
    state.e = ARGV[5]
  else
    local list = state.r or {}
    local at = nil
    for i, pair in ipairs(list) do if pair[1] == ARGV[4] then at = i end end
    if op == 'react' then
      if at == nil then
        if #list >= tonumber(ARGV[8]) then return {'too_many'} end
        table.insert(list, { ARGV[4], { user } })
      else
        for _, id in ipairs(list[at][2]) do if id == user then return same() end end
        table.insert(list[at][2], user)
      end
    else
      if at == nil then return same() end
      local users, found = list[at][2], false
      for i, id in ipairs(users) do
        if id == user then table.remove(users, i); found = true; break end
      end
      if not found then return same() end
      if #users == 0 then table.remove(list, at) end
    end
    -- cjson writes an empty table as {}: no reactions is no field at all.
    if #list == 0 then state.r = nil else state.r = list end
  end
end

local seq = redis.call('INCR', KEYS[2])
local count = redis.call('INCR', KEYS[3])
state.s = seq
local encoded = cjson.encode(state)
redis.call('HSET', KEYS[4], ARGV[3], encoded)
redis.call('XADD', KEYS[5], 'MAXLEN', '~', ARGV[6], seq .. '-0', 'm', ARGV[3], 'c', count)
-- Now and then, forget the state of messages that retention has trimmed from the stream.
if seq % 256 == 0 then
  local oldest = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)[1]
  if oldest then
    local oms, on = string.match(oldest[1], '^(%d+)-(%d+)$')
    oms, on = tonumber(oms), tonumber(on)
    for _, id in ipairs(redis.call('HKEYS', KEYS[4])) do
      local ms, n = string.match(id, '^(%d+)-(%d+)$')
      ms, n = tonumber(ms), tonumber(n)
      if ms < oms or (ms == oms and n < on) then redis.call('HDEL', KEYS[4], id) end
    end
  end
end
return {'changed', seq, fields, encoded, redis.call('EXISTS', KEYS[8])}
`;

/**
 * Entries of a range with their state. KEYS: stream, state hash. ARGV: 'fwd' | 'rev', start,
 * end, count. Returns {entries, states} (states[i] belongs to entries[i], nil when unchanged).
 */
export const RANGE_WITH_STATE = `${STATES_OF}
local entries
if ARGV[1] == 'rev' then
  entries = redis.call('XREVRANGE', KEYS[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
else
  entries = redis.call('XRANGE', KEYS[1], ARGV[2], ARGV[3], 'COUNT', ARGV[4])
end
return {entries, statesOf(KEYS[2], entries)}
`;

/**
 * A page of history, newest first, unless the caller already holds it. KEYS: stream, state hash,
 * seq. ARGV: the room seq the caller's copy was read at ('' for none), count, the start ('+' for
 * the newest page, '(<id>' for the page before a message). Returns 0 when the room's seq is still
 * that one, else {seq, entries (newest first), states}. Every message and every change takes a
 * seq, so an unchanged seq means an unchanged page, edits included: any process can keep a copy
 * and only ask Redis this one question.
 */
export const PAGE_BEFORE = `${STATES_OF}
local seq = redis.call('GET', KEYS[3]) or '0'
if ARGV[1] ~= '' and ARGV[1] == seq then return 0 end
local entries = redis.call('XREVRANGE', KEYS[1], ARGV[3], '-', 'COUNT', ARGV[2])
return {seq, entries, statesOf(KEYS[2], entries)}
`;

/**
 * Recovery after a cursor, unless the caller already holds the answer. KEYS: stream, state hash,
 * changes stream, seq. ARGV: cursor ('0' or a message id), count (page size + 1), the room seq
 * the caller's copy was read at ('' for none). Returns 0 when the room's seq is still that one
 * (as PAGE_BEFORE), else {seq, entries, states, updates}: the messages after the
 * cursor with their state, and every message changed after it, once, as {seq of its latest
 * change, entry, state} in seq order. "After the cursor" for changes means after the seq of the
 * newest message at or before the cursor. When the page is not the last, only changes up to its
 * last message's seq are included: the next page starts there, so none is lost or sent twice.
 */
export const SYNC_AFTER = `${STATES_OF}${SEQ_OF}
local seq = redis.call('GET', KEYS[4]) or '0'
if ARGV[3] ~= '' and ARGV[3] == seq then return 0 end
local cursor, count = ARGV[1], tonumber(ARGV[2])
local start = '-'
if cursor ~= '0' then start = '(' .. cursor end
local entries = redis.call('XRANGE', KEYS[1], start, '+', 'COUNT', count)
local from = 0
if cursor ~= '0' then
  local prev = redis.call('XREVRANGE', KEYS[1], cursor, '-', 'COUNT', 1)[1]
  if prev then from = seqOf(prev[2]) end
end
local upto = '+'
if #entries >= count then upto = seqOf(entries[count - 1][2]) .. '-0' end
local lower = '-'
if from > 0 then lower = '(' .. from .. '-0' end
local latest, order = {}, {}
for _, change in ipairs(redis.call('XRANGE', KEYS[3], lower, upto)) do
  local id = change[2][2]
  if latest[id] == nil then table.insert(order, id) end
  latest[id] = tonumber(string.match(change[1], '^(%d+)'))
end
local updates = {}
for _, id in ipairs(order) do
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry then
    table.insert(updates, {latest[id], entry, redis.call('HGET', KEYS[2], id) or ''})
  end
end
table.sort(updates, function(a, b) return a[1] < b[1] end)
return {seq, entries, statesOf(KEYS[2], entries), updates}
`;

/**
 * Moves a read marker forward. KEYS: 1 seq, 2 change count, 3 markers hash, 4 changes stream.
 * ARGV: user, seq. The seq is capped at the room's newest (a marker never points into the
 * future). Returns {moved (1|0), readSeq}.
 */
export const MARK_READ = `
local top = tonumber(redis.call('GET', KEYS[1]) or '0')
local s = math.min(tonumber(ARGV[2]), top)
local current = redis.call('HGET', KEYS[3], ARGV[1])
local was = current and tonumber(string.match(current, '^(%d+)')) or 0
if s <= was then return {0, was} end
local changes
if s == top then
  changes = tonumber(redis.call('GET', KEYS[2]) or '0')
else
  local last = redis.call('XREVRANGE', KEYS[4], s .. '-0', '-', 'COUNT', 1)[1]
  if last then
    changes = tonumber(last[2][4])
  else
    -- Before the oldest change still logged: at most the changes trimmed away.
    local first = redis.call('XRANGE', KEYS[4], '-', '+', 'COUNT', 1)[1]
    changes = first and math.min(tonumber(first[2][4]) - 1, s) or 0
  end
end
redis.call('HSET', KEYS[3], ARGV[1], s .. ':' .. (s - changes))
return {1, s}
`;

/**
 * A user's read state in one room. KEYS: 1 seq, 2 change count, 3 markers hash, 4 stream.
 * ARGV: user. Returns {lastSeq, readSeq, unread}; unread is capped at the messages still in
 * history (a new member of an old room is not told about trimmed ones).
 */
export const READ_STATE = `
local top = tonumber(redis.call('GET', KEYS[1]) or '0')
local messages = top - tonumber(redis.call('GET', KEYS[2]) or '0')
local marker = redis.call('HGET', KEYS[3], ARGV[1])
local readSeq, readCount = 0, 0
if marker then
  local a, b = string.match(marker, '^(%d+):(%d+)$')
  readSeq, readCount = tonumber(a), tonumber(b)
end
local unread = math.max(0, messages - readCount)
if unread > 0 then unread = math.min(unread, redis.call('XLEN', KEYS[4])) end
return {top, readSeq, unread}
`;
