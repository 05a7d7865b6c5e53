import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import type { ConnectorPlugin } from '../connectors/types.js';
import { ConfigError } from '../src/config/errors.js';
import { parseConfig } from '../src/config/load.js';

// A connector type with delivery defaults, as Slack has, beside the real ones.
vi.mock('../connectors/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../connectors/index.js')>();
  const limited: ConnectorPlugin = {
    type: 'limited',
    options: z.strictObject({}),
    batchDefaults: { maxEvents: 1, maxBytes: 1_000, maxDelayMs: 0 },
    deliveryDefaults: { rateLimit: { max: 1, perMs: 1_000 }, concurrency: 1 },
    secrets: () => [],
    create: () => {
      throw new Error('not in this test');
    },
  };
  const plugins = [...original.connectorPlugins, limited];
  return { connectorPlugins: plugins, findPlugin: (type: string) => plugins.find((p) => p.type === type) };
});

function connector(type: 'splunk_hec' | 'limited', delivery = '') {
  const options = type === 'splunk_hec' ? '    url: https://splunk.example.com:8088\n    token: t0ken\n' : '';
  const yaml = `source: { base_url: https://api.s4e.io, api_key: k3y }
subscriptions: [{ name: all }]
connectors:
  c:
    type: ${type}
${options}${delivery ? `    delivery: ${delivery}\n` : ''}routes: [{ name: r, to: [c] }]
`;
  return parseConfig(yaml, 'bridge.yaml', {}).connectors[0]!;
}

function issuesOf(type: 'splunk_hec' | 'limited', delivery: string) {
  try {
    connector(type, delivery);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  throw new Error('expected the config to be rejected');
}

describe('delivery policy config', () => {
  it('gives every connector a circuit breaker (5 failures, 30 s; refused credentials probed every minute) and no rate limit by default', () => {
    const { delivery } = connector('splunk_hec');
    expect(delivery.circuit).toEqual({ failureThreshold: 5, openForMs: 30_000, authRetryMs: 60_000 });
    expect(delivery.rateLimit).toBeUndefined();
    expect(delivery.concurrency).toBe(2);
  });

  it('reads rate_limit, circuit and auth_retry under delivery', () => {
    const { delivery } = connector('splunk_hec', '{ rate_limit: { max: 20, per: 1s }, circuit: { failure_threshold: 3, open_for: 2m }, auth_retry: 5m }');
    expect(delivery.rateLimit).toEqual({ max: 20, perMs: 1_000 });
    expect(delivery.circuit).toEqual({ failureThreshold: 3, openForMs: 120_000, authRetryMs: 300_000 });
  });

  it("applies the connector type's delivery defaults unless the config sets them", () => {
    expect(connector('limited').delivery).toMatchObject({ rateLimit: { max: 1, perMs: 1_000 }, concurrency: 1 });
    expect(connector('limited', '{ concurrency: 4, rate_limit: { max: 5, per: 10s } }').delivery).toMatchObject({
      rateLimit: { max: 5, perMs: 10_000 },
      concurrency: 4,
    });
  });

  it('rejects a rate limit over no time, a zero threshold and unknown keys', () => {
    expect(issuesOf('splunk_hec', '{ rate_limit: { max: 5, per: 0 } }')).toEqual(['connectors.c.delivery.rate_limit.per: a duration above 0']);
    expect(issuesOf('splunk_hec', '{ circuit: { failure_threshold: 0 } }')).toEqual([
      expect.stringMatching(/^connectors\.c\.delivery\.circuit\.failure_threshold: /),
    ]);
    expect(issuesOf('splunk_hec', '{ circuit: { open: 1m } }')).toEqual(['connectors.c.delivery.circuit.open: unknown key "open"']);
  });
});
