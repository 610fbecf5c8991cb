-- Releases permits (settling their tokens to the reported count) and renews the leases of held ones.
-- KEYS as admit.lua (KEYS[5] only read). ARGV: 1 now ms ('' = server TIME), 2 lease ms, 3 number of releases n,
--       then n pairs of (permit id, reported tokens; negative = not reported, the estimate stays),
--       then the ids of permits still held (their leases are extended; a lost one is not revived)
-- Returns {released, renewed (leases changed), permits counted now (ZCARD KEYS[1]), squeeze flag set (1/0),
--          then the ids of held permits that Redis no longer has (lost: expired and dropped, or a restart)}
local function int(x) return string.format('%d', x) end
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local lease = tonumber(ARGV[2])
local n = tonumber(ARGV[3])
local released = 0
for i = 4, 3 + 2 * n, 2 do
  local id = ARGV[i]
  local reported = tonumber(ARGV[i + 1])
  released = released + redis.call('ZREM', KEYS[1], id)
  if reported >= 0 then
    local old = redis.call('HGET', KEYS[4], id)
    if old then
      redis.call('HINCRBY', KEYS[4], 't', int(reported - tonumber(old)))
      redis.call('HSET', KEYS[4], id, int(reported))
    end
  end
end
local renewed = 0
local out = {0, 0, 0, 0}
for i = 4 + 2 * n, #ARGV do
  local id = ARGV[i]
  if redis.call('ZADD', KEYS[1], 'XX', 'CH', int(now + lease), id) == 1 then
    renewed = renewed + 1
  elseif not redis.call('ZSCORE', KEYS[1], id) then
    out[#out + 1] = id
  end
end
out[1] = released
out[2] = renewed
out[3] = redis.call('ZCARD', KEYS[1])
out[4] = redis.call('EXISTS', KEYS[5])
return out
