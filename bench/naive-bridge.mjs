// The NAIVE bridge the benchmark compares against: what one would write in an afternoon.
// An EventSource (the `eventsource` package) and one awaited axios POST per event to Splunk HEC,
// in arrival order; no batching, no durability (a crash loses what is queued in memory), no
// backpressure (the queue grows without bound when HEC is slower than the stream).
//
//   node bench/naive-bridge.mjs --source URL --api-key KEY --hec URL --token TOKEN
//        [--events finding.new] [--subscriptions 1] [--last-event-id ID]
import { parseArgs } from 'node:util';
import axios from 'axios';
import { EventSource } from 'eventsource';

const { values: args } = parseArgs({
  options: {
    source: { type: 'string' },
    'api-key': { type: 'string' },
    hec: { type: 'string' },
    token: { type: 'string' },
    events: { type: 'string', default: 'finding.new' },
    subscriptions: { type: 'string', default: '1' },
    'last-event-id': { type: 'string' },
  },
});

const types = args.events.split(',');
const hecUrl = `${args.hec}/services/collector/event`;
const hecHeaders = { authorization: `Splunk ${args.token}`, 'content-type': 'application/json' };

function subscribe(lastEventId) {
  const url = new URL('/api/events/stream', args.source);
  url.searchParams.set('events', types.join(','));
  const es = new EventSource(url, {
    fetch: (input, init) =>
      fetch(input, {
        ...init,
        headers: {
          ...init.headers,
          authorization: `Bearer ${args['api-key']}`,
          ...(lastEventId !== undefined && { 'last-event-id': lastEventId }),
        },
      }),
  });
  let queue = Promise.resolve();
  const onEvent = (event) => {
    // One awaited POST per event, in order: each waits for the one before it.
    queue = queue.then(async () => {
      const data = JSON.parse(event.data);
      const time = Date.parse(data.timestamp);
      const body = { time: Number.isNaN(time) ? Date.now() / 1000 : time / 1000, source: 's4e-naive', sourcetype: 's4e:event', event: { id: event.lastEventId, type: event.type, data } };
      try {
        await axios.post(hecUrl, body, { headers: hecHeaders });
      } catch (error) {
        console.error(`POST failed: ${error.message}`);
      }
    });
  };
  for (const type of types) es.addEventListener(type, onEvent);
  es.onerror = (error) => console.error(`stream error: ${error.message ?? 'lost'}`);
  return es;
}

const count = Number(args.subscriptions);
for (let i = 0; i < count; i++) subscribe(args['last-event-id']);
process.on('SIGTERM', () => process.exit(0));
