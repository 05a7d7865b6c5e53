// A lean Splunk-HEC-compatible sink for the benchmark, run as its own process (forked by run.mjs).
//
// It accepts `/services/collector/event` with the token, answers as HEC does (200 {"text":"Success","code":0}),
// and counts events by their `"sent_at_ms":` field (every bench event carries exactly one), taking the
// send time that follows it to record latency = arrival − sent. It does not JSON.parse each event (the
// demo receiver, src/demo/hec-receiver.ts, does and checks more): on a 2-core machine the sink's own
// CPU competes with the bridge under test, so it is kept to a scan of the body.
//
// IPC (process.send): {cmd:'reset'} · {cmd:'count'} → {count} · {cmd:'watch', everyMs} (pushes {type:'count'})
// · {cmd:'latency', on} · {cmd:'latencyStats'} → {samples, p50, p90, p99, max} · {cmd:'close'}.
import { createServer } from 'node:http';

const TOKEN = process.env.BENCH_HEC_TOKEN ?? 'bench-token';
const MARK = '"sent_at_ms":';
/** Latency samples kept at most (bounded memory). */
const MAX_SAMPLES = 500_000;

let count = 0;
let requests = 0;
let recording = false;
const samples = new Float64Array(MAX_SAMPLES);
let sampleCount = 0;
const OK = JSON.stringify({ text: 'Success', code: 0 });

function scan(body, arrivedAt) {
  let n = 0;
  for (let i = body.indexOf(MARK); i !== -1; i = body.indexOf(MARK, i + MARK.length)) {
    n += 1;
    if (recording && sampleCount < MAX_SAMPLES) {
      let j = i + MARK.length;
      let sent = 0;
      for (let c = body.charCodeAt(j); c >= 48 && c <= 57; c = body.charCodeAt(++j)) sent = sent * 10 + (c - 48);
      samples[sampleCount++] = arrivedAt - sent;
    }
  }
  return n;
}

const server = createServer((req, res) => {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method === 'GET' && path.startsWith('/services/collector/health')) {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"text":"HEC is healthy","code":17}');
    return;
  }
  if (req.method !== 'POST' || !path.startsWith('/services/collector')) {
    res.writeHead(404).end();
    return;
  }
  requests += 1;
  if (req.headers.authorization !== `Splunk ${TOKEN}`) {
    req.resume();
    res.writeHead(403, { 'content-type': 'application/json' }).end('{"text":"Invalid token","code":4}');
    return;
  }
  const chunks = [];
  req.on('data', (chunk) => chunks.push(chunk));
  req.on('end', () => {
    const arrivedAt = Date.now();
    const body = chunks.length === 1 ? chunks[0].toString('latin1') : Buffer.concat(chunks).toString('latin1');
    const n = scan(body, arrivedAt);
    count += n;
    if (n === 0) res.writeHead(400, { 'content-type': 'application/json' }).end('{"text":"No data","code":5}');
    else res.writeHead(200, { 'content-type': 'application/json' }).end(OK);
  });
});
server.keepAliveTimeout = 60_000;

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

let watch;
process.on('message', (msg) => {
  switch (msg.cmd) {
    case 'reset':
      count = 0;
      requests = 0;
      sampleCount = 0;
      recording = false;
      process.send({ id: msg.id, ok: true });
      break;
    case 'count':
      process.send({ id: msg.id, count, requests });
      break;
    case 'watch':
      clearInterval(watch);
      if (msg.everyMs > 0) watch = setInterval(() => process.send({ type: 'count', count }), msg.everyMs);
      process.send({ id: msg.id, ok: true });
      break;
    case 'latency':
      recording = msg.on;
      if (msg.on) sampleCount = 0;
      process.send({ id: msg.id, ok: true });
      break;
    case 'latencyStats': {
      const sorted = Float64Array.from(samples.subarray(0, sampleCount)).sort();
      process.send({
        id: msg.id,
        samples: sampleCount,
        p50: percentile(sorted, 50),
        p90: percentile(sorted, 90),
        p99: percentile(sorted, 99),
        max: sorted.length ? sorted[sorted.length - 1] : null,
      });
      break;
    }
    case 'close':
      clearInterval(watch);
      server.closeAllConnections();
      server.close(() => process.exit(0));
      break;
  }
});

server.listen(0, '127.0.0.1', () => process.send({ type: 'ready', url: `http://127.0.0.1:${server.address().port}` }));
process.on('disconnect', () => process.exit(0));
