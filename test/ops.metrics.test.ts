import { describe, expect, it } from 'vitest';
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
