import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dlqDropCommand, dlqListCommand, dlqReplayCommand } from '../src/cli/commands/dlq.js';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore, type RedisStore } from '../src/store/redis/redis-store.js';
import { startWorker } from './helpers/delivery-worker.js';
import { envelopes } from './helpers/memory-outbox.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { ScriptedConnector, deliverAll, type Step } from './helpers/scripted-connector.js';

const rejectAll: Step = (batch) => batch.map(() => ({ status: 'failed', reason: 'HTTP 400', response: 'invalid event' }));

function writeConfig(prefix: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 's4e-dlq-')), 'bridge.yaml');
  const hec = (name: string) => `  ${name}:\n    type: splunk_hec\n    url: https://splunk.example.com:8088\n    token: t0ken\n`;
  writeFileSync(
    file,
    `source: { base_url: https://api.s4e.io, api_key: k3y }
store: { redis_url: "${REDIS_URL}", key_prefix: "${prefix}" }
subscriptions: [{ name: sub }]
connectors:
${hec('splunk')}${hec('archive')}routes: [{ name: all, to: [splunk, archive] }]
`,
  );
  return file;
}

/** What a CLI function printed on stdout. */
function stdout(): () => string {
  const log = vi.spyOn(console, 'log').mockImplementation(() => {});
  return () => log.mock.calls.map((args) => args.join(' ')).join('\n');
}

describe('dead-letter CLI (on Redis)', () => {
  let prefix: string;
  let config: string;
  let store: RedisStore;

  beforeEach(async () => {
    prefix = uniquePrefix('dlq');
    config = writeConfig(prefix);
    store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'w1' });
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    process.exitCode = undefined;
    await store.close();
    await deleteKeys(keyTag(prefix));
  });

  /** Ingests `count` events for both connectors and dead-letters splunk's. */
  async function deadLetter(count: number): Promise<void> {
    await store.ingest('sub', envelopes(count).map((envelope) => ({ kind: 'event', envelope, connectors: ['splunk', 'archive'] })));
    const outbox = store.outbox('splunk');
    for (const entry of await outbox.take(count, 0)) {
      await outbox.deadLetter(entry, { reason: 'HTTP 400', attempts: 1, response: 'invalid event' });
    }
  }

  it('lists dead letters with time, connector, event, reason and attempts; --json for scripts', async () => {
    await deadLetter(2);
    let printed = stdout();
    await dlqListCommand({ config, limit: 50 });
    const lines = printed().split('\n');
    expect(lines[0]).toMatch(/^REF +DEAD AT +CONNECTOR +EVENT +TYPE +ATTEMPTS +REASON$/);
    expect(lines.slice(1, 3)).toEqual([
      expect.stringMatching(/^\d+-\d+ +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ +splunk +e2 +finding\.new +1 +HTTP 400$/),
      expect.stringMatching(/ splunk +e1 +finding\.new +1 +HTTP 400$/),
    ]);
    expect(lines[3]).toBe('2 dead letters (splunk 2, archive 0)');
    expect(printed()).not.toContain('PAYLOAD-MARKER');

    vi.restoreAllMocks();
    printed = stdout();
    await dlqListCommand({ config, connector: 'splunk', limit: 1, json: true });
    const json = JSON.parse(printed());
    expect(json.counts).toEqual({ splunk: 2 });
    expect(json.deadLetters).toEqual([
      expect.objectContaining({ connector: 'splunk', reason: 'HTTP 400', response: 'invalid event', attempts: 1, envelope: expect.objectContaining({ id: 'e2' }) }),
    ]);
  });

  it('replays dead letters into the outbox, where the worker delivers them', async () => {
    await store.ingest('sub', envelopes(2).map((envelope) => ({ kind: 'event', envelope, connectors: ['splunk', 'archive'] })));
    // The worker dead-letters what the destination rejects, with the reason, its answer and the attempts.
    const connector = new ScriptedConnector([rejectAll, deliverAll]);
    startWorker({ connectorName: 'splunk', connector, outbox: store.outbox('splunk') });
    await vi.waitFor(async () => expect(await store.deadLetters('splunk').count()).toBe(2));
    const [dead] = await store.deadLetters('splunk').list(1);
    expect(dead).toMatchObject({ reason: 'HTTP 400', response: 'invalid event', attempts: 1 });
    const printed = stdout();

    await dlqReplayCommand({ config, connector: 'splunk' });

    expect(printed()).toBe('splunk: replayed 2\nreplayed 2 dead letters');
    await vi.waitFor(() => expect(connector.calls).toEqual([['e1', 'e2'], ['e1', 'e2']]));
    await vi.waitFor(async () => expect((await store.outbox('splunk').backlog()).count).toBe(0));
    expect(await store.deadLetters('splunk').count()).toBe(0);
    // The other connector's outbox was not touched.
    expect((await store.outbox('archive').backlog()).count).toBe(2);
  });

  it('replays and drops chosen dead letters by ref, and says when a ref was not found', async () => {
    await deadLetter(3);
    const [newest, middle] = await store.deadLetters('splunk').list(2);
    const printed = stdout();

    await dlqReplayCommand({ config, connector: 'splunk', id: [newest!.ref], json: true });
    const taken = await store.outbox('splunk').take(10, 10);
    expect(taken.map((t) => t.envelope.id)).toEqual(['e3']);

    vi.spyOn(console, 'error').mockImplementation(() => {});
    await dlqDropCommand({ config, connector: 'splunk', id: [middle!.ref, '1-0'] });
    expect(process.exitCode).toBe(1);
    expect((await store.deadLetters('splunk').list(10)).map((d) => d.envelope.id)).toEqual(['e1']);
    expect(printed().split('\n')).toEqual(['{"replayed":{"splunk":1},"total":1}', 'splunk: dropped 1', 'dropped 1 dead letter']);
  });

  it('refuses an unknown connector, refs without a connector, and a drop that names nothing', async () => {
    await expect(dlqListCommand({ config, connector: 'nope', limit: 10 })).rejects.toThrow('no connector named "nope"');
    await expect(dlqReplayCommand({ config, id: ['1-0'] })).rejects.toThrow('dead letter ids are per connector: add --connector NAME');
    await expect(dlqDropCommand({ config })).rejects.toThrow(/--all/);
  });
});
