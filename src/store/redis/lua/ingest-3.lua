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
  ARGV[6..] the items in runs of consecutive items bound for the same streams, each run as:
            k (its number of items); where they go: "m" for the malformed stream, else the
            indexes into KEYS of the streams to append to, joined by "," ('' for none);
            then k pairs of event id, JSON.
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
local seen, malformed, cap = KEYS[2], KEYS[3], ARGV[4]
local score = string.format('%d', now)
local member_prefix = ARGV[1] .. '\n'

-- Trim first, so an id whose window has passed counts as new in this very batch.
redis.call('ZREMRANGEBYSCORE', seen, '-inf', '(' .. string.format('%d', now - tonumber(ARGV[3])))

-- Duplicates are found in bulk (ZMSCORE, then ZADD NX of the new ids) rather than by one ZADD
-- per item: Redis pays per call. Up to CHUNK members a call: unpack stops at 8,000 values.
-- Within the batch, an id's first item counts as new and any later one as a duplicate.
local CHUNK = 1000
local duplicate = {} -- ARGV index of a duplicate item's id -> true
local members, first_item = {}, {}
local i, argc = 6, #ARGV
while i <= argc do
  local last = i + 2 * tonumber(ARGV[i])
  for j = i + 2, last, 2 do
    local id = ARGV[j]
    if id ~= '' then
      local member = member_prefix .. id
      if first_item[member] then
        duplicate[j] = true
      else
        first_item[member] = j
        members[#members + 1] = member
      end
    end
  end
  i = last + 2
end
for from = 1, #members, CHUNK do
  local to = math.min(from + CHUNK - 1, #members)
  local scores = redis.call('ZMSCORE', seen, unpack(members, from, to))
  local new = {}
  for m = from, to do
    if scores[m - from + 1] then
      duplicate[first_item[members[m]]] = true
    else
      new[#new + 1] = score
      new[#new + 1] = members[m]
    end
  end
  if #new > 0 then
    redis.call('ZADD', seen, 'NX', unpack(new))
  end
end

local appended, duplicates = 0, 0
i = 6
while i <= argc do
  local first, last = i + 2, i + 2 * tonumber(ARGV[i])
  local where = ARGV[i + 1]
  if where == 'm' then
    for j = first, last, 2 do
      if duplicate[j] then
        duplicates = duplicates + 1
      else
        redis.call('XADD', malformed, 'MAXLEN', '~', cap, '*', 'm', ARGV[j + 1])
      end
    end
  else
    local streams = {}
    for index in string.gmatch(where, '%d+') do
      streams[#streams + 1] = KEYS[tonumber(index)]
    end
    local n = #streams
    for j = first, last, 2 do
      if duplicate[j] then
        duplicates = duplicates + 1
      elseif n > 0 then
        local json = ARGV[j + 1]
        for k = 1, n do
          redis.call('XADD', streams[k], '*', 'e', json)
        end
        appended = appended + 1
      end
    end
  end
  i = last + 2
end

if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return {appended, duplicates}
