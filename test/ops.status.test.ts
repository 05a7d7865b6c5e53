import { once } from 'node:events';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { decodeEvent } from '../src/pipeline/decode.js';
import { startSimulator } from '../src/simulator/index.js';
import { createRedisStore } from '../src/store/redis/redis-store.js';
import type { IngestItem } from '../src/store/types.js';
import { runCli, waitFor, writeConfig } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { expectNoSecrets, opsConfig } from './ops.helpers.js';

const API_KEY = 'ops-status-api-key-8e21';
const HEC_TOKEN = 'ops-status-hec-token-4b9a';

/** Runs `status` to its end; returns its stdout lines and exit code. */
async function status(args: readonly string[]): Promise<{ code: number | NodeJS.Signals; output: string[] }> {
  const run = runCli(['status', ...args]);
  return { code: await run.exited, output: run.output };
}

/** A port nothing listens on. */
async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('s4e-bridge status', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it('reads checkpoints, backlog and dead letters from Redis when the bridge is not running', async () => {
    const prefix = uniquePrefix('ops-status');
    cleanup.push(() => deleteKeys(prefix));
    const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'ops-test' });
    cleanup.push(() => store.close());
    const receivedAt = Date.now() - 5_000;
    const items: IngestItem[] = [1, 2, 3, 4, 5].map((n) => {
      const decoded = decodeEvent({ id: `evt-${n}`, type: 'finding.new', data: '{"severity":"high"}', receivedAt }, 'all');
      if (!decoded.ok) throw new Error('test event did not decode');
      return { kind: 'event', envelope: decoded.envelope, connectors: ['splunk'] };
    });
    await store.ingest('all', items);
    const outbox = store.outbox('splunk');
    for (const entry of await outbox.take(2, 0)) await outbox.deadLetter(entry, { reason: 'HEC said 400', attempts: 1 });

    const port = await freePort();
    const file = writeConfig(
      opsConfig({ simulatorUrl: 'http://127.0.0.1:9', apiKey: API_KEY, hecUrl: 'http://127.0.0.1:9', hecToken: HEC_TOKEN, prefix, server: `server:\n  listen: 127.0.0.1:${port}` }),
    );
    const json = await status(['--config', file, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.output.join('\n'));
    expect(report.bridge).toMatchObject({ endpoint: `http://127.0.0.1:${port}`, answered: false, error: 'ECONNREFUSED' });
    expect(report.subscriptions).toEqual([{ name: 'all', checkpoint: { id: 'evt-5', at: receivedAt, ageMs: expect.any(Number) } }]);
    expect(report.subscriptions[0].checkpoint.ageMs).toBeGreaterThanOrEqual(5_000);
    expect(report.connectors).toEqual([{ name: 'splunk', backlog: 3, oldestAgeMs: expect.any(Number), deadLetters: 2 }]);

    const text = await status(['--config', file]);
    expect(text.code).toBe(0);
    expect(text.output[0]).toMatch(/^bridge: not answering at http:\/\/127\.0\.0\.1:\d+ \(ECONNREFUSED\); states unknown$/);
    expect(text.output).toContainEqual(expect.stringMatching(/^all\s+\?\s+evt-5\s+\d+s$/));
    expect(text.output).toContainEqual(expect.stringMatching(/^splunk\s+\?\s+3\s+\S+\s+2$/));
    expectNoSecrets([...json.output, ...text.output], [API_KEY, HEC_TOKEN]);
  });

  // The embedded store: only the running bridge may open it, so the figures come from its endpoint.
  it('shows the running bridge\'s subscription and circuit states, backlog and dead letters', { timeout: 60_000 }, async () => {
    const storePath = join(mkdtempSync(join(tmpdir(), 's4e-status-')), 'data');
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    // HEC refuses the bridge's token: every event is dead-lettered (403 is permanent).
    const receiver = await startHecReceiver({ token: 'another-token' });
    cleanup.push(() => simulator.close(), () => receiver.close());
    const port = await freePort();
    const file = writeConfig(
      opsConfig({ simulatorUrl: simulator.url, apiKey: API_KEY, hecUrl: receiver.url, hecToken: HEC_TOKEN, prefix: 'unused', storePath, server: `server:\n  listen: 127.0.0.1:${port}` }),
    );
    const bridge = runCli(['run', '--config', file]);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      await bridge.exited;
    });
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    const ids = simulator.generate(7, 'finding.new');
    const deadLettered = () => bridge.output.filter((l) => l.includes('event dead-lettered')).map((l) => JSON.parse(l) as Record<string, unknown>);
    await waitFor(() => deadLettered().length === ids.length, 'one dead-lettered line per event');
    expect(deadLettered()).toContainEqual(expect.objectContaining({ level: 'error', reason: expect.stringContaining('403') }));

    const json = await status(['--config', file, '--json']);
    expect(json.code).toBe(0);
    const report = JSON.parse(json.output.join('\n'));
    expect(report.bridge).toEqual({ endpoint: `http://127.0.0.1:${port}`, answered: true });
    expect(report.subscriptions).toEqual([{ name: 'all', state: { state: 'connected' }, checkpoint: expect.objectContaining({ id: expect.any(String) }) }]);
    expect(report.connectors).toEqual([{ name: 'splunk', circuit: 'closed', backlog: 0, oldestAgeMs: 0, deadLetters: ids.length }]);
    expectNoSecrets([...json.output, ...bridge.output], [API_KEY, HEC_TOKEN]);
  });
});
