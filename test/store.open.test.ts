import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../src/config/load.js';
import { silentLogger } from '../src/observability/logger.js';
import { EmbeddedStore } from '../src/store/embedded/embedded-store.js';
import { openStore } from '../src/store/open.js';
import { RedisStore } from '../src/store/redis/redis-store.js';
import { REDIS_URL } from './helpers/redis.js';

const base = `source: { base_url: https://api.s4e.io, api_key: k }
subscriptions: [{ name: findings }]
connectors: { splunk: { type: splunk_hec, url: https://splunk.example.com:8088, token: t } }
routes: [{ name: all, to: [splunk] }]
`;
const storeOf = (store: string) => parseConfig(`${base}${store}`, 'bridge.yaml', {}).store;

describe('store config', () => {
  it('defaults to the embedded store at ./data, without a cap', () => {
    expect(storeOf('')).toMatchObject({ redisUrl: undefined, path: './data', maxBacklog: undefined });
  });

  it('reads max_backlog as a count of events or a size with its unit', () => {
    expect(storeOf('store: { max_backlog: 100000 }').maxBacklog).toEqual({ unit: 'events', max: 100_000 });
    expect(storeOf('store: { path: /var/lib/s4e-bridge, max_backlog: 500MB }')).toMatchObject({ path: '/var/lib/s4e-bridge', maxBacklog: { unit: 'bytes', max: 500e6 } });
    expect(() => storeOf('store: { max_backlog: "500" }')).toThrow(/not a backlog cap/);
  });

  it('remembers findings for 90 days, at most 200,000, unless findings: says otherwise', () => {
    expect(storeOf('').findings).toEqual({ retentionMs: 90 * 86_400_000, maxFindings: 200_000 });
    expect(storeOf('findings: { retention: 30d, max_findings: 5000 }').findings).toEqual({ retentionMs: 30 * 86_400_000, maxFindings: 5_000 });
    expect(() => storeOf('findings: { retention: 10s }')).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'findings.retention', line: 5, message: 'at least 1m' })] }),
    );
  });

  it('refuses redis_url together with the embedded store keys', () => {
    expect(() => storeOf('store: { redis_url: "redis://127.0.0.1:6379", path: ./data }')).toThrow(
      expect.objectContaining({ issues: [expect.objectContaining({ path: 'store.redis_url', message: expect.stringMatching(/set one or the other/) })] }),
    );
  });
});

describe('openStore', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  it('opens the embedded store at store.path, Redis when store.redis_url is set', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-open-'));
    dirs.push(dir);
    const embedded = await openStore(storeOf(`store: { path: ${dir}, max_backlog: 10 }`), silentLogger);
    expect(embedded).toBeInstanceOf(EmbeddedStore);
    expect(embedded.backlogUsage?.().limit).toEqual({ unit: 'events', max: 10 });
    await embedded.close();
    const redis = await openStore(storeOf(`store: { redis_url: "${REDIS_URL}" }`), silentLogger);
    expect(redis).toBeInstanceOf(RedisStore);
    await redis.close();
  });
});
