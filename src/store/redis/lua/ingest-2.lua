--[[
  Ingests one batch of a subscription in one atomic step: refuses it whole when the fence is
  stale (another replica took the subscription's lease since this one got its token), forgets
  ids older than the dedupe window, skips ids already seen, appends each new event to the outbox of every connector
  named for it and each malformed event to the malformed stream, then sets the checkpoint.

  KEYS[1]   checkpoints hash
  KEYS[2]   seen sorted set (member "<subscription>\n<event id>", score = ms first ingested)
  KEYS[3]   malformed stream
  KEYS[4]   fence counter of the lease guarding this subscription (see acquire-1.lua)
  KEYS[5..] outbox streams of the connectors named in the batch, and digest buffers (streams too)

  ARGV[1]   subscription
  ARGV[2]   checkpoint JSON, written whatever the items are (even all duplicates);
            '' leaves the checkpoint as it is (no item had an id)
  ARGV[3]   dedupe window, ms
  ARGV[4]   malformed stream cap (MAXLEN ~)
  ARGV[5]   fencing token the writer holds; '' writes unfenced
  ARGV[6..] the items, each as: kind ("e" event | "m" malformed), event id, JSON, n,
            then n indexes into KEYS of the outboxes to append to (n = 0 for "m").
            An empty event id is never deduplicated: it would make distinct events collide.

  Returns {appended, duplicates}: items appended to at least one outbox, items skipped as seen;
  or the error "FENCED <current token>" having written nothing.
]]
if ARGV[5] ~= '' then
  local current = redis.call('GET', KEYS[4])
  if current ~= ARGV[5] then
    return redis.error_reply('FENCED ' .. tostring(current))
  end
end

local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)
local subscription = ARGV[1]

-- Trim first, so an id whose window has passed counts as new in this very batch.
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. string.format('%d', now - tonumber(ARGV[3])))

local appended, duplicates = 0, 0
local i = 6
while i <= #ARGV do
  local kind, id, json, n = ARGV[i], ARGV[i + 1], ARGV[i + 2], tonumber(ARGV[i + 3])
  if id ~= '' and redis.call('ZADD', KEYS[2], 'NX', string.format('%d', now), subscription .. '\n' .. id) == 0 then
    duplicates = duplicates + 1
  elseif kind == 'm' then
    redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[4], '*', 'm', json)
  elseif n > 0 then
    for j = 1, n do
      redis.call('XADD', KEYS[tonumber(ARGV[i + 3 + j])], '*', 'e', json)
    end
    appended = appended + 1
  end
  i = i + 4 + n
end

if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], subscription, ARGV[2])
end
return {appended, duplicates}
