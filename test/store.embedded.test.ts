import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BacklogFullError, StoreInUseError } from '../src/store/errors.js';
import { createEmbeddedStore, type EmbeddedStore, type EmbeddedStoreOptions } from '../src/store/embedded/embedded-store.js';
import { capturedLogger } from './helpers/captured-logger.js';
import { waitFor } from './helpers/bridge-process.js';
import { describeStoreContract, envelope, envelopes, event } from './store.contract.js';

let dir = '';
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 's4e-store-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describeStoreContract(
  'embedded',
  (options) => createEmbeddedStore({ path: dir, dedupeWindowMs: options.dedupeWindowMs, findings: options.findings }),
  async () => {},
  { replicas: false },
);

describe('EmbeddedStore', () => {
  let stores: EmbeddedStore[] = [];
  let children: ChildProcess[] = [];
  const open = async (options: Partial<EmbeddedStoreOptions> = {}): Promise<EmbeddedStore> => {
    const store = await createEmbeddedStore({ path: dir, ...options });
    stores.push(store);
    return store;
  };
  const child = (...args: string[]): { process: ChildProcess; lines: string[] } => {
    const spawned = spawn(process.execPath, [join(import.meta.dirname, 'helpers/embedded-store-child.mjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(spawned);
    const lines: string[] = [];
    let partial = '';
    spawned.stdout!.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString('utf8');
      const complete = text.split('\n');
      partial = complete.pop()!;
      lines.push(...complete);
    });
    return { process: spawned, lines };
  };
  const killed = (spawned: ChildProcess): Promise<void> =>
    new Promise((resolve) => {
      spawned.on('exit', () => resolve());
      spawned.kill('SIGKILL');
    });
  afterEach(async () => {
    await Promise.all(stores.map((s) => s.close()));
    await Promise.all(children.filter((c) => c.exitCode === null && c.signalCode === null).map(killed));
    stores = [];
    children = [];
  });

  describe('single process', () => {
    const inUse = (pid: number) =>
      `store at ${dir} is in use by another s4e-bridge process (pid ${pid}); the embedded store is single-replica — use Redis for replicas`;

    it('refuses a second open in another process, naming the holder, until it dies', async () => {
      const holder = child('hold', dir);
      await waitFor(() => holder.lines.includes('ready'), 'the holder to open the store');
      const refused = await createEmbeddedStore({ path: dir }).catch((error: Error) => error);
      expect(refused).toBeInstanceOf(StoreInUseError);
      expect((refused as Error).message).toBe(inUse(holder.process.pid!));
      await killed(holder.process);
      await expect(open()).resolves.toBeDefined();
    });

    it('refuses a second open in the same process, and keeps the first one working', async () => {
      const first = await open();
      await expect(createEmbeddedStore({ path: dir })).rejects.toThrow(inUse(process.pid));
      await first.ingest('sub', [event(envelope(1))]);
      const other = child('hold', dir);
      const exit = await new Promise<number | null>((resolve) => other.process.on('exit', resolve));
      expect(exit).toBe(1); // LevelDB's lock still holds: the refused open did not release it
    });
  });

  describe('max_backlog', () => {
    it('warns once at 80 %, rejects at the cap without writing, and takes events again after acks', async () => {
      const { lines, logger } = capturedLogger();
      const store = await open({ maxBacklog: { unit: 'events', max: 10 }, logger });
      const outbox = store.outbox('splunk');
      await store.ingest('sub', envelopes(7).map((e) => event(e)));
      expect(lines.filter((l) => l.level === 'warn')).toEqual([]);
      await store.ingest('sub', envelopes(1, 8).map((e) => event(e)));
      await store.ingest('sub', envelopes(1, 9).map((e) => event(e)));
      expect(lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([expect.stringMatching(/^STORE BACKLOG AT 80 % of store.max_backlog/)]);
      await store.ingest('sub', envelopes(2, 10).map((e) => event(e))); // admitted below the cap, it may end past it
      expect(store.backlogUsage()).toEqual({ events: 11, bytes: expect.any(Number), limit: { unit: 'events', max: 10 } });
      expect(lines.filter((l) => l.level === 'error').map((l) => l.msg)).toEqual([expect.stringMatching(/^STORE BACKLOG FULL/)]);

      const refused = await store.ingest('sub', [event(envelope(12))]).catch((error: Error) => error);
      expect(refused).toBeInstanceOf(BacklogFullError);
      expect((refused as Error).message).toMatch(/backlog is full: 11 of 10 events/);
      expect(await store.checkpoint('sub')).toMatchObject({ id: 'e11' });

      await outbox.ack((await outbox.take(6, 0)).map((t) => t.ref));
      expect(await store.ingest('sub', [event(envelope(12))])).toEqual({ appended: 1, duplicates: 0 });
      expect(await store.checkpoint('sub')).toMatchObject({ id: 'e12' });
      expect(lines.filter((l) => l.level === 'warn')).toHaveLength(1); // still above 70 %: not armed again
      expect(lines.filter((l) => l.level === 'info').map((l) => l.msg)).toEqual([expect.stringMatching(/reading the event stream resumes/)]);
    });

    it('caps by bytes, counting what a restart finds', async () => {
      const before = await open();
      await before.ingest('sub', envelopes(10).map((e) => event(e, ['splunk', 'slack'])));
      const { bytes } = before.backlogUsage();
      await before.close();
      const after = await open({ maxBacklog: { unit: 'bytes', max: bytes } });
      expect(after.backlogUsage()).toEqual({ events: 20, bytes, limit: { unit: 'bytes', max: bytes } });
      await expect(after.ingest('sub', [event(envelope(11))])).rejects.toBeInstanceOf(BacklogFullError);
      const outbox = after.outbox('slack');
      await outbox.ack((await outbox.take(1, 0)).map((t) => t.ref));
      await expect(after.ingest('sub', [event(envelope(11))])).resolves.toEqual({ appended: 1, duplicates: 0 });
    });
  });

  it('holds events for a digest and flushes them into the outboxes once', async () => {
    const store = await open();
    const [e1, e2] = [envelope(1), envelope(2)];
    const digestItem = (e: typeof e1) => ({ kind: 'event' as const, envelope: e, connectors: [], digests: ['daily'] });
    expect(await store.ingest('sub', [digestItem(e1), digestItem(e2)])).toEqual({ appended: 2, duplicates: 0 });
    const buffer = store.digest('daily');
    const held = await buffer.peek(10);
    expect(held.map((h) => h.envelope)).toEqual([e1, e2]);
    const digest = { ...envelope(3), type: 'digest' };
    expect(await buffer.flush(held.map((h) => h.ref), digest, ['slack'])).toBe(true);
    expect(await buffer.flush(held.map((h) => h.ref), digest, ['slack'])).toBe(false);
    expect(await buffer.peek(10)).toEqual([]);
    expect((await store.outbox('slack').take(10, 0)).map((t) => t.envelope)).toEqual([digest]);
  });

  it('deletes expired dedupe ids and state values, and nothing else', async () => {
    const store = await open({ dedupeWindowMs: 100, sweepIntervalMs: 50 });
    await store.ingest('sub', [event(envelope(1))]);
    await store.state('jira').set('lock', 'owner', 50);
    await store.state('jira').set('finding:1', 'SEC-1');
    await store.routeState().set('window', 'x', 50);
    await new Promise((resolve) => setTimeout(resolve, 400));
    await store.close();
    const db = new ClassicLevel<string, string>(dir);
    const stored = await db.keys().all();
    await db.close();
    expect(stored.filter((key) => !key.startsWith('meta!'))).toEqual(['checkpoint!sub', 'outbox!splunk!0000000000000001', 'state!jira!finding:1']);
  });

  it('loses nothing whose ingest resolved when killed during a write burst, and opens cleanly', async () => {
    const batch = 50;
    const writer = child('burst', dir, String(batch));
    await waitFor(() => writer.lines.length >= 30, '30 acknowledged batches');
    await killed(writer.process);
    const acknowledged = writer.lines.length;
    expect(writer.lines.at(-1)).toBe(`b${acknowledged - 1}-${batch - 1}`);

    const store = await open();
    await store.ping();
    const checkpoint = await store.checkpoint('sub');
    // The batch after the last printed one may have been written too, never half of it.
    const committed = Number(/^b(\d+)-/.exec(checkpoint!.id)![1]) + 1;
    expect(checkpoint!.id).toBe(`b${committed - 1}-${batch - 1}`);
    expect(committed).toBeGreaterThanOrEqual(acknowledged);
    for (const connector of ['splunk', 'slack']) {
      const taken = await store.outbox(connector).take(100_000, 0);
      expect(taken.map((t) => t.envelope.id)).toEqual(Array.from({ length: committed * batch }, (_, i) => `b${Math.floor(i / batch)}-${i % batch}`));
    }
    expect(await store.ingest('sub', [event({ ...envelope(1), id: `b${committed - 1}-0` })])).toEqual({ appended: 0, duplicates: 1 });
  });
});
