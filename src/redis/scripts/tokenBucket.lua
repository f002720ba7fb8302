-- A token bucket on Redis's clock, updated atomically.
-- KEYS[1]  the bucket: a hash { tokens, ts } (tokens may be negative while reservations wait; ts in ms)
-- ARGV[1]  rate: tokens added per `per` ms
-- ARGV[2]  per: the period of `rate`, in ms
-- ARGV[3]  burst: the bucket's capacity; a missing key is a full bucket
-- ARGV[4]  tokens: how many tokens the call takes (or gives back)
-- ARGV[5]  mode: 'reserve' takes the tokens now, going below 0 if needed, and returns how long the caller
--          must wait for them; 'try' takes them only if they are there now; 'refund' gives them back
--          (an aborted reservation); 'peek' changes nothing
-- Returns  { wait, tokens }: wait in ms (integer, rounded up; -1 when 'try' failed), tokens left as a string
local rate = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local burst = tonumber(ARGV[3])
local n = tonumber(ARGV[4])
local mode = ARGV[5]

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000

local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = burst
  ts = now
end
if now > ts then
  tokens = math.min(burst, tokens + (now - ts) * rate / per)
  ts = now
end

local wait = 0
if mode == 'reserve' then
  tokens = tokens - n
  if tokens < 0 then
    wait = math.ceil(-tokens * per / rate)
  end
elseif mode == 'try' then
  if tokens + 1e-9 >= n then
    tokens = tokens - n
  else
    wait = -1
  end
elseif mode == 'refund' then
  tokens = math.min(burst, tokens + n)
end

if mode ~= 'peek' then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(ts))
  -- A bucket left alone refills to full; once it would be full the key is not needed any more.
  local full = math.ceil((burst - tokens) * per / rate) + 1000
  redis.call('PEXPIRE', KEYS[1], full)
end
return { wait, tostring(tokens) }
