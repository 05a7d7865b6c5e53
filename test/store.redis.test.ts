import { createServer, type Server, type Socket, connect } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore, type RedisStore } from '../src/store/redis/redis-store.js';
import { Scripts } from '../src/store/redis/scripts.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';
import { describeStoreContract, envelope, envelopes, event } from './store.contract.js';

let prefix = uniquePrefix('store');
beforeEach(() => {
  prefix = uniquePrefix('store');
});

describeStoreContract(
  'redis',
  (options) => createRedisStore({ url: REDIS_URL, keyPrefix: prefix, ...options }),
  () => deleteKeys(keyTag(prefix)),
);

describe('RedisStore', () => {
  let stores: RedisStore[] = [];
  let redis: Redis;
  const open = async (options: Partial<Parameters<typeof createRedisStore>[0]> = {}): Promise<RedisStore> => {
    const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'w1', ...options });
    stores.push(store);
    return store;
  };
  beforeEach(() => {
    redis = new Redis(REDIS_URL);
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(stores.map((s) => s.close()));
    stores = [];
    redis.disconnect();
    await deleteKeys(keyTag(prefix));
  });

  it('keeps everything under one hash-tagged prefix', async () => {
    const store = await open();
    await store.ingest('sub', [event(envelope(1), ['splunk'])]);
    const outbox = store.outbox('splunk');
    await outbox.deadLetter((await outbox.take(1, 0))[0]!, { reason: 'x', attempts: 1 });
    await store.state('jira').set('finding:1', 'SEC-1');
    expect((await redis.keys(`${keyTag(prefix)}*`)).sort()).toEqual(
      ['checkpoints', 'dlq:splunk', 'outbox:splunk', 'seen', 'state:jira:finding:1'].map((name) => `{${prefix}}:${name}`),
    );
  });

  it('ingests a 1,000-event batch in one command', async () => {
    const store = await open();
    await store.ingest('warm-up', [event(envelope(1))]); // loads the script into Redis
    const sent = vi.spyOn(Redis.prototype, 'sendCommand');
    await store.ingest('sub', envelopes(1_000, 10).map((e) => event(e, ['splunk', 'slack', 'jira'])));
    expect(sent.mock.calls.map(([command]) => command.name)).toEqual(['evalsha']);
  });

  it('keeps each item\'s destination and dedupe across runs of mixed kinds and targets in one batch', async () => {
    const store = await open();
    const [e1, e2, e3, e4, e5, e6, e7] = envelopes(7);
    const noId = (n: number) => ({ ...envelope(n), id: '' });
    const bad = (id: string) => ({ kind: 'malformed' as const, event: { id, type: 't', subscription: 'sub', reason: 'bad', raw: '', receivedAt: 0 } });
    const result = await store.ingest('sub', [
      bad('m1'),
      bad('m2'),
      event(e1!, ['splunk']),
      event(e2!, ['splunk']),
      event(e3!, ['splunk', 'slack']),
      event(e4!, []),
      { kind: 'event', envelope: e5!, connectors: ['splunk'], digests: ['lows'] },
      event({ ...e1!, receivedAt: 1 }, ['slack']),
      bad('m1'),
      event(e6!, ['slack', 'splunk']),
      event(e7!, ['splunk', 'splunk']),
      event(noId(8), ['splunk']),
      event(noId(9), ['splunk']),
    ]);
    expect(result).toEqual({ appended: 8, duplicates: 2 });
    const ids = async (connector: string) => (await store.outbox(connector).take(100, 0)).map((t) => t.envelope.data.title);
    expect(await ids('splunk')).toEqual([1, 2, 3, 5, 6, 7, 8, 9].map((n) => `finding ${n}`));
    expect(await ids('slack')).toEqual(['finding 3', 'finding 6']);
    expect((await store.digest('lows').peek(10)).map((b) => b.envelope)).toEqual([e5]);
    expect((await store.malformed(10)).map((m) => m.id)).toEqual(['m2', 'm1']);
    expect(await store.checkpoint('sub')).toEqual({ id: e7!.id, at: e7!.receivedAt });
    expect(await store.ingest('sub', [event(e4!), event(envelope(10))])).toEqual({ appended: 1, duplicates: 1 });
  });

  it('dedupes a batch of more ids than one bulk lookup takes, against earlier batches and within itself', async () => {
    const store = await open();
    await store.ingest('sub', envelopes(10, 1_200).map((e) => event(e)));
    const batch = [...envelopes(5_000), envelope(2), envelope(4_400)].map((e) => event(e));
    expect(await store.ingest('sub', batch)).toEqual({ appended: 4_990, duplicates: 12 });
    expect(await redis.xlen(`{${prefix}}:outbox:splunk`)).toBe(5_000);
    expect(await redis.zcard(`{${prefix}}:seen`)).toBe(5_000);
  });

  it('marks more ids seen in one script call than one ZADD takes, only ever extending a retention', async () => {
    const scripts = await Scripts.define(redis);
    const key = `{${prefix}}:seenset:findings`;
    await scripts.markSeen(key, ['f-7'], 600_000);
    const kept = Number(await redis.zscore(key, 'f-7'));
    const before = Date.now();
    await scripts.markSeen(key, Array.from({ length: 10_000 }, (_, i) => `f-${i}`), 60_000);
    expect(await redis.zcard(key)).toBe(10_000);
    expect(Number(await redis.zscore(key, 'f-7'))).toBe(kept);
    expect(Number(await redis.zscore(key, 'f-9999'))).toBeGreaterThanOrEqual(before + 60_000 - 1_000);
  });

  it('delivers entries appended before the consumer group existed', async () => {
    const store = await open();
    await store.ingest('sub', [event(envelope(1))]);
    expect(await redis.xinfo('GROUPS', `{${prefix}}:outbox:splunk`)).toEqual([]);
    expect(await store.outbox('splunk').take(10, 0)).toHaveLength(1);
  });

  it('makes the consumer group again when the outbox was deleted under it', async () => {
    const store = await open();
    const outbox = store.outbox('splunk');
    expect(await outbox.take(10, 0)).toEqual([]);
    await redis.del(`{${prefix}}:outbox:splunk`);
    await store.ingest('sub', [event(envelope(1))]);
    expect(await outbox.take(10, 0)).toHaveLength(1);
  });

  it('caps the malformed stream', async () => {
    const store = await open({ malformedMax: 10 });
    const items = Array.from({ length: 500 }, (_, i) => ({
      kind: 'malformed' as const,
      event: { id: `m${i}`, type: 't', subscription: 'sub', reason: 'bad', raw: '', receivedAt: 0 },
    }));
    await store.ingest('sub', items);
    expect(await redis.xlen(`{${prefix}}:malformed`)).toBeLessThan(500);
    expect((await store.malformed(1))[0]!.id).toBe('m499');
  });

  it('rejects at once when Redis does not answer, without the password in the message', async () => {
    const url = 'redis://:hunter2-secret@127.0.0.1:1';
    const started = performance.now();
    const failure = await createRedisStore({ url, keyPrefix: prefix }).catch((error: Error) => error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toMatch(/^Cannot connect to Redis: .*ECONNREFUSED/);
    expect((failure as Error).message).not.toContain('hunter2');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('rejects a key prefix that would break the hash tag', async () => {
    await expect(createRedisStore({ url: REDIS_URL, keyPrefix: 'a}b' })).rejects.toThrow(/must not contain/);
  });

  describe('while Redis is away', () => {
    let proxy: Proxy;
    beforeEach(async () => {
      proxy = await Proxy.start(new URL(REDIS_URL));
    });
    afterEach(() => proxy.stop());

    it('fails ping, makes calls wait, and completes them once Redis is back', async () => {
      const store = await open({ url: proxy.url });
      proxy.stop();
      // The first ping may go out before the client notices, and then times out.
      await expect(store.ping()).rejects.toThrow(/not connected|did not answer/);
      await expect(store.ping()).rejects.toThrow(/not connected/);
      const ingesting = store.ingest('sub', [event(envelope(1))]);
      const settled = vi.fn();
      void ingesting.then(settled, settled);
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(settled).not.toHaveBeenCalled();
      await proxy.listen();
      expect(await ingesting).toEqual({ appended: 1, duplicates: 0 });
      await expect(store.ping()).resolves.toBeUndefined();
      expect((await store.outbox('splunk').take(10, 0)).map((t) => t.envelope.id)).toEqual(['e1']);
    });
  });
});

/** A TCP proxy in front of Redis that can be taken down and brought back on the same port. */
class Proxy {
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  private constructor(
    private readonly target: URL,
    private port: number,
  ) {}

  static async start(target: URL): Promise<Proxy> {
    const proxy = new Proxy(target, 0);
    await proxy.listen();
    return proxy;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  listen(): Promise<void> {
    const server = createServer((client) => {
      const upstream = connect(Number(this.target.port || 6379), this.target.hostname);
      for (const socket of [client, upstream]) {
        this.#sockets.add(socket);
        socket.on('close', () => this.#sockets.delete(socket));
        socket.on('error', () => {});
      }
      client.pipe(upstream).pipe(client);
    });
    this.#server = server;
    return new Promise((resolve) =>
      server.listen(this.port, '127.0.0.1', () => {
        this.port = (server.address() as { port: number }).port;
        resolve();
      }),
    );
  }

  stop(): void {
    this.#server?.close();
    for (const socket of this.#sockets) socket.destroy();
  }
}
