import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../src/bridge.js';
import { parseConfig } from '../src/config/load.js';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { createLogger } from '../src/observability/logger.js';
import { ScansApiError, ScansAuthError, ScansClient, ScansNotFoundError } from '../src/scans/scans-client.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore } from '../src/store/redis/redis-store.js';
import { runCli, waitFor, writeConfig } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { everythingToHecYaml } from './helpers/config-yaml.js';

const API_KEY = 'backfill-test-key-7f3a';
const HEC_TOKEN = 'backfill-test-hec';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/** A Scans API stand-in whose answers the test scripts, recording each request. */
async function scriptedApi(answer: (req: IncomingMessage, res: ServerResponse, n: number) => void): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.url} ${req.headers.authorization ?? ''}`);
    answer(req, res, requests.length);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(
    () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const client = (url: string, extra: Partial<ConstructorParameters<typeof ScansClient>[0]> = {}) =>
  new ScansClient({ baseUrl: url, apiKey: API_KEY, auth: 'header', backoff: { initialDelayMs: 10, maxDelayMs: 20 }, ...extra });
const all = async <T>(items: AsyncIterable<T>): Promise<T[]> => {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
};

describe('Scans API client (the SDK error model)', () => {
  it('reads every page, keeping an on-prem base URL\'s path, with the key as a Bearer header', async () => {
    const api = await scriptedApi((req, res) => {
      const page = Number(new URL(req.url!, 'http://x').searchParams.get('page'));
      json(res, 200, { data: [{ scan_id: `sc-${page}`, status: 'completed' }], meta: { total: 3, page, per_page: 1, last_page: 3 } });
    });
    const scans = await all(client(`${api.url}/s4e/`).listScans({ status: 'completed', from: new Date(0) }));
    expect(scans.map((s) => s.scan_id)).toEqual(['sc-1', 'sc-2', 'sc-3']);
    expect(api.requests[0]).toMatch(/^\/s4e\/api\/scans\?status=completed&from=1970-01-01T00%3A00%3A00\.000Z&page=1&per_page=100 Bearer backfill-test-key-7f3a$/);
  });

  it('fails at once on 401/403, retries 5xx 3 times, and honours 429 retry-after', async () => {
    const denied = await scriptedApi((_req, res) => json(res, 403, { error: 'forbidden', message: 'nope' }));
    await expect(client(denied.url).scan('sc-1')).rejects.toBeInstanceOf(ScansAuthError);
    expect(denied.requests).toHaveLength(1);

    const broken = await scriptedApi((_req, res) => json(res, 503, { message: 'down' }));
    await expect(client(broken.url).scan('sc-1')).rejects.toThrow(/HTTP 503: down \(after 3 retries\)/);
    expect(broken.requests).toHaveLength(4);

    const missing = await scriptedApi((_req, res) => json(res, 404, {}));
    await expect(client(missing.url).scan('sc-9')).rejects.toBeInstanceOf(ScansNotFoundError);

    const limited = await scriptedApi((_req, res, n) => (n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { data: { scan_id: 'sc-1', status: 'running' } })));
    const started = Date.now();
    expect((await client(limited.url).scan('sc-1')).status).toBe('running');
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(limited.requests).toHaveLength(2);
  });

  it('gives a request up after its timeout, retrying like a 5xx', async () => {
    const silent = await scriptedApi(() => undefined); // never answers
    await expect(client(silent.url, { timeoutMs: 150, retries: 1 }).scan('sc-1')).rejects.toThrow(ScansApiError);
    expect(silent.requests).toHaveLength(2);
  });
});

/** A bridge in this process on a given key prefix, so a second one resumes the first one's state. */
async function bridgeOn(prefix: string, yaml: string): Promise<{ bridge: Bridge; logs: string[]; stop(): Promise<void> }> {
  const config = parseConfig(`${yaml}\nstore:\n  redis_url: ${REDIS_URL}\n  key_prefix: ${prefix}\n  consumer: backfill-test\n`, 'test.yaml', {});
  const logs: string[] = [];
  const logger = createLogger({ level: 'debug', secrets: config.secrets, destination: { write: (line: string) => void logs.push(line) } });
  const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'backfill-test', logger });
  const bridge = new Bridge({ config, store, logger });
  bridge.start();
  return {
    bridge,
    logs,
    async stop() {
      await bridge.stop(1_000);
      await store.close();
    },
  };
}

const yaml = (sim: Simulator, hec: HecReceiver) => `source:
  base_url: ${sim.url}
  api_key: ${API_KEY}
  heartbeat_timeout: 5s
  replay_window: 1500ms
  reconnect: { initial_delay: 50ms, max_delay: 300ms }
coordination: { lease: 3s }
backfill: { delay: 500ms }
server: { enabled: false }
subscriptions:
  - name: main
