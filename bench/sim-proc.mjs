// The S4E simulator for the benchmark, run as its own process (forked by run.mjs): the project's
// simulator (dist/src/simulator) publishing `finding.new` events whose data starts with
// `"sent_at_ms": <Date.now() at publish>`, for the sink's latency.
//
// The data is drawn once from the simulator's own generator (a pool of realistic findings) and
// only the send time is spliced in per event, so the simulator's CPU goes into framing and
// writing the stream, not into generating data: on 2 cores it competes with the bridge.
//
// IPC: {cmd:'credit', upTo} publish until `upTo` events in all (flow control, see run.mjs)
// · {cmd:'rate', rate, durationMs} a steady rate for a bounded time · {cmd:'publish', count} → {firstId, lastId}
// · {cmd:'stop'} · {cmd:'stats'} → {published, connections} · {cmd:'close'}.
import { setImmediate as nextTurn } from 'node:timers/promises';

const dist = new URL('../dist/src/simulator/', import.meta.url);
const { startSimulator } = await import(new URL('index.js', dist).href);
const { EventGenerator } = await import(new URL('generator.js', dist).href);
const { createRandom } = await import(new URL('random.js', dist).href);

const TYPE = 'finding.new';
/** Events published per synchronous step; the loop yields between steps. */
const CHUNK = 2_000;

const simulator = await startSimulator({
  maxConnections: 100,
  replayMaxEvents: Number(process.env.BENCH_REPLAY_MAX ?? 400_000),
  heartbeatIntervalMs: 30_000,
  retryMs: 500,
  apiKeys: ['bench-key'],
});

const pool = new EventGenerator(createRandom(7), [TYPE])
  .batch(1024, new Date().toISOString(), TYPE)
  .map((event) => JSON.stringify(event.data).slice(1));
let published = 0;

function publish(count) {
  const now = Date.now();
  const events = new Array(count);
  for (let i = 0; i < count; i++) events[i] = { type: TYPE, data: `{"sent_at_ms":${now},${pool[(published + i) & 1023]}` };
  published += count;
  return simulator.inject(events);
}

// Flow control: publish up to `target` (the sink's count + a window, sent by run.mjs).
let target = 0;
let pumping = false;
async function pump() {
  if (pumping) return;
  pumping = true;
  try {
    while (published < target) {
      publish(Math.min(CHUNK, target - published));
      await nextTurn();
    }
  } finally {
    pumping = false;
  }
}

let rateTimer;
function steady(rate, durationMs) {
  clearInterval(rateTimer);
  const started = performance.now();
  let emitted = 0;
  rateTimer = setInterval(() => {
    const elapsed = performance.now() - started;
    const due = Math.floor((Math.min(elapsed, durationMs) * rate) / 1000) - emitted;
    if (due > 0) {
      // Big catch-ups (a late timer) go in chunks, like everything else.
      for (let left = due; left > 0; left -= CHUNK) publish(Math.min(CHUNK, left));
      emitted += due;
    }
    if (elapsed >= durationMs) clearInterval(rateTimer);
  }, 5);
}

process.on('message', async (msg) => {
  switch (msg.cmd) {
    case 'credit':
      target = Math.max(target, msg.upTo);
      void pump();
      break;
    case 'rate':
      steady(msg.rate, msg.durationMs);
      process.send({ id: msg.id, ok: true });
      break;
    case 'publish': {
      let firstId;
      let lastId;
      for (let left = msg.count; left > 0; left -= CHUNK) {
        const ids = publish(Math.min(CHUNK, left));
        firstId ??= ids[0];
        lastId = ids.at(-1);
        await nextTurn();
      }
      process.send({ id: msg.id, firstId, lastId, published });
      break;
    }
    case 'stop':
      clearInterval(rateTimer);
      target = published;
      process.send({ id: msg.id, published });
      break;
    case 'reset':
      clearInterval(rateTimer);
      published = 0;
      target = 0;
      process.send({ id: msg.id, ok: true });
      break;
    case 'stats': {
      const { connections, maxConnections, rejected } = simulator.stats();
      process.send({ id: msg.id, published, connections, maxConnections, rejected });
      break;
    }
    case 'close':
      clearInterval(rateTimer);
      await simulator.close();
      process.exit(0);
  }
});

process.send({ type: 'ready', url: simulator.url });
process.on('disconnect', () => process.exit(0));
