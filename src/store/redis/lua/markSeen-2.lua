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
-- One ZADD per CHUNK ids rather than one per id (Redis pays per call); unpack stops at 8,000 values.
local CHUNK = 1000
for from = 2, #ARGV, CHUNK do
  local scored = {}
  for i = from, math.min(from + CHUNK - 1, #ARGV) do
    scored[#scored + 1] = until_ms
    scored[#scored + 1] = ARGV[i]
  end
  -- GT: adds a new id, and only ever extends a known one's retention.
  redis.call('ZADD', KEYS[1], 'GT', unpack(scored))
end
return forgot
