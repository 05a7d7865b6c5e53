--[[
  Deletes a key only while it holds the given value (releasing one's own lock, not a lock
  another process took after ours expired).

  KEYS[1]   the key
  ARGV[1]   the value it must hold

  Returns 1 when deleted, 0 otherwise.
]]
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
