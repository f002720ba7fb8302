-- Gives back permits and wakes the waiters of every process.
-- KEYS[1]  the holders: a sorted set of holder ids scored by the Redis time (ms) their lease ends
-- ARGV[1]  the channel that tells waiting processes a permit came back (an argument, not a key: a client's
--          keyPrefix applies to keys but not to the channels it subscribes to)
-- ARGV[2..] the ids to release
-- Returns  how many of them were still holders (a lease already lost releases nothing)
local removed = 0
for i = 2, #ARGV do
  removed = removed + redis.call('ZREM', KEYS[1], ARGV[i])
end
if removed > 0 then
  redis.call('PUBLISH', ARGV[1], removed)
end
return removed