${everythingToHecYaml({ url: hec.url, token: HEC_TOKEN })}`;

describe('gap backfill', () => {
  it('after the bridge was down longer than the replay buffer, delivers the findings of scans finished meanwhile once, marked backfilled', { timeout: 60_000 }, async () => {
    const sim = await startSimulator({ apiKeys: [API_KEY], replayWindowMs: 1_500, heartbeatIntervalMs: 300 });
    const hec = await startHecReceiver({ token: HEC_TOKEN });
    const prefix = uniquePrefix('backfill');
    cleanup.push(() => sim.close(), () => hec.close(), () => deleteKeys(keyTag(prefix)));

    const first = await bridgeOn(prefix, yaml(sim, hec));
    await waitFor(() => sim.stats().connections === 1, 'the first bridge to connect');
    const before = sim.startScan({ findings: 3, queueMs: 0, durationMs: 400 });
    const findingsAt = (id: string) => sim.scans().find((s) => s.id === id)!.findings.map((f) => f.id);
    const atHec = (findingId: string) => hec.received().filter((e) => e.event.type === 'finding.new' && e.event.data.finding_id === findingId);
    await waitFor(() => sim.scans()[0]!.status === 'completed' && findingsAt(before).every((f) => atHec(f).length === 1), 'the first scan delivered live');
    await first.stop();

    // Down for 3.5 s, longer than the 1.5 s buffer: one scan runs and completes, one starts and runs on.
    const during = sim.startScan({ findings: 4, queueMs: 0, durationMs: 600 });
    const across = sim.startScan({ findings: 6, queueMs: 0, durationMs: 6_000 });
    await sleep(3_500);
    expect(sim.scans().find((s) => s.id === during)!.status).toBe('completed');
    const acrossBefore = findingsAt(across).length;
    expect(acrossBefore).toBeGreaterThan(0);

    const second = await bridgeOn(prefix, yaml(sim, hec));
    cleanup.push(() => second.stop());
    await waitFor(() => second.logs.some((l) => l.includes('gap backfill done')), 'the backfill', 20_000);
    await waitFor(() => sim.scans().find((s) => s.id === across)!.status === 'completed', 'the long scan to complete', 20_000);
    const everyFinding = sim.scans().flatMap((s) => s.findings.map((f) => f.id));
    await waitFor(() => everyFinding.every((f) => atHec(f).length >= 1), 'every finding at HEC', 20_000);
    await sleep(500);

    // Every finding of every scan exactly once, whatever way it came.
    for (const f of everyFinding) expect(atHec(f), f).toHaveLength(1);
    // Those of the scan that completed in the gap were backfilled, and so was its completion.
    for (const f of findingsAt(during)) expect(atHec(f)[0]!.event.data.backfilled).toBe(true);
    const completedDuring = hec.received().filter((e) => e.event.type === 'scan.completed' && e.event.data.scan_id === during);
    expect(completedDuring).toHaveLength(1);
    expect(completedDuring[0]!.event.data).toMatchObject({ backfilled: true, status: 'completed', finding_count: 4 });
    expect(completedDuring[0]!.event.subscription).toBe('_backfill');
    // Those delivered live before the gap were not repeated.
    for (const f of findingsAt(before)) expect(atHec(f)[0]!.event.data.backfilled).toBeUndefined();
    expect(second.logs.some((l) => l.includes('beyond the platform') && l.includes('replay buffer'))).toBe(true);
  });

  it('`s4e-bridge backfill --since` fills the outboxes with what was not delivered, with progress, and repeats nothing', { timeout: 60_000 }, async () => {
    const sim = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 0 });
    const prefix = uniquePrefix('backfill-cli');
    cleanup.push(() => sim.close(), () => deleteKeys(keyTag(prefix)));
    const ids = [sim.startScan({ findings: 2, queueMs: 0, durationMs: 0 }), sim.startScan({ findings: 3, queueMs: 0, durationMs: 0 })];
    await waitFor(() => sim.scans().every((s) => s.status === 'completed'), 'the scans to complete');
    const file = writeConfig(`source:
  base_url: ${sim.url}
  api_key: ${API_KEY}
store:
  redis_url: ${REDIS_URL}
  key_prefix: ${prefix}
subscriptions:
  - name: main
connectors:
  splunk: { type: splunk_hec, url: http://127.0.0.1:9, token: ${HEC_TOKEN} }
routes:
  - name: everything
    to: [splunk]
`);
    // The Scans API fails once: the retry's warning reads as a sentence among the progress, not a JSON log line.
    await fetch(`${sim.url}/_sim/fail`, { method: 'POST', body: JSON.stringify({ path_prefix: '/api/scans', status: 503 }) });
    const first = runCli(['backfill', '--config', file, '--since', '1h']);
    expect(await first.exited).toBe(0);
    expect(first.output.join('\n')).toMatch(/scans 2\/2, findings read 5, events emitted 7 \(status changes 0\), already delivered 0/);
    expect(first.output.join('\n')).not.toContain(API_KEY);
    expect(first.output).toContainEqual(expect.stringMatching(/^s4e-bridge: warning: Scans API server error: retrying \(url http:\/\/.*, status 503, attempt 1, delayMs \d+\)$/));
    expect(first.output.filter((l) => l.startsWith('{'))).toEqual([]);
    const redis = new Redis(REDIS_URL);
    cleanup.push(async () => redis.disconnect());
    expect(await redis.xlen(`${keyTag(prefix)}:outbox:splunk`)).toBe(7);

    const again = runCli(['backfill', '--config', file, '--since', '1h', '--json']);
    expect(await again.exited).toBe(0);
    expect(JSON.parse(again.output.at(-1)!)).toMatchObject({ scans: 2, findings: 5, emitted: 0, skipped: 7 });
    expect(await redis.xlen(`${keyTag(prefix)}:outbox:splunk`)).toBe(7);
    expect(ids).toHaveLength(2);
  });
});
