import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { startBridge, type BridgeHarness } from './helpers/bridge-harness.js';
import { waitFor } from './helpers/bridge-process.js';

const API_KEY = 'delivery-test-api-key';
const HEC_TOKEN = 'delivery-test-hec-token';

function yaml(simulator: Simulator, receiver: HecReceiver, token = HEC_TOKEN): string {
  return `source:
  base_url: ${simulator.url}
  api_key: ${API_KEY}
subscriptions:
  - name: findings
    events: [finding.new]
connectors:
  splunk:
    type: splunk_hec
    url: ${receiver.url}
    token: ${token}
    batch: { max_events: 50, max_delay: 10ms }
    delivery: { retry: { initial_delay: 20ms, max_delay: 100ms } }
routes:
  - name: findings-to-splunk
    match: { events: ["finding.*"] }
    to: [splunk]`;
}

describe('the bridge delivering to Splunk HEC', () => {
  let simulator: Simulator;
  let receiver: HecReceiver;
  let harness: BridgeHarness | undefined;

  afterEach(async () => {
    await harness?.stop();
    harness = undefined;
    await Promise.all([simulator?.close(), receiver?.close()]);
  });

  async function connected(token?: string): Promise<BridgeHarness> {
    simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    receiver = await startHecReceiver({ token: HEC_TOKEN });
    harness = await startBridge(yaml(simulator, receiver, token));
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    return harness;
  }

  it('retries through HEC "server busy" answers and then delivers every event once', async () => {
    await connected();
    receiver.failNext(3, { status: 503, body: '{"text":"Server is busy","code":9}' });
    const ids = simulator.generate(200, 'finding.new');
    await waitFor(() => receiver.eventCount >= ids.length, 'all events at HEC');
    const got = receiver.received().map((e) => e.event.id);
    expect(new Set(got)).toEqual(new Set(ids));
    expect(got).toHaveLength(ids.length);
    expect((await harness!.bridge.metrics.summary()).retried).toBeGreaterThanOrEqual(1);
  });

  it('dead-letters events HEC refuses for good (400 invalid-event-number), with the reason', async () => {
    const { store, logs } = await connected();
    receiver.failWhen(() => true);
    const ids = simulator.generate(5, 'finding.new');
    await waitFor(async () => (await store.deadLetters('splunk').count()) === ids.length, 'dead letters');
    const dead = await store.deadLetters('splunk').list(10);
    expect(dead.map((d) => d.envelope.id).sort()).toEqual([...ids].sort());
    expect(dead[0]).toMatchObject({ reason: expect.stringMatching(/^HEC 400 code 6: Invalid data format/) });
    expect(receiver.eventCount).toBe(0);
    expect(logs.join('\n')).not.toContain(HEC_TOKEN);
    expect(JSON.stringify(dead)).not.toContain(HEC_TOKEN);
  });

  it('keeps the events when HEC refuses the token (403): the connector is auth_failed, nothing dead-lettered', async () => {
    const { store, logs, bridge } = await connected('wrong-hec-token');
    const ids = simulator.generate(5, 'finding.new');
    await waitFor(() => bridge.authFailures().has('splunk'), 'auth_failed');
    await waitFor(async () => (await store.outbox('splunk').backlog()).count === ids.length, 'the events kept in the outbox');
    expect(bridge.authFailures().get('splunk')).toMatchObject({ reason: 'HEC 403 code 4: Invalid token' });
    expect(await store.deadLetters('splunk').count()).toBe(0);
    expect(receiver.eventCount).toBe(0);
    expect(logs.join('\n')).not.toContain('wrong-hec-token');
  });

  it('sets a malformed event aside with its reason and goes on with the stream', async () => {
    const { store } = await connected();
    const [bad] = simulator.inject([{ type: 'finding.new', data: 'this is not json' }]);
    const good = simulator.generate(3, 'finding.new');
    await waitFor(() => receiver.eventCount === good.length, 'the good events at HEC');
    const malformed = await store.malformed(10);
    expect(malformed).toEqual([expect.objectContaining({ id: bad, reason: expect.stringContaining('not JSON'), raw: 'this is not json' })]);
    expect((await harness!.bridge.metrics.summary()).malformed).toBe(1);
  });
});
