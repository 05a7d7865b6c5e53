--[[
  Flushes a digest: appends the digest event to the outbox of each of its connectors and
  removes the events it lists from the digest buffer, atomically. Does nothing when one of
  those events is no longer held (another replica flushed it first).

  KEYS[1]   digest buffer stream
  KEYS[2..] outbox streams of the route's connectors

  ARGV[1]   the digest envelope JSON
  ARGV[2..] buffer entry ids the digest lists

  Returns 1 when flushed, 0 when an entry was gone.
]]
for i = 2, #ARGV do
  if #redis.call('XRANGE', KEYS[1], ARGV[i], ARGV[i]) == 0 then
    return 0
  end
end
for k = 2, #KEYS do
  redis.call('XADD', KEYS[k], '*', 'e', ARGV[1])
end
redis.call('XDEL', KEYS[1], unpack(ARGV, 2))
return 1
