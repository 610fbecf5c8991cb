-- One instance's spend sync, atomically: publish its absolute state, then try its new reservations.
-- KEYS[1] reservations hash: t = total reserved, r:<inst> = the instance's reservations, v:<inst> = its last version
-- KEYS[2] lease zset: <inst> -> lease expiry (ms); an expired instance's reservations are dropped
-- KEYS[3] spend hash of the current window: t = total spent, s:<inst> = the instance's spend in the window
-- ARGV: 1 inst, 2 version, 3 now ms ('' = server TIME), 4 lease ms, 5 cap nano (-1 = none),
--       6 the instance's reservations (absolute), 7 its spend in this window (absolute, only grows),
--       8 window key TTL ms (0 = never expires), 9.. new reservations to try, in order
-- Returns {applied (0 = stale version, nothing done), spent total, reserved total, granted 0/1 per new reservation}
local function int(x) return string.format('%d', x) end
local now = tonumber(ARGV[3])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local lease = tonumber(ARGV[4])
local dead = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now)
for _, id in ipairs(dead) do
  local r = tonumber(redis.call('HGET', KEYS[1], 'r:' .. id) or '0')
  if r ~= 0 then redis.call('HINCRBY', KEYS[1], 't', int(-r)) end
  redis.call('HDEL', KEYS[1], 'r:' .. id, 'v:' .. id)
  redis.call('ZREM', KEYS[2], id)
end
local inst = ARGV[1]
local version = tonumber(ARGV[2])
local stored = tonumber(redis.call('HGET', KEYS[1], 'v:' .. inst) or '-1')
local result = {0, 0, 0}
local spent, reserved
if version > stored then
  result[1] = 1
  local oldR = tonumber(redis.call('HGET', KEYS[1], 'r:' .. inst) or '0')
  local newR = tonumber(ARGV[6])
  if newR ~= oldR then redis.call('HINCRBY', KEYS[1], 't', int(newR - oldR)) end
  redis.call('HSET', KEYS[1], 'r:' .. inst, int(newR), 'v:' .. inst, int(version))
  local oldS = tonumber(redis.call('HGET', KEYS[3], 's:' .. inst) or '0')
  local newS = tonumber(ARGV[7])
  if newS > oldS then
    redis.call('HINCRBY', KEYS[3], 't', int(newS - oldS))
    redis.call('HSET', KEYS[3], 's:' .. inst, int(newS))
  end
  local ttl = tonumber(ARGV[8])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
spent = tonumber(redis.call('HGET', KEYS[3], 't') or '0')
reserved = tonumber(redis.call('HGET', KEYS[1], 't') or '0')
local cap = tonumber(ARGV[5])
for i = 9, #ARGV do
  local a = tonumber(ARGV[i])
  if result[1] == 1 and (cap < 0 or spent + reserved + a <= cap) then
    reserved = reserved + a
    redis.call('HINCRBY', KEYS[1], 'r:' .. inst, int(a))
    redis.call('HINCRBY', KEYS[1], 't', int(a))
    result[#result + 1] = 1
  else
    result[#result + 1] = 0
  end
end
if result[1] == 1 then
  redis.call('ZADD', KEYS[2], int(now + lease), inst)
  redis.call('PEXPIRE', KEYS[1], int(lease * 4 + 60000))
  redis.call('PEXPIRE', KEYS[2], int(lease * 4 + 60000))
end
result[2] = int(spent)
result[3] = int(reserved)
return result
