--[[
  Marks ids seen until now + retention, and forgets ids whose retention has passed.

  KEYS[1]   sorted set: id scored by when it may be forgotten (ms)
  ARGV[1]   retention, ms
  ARGV[2..] the ids

  Returns how many ids it forgot.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local forgot = redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. string.format('%d', now))
local until_ms = string.format('%d', now + tonumber(ARGV[1]))
for i = 2, #ARGV do
  -- GT: adds a new id, and only ever extends a known one's retention.
  redis.call('ZADD', KEYS[1], 'GT', until_ms, ARGV[i])
end
return forgot
