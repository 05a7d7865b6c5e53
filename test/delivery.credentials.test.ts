import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { startSlackReceiver } from '../src/demo/slack-receiver.js';
import { startSimulator } from '../src/simulator/index.js';
import { runCli, waitFor, writeConfig } from './helpers/bridge-process.js';
import { endpointOf, expectNoSecrets, get, metrics, sampleValue } from './ops.helpers.js';

const API_KEY = 'credentials-api-key-0c4d';
const OLD_TOKEN = 'hec-token-before-rotation-71e2';
const NEW_TOKEN = 'hec-token-after-rotation-3b95';

describe('a destination credential that is rotated or wrong', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it('pauses the connector as auth_failed (metric, /readyz, one log line), keeps its events while the others deliver, and resumes on SIGHUP with the token file updated', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-credentials-'));
    const tokenFile = join(dir, 'hec_token');
    writeFileSync(tokenFile, `${OLD_TOKEN}\n`);
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    const hec = await startHecReceiver({ token: NEW_TOKEN });
    const slack = await startSlackReceiver();
    cleanup.push(() => simulator.close(), () => hec.close(), () => slack.close(), async () => rmSync(dir, { recursive: true, force: true }));
    const config = writeConfig(`source:
  base_url: ${simulator.url}
  api_key: ${API_KEY}
  reconnect: { initial_delay: 100ms, max_delay: 1s }
store:
  path: ${join(dir, 'data')}
connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: \${file:${tokenFile}}
    batch: { max_events: 10, max_delay: 10ms }
    delivery: { auth_retry: 10m }
  chat:
    type: slack
    webhook_url: ${slack.url}
    delivery: { rate_limit: { max: 100, per: 1s } }
routes:
  - name: everything
    to: [splunk]
  - name: criticals
    match: { events: [finding.new] }
    to: [chat]
server:
  listen: 127.0.0.1:0
`);
    const bridge = runCli(['run', '--config', config]);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
    });
    const endpoint = await endpointOf(bridge);
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    const ids = simulator.generate(25, 'finding.new');

    const lines = () => bridge.output.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor(() => lines().some((l) => String(l.msg).startsWith('the destination refuses the credentials')), 'the auth_failed line');
    const backlog = async () => sampleValue(await metrics(endpoint), 's4e_bridge_outbox_backlog', { connector: 'splunk' });
    await waitFor(async () => (await backlog()) === ids.length, 'every event kept');
    const paused = await metrics(endpoint);
    expect(sampleValue(paused, 's4e_bridge_connector_auth_failed', { connector: 'splunk' })).toBe(1);
    expect(sampleValue(paused, 's4e_bridge_connector_auth_failed', { connector: 'chat' })).toBe(0);
    expect(sampleValue(paused, 's4e_bridge_dead_letters', { connector: 'splunk' })).toBe(0);
    const ready = await get(`${endpoint}/readyz`);
    expect(ready.status).toBe(503);
    expect(ready.body).toMatch(/^- connector splunk: auth_failed since .+: HEC 403 code 4: Invalid token/m);
    // The other connector is not held up.
    await waitFor(() => slack.messages().length === ids.length, 'the Slack messages');

    writeFileSync(tokenFile, `${NEW_TOKEN}\n`);
    bridge.child.kill('SIGHUP');
    // auth_retry is 10 minutes: only the reload can resume it this soon.
    await waitFor(() => ids.every((id) => hec.received().some((e) => e.event.id === id)), 'every kept event at HEC');
    await waitFor(async () => (await get(`${endpoint}/readyz`)).status === 200, '/readyz 200 again');
    const resumed = await metrics(endpoint);
    expect(sampleValue(resumed, 's4e_bridge_connector_auth_failed', { connector: 'splunk' })).toBe(0);
    expect(sampleValue(resumed, 's4e_bridge_dead_letters', { connector: 'splunk' })).toBe(0);

    const msgs = lines().map((l) => String(l.msg));
    expect(msgs.filter((m) => m.startsWith('the destination refuses the credentials'))).toHaveLength(1);
    expect(msgs.filter((m) => m === 'credentials accepted again: connector resumed')).toHaveLength(1);
    expect(msgs.filter((m) => m.includes('dead-lettered'))).toEqual([]);
    expect(lines()).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^config reloaded/), connectorsRebuilt: ['splunk'] }));
    expectNoSecrets(bridge.output, [OLD_TOKEN, NEW_TOKEN, API_KEY]);
  });
});
