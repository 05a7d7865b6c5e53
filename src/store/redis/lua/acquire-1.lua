--[[
  Takes a lease when nobody holds it, or when its holder is an earlier life of the caller (its
  owner starts with ARGV[4], the caller's stable consumer name, and is not the caller itself: a
  restarted replica takes its own leases back at once instead of waiting for them to expire),
  with a new fencing token: the lease's counter, incremented on every acquisition, so a later
  holder's token is always higher, and ingest-2.lua refuses a writer whose token is no longer
  the counter's value.

  KEYS[1]   the lease (string "<owner>\n<token>", expiring)
  KEYS[2]   the lease's fence counter, kept for ARGV[3] ms after the last acquisition or renewal
            (leases of finished scans do not pile up); a counter that expired and starts over
            still refuses a stale holder, whose token it would have to reach again exactly
  ARGV[1]   owner
  ARGV[2]   time to live, ms
  ARGV[3]   how long the fence counter outlives the lease, ms
  ARGV[4]   prefix of the owners the caller may take over ('' for none)

  Returns the token, or nil when the lease is held.
]]
local held = redis.call('GET', KEYS[1])
if held then
  local mine = string.sub(held, 1, string.len(ARGV[1]) + 1) == ARGV[1] .. '\n'
  local earlier = ARGV[4] ~= '' and string.sub(held, 1, string.len(ARGV[4])) == ARGV[4]
  if mine or not earlier then
    return false
  end
end
local token = redis.call('INCR', KEYS[2])
redis.call('PEXPIRE', KEYS[2], ARGV[3])
redis.call('SET', KEYS[1], ARGV[1] .. '\n' .. token, 'PX', ARGV[2])
return token
