import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { BatchHistogram } from '../src/observability/batch-histogram.js';
import { BridgeMetrics } from '../src/observability/metrics.js';
import type { Envelope } from '../src/pipeline/envelope.js';
import type { Store } from '../src/store/types.js';
import { parsePrometheus, sampleValue } from './ops.helpers.js';

const event = (type: string, severity: string | undefined, receivedAt = 1_000): Envelope => ({
  id: `${type}-${receivedAt}`,
  type,
  data: {},
  subscription: 's1',
  receivedAt,
  ...(severity !== undefined && { severity }),
});

describe('the metrics of an ingested batch', () => {
  // Counted once per label set: the totals must be those of one inc per event.
  it('counts events by type and severity, and matches by route', async () => {
    const metrics = new BridgeMetrics({ store: {} as Store, subscriptions: ['s1'], connectors: [], processMetrics: false });
    metrics.received('s1', [event('finding.new', 'high'), event('finding.new', 'high'), event('finding.new', undefined), event('scan.created', 'bogus'), event('finding.new', 'low')]);
    metrics.received('s1', [event('finding.new', 'high')]);
    metrics.routed(['findings', 'all', 'findings']);
    metrics.routed([]);
    const samples = parsePrometheus(await metrics.registry.metrics());
    const received = (type: string, severity: string) => sampleValue(samples, 's4e_bridge_events_received_total', { subscription: 's1', type, severity });
    expect([received('finding.new', 'high'), received('finding.new', 'none'), received('finding.new', 'low'), received('scan.created', 'other')]).toEqual([3, 1, 1, 1]);
    expect(sampleValue(samples, 's4e_bridge_events_routed_total', { route: 'findings' })).toBe(2);
    expect(sampleValue(samples, 's4e_bridge_events_routed_total', { route: 'all' })).toBe(1);
    expect((await metrics.summary()).received).toBe(6);
  });

  it('keeps the last heartbeat of a batch', async () => {
    const metrics = new BridgeMetrics({ store: {} as Store, subscriptions: ['s1'], connectors: [], processMetrics: false });
    const now = Date.now();
    metrics.received('s1', [event('heartbeat', undefined, now - 60_000), event('finding.new', 'high', now), event('heartbeat', undefined, now - 10_000)]);
    const age = sampleValue(parsePrometheus(await metrics.registry.metrics()), 's4e_bridge_heartbeat_age_seconds', { subscription: 's1' });
    expect(age).toBeGreaterThanOrEqual(10);
    expect(age).toBeLessThan(30);
  });
});

describe('a histogram observed a batch at a time', () => {
  it("exposes what prom-client's Histogram does for the same values", async () => {
    const buckets = [0.05, 0.1, 0.25, 1, 60];
    const [ours, theirs] = [new Registry(), new Registry()];
    const batched = new BatchHistogram('latency_seconds', 'Latency.', 'connector', buckets, ours);
    const reference = new Histogram({ name: 'latency_seconds', help: 'Latency.', labelNames: ['connector'], buckets, registers: [theirs] });
    const batches: [string, number[]][] = [
      ['splunk', [0, 0.05, 0.0500001, 0.1, 0.3, 61, 0.07]],
      ['jira "x"', [1, 59.99, 3600]],
      ['splunk', []],
      ['splunk', [0.01, 0.02]],
      ['slack', []],
    ];
    for (const [connector, values] of batches) {
      batched.observe(connector, values);
      for (const value of values) reference.observe({ connector }, value);
    }
    expect(await ours.metrics()).toBe(await theirs.metrics());
    // prom-client's own samples also carry `exemplar: null`.
    expect(await ours.getMetricsAsJSON()).toEqual((await theirs.getMetricsAsJSON()).map((m) => ({ ...m, values: m.values.map((v) => ({ ...v, exemplar: undefined })) })));
    batched.reset();
    reference.reset();
    expect(await ours.metrics()).toBe(await theirs.metrics());
  });
});
