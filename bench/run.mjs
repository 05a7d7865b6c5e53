// `npm run bench`: the real bridge against a naive one, side by side, in one run.
//
//   simulator (sim-proc.mjs)  ──SSE──▶  bridge under test  ──HEC──▶  sink (hec-sink.mjs)
//
// Each is its own process; this one only orchestrates (IPC, /proc sampling), so its CPU is not
// measured as the bridge's. Nothing is pinned: on 2 cores the OS shares them between the bridge,
// Redis, the simulator and the sink, as it would between a bridge and its neighbours. The CPU
// each used is reported per phase, and the bridge's CPU per event does not depend on that sharing.
//
// Bridges: the real one (the built CLI, `dist/src/cli/main.js run`, with the Node flags of its
// shebang as the `s4e-bridge` bin runs it, Redis on loopback, HEC batch max_delay 10 ms), with the
// embedded store too when the config accepts `store.path`, and naive-bridge.mjs. Phases, each
// with a fresh bridge process (and fresh Redis keys):
//   throughput  firehose with flow control (the simulator stays `--window` events ahead of the
//               sink), `--warmup` then events/s over `--measure`
//   latency     a steady 1,000 events/s, then a 20 events/s trickle; arrival − send
//               (data.sent_at_ms) at the sink, p50/p99, and this process's own timer delays
//               meanwhile (the host's CPU contention)
//   firehose    an open firehose (`--fire-rate` events/s for `--fire` ms, no flow control): peak RSS
//   idle        100 subscriptions (enterprise tier), no events: RSS
//   replay      150,000 events published while the bridge was down, then drained: seconds
//
// Options: --quick (shorter windows) --only redis,embedded,naive --phases throughput,latency,…
//          --profile (the real bridge under the firehose with --cpu-prof; prints its top functions)
//          --out FILE (default bench/results/latest.json)
//          --bridge-node-args="…" (Node flags for the real bridge after its shebang's, experiments only)
//          --cli PATH (another build's dist/src/cli/main.js, to compare two trees)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { cpuMsOf, memoryOf, pollUntil, rssSampler, startHelper, startProcess } from './procs.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const ROOT = join(HERE, '..');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const API_KEY = 'bench-key';
const HEC_TOKEN = 'bench-token';
const REPLAY_EVENTS = 150_000;
const IDLE_SUBSCRIPTIONS = 100;
const LATENCY_RATE = 1_000;
const TRICKLE_RATE = 20;

const { values: opts } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    phases: { type: 'string' },
    profile: { type: 'boolean', default: false },
    out: { type: 'string' },
    window: { type: 'string' },
    warmup: { type: 'string' },
    measure: { type: 'string' },
    fire: { type: 'string' },
    'fire-rate': { type: 'string' },
    'bridge-node-args': { type: 'string' },
    cli: { type: 'string' },
  },
});

const quick = opts.quick;
/** The built CLI under test; --cli points at another build (an A/B comparison of two trees). */
const CLI = opts.cli ?? join(ROOT, 'dist/src/cli/main.js');
/**
 * The Node flags the CLI's shebang (`#!/usr/bin/env -S node FLAGS`) gives it, so the bench runs
 * the bridge as users do (the heap cap: see the README, Performance).
 */
function shebangNodeArgs(cli) {
  const first = readFileSync(cli, 'utf8').split('\n', 1)[0];
  const words = /^#!\S*\benv(?:\s+-S)?\s+node\b(.*)$/.exec(first)?.[1].trim().split(/\s+/).filter(Boolean);
  if (!words) throw new Error(`${cli} does not start with a node shebang: ${first}`);
  return words;
}
const SHIPPED_NODE_ARGS = existsSync(CLI) ? shebangNodeArgs(CLI) : [];
/** Node flags for the real bridge after the shipped ones, for experiments (the last of a flag wins); none by default. */
const BRIDGE_NODE_ARGS = (opts['bridge-node-args'] ?? '').split(' ').filter(Boolean);
const P = {
  window: Number(opts.window ?? 30_000),
  warmupMs: Number(opts.warmup ?? (quick ? 2_000 : 3_000)),
  measureMs: Number(opts.measure ?? (quick ? 5_000 : 10_000)),
  latencyWarmupMs: quick ? 2_000 : 3_000,
  latencyMs: quick ? 5_000 : 10_000,
  fireMs: Number(opts.fire ?? (quick ? 6_000 : 10_000)),
  fireRate: Number(opts['fire-rate'] ?? 50_000),
  idleSettleMs: quick ? 2_000 : 4_000,
  replayCapMs: 60_000,
  naiveReplayCapMs: quick ? 10_000 : 20_000,
};

