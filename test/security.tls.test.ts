import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jiraOptions, jiraPlugin } from '../connectors/jira/index.js';
import { slackOptions, slackPlugin } from '../connectors/slack/index.js';
import type { Connector } from '../connectors/types.js';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import type { Envelope } from '../src/pipeline/envelope.js';
import { startBridge, type BridgeHarness } from './helpers/bridge-harness.js';
import { capturedLogger } from './helpers/captured-logger.js';
import { hasOpenssl, makeCertificates, type TestCertificates } from './helpers/certificates.js';
import { MemoryState } from './helpers/memory-state.js';
import { frame, startSseServer, until, type SseServer } from './helpers/sse-server.js';

/**
 * TLS verification is on by default for every HTTPS and TLS peer: a server whose certificate
 * chains to no trusted CA (here a throwaway CA's) is refused by default, accepted with that CA
 * as `tls.ca_file`, and accepted with the explicit `tls.insecure_skip_verify`, which logs a
 * warning. The peers covered elsewhere are not repeated: Splunk HEC in
 * connectors/splunk-hec/tls.test.ts and syslog over TLS in connectors/cef-syslog/tls.test.ts
 * (each: refused by default, CA file, insecure with its warning); the source's transport in
 * source.transport.test.ts. Here: Slack, Jira, and the source through the bridge's config.
 */
const neverAborts = new AbortController().signal;
const envelope: Envelope = { id: 'evt-tls-1', type: 'system.alert', data: { alert_type: 'tls', message: 'hello' }, subscription: 'all', receivedAt: Date.now() };
/** Node's verification errors for a chain it cannot trust. */
const UNTRUSTED = /SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|self.signed|unable to verify/i;

