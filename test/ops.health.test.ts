import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConnectorHealth } from '../src/observability/connector-health.js';
import { evaluate, formatHealth, type HealthCheck } from '../src/observability/health.js';
import { SubscriptionHealth } from '../src/observability/subscription-health.js';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { uniquePrefix } from './helpers/redis.js';
import { endpointOf, expectNoSecrets, get, opsConfig } from './ops.helpers.js';

const API_KEY = 'ops-health-api-key-3b7d';
const HEC_TOKEN = 'ops-health-hec-token-91fa';

/** A clock the test moves by hand. */
function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

const MINUTE = 60_000;

describe('what the subscriptions mean for the probes', () => {
  function tracked() {
    const time = clock();
    const health = new SubscriptionHealth({ notReadyAfterMs: 90_000, unhealthyAfterMs: 10 * MINUTE, now: time.now });
    return { health, time };
  }

  it('a subscription reconnecting for less than reconnect.max_delay + connect_timeout is still ready', async () => {
    const { health, time } = tracked();
    health.set('findings', { state: 'connected' });
    health.set('findings', { state: 'reconnecting', reason: 'stream ended by the server', delayMs: 1_000 });
    time.advance(60_000);
    expect(await evaluate([health.readiness])).toEqual({ ok: true, parts: [{ part: 'subscription findings' }] });

    time.advance(40_000);
    expect(await evaluate([health.readiness])).toEqual({
      ok: false,
      parts: [{ part: 'subscription findings', problem: 'not connected for 100 s: stream ended by the server' }],
    });
    health.set('findings', { state: 'connected' });
    expect((await evaluate([health.readiness])).ok).toBe(true);
  });

  it('is not alive once no subscription was connected for unhealthy_after, naming the last failure', async () => {
    const { health, time } = tracked();
    const refused = 'connection failed: ECONNREFUSED 10.0.0.5:443 (https://s4e.example/api/events/stream): is the platform up, and source.base_url right?';
    health.set('findings', { state: 'connecting', attempt: 1 });
    health.set('findings', { state: 'reconnecting', reason: refused, delayMs: 60_000 });
    health.set('alerts', { state: 'connected' });
    time.advance(11 * MINUTE);
    expect((await evaluate([health.liveness])).ok).toBe(true); // alerts is connected

    health.set('alerts', { state: 'reconnecting', reason: 'heartbeat timeout', delayMs: 1_000 });
    time.advance(9 * MINUTE);
    expect((await evaluate([health.liveness])).ok).toBe(true);
    time.advance(2 * MINUTE);
    expect(await evaluate([health.liveness])).toEqual({ ok: false, parts: [{ part: 'subscriptions', problem: `none connected for 660 s; last: ${refused}` }] });
  });

  it('is not alive when the platform stopped every subscription (a rejected API key)', async () => {
    const { health } = tracked();
    const rejected = "API key rejected (HTTP 401): check the subscription's API key; not retrying";
    health.set('findings', { state: 'stopped', reason: rejected, fatal: true });
    health.set('alerts', { state: 'connected' });
    expect((await evaluate([health.liveness])).ok).toBe(true);
    expect(await evaluate([health.readiness])).toMatchObject({ ok: false, parts: [{ part: 'subscription findings', problem: rejected }, { part: 'subscription alerts' }] });

    health.set('alerts', { state: 'stopped', reason: rejected, fatal: true });
    expect(await evaluate([health.liveness])).toEqual({ ok: false, parts: [{ part: 'subscriptions', problem: `every subscription was stopped by the platform: ${rejected}` }] });
  });

  it('a replica that holds no subscription (another replica does) is alive and ready', async () => {
    const { health, time } = tracked();
    health.set('findings', { state: 'connected' });
    health.delete('findings');
    time.advance(60 * MINUTE);
    expect(await evaluate([health.liveness, health.readiness])).toEqual({ ok: true, parts: [{ part: 'subscriptions' }] });
  });
});