const log = (...args) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...args);
const runId = `${Date.now().toString(36)}`;
const tmp = mkdtempSync(join(tmpdir(), 's4e-bench-'));
const prefixes = [];

// ───────────────────────────── bridges under test ─────────────────────────────

function bridgeYaml({ simUrl, hecUrl, store, subscriptions = 1 }) {
  const subs = Array.from({ length: subscriptions }, (_, i) => `  - name: s${i + 1}\n    events: [finding.new]`).join('\n');
  const storeYaml = store.path
    ? `store:\n  path: ${store.path}\n  key_prefix: ${store.prefix}\n  consumer: bench`
    : `store:\n  redis_url: ${REDIS_URL}\n  key_prefix: ${store.prefix}\n  consumer: bench`;
  return `source:
  base_url: ${simUrl}
  api_key: ${API_KEY}
  tier: enterprise
  reconnect: { initial_delay: 100ms, max_delay: 2s }
${storeYaml}
subscriptions:
${subs}
connectors:
  splunk:
    type: splunk_hec
    url: ${hecUrl}
    token: ${HEC_TOKEN}
    batch: { max_delay: 10ms }
routes:
  - name: findings
    match: { events: [finding.new] }
    to: [splunk]
server:
  listen: 127.0.0.1:0
  shutdown_grace: 2s
log:
  level: info
`;
}

function writeConfig(name, yaml) {
  const file = join(tmp, `${name}.yaml`);
  writeFileSync(file, yaml);
  return file;
}

/** A variant of the bridge: how to start it for a phase. */
function realVariant(kind) {
  return {
    name: kind === 'redis' ? 'bridge (Redis)' : 'bridge (embedded)',
    key: kind,
    real: true,
    start({ phase, subscriptions = 1, storeName, cpuProf }) {
      const prefix = `bench-${runId}-${kind}-${storeName ?? phase}`;
      prefixes.push(prefix);
      const store = kind === 'redis' ? { prefix } : { prefix, path: join(tmp, `store-${storeName ?? phase}`) };
      const file = writeConfig(`${kind}-${phase}`, bridgeYaml({ simUrl: ctx.sim.url, hecUrl: ctx.sink.url, store, subscriptions }));
      const prof = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [];
      return startProcess([...SHIPPED_NODE_ARGS, ...BRIDGE_NODE_ARGS, ...prof, CLI, 'run', '--config', file]);
    },
  };
}

const naiveVariant = {
  name: 'naive',
  key: 'naive',
  real: false,
  start({ subscriptions = 1, lastEventId }) {
    const args = [join(HERE, 'naive-bridge.mjs'), '--source', ctx.sim.url, '--api-key', API_KEY, '--hec', ctx.sink.url, '--token', HEC_TOKEN];
    args.push('--subscriptions', String(subscriptions));
    if (lastEventId) args.push('--last-event-id', lastEventId);
    return startProcess(args);
  },
};

