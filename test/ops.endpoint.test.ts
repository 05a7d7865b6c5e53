import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { startSimulator } from '../src/simulator/index.js';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { endpointOf, expectNoSecrets, get, metrics, opsConfig, sampleValue, startRedisProxy } from './ops.helpers.js';

const API_KEY = 'ops-endpoint-api-key-5a1c';
const HEC_TOKEN = 'ops-endpoint-hec-token-77d2';

describe('the operations endpoint of a running bridge', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  /** Everything the bridges wrote and the endpoint served, searched for secrets at the end. */
  let seen: (readonly string[])[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
    expectNoSecrets(seen.flat(), [API_KEY, HEC_TOKEN]);
    seen = [];
  });

  async function setup(options: { apiKey?: string; redisUrl?: string } = {}) {
    const prefix = uniquePrefix('ops-endpoint');
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 500 });
    const receiver = await startHecReceiver({ token: HEC_TOKEN });
    cleanup.push(() => simulator.close(), () => receiver.close(), () => deleteKeys(prefix));
    // Query auth and debug logs: the key is in the stream URL of logged lines, to be masked.
    const yaml = opsConfig({
      simulatorUrl: simulator.url,
      apiKey: options.apiKey ?? API_KEY,
      auth: 'query',
      hecUrl: receiver.url,
      hecToken: HEC_TOKEN,
      prefix,
      ...(options.redisUrl && { redisUrl: options.redisUrl }),
      log: 'log: { level: debug }',
    });
    const bridge = start(writeConfig(yaml));
    const endpoint = await endpointOf(bridge);
    const fetchText = async (path: string) => {
      const answer = await get(`${endpoint}${path}`);
      seen.push([answer.body]);
      return answer;
    };
    return { simulator, receiver, bridge, endpoint, fetchText };
  }

  function start(file: string, env: NodeJS.ProcessEnv = {}): BridgeProcess {
    const bridge = runCli(['run', '--config', file], env);
    seen.push(bridge.output);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
    });
    return bridge;
  }

  it('serves /healthz, /status and Prometheus /metrics whose counters move with deliveries', async () => {
    const { simulator, receiver, endpoint, fetchText } = await setup();
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    expect(await fetchText('/healthz')).toMatchObject({ status: 200, body: 'ok\n' });
    await waitFor(async () => (await fetchText('/readyz')).status === 200, '/readyz 200');

    const before = await metrics(endpoint);
    expect(sampleValue(before, 's4e_bridge_deliveries_total', { connector: 'splunk', outcome: 'delivered' }) ?? 0).toBe(0);
    const ids = simulator.generate(120, 'finding.new');
    await waitFor(() => receiver.eventCount >= ids.length, 'the events at HEC');
    // The bridge counts an event once it has acked it in the store, just after HEC answered.
    const delivered = async () => sampleValue(await metrics(endpoint), 's4e_bridge_deliveries_total', { connector: 'splunk', outcome: 'delivered' })!;
    await waitFor(async () => (await delivered()) >= ids.length, 'the delivered counter to reach the events at HEC');

    const after = await metrics(endpoint);
    expect(sampleValue(after, 's4e_bridge_events_received_total', { subscription: 'all', type: 'finding.new' })).toBe(ids.length);
    expect(sampleValue(after, 's4e_bridge_events_routed_total', { route: 'everything' })).toBeGreaterThanOrEqual(ids.length);
    expect(sampleValue(after, 's4e_bridge_delivery_latency_seconds_count', { connector: 'splunk' })).toBeGreaterThanOrEqual(ids.length);
    expect(sampleValue(after, 's4e_bridge_subscription_state', { subscription: 'all', state: 'connected' })).toBe(1);
    expect(sampleValue(after, 's4e_bridge_circuit_state', { connector: 'splunk', state: 'closed' })).toBe(1);
    expect(sampleValue(after, 's4e_bridge_connector_auth_failed', { connector: 'splunk' })).toBe(0);
    expect(sampleValue(after, 's4e_bridge_store_up')).toBe(1);
    expect(sampleValue(after, 's4e_bridge_dead_letters', { connector: 'splunk' })).toBe(0);
    expect(sampleValue(after, 's4e_bridge_outbox_backlog', { connector: 'splunk' })).toBeGreaterThanOrEqual(0);
    expect(sampleValue(after, 's4e_bridge_checkpoint_age_seconds', { subscription: 'all' })).toBeLessThan(60);
    await waitFor(async () => sampleValue(await metrics(endpoint), 's4e_bridge_heartbeat_age_seconds', { subscription: 'all' }) !== undefined, 'a heartbeat');
    expect(sampleValue(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);

    const status = JSON.parse((await fetchText('/status')).body);
    expect(status).toEqual({
      subscriptions: { all: { state: 'connected' } },
      circuits: { splunk: 'closed' },
      authFailures: {},
      readiness: { ready: true, problems: [] },
      store: {
        subscriptions: [{ name: 'all', checkpoint: { id: expect.any(String), at: expect.any(Number) } }],
        connectors: [{ name: 'splunk', backlog: { count: expect.any(Number), oldestAgeMs: expect.any(Number) }, deadLetters: 0 }],
        gaps: [],
      },
    });
    expect((await fetchText('/nope')).status).toBe(404);
  });

  it('/readyz turns 503 when Redis goes away, says so, and turns 200 again when it is back', async () => {
    const proxy = await startRedisProxy(REDIS_URL);
    cleanup.push(() => proxy.close());
    const { simulator, endpoint, fetchText } = await setup({ redisUrl: proxy.url });
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    await waitFor(async () => (await fetchText('/readyz')).status === 200, '/readyz 200');

    await proxy.cut();
    await waitFor(async () => (await fetchText('/readyz')).status === 503, '/readyz 503');
    expect((await fetchText('/readyz')).body).toMatch(/^not ready:\n- store: Redis/);
    expect((await fetchText('/healthz')).status).toBe(200);
    const down = await metrics(endpoint);
    expect(sampleValue(down, 's4e_bridge_store_up')).toBe(0);
    expect(sampleValue(down, 's4e_bridge_outbox_backlog')).toBeUndefined();

    await proxy.restore();
    await waitFor(async () => (await fetchText('/readyz')).status === 200, '/readyz 200 again', 15_000);
  });

  it('fails the start, exit 1, when its port is taken', async () => {
    const { endpoint } = await setup();
    const port = new URL(endpoint).port;
    const simulatorUrl = 'http://127.0.0.1:9';
    const yaml = opsConfig({ simulatorUrl, apiKey: API_KEY, hecUrl: simulatorUrl, hecToken: HEC_TOKEN, prefix: uniquePrefix('ops-port'), server: `server:\n  listen: 127.0.0.1:${port}` });
    const second = runCli(['run', '--config', writeConfig(yaml)]);
    expect(await second.exited).toBe(1);
    expect(second.output).toContainEqual(`s4e-bridge: cannot listen on 127.0.0.1:${port} for the operations endpoint (server.listen): EADDRINUSE`);
    seen.push(second.output);
  });

  it('listens where S4E_BRIDGE_LISTEN says (the image sets the container\'s address), over server.listen', async () => {
    const simulatorUrl = 'http://127.0.0.1:9';
    // server.listen on a privileged port would fail the start: the variable wins.
    const yaml = opsConfig({ simulatorUrl, apiKey: API_KEY, hecUrl: simulatorUrl, hecToken: HEC_TOKEN, prefix: uniquePrefix('ops-listen'), server: 'server:\n  listen: 127.0.0.1:1' });
    const bridge = start(writeConfig(yaml), { S4E_BRIDGE_LISTEN: '127.0.0.1:0' });
    const endpoint = await endpointOf(bridge);
    expect(endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await get(`${endpoint}/healthz`)).status).toBe(200);
  });

  it('/readyz and /healthz turn 503 when the platform rejects the API key (401), naming the subscription', async () => {
    const { endpoint, fetchText, bridge } = await setup({ apiKey: 'ops-endpoint-wrong-key-9f3e' });
    await waitFor(async () => (await fetchText('/readyz')).status === 503, '/readyz 503');
    const { body } = await fetchText('/readyz');
    expect(body).toContain('- subscription all: API key rejected (HTTP 401)');
    // Its only subscription refused for good: not alive either, so the container shows unhealthy.
    expect(await fetchText('/healthz')).toMatchObject({ status: 503, body: expect.stringContaining('- subscriptions: every subscription was stopped by the platform: API key rejected (HTTP 401)') });
    expect(sampleValue(await metrics(endpoint), 's4e_bridge_subscription_state', { subscription: 'all', state: 'stopped' })).toBe(1);
    expect(bridge.output.filter((l) => l.includes('API key rejected'))).toHaveLength(1);
    expectNoSecrets([...bridge.output, body], ['ops-endpoint-wrong-key-9f3e']);
  });
});
