--[[
  Moves dead letters back into the outbox as new entries, atomically per call.

  KEYS[1]   dead-letter stream
  KEYS[2]   outbox stream

  ARGV[1..] dead-letter ids; ids no longer there are skipped

  Returns how many were moved.
]]
local moved = 0
for _, id in ipairs(ARGV) do
  local entry = redis.call('XRANGE', KEYS[1], id, id)[1]
  if entry then
    local fields = entry[2]
    for k = 1, #fields, 2 do
      if fields[k] == 'e' then
        redis.call('XADD', KEYS[2], '*', 'e', fields[k + 1])
      end
    end
    redis.call('XDEL', KEYS[1], id)
    moved = moved + 1
  end
end
return moved
