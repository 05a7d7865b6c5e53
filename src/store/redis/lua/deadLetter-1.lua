--[[
  Moves one taken outbox entry to the connector's dead letters, atomically. An entry already
  gone (acknowledged, or dead-lettered before) is not dead-lettered again.

  KEYS[1]   outbox stream
  KEYS[2]   dead-letter stream

  ARGV[1]   consumer group
  ARGV[2]   outbox entry id
  ARGV[3..] dead-letter fields, as name, value, name, value…

  Returns 1 when moved, 0 when the entry was already gone.
]]
redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
if redis.call('XDEL', KEYS[1], ARGV[2]) == 0 then
  return 0
end
redis.call('XADD', KEYS[2], '*', unpack(ARGV, 3))
return 1
