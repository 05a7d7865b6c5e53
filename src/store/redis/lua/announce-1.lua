--[[
  Records that a replica is alive, forgets those silent for longer than their time to live, and
  counts the living. Times are Redis's own clock, so replicas' clocks need not agree.

  KEYS[1]   sorted set: replica name scored by when its presence expires (ms)
  ARGV[1]   replica name
  ARGV[2]   time to live, ms

  Returns how many replicas are alive, this one included.
]]
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', string.format('%d', now))
redis.call('ZADD', KEYS[1], string.format('%d', now + tonumber(ARGV[2])), ARGV[1])
return redis.call('ZCARD', KEYS[1])