describe('what the connectors mean for readiness', () => {
  it('an open circuit is not ready, with the reason deliveries fail, until it closes', async () => {
    const connectors = new ConnectorHealth(['splunk', 'siem']);
    connectors.failed('splunk', 'HTTP 503');
    connectors.circuit('splunk', 'open');
    expect(await evaluate([connectors.readiness])).toEqual({
      ok: false,
      parts: [{ part: 'connector splunk', problem: 'circuit open: deliveries are failing (HTTP 503); events wait in the store' }, { part: 'connector siem' }],
    });
    connectors.circuit('splunk', 'closed');
    expect((await evaluate([connectors.readiness])).ok).toBe(true);
  });
});

describe('the probe bodies', () => {
  const checks: HealthCheck[] = [() => [{ part: 'store' }], () => [{ part: 'connector splunk', problem: 'circuit open' }]];

  it('list the failing parts, or every part with ?verbose, as Kubernetes does', async () => {
    const health = await evaluate(checks);
    expect(formatHealth(health, 'ready', false)).toBe('not ready:\n- connector splunk: circuit open\n');
    expect(formatHealth(health, 'ready', true)).toBe('[+]store ok\n[-]connector splunk: circuit open\nnot ready\n');
    expect(formatHealth(await evaluate(checks.slice(0, 1)), 'ready', false)).toBe('ready\n');
  });

  it('count a check that fails as a problem instead of failing the probe', async () => {
    const broken: HealthCheck = () => Promise.reject(new Error('boom'));
    expect(await evaluate([broken])).toEqual({ ok: false, parts: [{ part: 'check 1', problem: 'the check failed: boom' }] });
  });
});

describe('the probes of a running bridge', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  /** A platform at a wrong address: every request answers 404. */
  async function notThePlatform(): Promise<string> {
    const server: Server = createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>'));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanup.push(() => new Promise((resolve) => server.close(resolve)));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  function start(baseUrl: string): BridgeProcess {
    const yaml = opsConfig({
      simulatorUrl: baseUrl,
      apiKey: API_KEY,
      auth: 'query',
      hecUrl: 'http://127.0.0.1:9',
      hecToken: HEC_TOKEN,
      prefix: uniquePrefix('ops-health'),
      server: 'server:\n  listen: 127.0.0.1:0\n  unhealthy_after: 10s',
    }).replace('heartbeat_timeout: 10s', 'heartbeat_timeout: 10s\n  connect_timeout: 1s');
    const bridge = runCli(['run', '--config', writeConfig(yaml)]);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
      expectNoSecrets(bridge.output, [API_KEY, HEC_TOKEN]);
    });
    return bridge;
  }

  it('a base_url that answers 404: /readyz names the URL and source.base_url, then /healthz fails', { timeout: 60_000 }, async () => {
    const base = await notThePlatform();
    const bridge = start(base);
    const endpoint = await endpointOf(bridge);
    expect((await get(`${endpoint}/healthz`)).status).toBe(200);

    // Not ready once a reconnect has taken longer than reconnect.max_delay (1s) + connect_timeout (1s).
    await waitFor(async () => (await get(`${endpoint}/readyz`)).status === 503, '/readyz 503');
    const ready = await get(`${endpoint}/readyz`);
    expect(ready.body).toMatch(
      new RegExp(`^not ready:\\n- subscription all: not connected for \\d+ s: HTTP 404 from ${base}/api/events/stream\\?token=\\[REDACTED\\]: no event stream at this URL; check source\\.base_url\\n`),
    );

    // Not alive once none was connected for server.unhealthy_after (10s): the container is restarted, and seen.
    await waitFor(async () => (await get(`${endpoint}/healthz`)).status === 503, '/healthz 503', 30_000);
    const live = await get(`${endpoint}/healthz`);
    expect(live.body).toMatch(/^not ok:\n- subscriptions: none connected for \d+ s; last: HTTP 404 from .*check source\.base_url\n$/);
    expect((await get(`${endpoint}/healthz?verbose`)).body).toMatch(/^\[-\]subscriptions: none connected/);
    expectNoSecrets([ready.body, live.body], [API_KEY]);
  });
});
