import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { jiraOptions, jiraPlugin } from '../connectors/jira/index.js';
import { slackOptions, slackPlugin } from '../connectors/slack/index.js';
import { splunkHecOptions, splunkHecPlugin } from '../connectors/splunk-hec/index.js';
import type { Connector, ConnectorPlugin } from '../connectors/types.js';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startJiraReceiver } from '../src/demo/jira-receiver.js';
import { startSlackReceiver } from '../src/demo/slack-receiver.js';
import type { ProxySetting } from '../src/delivery/dispatcher.js';
import { parseConfig } from '../src/config/load.js';
import { silentLogger } from '../src/observability/logger.js';
import { startSimulator } from '../src/simulator/index.js';
import { envelope, envelopes, HEC_TOKEN, neverAborts } from './hec.helpers.js';
import { runCli, waitFor, writeConfig } from './helpers/bridge-process.js';
import { hasOpenssl, makeCertificates, type TestCertificates } from './helpers/certificates.js';
import { startConnectProxy, type ConnectProxy } from './helpers/connect-proxy.js';
import { MemoryState } from './helpers/memory-state.js';
import { expectNoSecrets } from './ops.helpers.js';

const PROXY_USER = 'egress-user';
const PROXY_PASSWORD = 'egress-pass-7c1e9a0b';
/** A host name no resolver knows: only the test proxy, which sends it to loopback, can reach it. */
const ONLY_THE_PROXY_KNOWS = 'splunk.corp.invalid';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function proxy(options: Parameters<typeof startConnectProxy>[0] = {}): Promise<ConnectProxy> {
  const p = await startConnectProxy(options);
  cleanup.push(() => p.close());
  return p;
}

async function hec(tls?: TestCertificates): Promise<HecReceiver> {
  const r = await startHecReceiver({ token: HEC_TOKEN, ...(tls && { tls: { key: tls.key, cert: tls.cert } }) });
  cleanup.push(() => r.close());
  return r;
}

/** A connector built as the bridge builds one, with the proxy setting the config resolved for it. */
function create<O>(plugin: ConnectorPlugin<O>, options: O, proxySetting: ProxySetting): Connector {
  const c = plugin.create(options, { name: plugin.type, logger: silentLogger, batch: plugin.batchDefaults, state: new MemoryState(), proxy: proxySetting });
  cleanup.push(() => c.close());
  return c;
}

const hecConnector = (url: string, proxySetting: ProxySetting, extra: Record<string, unknown> = {}) =>
  create(splunkHecPlugin, splunkHecOptions.parse({ url, token: HEC_TOKEN, ...extra }), proxySetting);

