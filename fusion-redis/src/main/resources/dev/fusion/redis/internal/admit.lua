-- Admits calls to one provider in order, atomically checking concurrency, requests and tokens per minute.
-- KEYS[1] permits zset: permit id -> lease expiry (ms); expired permits (dead holders) are dropped
-- KEYS[2] starts zset: permit id -> start time (ms), the last 60 s
-- KEYS[3] token starts zset: permit id -> start time (ms), the last 60 s
-- KEYS[4] tokens hash: t = tokens in the window, <permit id> = its tokens (estimate, then reported)
-- KEYS[5] squeeze flag: set (for ARGV[6] ms) when a call waits on concurrency, so that instances keeping
--         spare permits (counted, held between calls) give them back
-- ARGV: 1 now ms ('' = server TIME), 2 lease ms, 3 max concurrent, 4 requests/min, 5 tokens/min (0 = none),
--       6 squeeze flag ms, 7 number m of permits to adopt, then m triples (permit id, ms since its call started,
--         estimated tokens): calls an instance started on its local fallback while Redis was unreachable, counted
--         here (without a check: they already run) so the shared limits include them once Redis is back;
--         repeating is harmless,
--       then pairs of (permit id, estimated tokens) to admit
-- Returns {granted count (a prefix of the pairs), wait ms (-1 = until a permit is released, 0 = none),
--          permits counted now (ZCARD KEYS[1]), squeeze flag set (1/0)}
local function int(x) return string.format('%d', x) end
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local lease = tonumber(ARGV[2])
local maxc = tonumber(ARGV[3])
local rpm = tonumber(ARGV[4])
local tpm = tonumber(ARGV[5])
local squeeze = tonumber(ARGV[6])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - 60000)
local old = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', now - 60000)
for _, id in ipairs(old) do
  local n = tonumber(redis.call('HGET', KEYS[4], id) or '0')
  redis.call('HINCRBY', KEYS[4], 't', int(-n))
  redis.call('HDEL', KEYS[4], id)
  redis.call('ZREM', KEYS[3], id)
end
local adopt = tonumber(ARGV[7])
for i = 8, 7 + 3 * adopt, 3 do
  local id = ARGV[i]
  local start = now - tonumber(ARGV[i + 1])
  local est = tonumber(ARGV[i + 2])
  redis.call('ZADD', KEYS[1], int(now + lease), id)
  if start > now - 60000 then
    if rpm > 0 then redis.call('ZADD', KEYS[2], int(start), id) end
    if tpm > 0 and redis.call('HEXISTS', KEYS[4], id) == 0 then
      redis.call('ZADD', KEYS[3], int(start), id)
      redis.call('HSET', KEYS[4], id, int(est))
      redis.call('HINCRBY', KEYS[4], 't', int(est))
    end
  end
end
local granted = 0
local wait = 0
for i = 8 + 3 * adopt, #ARGV, 2 do
  local id = ARGV[i]
  local est = tonumber(ARGV[i + 1])
  if maxc > 0 and redis.call('ZCARD', KEYS[1]) >= maxc then
    wait = -1
    redis.call('SET', KEYS[5], '1', 'PX', int(squeeze))
    break
  end
  if rpm > 0 and redis.call('ZCARD', KEYS[2]) >= rpm then
    local first = redis.call('ZRANGE', KEYS[2], 0, 0, 'WITHSCORES')
    wait = math.max(1, tonumber(first[2]) + 60000 - now)
    break
  end
  if tpm > 0 then
    local total = tonumber(redis.call('HGET', KEYS[4], 't') or '0')
    if total > 0 and total + est > tpm then
      local first = redis.call('ZRANGE', KEYS[3], 0, 0, 'WITHSCORES')
      wait = first[2] and math.max(1, tonumber(first[2]) + 60000 - now) or 1
      break
    end
  end
  redis.call('ZADD', KEYS[1], int(now + lease), id)
  if rpm > 0 then redis.call('ZADD', KEYS[2], int(now), id) end
  if tpm > 0 then
    redis.call('ZADD', KEYS[3], int(now), id)
    redis.call('HSET', KEYS[4], id, int(est))
    redis.call('HINCRBY', KEYS[4], 't', int(est))
  end
  granted = granted + 1
end
local ttl = int(lease * 4 + 120000)
for i = 1, 4 do
  if redis.call('EXISTS', KEYS[i]) == 1 then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return {granted, int(wait), redis.call('ZCARD', KEYS[1]), redis.call('EXISTS', KEYS[5])}
