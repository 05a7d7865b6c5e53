// Ingest throughput of both stores, side by side: `npm run build && node bench/store-throughput.mjs`.
//
// Each run ingests batches of 100 and of 1,000 events (one outbox; ~450-byte envelopes, the
// size of a typical finding) into a fresh store and reports events/s. Both make each batch
// durable before the next: the embedded store fsyncs it (LevelDB, sync), Redis has run its
// Lua script (its own persistence settings decide the rest; the test server keeps nothing).
// Redis is skipped when none answers at REDIS_URL (default redis://127.0.0.1:6379).
//
// Options: --events N (per batch size, default 50,000)
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { createEmbeddedStore } from '../dist/src/store/embedded/embedded-store.js';
import { redisAnswers } from '../dist/src/store/redis/probe.js';
import { createRedisStore } from '../dist/src/store/redis/redis-store.js';

const { values } = parseArgs({ options: { events: { type: 'string', default: '50000' } } });
const EVENTS = Number(values.events);
const BATCH_SIZES = [100, 1_000];
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A store to measure: made fresh per batch size, removed after. */
const stores = [
  {
    name: 'embedded (LevelDB)',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 's4e-bench-store-'));
      const store = await createEmbeddedStore({ path: dir });
      return { store, remove: () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 'redis',
    skip: !(await redisAnswers(REDIS_URL)) && `no Redis answers at ${REDIS_URL}`,
    async open() {
      const prefix = `s4e-bench-store-${process.pid}-${Date.now()}`;
      const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix });
      return { store, remove: () => deleteKeys(`{${prefix}}:*`) };
    },
  },
];

function envelope(n) {
  return {
    id: `evt-${n}`,
    type: 'finding.new',
    data: { finding_id: `f-${n}`, title: 'TLS certificate expires in 7 days', description: 'The certificate of example.com expires soon.', score: 7.5, tags: ['tls', 'expiry'] },
    severity: 'high',
    asset: { id: 'a-1', name: 'example.com' },
    subscription: 'findings',
    receivedAt: Date.now(),
  };
}

async function measure(store, batchSize) {
  await store.ingest('warm-up', [{ kind: 'event', envelope: envelope(-1), connectors: ['splunk'] }]);
  const started = performance.now();
  for (let first = 0; first < EVENTS; first += batchSize) {
    const items = Array.from({ length: batchSize }, (_, i) => ({ kind: 'event', envelope: envelope(first + i), connectors: ['splunk'] }));
    await store.ingest('findings', items);
  }
  return EVENTS / ((performance.now() - started) / 1000);
}

async function deleteKeys(pattern) {
  const redis = new Redis(REDIS_URL);
  for (let cursor = '0'; ; ) {
    const [next, keys] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
    if (cursor === '0') break;
  }
  redis.disconnect();
}

console.log(`ingest throughput, ${EVENTS.toLocaleString('en')} events per batch size, events/s`);
console.log(['store'.padEnd(20), ...BATCH_SIZES.map((size) => `batch ${size}`.padStart(12))].join(''));
for (const { name, skip, open } of stores) {
  if (skip) {
    console.log(`${name.padEnd(20)}skipped: ${skip}`);
    continue;
  }
  const rates = [];
  for (const size of BATCH_SIZES) {
    const { store, remove } = await open();
    try {
      rates.push(await measure(store, size));
    } finally {
      await store.close();
      await remove();
    }
  }
  console.log([name.padEnd(20), ...rates.map((rate) => Math.round(rate).toLocaleString('en').padStart(12))].join(''));
}