/** Whether this build accepts `store.path` (the embedded store): `validate` says so. */
function embeddedAvailable() {
  const file = writeConfig('probe-embedded', bridgeYaml({ simUrl: 'http://127.0.0.1:1', hecUrl: 'http://127.0.0.1:1', store: { prefix: 'probe', path: join(tmp, 'probe') } }));
  try {
    execFileSync(process.execPath, [CLI, 'validate', '--config', file], { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

// ───────────────────────────── shared context ─────────────────────────────

const ctx = { sim: undefined, sink: undefined, redisPid: undefined, onCount: undefined };

function redisPid() {
  try {
    const info = execFileSync('redis-cli', ['-u', REDIS_URL, 'info', 'server'], { encoding: 'utf8', timeout: 5_000 });
    return { pid: Number(/process_id:(\d+)/.exec(info)?.[1]) || undefined, version: /redis_version:(\S+)/.exec(info)?.[1] };
  } catch {
    return { pid: undefined, version: undefined };
  }
}

/** CPU ms used by each process of the setup, to report how the cores were shared. */
function cpuSnapshot(bridgePid) {
  return { bridge: cpuMsOf(bridgePid), redis: ctx.redisPid && cpuMsOf(ctx.redisPid), sim: cpuMsOf(ctx.sim.pid), sink: cpuMsOf(ctx.sink.pid), bench: process.cpuUsage() };
}

function cpuShare(before, after, elapsedMs) {
  const pct = (a, b) => (a === undefined || b === undefined ? undefined : round((100 * (b - a)) / elapsedMs, 0));
  const benchMs = (after.bench.user + after.bench.system - before.bench.user - before.bench.system) / 1000;
  return { bridge: pct(before.bridge, after.bridge), redis: pct(before.redis, after.redis), sim: pct(before.sim, after.sim), sink: pct(before.sink, after.sink), bench: round((100 * benchMs) / elapsedMs, 0) };
}

async function resetPeers() {
  await ctx.sim.call('reset');
  await ctx.sink.call('reset');
  // The previous bridge's stream is gone before the next one starts.
  await pollUntil(async () => (await ctx.sim.call('stats')).connections === 0, 10_000, 50);
}

async function waitConnected(bridge, n, timeoutMs = 30_000) {
  const ok = await pollUntil(async () => (await ctx.sim.call('stats')).connections >= n, timeoutMs, 50);
  if (!ok) throw new Error(`the bridge did not open ${n} stream(s) within ${timeoutMs} ms; its last lines:\n${bridge.tail.slice(-20).join('\n')}`);
}

async function sinkCount() {
  return (await ctx.sink.call('count')).count;
}

async function stopBridge(variant, bridge) {
  // The naive bridge has nothing to finish; the real one is stopped as an operator would.
  return bridge.stop(variant.real ? 10_000 : 2_000, variant.real ? 'SIGTERM' : 'SIGKILL');
}

// ───────────────────────────── phases ─────────────────────────────

async function throughput(variant, { cpuProf } = {}) {
  await resetPeers();
  const bridge = variant.start({ phase: 'throughput', cpuProf });
  try {
    await waitConnected(bridge, 1);
    const rss = rssSampler(bridge.pid);
    // Flow control: the sink pushes its count every 10 ms; the simulator stays `window` ahead.
    ctx.onCount = (count) => ctx.sim.tell('credit', { upTo: count + P.window });
    await ctx.sink.call('watch', { everyMs: 10 });
    ctx.sim.tell('credit', { upTo: P.window });
    await sleep(P.warmupMs);
    const c0 = await sinkCount();
    const cpu0 = cpuSnapshot(bridge.pid);
    const t0 = performance.now();
    await sleep(P.measureMs);
    const c1 = await sinkCount();
    const cpu1 = cpuSnapshot(bridge.pid);
    const elapsed = performance.now() - t0;
    await ctx.sink.call('watch', { everyMs: 0 });
    ctx.onCount = undefined;
    await ctx.sim.call('stop');
    const events = c1 - c0;
    const mem = rss.stop();
    return {
      // Everything the sink got from this bridge process, warm-up included (profile-top divides by it).
      deliveredInAll: await sinkCount(),
      eventsPerSec: round((events * 1000) / elapsed, 0),
      events,
      windowMs: round(elapsed, 0),
      bridgeCpuUsPerEvent: events > 0 ? round(((cpu1.bridge - cpu0.bridge) * 1000) / events, 1) : null,
      cpuPercent: cpuShare(cpu0, cpu1, elapsed),
      peakRssMb: round(mem.peakRssMb, 1),
    };
  } finally {
    await ctx.sink.call('watch', { everyMs: 0 });
    ctx.onCount = undefined;
    await ctx.sim.call('stop');
    const end = await stopBridge(variant, bridge);
    if (cpuProf && end !== 0) log(`the profiled bridge ended with ${end}: no profile may have been written`);
  }
}

/** Arrival − send at the sink over `measureMs` of a steady `rate`, with the host's scheduling delays meanwhile. */
async function measureLatency(rate, warmupMs, measureMs) {
  await ctx.sim.call('rate', { rate, durationMs: warmupMs + measureMs });
  await sleep(warmupMs);
  // This process only waits on IPC here: its own timer delays are the host's CPU contention,
  // which every process (bridge, simulator, sink) suffers alike.
  const host = monitorEventLoopDelay({ resolution: 1 });
  host.enable();
  await ctx.sink.call('latency', { on: true });
  await sleep(measureMs);
  await ctx.sink.call('latency', { on: false });
  host.disable();
  const stats = await ctx.sink.call('latencyStats');
  const { published } = await ctx.sim.call('stop');
  // Whatever is still on its way arrives within a second at these rates; then compare.
  await pollUntil(async () => (await sinkCount()) >= published, 5_000, 50);
  const hostDelay = { p99Ms: round(host.percentile(99) / 1e6, 1), maxMs: round(host.max / 1e6, 1) };
  return { rate, samples: stats.samples, p50Ms: stats.p50, p90Ms: stats.p90, p99Ms: stats.p99, maxMs: stats.max, hostTimerDelay: hostDelay, published, delivered: await sinkCount() };
}

async function latency(variant) {
  await resetPeers();
  const bridge = variant.start({ phase: 'latency' });
  try {
    await waitConnected(bridge, 1);
    const steady = await measureLatency(LATENCY_RATE, P.latencyWarmupMs, P.latencyMs);
    // A trickle, as most tenants send: each batch waits out max_delay alone, with nothing else
    // arriving to end a blocked read early.
    const trickle = await measureLatency(TRICKLE_RATE, 0, P.latencyMs);
    return { ...steady, trickle };
  } finally {
    await ctx.sim.call('stop');
    await stopBridge(variant, bridge);
  }
}

async function firehose(variant) {
  await resetPeers();
  const bridge = variant.start({ phase: 'firehose' });
  try {
    await waitConnected(bridge, 1);
    const rss = rssSampler(bridge.pid, 100);
    const cpu0 = cpuSnapshot(bridge.pid);
    const t0 = performance.now();
    await ctx.sim.call('rate', { rate: P.fireRate, durationMs: P.fireMs });
    const curve = [];
    const deliveredCurve = [];
    for (let s = 1; s <= Math.ceil(P.fireMs / 1000); s++) {
      await sleep(1_000);
      curve.push(round(memoryOf(bridge.pid)?.rssMb ?? NaN, 0));
      deliveredCurve.push(await sinkCount());
    }
    const elapsed = performance.now() - t0;
    const cpu1 = cpuSnapshot(bridge.pid);
    const mem = rss.stop();
    const { published } = await ctx.sim.call('stop');
    const delivered = await sinkCount();
    return {
      rate: P.fireRate,
      durationMs: round(elapsed, 0),
      published,
      delivered,
      peakRssMb: round(mem.peakRssMb, 1),
      finalRssMb: round(mem.lastRssMb, 1),
      rssEachSecondMb: curve,
      deliveredEachSecond: deliveredCurve.map((n, i) => n - (deliveredCurve[i - 1] ?? 0)),
      cpuPercent: cpuShare(cpu0, cpu1, elapsed),
    };
  } finally {
    await ctx.sim.call('stop');
    await stopBridge(variant, bridge);
  }
}

async function idle(variant) {
  await resetPeers();
  const bridge = variant.start({ phase: 'idle', subscriptions: IDLE_SUBSCRIPTIONS });
  try {
    await waitConnected(bridge, IDLE_SUBSCRIPTIONS, 60_000);
    await sleep(P.idleSettleMs);
    const m = memoryOf(bridge.pid);
    const { connections, rejected } = await ctx.sim.call('stats');
    return { subscriptions: IDLE_SUBSCRIPTIONS, connections, rejectedTooMany: rejected.tooMany, rssMb: round(m.rssMb, 1), peakRssMb: round(m.hwmMb, 1) };
  } finally {
    await stopBridge(variant, bridge);
  }
}

async function replay(variant) {
  await resetPeers();
  let lastEventId;
  if (variant.real) {
    // A first run leaves a checkpoint: one event made durable and delivered.
    const first = variant.start({ phase: 'replay-first', storeName: 'replay' });
    try {
      await waitConnected(first, 1);
      await ctx.sim.call('publish', { count: 1 });
      if (!(await pollUntil(async () => (await sinkCount()) >= 1, 15_000))) throw new Error('the checkpoint event was not delivered');
    } finally {
      await stopBridge(variant, first);
    }
  } else {
    // The naive bridge keeps no checkpoint: it is handed the last id it would have seen.
    lastEventId = (await ctx.sim.call('publish', { count: 1 })).lastId;
  }
  await pollUntil(async () => (await ctx.sim.call('stats')).connections === 0, 10_000, 50);
  await ctx.sim.call('publish', { count: REPLAY_EVENTS }, 120_000);
  await ctx.sink.call('reset');
  const capMs = variant.real ? P.replayCapMs : P.naiveReplayCapMs;
  const t0 = performance.now();
  const bridge = variant.start({ phase: 'replay', storeName: 'replay', lastEventId });
  const rss = rssSampler(bridge.pid);
  try {
    const done = await pollUntil(async () => (await sinkCount()) >= REPLAY_EVENTS, capMs, 20);
    const elapsedMs = performance.now() - t0;
    const drained = await sinkCount();
    const cpuMs = cpuMsOf(bridge.pid);
    const mem = rss.stop();
    return {
      events: REPLAY_EVENTS,
      drained,
      // Start-up included: the same fixed work in every run, so it compares builds and flags.
      bridgeCpuUsPerEvent: drained > 0 && cpuMs !== undefined ? round((cpuMs * 1000) / drained, 1) : null,
      complete: done,
      seconds: done ? round(elapsedMs / 1000, 2) : null,
      // Not drained within the cap: what its rate so far projects.
      projectedSeconds: done ? round(elapsedMs / 1000, 2) : drained > 0 ? round(((REPLAY_EVENTS / drained) * elapsedMs) / 1000, 1) : null,
      cappedAtMs: done ? undefined : capMs,
      peakRssMb: round(mem.peakRssMb, 1),
    };
  } finally {
    await stopBridge(variant, bridge);
  }
}

const PHASES = { throughput, latency, firehose, idle, replay };

// ───────────────────────────── report ─────────────────────────────

function round(n, digits) {
  if (n === null || n === undefined || Number.isNaN(n)) return n ?? null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

function machine() {
  const model = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model ?? 'unknown';
  return {
    nproc: availableParallelism(),
    cpuModel: model.trim(),
    memoryGb: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    redis: redisPid().version ?? null,
    loadAverageAtStart: loadavg().map((l) => round(l, 2)),
  };
}

const TARGETS = {
  eventsPerSec: { min: 25_000, label: '≥ 25,000 events/s' },
  throughputRatio: { min: 15, label: '≥ 15× naive' },
  p99Ms: { max: 50, label: '≤ 50 ms' },
  peakRssMb: { max: 200, label: '≤ 200 MB' },
  replaySeconds: { max: 10, label: '≤ 10 s' },
};

function ratio(a, b, digits = 1) {
  return typeof a === 'number' && typeof b === 'number' && b !== 0 ? round(a / b, digits) : null;
}

function fmt(n, unit = '') {
  if (n === null || n === undefined) return '–';
  return `${typeof n === 'number' ? n.toLocaleString('en-US') : n}${unit}`;
}

function table(results, variants, m) {
  const real = variants.filter((v) => v.real);
  const naive = results.naive;
  const cols = [...variants.map((v) => v.name), ...(naive ? real.map((v) => `${v.key}/naive`) : [])];
  const rows = [];
  const row = (metric, target, pick, show = (x) => fmt(x)) => {
    const values = variants.map((v) => show(pick(results[v.key]), results[v.key]));
    const ratios = naive ? real.map((v) => {
      const a = pick(results[v.key]);
      const b = pick(naive);
      if (typeof a !== 'number' || typeof b !== 'number' || b === 0) return '–';
      return `${Number((a / b).toPrecision(2))}×`;
    }) : [];
    rows.push([metric, target, ...values, ...ratios]);
  };
  row('sustained events/s (firehose, end to end)', TARGETS.eventsPerSec.label, (r) => r?.throughput?.eventsPerSec);
  row('bridge CPU per event (µs)', '', (r) => r?.throughput?.bridgeCpuUsPerEvent);
  row('latency p50 at 1,000/s (ms)', '', (r) => r?.latency?.p50Ms);
  row('latency p99 at 1,000/s (ms)', TARGETS.p99Ms.label, (r) => r?.latency?.p99Ms);
  row(`latency p50 / p99 at ${TRICKLE_RATE}/s (ms)`, '', (r) => r?.latency?.trickle?.p99Ms, (x, r) =>
    x === null || x === undefined ? '–' : `${fmt(r.latency.trickle.p50Ms)} / ${fmt(x)}`,
  );
  row(`peak RSS, firehose ${fmt(P.fireRate)}/s for ${P.fireMs / 1000} s (MB)`, TARGETS.peakRssMb.label, (r) => r?.firehose?.peakRssMb);
  row('RSS, 100 idle subscriptions (MB)', '', (r) => r?.idle?.rssMb);
  row('drain a 150,000-event replay (s)', TARGETS.replaySeconds.label, (r) => r?.replay?.projectedSeconds, (x, r) =>
    x === null || x === undefined ? '–' : r.replay.complete ? fmt(x) : `> ${r.replay.cappedAtMs / 1000} (≈ ${fmt(x)} projected)`,
  );
  const header = ['metric', 'target', ...cols];
  const lines = [
    `Machine: ${m.nproc} cores (nproc), ${m.cpuModel}, ${m.memoryGb} GB RAM, Node ${m.node}, Redis ${m.redis ?? '?'} on loopback; load average at start ${m.loadAverageAtStart.join(' ')}`,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
  return lines.join('\n');
}

function verdicts(results) {
  const r = results.redis;
  if (!r) return {};
  const naive = results.naive;
  const check = (value, t) => (value === null || value === undefined ? null : t.min !== undefined ? value >= t.min : value <= t.max);
  return {
    eventsPerSec: check(r.throughput?.eventsPerSec, TARGETS.eventsPerSec),
    throughputRatio: check(ratio(r.throughput?.eventsPerSec, naive?.throughput?.eventsPerSec), TARGETS.throughputRatio),
    p99Ms: check(r.latency?.p99Ms, TARGETS.p99Ms),
    peakRssMb: check(r.firehose?.peakRssMb, TARGETS.peakRssMb),
    replaySeconds: r.replay?.events === undefined ? null : check(r.replay.complete ? r.replay.seconds : Infinity, TARGETS.replaySeconds),
  };
}

// ───────────────────────────── main ─────────────────────────────

async function cleanupRedis() {
  if (prefixes.length === 0) return;
  try {
    const { Redis } = await import('ioredis');
    const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    let deleted = 0;
    for (const prefix of prefixes) {
      let cursor = '0';
      let rounds = 0;
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}:*`, 'COUNT', 1000);
        if (keys.length > 0) deleted += await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0' && ++rounds < 10_000);
    }
    redis.disconnect();
    log(`removed ${deleted} Redis keys of this run`);
  } catch (error) {
    log(`could not clean up Redis keys (${error.message})`);
  }
}

async function main() {
  if (!existsSync(CLI) || !existsSync(join(ROOT, 'dist/src/simulator/index.js'))) {
    throw new Error(`no build at ${CLI}: run \`npm run build\` first`);
  }
  const started = performance.now();
  const m = machine();
  const redis = redisPid();
  ctx.redisPid = redis.pid;
  if (!redis.version) log(`warning: no Redis answered at ${REDIS_URL} (redis-cli); the Redis bridge will fail`);
  log(`machine: ${JSON.stringify(m)}`);
  log(`the bridge runs as node ${[...SHIPPED_NODE_ARGS, ...BRIDGE_NODE_ARGS].join(' ')} ${CLI} run`);

  ctx.sim = await startHelper(join(HERE, 'sim-proc.mjs'));
  ctx.sink = await startHelper(join(HERE, 'hec-sink.mjs'), { env: { BENCH_HEC_TOKEN: HEC_TOKEN }, onMessage: (msg) => msg.type === 'count' && ctx.onCount?.(msg.count) });

  const results = {};
  try {
    if (opts.profile) {
      const dir = join(HERE, 'results', 'profiles');
      mkdirSync(dir, { recursive: true });
      const before = new Set(readdirSync(dir));
      log('profiling the Redis bridge under the firehose (--cpu-prof)…');
      results.redis = { throughput: await throughput(realVariant('redis'), { cpuProf: dir }) };
      const written = readdirSync(dir).filter((f) => f.endsWith('.cpuprofile') && !before.has(f));
      const { eventsPerSec, deliveredInAll } = results.redis.throughput;
      log(`throughput while profiled: ${eventsPerSec} events/s; ${deliveredInAll} events delivered by the profiled process in all`);
      for (const file of written) {
        const path = join(dir, file);
        console.log(`profile: ${path} (${deliveredInAll} events)`);
        const { summarize, formatTop } = await import('./profile-top.mjs');
        console.log(formatTop(summarize(JSON.parse(readFileSync(path, 'utf8'))), 25, deliveredInAll));
      }
      if (written.length === 0) log('no .cpuprofile was written (did the bridge exit cleanly?)');
      return;
    }

    const wanted = new Set((opts.only ?? 'redis,embedded,naive').split(','));
    const variants = [];
    if (wanted.has('redis')) variants.push(realVariant('redis'));
    if (wanted.has('embedded')) {
      if (embeddedAvailable()) variants.push(realVariant('embedded'));
      else log('the embedded store is not in this build (the config does not take store.path): skipped');
    }
    if (wanted.has('naive')) variants.push(naiveVariant);
    const phases = (opts.phases ?? 'throughput,latency,firehose,idle,replay').split(',');

    for (const variant of variants) {
      results[variant.key] = {};
      for (const phase of phases) {
        if (!PHASES[phase]) throw new Error(`unknown phase ${phase}`);
        log(`${variant.name}: ${phase}…`);
        try {
          results[variant.key][phase] = await PHASES[phase](variant);
          log(`${variant.name}: ${phase}: ${JSON.stringify(results[variant.key][phase])}`);
        } catch (error) {
          results[variant.key][phase] = { error: error.message };
          log(`${variant.name}: ${phase} FAILED: ${error.message}`);
        }
      }
    }

    const text = table(results, variants, m);
    const verdict = verdicts(results);
    console.log(`\n${text}\n`);
    console.log(
      `Targets (Redis bridge): ${Object.entries(verdict)
        .map(([k, ok]) => `${TARGETS[k].label} ${ok === null ? 'n/a' : ok ? 'met' : 'NOT met'}`)
        .join('; ')}`,
    );
    const out = opts.out ?? join(HERE, 'results', 'latest.json');
    mkdirSync(join(out, '..'), { recursive: true });
    const json = {
      startedAt: new Date(Date.now() - (performance.now() - started)).toISOString(),
      durationS: round((performance.now() - started) / 1000, 1),
      machine: m,
      placement:
        'separate processes, not pinned: bench/run.mjs (orchestrator, IPC and /proc sampling only), bench/sim-proc.mjs (simulator), bench/hec-sink.mjs (HEC sink), the bridge under test, and redis-server; cpuPercent is % of one core per process during the throughput window',
      parameters: { ...P, cli: CLI, shippedNodeArgs: SHIPPED_NODE_ARGS, bridgeNodeArgs: BRIDGE_NODE_ARGS, latencyRate: LATENCY_RATE, trickleRate: TRICKLE_RATE, replayEvents: REPLAY_EVENTS, idleSubscriptions: IDLE_SUBSCRIPTIONS, hecBatchMaxDelay: '10ms' },
      results,
      ratios: Object.fromEntries(
        variants
          .filter((v) => v.real && results.naive)
          .map((v) => [
            `${v.key}/naive`,
            {
              eventsPerSec: ratio(results[v.key].throughput?.eventsPerSec, results.naive.throughput?.eventsPerSec, 2),
              p50Ms: ratio(results[v.key].latency?.p50Ms, results.naive.latency?.p50Ms, 2),
              p99Ms: ratio(results[v.key].latency?.p99Ms, results.naive.latency?.p99Ms, 2),
              firehosePeakRssMb: ratio(results[v.key].firehose?.peakRssMb, results.naive.firehose?.peakRssMb, 2),
              idleRssMb: ratio(results[v.key].idle?.rssMb, results.naive.idle?.rssMb, 2),
              replaySeconds: ratio(results[v.key].replay?.projectedSeconds, results.naive.replay?.projectedSeconds, 3),
            },
          ]),
      ),
      targets: Object.fromEntries(Object.entries(TARGETS).map(([k, t]) => [k, { ...t, met: verdict[k] ?? null }])),
      table: text,
    };
    writeFileSync(out, `${JSON.stringify(json, null, 2)}\n`);
    log(`wrote ${out} (${json.durationS} s in all)`);
  } finally {
    await ctx.sim.close();
    await ctx.sink.close();
    await cleanupRedis();
    rmSync(tmp, { recursive: true, force: true });
  }
}

const guard = setTimeout(() => {
  log('the benchmark ran over 15 minutes: giving up');
  process.exit(1);
}, 15 * 60_000);
guard.unref();

main().then(
  () => process.exit(0),
  (error) => {
    log(`failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