/** Sets environment variables for the length of one test. */
function withEnv(vars: Record<string, string>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]));
  Object.assign(process.env, vars);
  cleanup.push(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

const PROXY_ENV = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy'];
beforeAll(() => {
  // The suite decides what the environment says.
  for (const name of PROXY_ENV) delete process.env[name];
});

describe('egress proxy of the HTTP connectors', () => {
  it('HEC, Slack and Jira each go through their proxy, which sees every request', async () => {
    const p = await proxy();
    const splunk = await hec();
    const slack = await startSlackReceiver();
    const jira = await startJiraReceiver({ deployment: 'datacenter', token: 'dc-pat-proxy-test' });
    cleanup.push(() => slack.close(), () => jira.close());

    expect((await hecConnector(splunk.url, p.url).deliver(envelopes(3), neverAborts)).map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered']);
    const slackConnector = create(slackPlugin, slackOptions.parse({ webhook_url: slack.url }), p.url);
    expect(await slackConnector.deliver([envelope(1)], neverAborts)).toEqual([{ status: 'delivered' }]);
    const jiraConnector = create(jiraPlugin, jiraOptions.parse({ deployment: 'datacenter', url: jira.url, token: 'dc-pat-proxy-test', project: 'SEC' }), p.url);
    expect(await jiraConnector.deliver([envelope(1, { data: { finding_id: 'f-1', title: 'x' } })], neverAborts)).toEqual([{ status: 'delivered' }]);

    expect(splunk.eventCount).toBe(3);
    expect(slack.messages()).toHaveLength(1);
    expect(jira.issues()).toHaveLength(1);
    // One keep-alive tunnel per destination.
    expect(new Set(p.tunnels)).toEqual(new Set([splunk.url, slack.url, jira.url].map((u) => new URL(u).host)));
  });

  it('sends the credentials of the proxy URL; a wrong password is refused credentials (auth_failed) naming the 407, without the password', async () => {
    const p = await proxy({ credentials: `${PROXY_USER}:${PROXY_PASSWORD}` });
    const splunk = await hec();
    const withCredentials = (password: string) => p.url.replace('//', `//${PROXY_USER}:${password}@`);

    expect(await hecConnector(splunk.url, withCredentials(PROXY_PASSWORD)).deliver([envelope(1)], neverAborts)).toEqual([{ status: 'delivered' }]);
    const refused = await hecConnector(splunk.url, withCredentials('wrong-password-4411')).deliver([envelope(2)], neverAborts);
    expect(refused).toEqual([{ status: 'unauthorized', reason: 'network: PROXY_407' }]);
    expect(p.refused).toEqual([new URL(splunk.url).host]);
    expect(splunk.eventCount).toBe(1);
  });

  it('HTTPS_PROXY and HTTP_PROXY carry a connector that has no proxy of its own, to a host only the proxy can resolve', async () => {
    const splunk = await hec();
    const p = await proxy({ resolve: () => '127.0.0.1' });
    const behindProxy = `http://${ONLY_THE_PROXY_KNOWS}:${new URL(splunk.url).port}`;

    // Without the proxy the name does not resolve: what a SOC network without direct DNS sees.
    const direct = await hecConnector(behindProxy, undefined).deliver([envelope(1)], neverAborts);
    expect(direct[0]).toMatchObject({ status: 'retry', reason: expect.stringMatching(/ENOTFOUND|EAI_AGAIN/) });

    withEnv({ HTTP_PROXY: p.url, HTTPS_PROXY: p.url });
    expect(await hecConnector(behindProxy, undefined).deliver([envelope(2)], neverAborts)).toEqual([{ status: 'delivered' }]);
    expect(p.tunnels).toEqual([new URL(behindProxy).host]);
    expect(splunk.received().map((e) => e.event.id)).toEqual(['evt-2']);
  });

  it('NO_PROXY hosts and loopback go direct past an environment proxy; proxy: false ignores the environment', async () => {
    const splunk = await hec();
    const p = await proxy({ resolve: () => '127.0.0.1' });
    const behindProxy = `http://${ONLY_THE_PROXY_KNOWS}:${new URL(splunk.url).port}`;
    withEnv({ HTTP_PROXY: p.url, NO_PROXY: '.corp.invalid' });

    expect((await hecConnector(behindProxy, undefined).deliver([envelope(1)], neverAborts))[0]).toMatchObject({ status: 'retry' });
    expect(await hecConnector(splunk.url, undefined).deliver([envelope(2)], neverAborts)).toEqual([{ status: 'delivered' }]);
    process.env.NO_PROXY = '';
    expect((await hecConnector(behindProxy, false).deliver([envelope(3)], neverAborts))[0]).toMatchObject({ status: 'retry' });
    expect(p.tunnels).toEqual([]);
    // NO_PROXY applies to a configured proxy as well.
    process.env.NO_PROXY = new URL(splunk.url).hostname;
    expect(await hecConnector(splunk.url, p.url).deliver([envelope(4)], neverAborts)).toEqual([{ status: 'delivered' }]);
    expect(p.tunnels).toEqual([]);
  });

  describe.skipIf(!hasOpenssl)('HTTPS through the tunnel (needs the openssl CLI)', () => {
    let dir: string;
    let certs: TestCertificates;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 's4e-proxy-tls-'));
      certs = makeCertificates(dir);
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('verifies the destination end to end against tls.ca_file: the proxy carries only ciphertext', async () => {
      const p = await proxy();
      const splunk = await hec(certs);
      const trusted = await hecConnector(splunk.url, p.url, { tls: { ca_file: certs.caFile } }).deliver([envelope(1)], neverAborts);
      expect(trusted).toEqual([{ status: 'delivered' }]);
      const untrusted = await hecConnector(splunk.url, p.url).deliver([envelope(2)], neverAborts);
      expect(untrusted[0]).toMatchObject({ status: 'retry', reason: expect.stringMatching(/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/) });
      expect(p.tunnels).toHaveLength(2);
      expect(splunk.eventCount).toBe(1);
    });
  });
});