describe.skipIf(!hasOpenssl)('TLS verification (needs the openssl CLI)', () => {
  let dir: string;
  let certs: TestCertificates;
  /** An HTTPS peer that answers as Slack's webhook and Jira Data Center's checks do. */
  let peer: Server;
  let peerUrl: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 's4e-security-tls-'));
    certs = makeCertificates(dir);
    peer = createServer({ key: certs.key, cert: certs.cert }, (req, res) => {
      req.resume();
      req.on('end', () => {
        if (req.url?.startsWith('/services/')) res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
        else if (req.url === '/rest/api/2/myself') res.writeHead(200, { 'content-type': 'application/json' }).end('{"name":"bridge"}');
        else if (req.url === '/rest/api/2/project/SEC') res.writeHead(200, { 'content-type': 'application/json' }).end('{"key":"SEC"}');
        else res.writeHead(404).end();
      });
    });
    peer.listen(0, '127.0.0.1');
    await once(peer, 'listening');
    peerUrl = `https://127.0.0.1:${(peer.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    peer?.closeAllConnections();
    await new Promise((r) => peer?.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const context = (logger = capturedLogger().logger) => ({ name: 'peer', logger, state: new MemoryState() });
  const warnings = (lines: Record<string, unknown>[]) => lines.filter((l) => l.level === 'warn').map((l) => String(l.msg));

  describe('slack', () => {
    const slack = (tls: Record<string, unknown>, logger?: ReturnType<typeof capturedLogger>['logger']): Connector =>
      slackPlugin.create(slackOptions.parse({ webhook_url: `${peerUrl}/services/T0TLS/B0TLS/tlssecret0123`, tls }), { ...context(logger), batch: slackPlugin.batchDefaults });

    it('refuses an untrusted certificate by default (retried, with the TLS error)', async () => {
      const c = slack({});
      const [outcome] = await c.deliver([envelope], neverAborts);
      await c.close();
      expect(outcome).toMatchObject({ status: 'retry', reason: expect.stringMatching(UNTRUSTED) });
    });

    it('delivers when the certificate chains to tls.ca_file', async () => {
      const c = slack({ ca_file: certs.caFile });
      expect(await c.deliver([envelope], neverAborts)).toEqual([{ status: 'delivered' }]);
      await c.close();
    });

    it('delivers with tls.insecure_skip_verify, and warns', async () => {
      const { logger, lines } = capturedLogger();
      const c = slack({ insecure_skip_verify: true }, logger);
      expect(await c.deliver([envelope], neverAborts)).toEqual([{ status: 'delivered' }]);
      await c.close();
      expect(warnings(lines)).toEqual([expect.stringMatching(/insecure_skip_verify is on/)]);
    });
  });

  describe('jira', () => {
    const jira = (tls: Record<string, unknown>, logger?: ReturnType<typeof capturedLogger>['logger']): Connector =>
      jiraPlugin.create(jiraOptions.parse({ deployment: 'datacenter', url: peerUrl, token: 'tls-pat-0123456789', project: 'SEC', tls }), { ...context(logger), batch: jiraPlugin.batchDefaults });

    it('refuses an untrusted certificate by default', async () => {
      const c = jira({});
      await expect(c.healthcheck!(neverAborts)).rejects.toThrow(UNTRUSTED);
      await c.close();
    });

    it('talks to Jira when the certificate chains to tls.ca_file', async () => {
      const c = jira({ ca_file: certs.caFile });
      await expect(c.healthcheck!(neverAborts)).resolves.toBeUndefined();
      await c.close();
    });

    it('talks to Jira with tls.insecure_skip_verify, and warns', async () => {
      const { logger, lines } = capturedLogger();
      const c = jira({ insecure_skip_verify: true }, logger);
      await expect(c.healthcheck!(neverAborts)).resolves.toBeUndefined();
      await c.close();
      expect(warnings(lines)).toEqual([expect.stringMatching(/insecure_skip_verify is on/)]);
    });
  });

  describe('the S4E platform (source), through the bridge', () => {
    let sse: SseServer;
    let hec: HecReceiver;
    beforeAll(async () => {
      sse = await startSseServer((n) => ({ frames: [frame({ id: `evt-tls-${n}`, event: 'system.alert', data: '{"alert_type":"tls"}' })] }), { key: certs.key, cert: certs.cert });
      hec = await startHecReceiver({ token: 'tls-hec-token' });
    });
    afterAll(async () => {
      await sse?.close();
      await hec?.close();
    });

    const bridgeWith = (tls: string) =>
      startBridge(`source:
  base_url: ${sse.baseUrl}
  api_key: tls-source-key-0123
  reconnect: { initial_delay: 50ms, max_delay: 200ms }
${tls}
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: tls-hec-token
    batch: { max_delay: 10ms }
routes:
  - name: all
    to: [splunk]
`);

    const run = async (tls: string, check: (bridge: BridgeHarness) => Promise<void>) => {
      const bridge = await bridgeWith(tls);
      try {
        await check(bridge);
      } finally {
        await bridge.stop();
      }
    };

    it('refuses an untrusted certificate by default: no event is read, the reason is logged', async () => {
      const before = hec.eventCount;
      await run('', async (bridge) => {
        await until(() => bridge.logs.some((l) => l.includes('reconnecting to the event stream') && UNTRUSTED.test(l)), 10_000, 'a refused connection');
        expect(hec.eventCount).toBe(before);
      });
    });

    it('reads the stream when the certificate chains to tls.ca_file', async () => {
      const before = hec.eventCount;
      await run(`  tls: { ca_file: ${certs.caFile} }`, async (bridge) => {
        await until(() => hec.eventCount > before, 10_000, 'an event through TLS');
        expect(bridge.logs.join('\n')).not.toContain('TLS verification of the S4E platform is OFF');
      });
    });

    it('reads the stream with tls.insecure_skip_verify, and warns', async () => {
      const before = hec.eventCount;
      await run('  tls: { insecure_skip_verify: true }', async (bridge) => {
        await until(() => hec.eventCount > before, 10_000, 'an event through TLS');
        expect(bridge.logs.filter((l) => l.includes('"level":"warn"') && l.includes('TLS verification of the S4E platform is OFF'))).toHaveLength(1);
      });
    });
  });
});
