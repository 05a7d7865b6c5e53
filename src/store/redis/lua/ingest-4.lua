--[[
  Ingests one batch of a subscription in one atomic step: refuses it whole when the fence is
  stale (another replica took the subscription's lease since this one got its token), forgets
  ids older than the dedupe window, skips ids already seen, appends each new event to the outbox of every connector
  named for it and each malformed event to the malformed stream, applies the finding-state
  updates of the new events, then sets the checkpoint.

  KEYS[1]   checkpoints hash
  KEYS[2]   seen sorted set (member "<subscription>\n<event id>", score = ms first ingested)
  KEYS[3]   malformed stream
  KEYS[4]   fence counter of the lease guarding this subscription (see acquire-1.lua)
  KEYS[5]   findings hash: finding id -> FindingState JSON (src/store/findings.ts), its times last
  KEYS[6]   findings sorted set: finding id scored by when it was last seen (retention, cap)
  KEYS[7..] outbox streams of the connectors named in the batch, and digest buffers (streams too)

  ARGV[1]   subscription
  ARGV[2]   checkpoint JSON, written whatever the items are (even all duplicates);
            '' leaves the checkpoint as it is (no item had an id)
  ARGV[3]   dedupe window, ms
  ARGV[4]   malformed stream cap (MAXLEN ~)
  ARGV[5]   fencing token the writer holds; '' writes unfenced
  ARGV[6]   findings retention, ms since last seen
  ARGV[7]   findings cap
  ARGV[8..] the items in runs of consecutive items bound for the same streams, each run as:
            k (its number of items); where they go: "m" for the malformed stream, else the
            indexes into KEYS of the streams to append to, joined by "," ('' for none);
            then k pairs of event id, JSON.
            An empty event id is never deduplicated: it would make distinct events collide.
            Then, when any item changes a finding, one run "f" of k pairs: "<ARGV index of the
            item's event id> <mode> <last seen ms> <finding id>", and the FindingState JSON the
            item leaves on a finding not known yet, ending with ',"firstSeen":<ms>,"lastSeen":<ms>}'. Mode "i":
            its status does not replace a known one (a finding.new's `open`); "s": it does. Each
            is applied only when its item is new, in order, merged as mergeFinding in findings.ts does.

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
local FIRST_RUN, FINDINGS_RUN = 8, 'f'
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
local i, argc = FIRST_RUN, #ARGV
while i <= argc do
  local last = i + 2 * tonumber(ARGV[i])
  -- (the findings run holds no event ids: its loop is empty)
  for j = i + 2, ARGV[i + 1] == FINDINGS_RUN and i or last, 2 do
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
local finding_run
i = FIRST_RUN
while i <= argc do
  local first, last = i + 2, i + 2 * tonumber(ARGV[i])
  local where = ARGV[i + 1]
  if where == FINDINGS_RUN then
    finding_run = i
  elseif where == 'm' then
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

-- Finding state (KEYS[5], KEYS[6]); see the "f" run above. Its JSON ends with its times, written
-- ',"firstSeen":<ms>,"lastSeen":<ms>}', so that a finding reported again as it was is told from
-- the text, without decoding it.
local TIMES = ',"firstSeen":'

local function split(json)
  local at = string.find(json, TIMES, 1, true)
  local first, last = string.match(json, '^,"firstSeen":(%d+),"lastSeen":(%d+)}$', at)
  return string.sub(json, 1, at - 1), tonumber(first), tonumber(last)
end

local function joined(content, first, last)
  return content .. string.format(',"firstSeen":%d,"lastSeen":%d}', first, last)
end

local function merge(state, update, mode)
  for key, value in pairs(update) do
    if key == 'delivered' then
      for connector, routes in pairs(value) do
        local known = state.delivered[connector]
        if not known then
          state.delivered[connector] = routes
        else
          for _, route in ipairs(routes) do
            local has = false
            for _, k in ipairs(known) do
              if k == route then has = true end
            end
            if not has then known[#known + 1] = route end
          end
        end
      end
    elseif not (key == 'status' and mode == 'i' and state.status ~= nil) then
      state[key] = value
    end
  end
end

-- `json` (last seen at `seen`) applied to `stored` (the JSON text stored, or nil): the JSON text
-- to store, and when it was last seen.
local function applied(stored, json, seen, mode)
  if stored == nil then return json, seen end
  local content, first, last = split(stored)
  local new_content, new_first, new_last = split(json)
  first, last = math.min(first, new_first), math.max(last, new_last)
  if content ~= new_content then
    local state = cjson.decode(content .. '}')
    merge(state, cjson.decode(new_content .. '}'), mode)
    content = string.sub(cjson.encode(state), 1, -2)
  end
  return joined(content, first, last), last
end

local function apply_findings(run, duplicate, now)
  local states, by_seen = KEYS[5], KEYS[6]
  local cutoff = now - tonumber(ARGV[6])
  -- Forget what is past its retention first (a bounded amount per call), so it counts as unknown.
  local expired = redis.call('ZRANGEBYSCORE', by_seen, '-inf', '(' .. string.format('%d', cutoff), 'LIMIT', 0, 1000)
  if #expired > 0 then
    redis.call('HDEL', states, unpack(expired))
    redis.call('ZREM', by_seen, unpack(expired))
  end

  -- The updates of the new items, in order (parallel lists: no table per update), and their findings.
  local at, modes, seens, of = {}, {}, {}, {}
  local ids, wanted = {}, {}
  for j = run + 2, run + 2 * tonumber(ARGV[run]), 2 do
    local index, mode, seen, id = string.match(ARGV[j], '^(%d+) (%a) (%d+) (.*)$')
    if not duplicate[tonumber(index)] then
      local n = #at + 1
      at[n], modes[n], seens[n], of[n] = j + 1, mode, tonumber(seen), id
      if not wanted[id] then
        wanted[id] = true
        ids[#ids + 1] = id
      end
    end
  end
  if #at == 0 then return end

  -- What is stored now, still within its retention.
  local current, last_seen = {}, {}
  for from = 1, #ids, CHUNK do
    local to = math.min(from + CHUNK - 1, #ids)
    local values = redis.call('HMGET', states, unpack(ids, from, to))
    for k = from, to do
      local value = values[k - from + 1]
      if value then
        local _, _, last = split(value)
        if last >= cutoff then current[ids[k]] = value end
      end
    end
  end
  for n = 1, #at do
    local id = of[n]
    current[id], last_seen[id] = applied(current[id], ARGV[at[n]], seens[n], modes[n])
  end

  local fields, scores = {}, {}
  local function flush()
    redis.call('HSET', states, unpack(fields))
    redis.call('ZADD', by_seen, unpack(scores))
    fields, scores = {}, {}
  end
  for _, id in ipairs(ids) do
    fields[#fields + 1] = id
    fields[#fields + 1] = current[id]
    scores[#scores + 1] = string.format('%d', last_seen[id])
    scores[#scores + 1] = id
    if #scores >= 2 * CHUNK then flush() end
  end
  if #scores > 0 then flush() end

  -- The cap: the least recently seen go, a bounded amount per call.
  local excess = redis.call('ZCARD', by_seen) - tonumber(ARGV[7])
  if excess > 0 then
    local popped = redis.call('ZPOPMIN', by_seen, math.min(excess, 1000))
    local gone = {}
    for k = 1, #popped, 2 do gone[#gone + 1] = popped[k] end
    redis.call('HDEL', states, unpack(gone))
  end
end

if finding_run then
  apply_findings(finding_run, duplicate, now)
end

if ARGV[2] ~= '' then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return {appended, duplicates}
