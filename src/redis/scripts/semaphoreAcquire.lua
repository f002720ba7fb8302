-- Takes one permit of a semaphore shared by every process, if one is free.
-- KEYS[1]  the holders: a sorted set of holder ids scored by the Redis time (ms) their lease ends
-- ARGV[1]  permits: the semaphore's capacity
-- ARGV[2]  lease: ms a holder keeps its permit without renewing it
-- ARGV[3]  id: the new holder's id
-- Returns  { granted, retry }: granted 1 or 0; when 0, retry is the ms until the earliest lease ends
--          (when a dead holder's permit would come back), or -1 if none will end on its own
local permits = tonumber(ARGV[1])
local lease = tonumber(ARGV[2])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)

-- The permits of holders whose lease ran out (they died or stalled) come back here.
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) < permits then
  redis.call('ZADD', KEYS[1], now + lease, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], lease * 2)
  return { 1, 0 }
end
local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if first[2] == nil then
  return { 0, -1 }
end
return { 0, math.max(1, tonumber(first[2]) - now) }