describe('proxy in the config', () => {
  const yaml = (connectors: string, top = '') => `source:
  base_url: https://api.s4e.example
  api_key: k-0123456789
${top}connectors:
${connectors}routes:
  - name: all
    to: [splunk]
`;
  const SPLUNK = '  splunk:\n    type: splunk_hec\n    url: https://splunk.example.com:8088\n    token: hec-token-0123\n';

  it('a top-level proxy is the default of every HTTP connector and of the platform; a connector\'s own proxy or false wins', () => {
    const config = parseConfig(
      yaml(
        `${SPLUNK}  slack:\n    type: slack\n    webhook_url: https://hooks.slack.com/services/T0/B0/secret0123\n    proxy: http://other-proxy:3128\n  jira:\n    type: jira\n    deployment: datacenter\n    url: https://jira.internal\n    token: pat-0123\n    project: SEC\n    proxy: false\n  siem:\n    type: cef_syslog\n    host: siem.example.com\n`,
        'proxy: http://proxy.corp:3128\n',
      ),
      'c.yaml',
      {},
    );
    expect(Object.fromEntries(config.connectors.map((c) => [c.name, c.proxy]))).toEqual({
      splunk: 'http://proxy.corp:3128',
      slack: 'http://other-proxy:3128',
      jira: false,
      siem: undefined,
    });
    expect(config.source.proxy).toBe('http://proxy.corp:3128');
  });

  it('refuses a proxy on cef_syslog, and one that is not an http(s) URL, naming the path', () => {
    expect(() => parseConfig(yaml(`${SPLUNK}  siem:\n    type: cef_syslog\n    host: h\n    proxy: http://p:3128\n`), 'c.yaml', {})).toThrow(
      /connectors\.siem\.proxy \(line \d+:\d+\): proxy applies to the HTTP connectors \(splunk_hec, slack, jira\); cef_syslog connects to its destination directly/,
    );
    expect(() => parseConfig(yaml(SPLUNK, 'proxy: socks5://p:1080\n'), 'c.yaml', {})).toThrow(/proxy .*an http\(s\) proxy URL/);
  });

  it('treats the password of every proxy, and its Basic credential, as secrets (the environment\'s too)', () => {
    const basic = (user: string, password: string) => Buffer.from(`${user}:${password}`).toString('base64');
    const config = parseConfig(yaml(SPLUNK, 'proxy: http://u1:pa%24s-one@proxy.corp:3128\n'), 'c.yaml', { HTTPS_PROXY: 'http://u2:pass-two@env-proxy:3128' });
    expect(config.secrets).toEqual(expect.arrayContaining(['pa$s-one', basic('u1', 'pa$s-one'), 'pass-two', basic('u2', 'pass-two')]));
  });
});

describe('the bridge behind an egress proxy', () => {
  it('reaches the platform and a HEC only the proxy can resolve through the one proxy of the config; its password never shows', async () => {
    const apiKey = 'proxy-e2e-api-key-51c0';
    const simulator = await startSimulator({ apiKeys: [apiKey], heartbeatIntervalMs: 1_000 });
    const splunk = await hec();
    const p = await proxy({ credentials: `${PROXY_USER}:${PROXY_PASSWORD}`, resolve: () => '127.0.0.1' });
    const store = mkdtempSync(join(tmpdir(), 's4e-proxy-e2e-'));
    cleanup.push(() => simulator.close(), async () => rmSync(store, { recursive: true, force: true }));
    const proxyUrl = p.url.replace('//', `//${PROXY_USER}:${PROXY_PASSWORD}@`);
    const bridge = runCli([
      'run',
      '--config',
      writeConfig(`source:
  base_url: ${simulator.url}
  api_key: ${apiKey}
store:
  path: ${store}
proxy: ${proxyUrl}
connectors:
  splunk:
    type: splunk_hec
    url: http://${ONLY_THE_PROXY_KNOWS}:${new URL(splunk.url).port}
    token: ${HEC_TOKEN}
    batch: { max_events: 50, max_delay: 20ms }
routes:
  - name: everything
    to: [splunk]
server:
  enabled: false
log:
  level: debug
`),
    ]);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      await bridge.exited;
    });
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    const [id] = simulator.generate(1, 'finding.new');
    await waitFor(() => splunk.received().some((e) => e.event.id === id), 'the event at HEC');
    // The top-level proxy is the platform's default too.
    expect(new Set(p.tunnels)).toEqual(new Set([`${ONLY_THE_PROXY_KNOWS}:${new URL(splunk.url).port}`, new URL(simulator.url).host]));
    expectNoSecrets(bridge.output, [PROXY_PASSWORD, Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64')]);
  });
});
