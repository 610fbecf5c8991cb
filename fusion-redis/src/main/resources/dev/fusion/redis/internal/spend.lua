-- One instance's spend sync, atomically: publish its absolute state, try its new reservations, then size
-- its headroom (room under the cap it holds so that it can reserve locally, without a call per ask).
-- KEYS[1] reservations hash: t = total reserved, r:<inst> = the instance's reservations, v:<inst> = its last
--         version, ht = total headroom, h:<inst> = the instance's headroom
-- KEYS[2] lease zset: <inst> -> lease expiry (ms); an expired instance's reservations and headroom are dropped
-- KEYS[3] spend hash of the current window: t = total spent, s:<inst> = the instance's spend in the window
-- KEYS[4] squeeze flag: set while some instance's reservation waits only because of headroom held; every
--         instance that sees it gives its headroom back and asks for none
-- ARGV: 1 inst, 2 version, 3 now ms ('' = server TIME), 4 lease ms, 5 cap nano (-1 = none),
--       6 the instance's reservations (absolute), 7 its spend in this window (absolute, only grows),
--       8 window key TTL ms (0 = never expires),
--       9 headroom to keep (nano; never more than the instance held, less what its reservations grew by),
--       10 headroom wanted (nano; granted as far as a quarter of the room left allows, never under a squeeze),
--       11 squeeze flag lifetime ms, 12.. new reservations to try, in order
-- Returns {applied (0 = stale version, nothing done), spent total, reserved total, headroom total,
--          the instance's reservations, its headroom, squeezed 0/1,
--          then per new reservation 1 = granted, 0 = refused, 2 = refused only because of headroom held
--          (the squeeze flag is now set: try again once the holders gave it back)}
-- Invariant: spent total + reserved total + headroom total <= cap, whatever the interleaving.
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
  local h = tonumber(redis.call('HGET', KEYS[1], 'h:' .. id) or '0')
  if h ~= 0 then redis.call('HINCRBY', KEYS[1], 'ht', int(-h)) end
  redis.call('HDEL', KEYS[1], 'r:' .. id, 'v:' .. id, 'h:' .. id)
  redis.call('ZREM', KEYS[2], id)
end
local inst = ARGV[1]
local version = tonumber(ARGV[2])
local stored = tonumber(redis.call('HGET', KEYS[1], 'v:' .. inst) or '-1')
local applied = version > stored
local reserved = tonumber(redis.call('HGET', KEYS[1], 't') or '0')
local head = tonumber(redis.call('HGET', KEYS[1], 'ht') or '0')
local ownR = tonumber(redis.call('HGET', KEYS[1], 'r:' .. inst) or '0')
local ownH = tonumber(redis.call('HGET', KEYS[1], 'h:' .. inst) or '0')
if applied then
  local newR = tonumber(ARGV[6])
  local oldS = tonumber(redis.call('HGET', KEYS[3], 's:' .. inst) or '0')
  local newS = tonumber(ARGV[7])
  -- Headroom kept never grows what the instance's claim counts: what its reservations and its spend grew
  -- by came out of it.
  local newH = math.max(0, math.min(tonumber(ARGV[9]), ownR + ownH + oldS - newR - math.max(newS, oldS)))
  reserved = reserved + newR - ownR
  head = head + newH - ownH
  ownR = newR
  ownH = newH
  if newS > oldS then
    redis.call('HINCRBY', KEYS[3], 't', int(newS - oldS))
    redis.call('HSET', KEYS[3], 's:' .. inst, int(newS))
  end
  local ttl = tonumber(ARGV[8])
  if ttl > 0 then redis.call('PEXPIRE', KEYS[3], ttl) end
end
local spent = tonumber(redis.call('HGET', KEYS[3], 't') or '0')
local cap = tonumber(ARGV[5])
local codes = {}
for i = 12, #ARGV do
  local a = tonumber(ARGV[i])
  if applied and (cap < 0 or spent + reserved + head + a <= cap) then
    reserved = reserved + a
    ownR = ownR + a
    codes[#codes + 1] = 1
  elseif applied and spent + reserved + a <= cap then
    codes[#codes + 1] = 2
    redis.call('SET', KEYS[4], '1', 'PX', ARGV[11])
  else
    codes[#codes + 1] = 0
  end
end
local squeezed = redis.call('EXISTS', KEYS[4])
if applied then
  local want = tonumber(ARGV[10])
  if squeezed == 0 and want > ownH then
    local grow = want - ownH
    if cap >= 0 then
      grow = math.min(grow, math.floor((cap - spent - reserved - head) / 4))
    end
    if grow > 0 then
      ownH = ownH + grow
      head = head + grow
    end
  end
  redis.call('HSET', KEYS[1], 't', int(reserved), 'ht', int(head), 'r:' .. inst, int(ownR), 'h:' .. inst, int(ownH),
    'v:' .. inst, int(version))
  redis.call('ZADD', KEYS[2], int(now + lease), inst)
  redis.call('PEXPIRE', KEYS[1], int(lease * 4 + 60000))
  redis.call('PEXPIRE', KEYS[2], int(lease * 4 + 60000))
end
local result = {applied and 1 or 0, int(spent), int(reserved), int(head), int(ownR), int(ownH), squeezed}
for _, c in ipairs(codes) do result[#result + 1] = c end
return result
