/**
 * Reserves one login attempt before the password is hashed, so the check and the count are one
 * step and guesses sent at once cannot all pass. KEYS = the name's counter from one client (a
 * hash), the name's counter from all untrusted clients (a string); both share the name's hash
 * tag. ARGV = client limit, name limit (0: the name counter is neither checked nor counted, for a
 * client that proved to be the user), window ms, longest block ms, memory ms. Times come from
 * Redis's clock, the one clock every API replica shares.
 *
 * The client hash holds n (attempts in the window), e (window end), b (blocked until) and s
 * (times the client used up its allowance). The attempt that uses up the allowance blocks the
 * client for a window, twice as long each time it happens again (up to the longest block), and
 * the hash is remembered that long at least, so a guesser who waits out one block pays double for
 * the next. Returns 0 when reserved, else the ms until an attempt can be made.
 */
export const LOGIN_RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local nameLimit = tonumber(ARGV[2])
local window = tonumber(ARGV[3])
local h = redis.call('HMGET', KEYS[1], 'n', 'e', 'b', 's')
local n, e, b, s = tonumber(h[1] or '0'), tonumber(h[2] or '0'), tonumber(h[3] or '0'), tonumber(h[4] or '0')
if b > now then return b - now end
if e <= now then n = 0; e = now + window end
if nameLimit > 0 then
  if tonumber(redis.call('GET', KEYS[2]) or '0') >= nameLimit then
    return math.max(redis.call('PTTL', KEYS[2]), 1)
  end
  redis.call('INCR', KEYS[2])
  if redis.call('PTTL', KEYS[2]) < 0 then redis.call('PEXPIRE', KEYS[2], window) end
end
n = n + 1
if n >= limit then
  s = s + 1
  b = now + math.floor(math.min(window * 2 ^ (s - 1), tonumber(ARGV[4])))
  n = 0
  e = b
end
redis.call('HSET', KEYS[1], 'n', n, 'e', e, 'b', b, 's', s)
redis.call('PEXPIRE', KEYS[1], math.floor(math.max(b - now, e - now, tonumber(ARGV[5]))))
return 0
`;

/**
 * After a successful login: KEYS as LOGIN_RESERVE; ARGV = '1' when the attempt counted against
 * the name. Forgets the client's record and gives the name its slot back.
 */
export const LOGIN_SUCCEEDED = `
redis.call('DEL', KEYS[1])
if ARGV[1] == '1' and tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
  redis.call('DECR', KEYS[2])
end
return 1
`;
