import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { startBridge, type BridgeHarness } from './helpers/bridge-harness.js';
import { waitFor } from './helpers/bridge-process.js';

const API_KEY = 'rules-test-api-key';
const HEC_TOKEN = 'rules-test-hec-token';

function yaml(simulator: Simulator, receiver: HecReceiver): string {
  const hec = (index: string) => `    type: splunk_hec
    url: ${receiver.url}
    token: ${HEC_TOKEN}
    index: ${index}
    sourcetype: "s4e:{{type}}"
    batch: { max_events: 50, max_delay: 10ms }`;
  return `source:
  base_url: ${simulator.url}
  api_key: ${API_KEY}
subscriptions:
  - name: findings
connectors:
  splunk:
${hec('main')}
  notable:
${hec('notable')}
severity_rules:
  - name: prod-up
    when: { asset_name: "*.prod.example.com" }
    raise: 1
routes:
  - name: siem
    to: [splunk]
  - name: staging-maintenance
    match: { asset_name: "*.staging.example.com" }
    drop: true
  - name: notables
    match: { min_severity: critical }
    to: [notable]
    dedupe: { key: "{{data.finding_id}}", window: 1h }`;
}

describe('the bridge applying rules and routes', () => {
  let simulator: Simulator;
  let receiver: HecReceiver;
  let harness: BridgeHarness | undefined;

  afterEach(async () => {
    await harness?.stop();
    await Promise.all([simulator?.close(), receiver?.close()]);
  });

  it('raises severities, silences, delivers a finding to a deduped route once, and its status change after it', async () => {
    simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    receiver = await startHecReceiver({ token: HEC_TOKEN });
    harness = await startBridge(yaml(simulator, receiver));
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    const prod = { id: 'a-1', name: 'api.prod.example.com' };
    simulator.inject([
      { type: 'finding.new', id: 'e1', data: { finding_id: 'f-1', title: 'SQL Injection', severity: 'high', asset: prod } },
      // Reported again: the dedupe keeps it from the notables.
      { type: 'finding.new', id: 'e2', data: { finding_id: 'f-1', title: 'SQL Injection', severity: 'high', asset: prod } },
      { type: 'finding.new', id: 'e3', data: { finding_id: 'f-2', title: 'XSS', severity: 'critical', asset: { name: 'db.staging.example.com' } } },
      { type: 'finding.new', id: 'e4', data: { finding_id: 'f-3', title: 'Odd', severity: 'weird' } },
      // As documented: ids and statuses only. It follows f-1 to the notables.
      { type: 'finding.status_changed', id: 'e5', data: { finding_id: 'f-1', old_status: 'open', new_status: 'resolved' } },
    ]);
    await waitFor(() => receiver.eventCount >= 7, 'the events at HEC');
    await new Promise((r) => setTimeout(r, 200)); // nothing more arrives
    const got = receiver.received().map((e) => [e.index, e.event.id, e.sourcetype]);
    expect(got.filter(([index]) => index === 'main').map(([, id]) => id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
    expect(got.filter(([index]) => index === 'notable')).toEqual([
      ['notable', 'e1', 's4e:finding.new'],
      ['notable', 'e5', 's4e:finding.status_changed'],
    ]);
    expect(receiver.received().find((e) => e.event.id === 'e1')?.event).toMatchObject({ severity: 'critical', original_severity: 'high', rules_fired: ['prod-up'] });
    expect(receiver.received().find((e) => e.event.id === 'e5')?.event).toMatchObject({
      severity: 'critical',
      original_severity: 'high',
      enriched: true,
      asset: prod,
      data: { finding_id: 'f-1', old_status: 'open', new_status: 'resolved', title: 'SQL Injection', severity: 'high', asset: prod },
    });
    expect(harness.logs.filter((l) => l.includes('unknown severity'))).toHaveLength(1);
  });
});
