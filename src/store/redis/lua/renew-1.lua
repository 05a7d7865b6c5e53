--[[
  Extends a lease only while it still holds the caller's owner and token.

  KEYS[1]   the lease
  KEYS[2]   its fence counter, whose expiry is pushed back too (see acquire-1.lua)
  ARGV[1]   "<owner>\n<token>"
  ARGV[2]   time to live, ms
  ARGV[3]   how long the fence counter outlives the lease, ms

  Returns 1 when extended, 0 when the lease expired or is another's.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
  return 1
end
return 0
