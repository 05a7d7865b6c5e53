--[[
  Resets the idle time of entries a consumer still holds, so that other consumers do not
  claim them as abandoned while a slow delivery (a sink down for hours) is still retrying.
  Entries another consumer has claimed meanwhile are left to it.

  KEYS[1]   outbox stream

  ARGV[1]   consumer group
  ARGV[2]   consumer
  ARGV[3..] entry ids

  Returns how many of the ids belong to another consumer now.
]]
local lost = 0
for i = 3, #ARGV do
  local pending = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)[1]
  if pending and pending[2] == ARGV[2] then
    -- JUSTID: the delivery count stays as it is.
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  elseif pending then
    lost = lost + 1
  end
end
return lost
