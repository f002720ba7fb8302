-- Extends the leases of the holders one process still has.
-- KEYS[1]  the holders: a sorted set of holder ids scored by the Redis time (ms) their lease ends
-- ARGV[1]  lease: ms from now the renewed leases end
-- ARGV[2..] the ids to renew
-- Returns  the ids that were no longer holders (their lease had run out): those permits are lost
local lease = tonumber(ARGV[1])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local lost = {}
for i = 2, #ARGV do
  local score = redis.call('ZSCORE', KEYS[1], ARGV[i])
  if score and tonumber(score) > now then
    redis.call('ZADD', KEYS[1], 'XX', now + lease, ARGV[i])
  else
    redis.call('ZREM', KEYS[1], ARGV[i])
    table.insert(lost, ARGV[i])
  end
end
redis.call('PEXPIRE', KEYS[1], lease * 2)
return lost
