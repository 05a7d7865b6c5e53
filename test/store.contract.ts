import { afterEach, describe, expect, it } from 'vitest';
import type { Envelope } from '../src/pipeline/envelope.js';
import type { FindingLimits, FindingState, FindingUpdate } from '../src/store/findings.js';
import type { IngestItem, MalformedEvent, Store } from '../src/store/types.js';

/** What a store made for the contract must honour, beside its consumer name. */
export interface ContractStoreOptions {
  /** This process's consumer name: stores made with the same name are one process restarted. */
  readonly consumer: string;
  /** Entries another consumer left idle this long are claimed; the store's default when absent. */
  readonly claimIdleMs?: number;
  /** How long an ingested id is remembered; the store's default when absent. */
  readonly dedupeWindowMs?: number;
  /** How long and how many findings are remembered; the store's default when absent. */
  readonly findings?: FindingLimits;
}

/** What sets one store apart from another in the contract. */
export interface ContractCapabilities {
  /**
   * Several live processes share the data (Redis). Without it (the embedded store) one store is
   * open on the data at a time, and a restarted one takes everything unacknowledged at once,
   * whatever its consumer name.
   */
  readonly replicas: boolean;
}

/**
 * The behaviour every Store keeps, run against each implementation. Stores made within one
 * test share their data (a restart is a new store on the same data, opened once the one
 * before it is closed, except in tests of replicas); `cleanup` runs after each test, once its
 * stores are closed, and must leave the next test an empty store.
 */
export function describeStoreContract(
  name: string,
  makeStore: (options: ContractStoreOptions) => Promise<Store>,
  cleanup: () => Promise<void>,
  { replicas }: ContractCapabilities = { replicas: true },
): void {
  describe(`Store contract: ${name}`, () => {
    let open: Store[] = [];
    const store = async (options: ContractStoreOptions = { consumer: 'w1' }): Promise<Store> => {
      const made = await makeStore(options);
      open.push(made);
      return made;
    };
    afterEach(async () => {
      await Promise.all(open.map((s) => s.close()));
      open = [];
      await cleanup();
    });

    describe('ingest', () => {
      it('appends each event to exactly the outboxes named for it and advances the checkpoint', async () => {
        const s = await store();
        const [e1, e2, e3] = [envelope(1), envelope(2), envelope(3)];
        const result = await s.ingest('sub', [event(e1, ['splunk']), event(e2, ['splunk', 'slack']), event(e3, [])]);
        expect(result).toEqual({ appended: 2, duplicates: 0 });
        expect((await s.outbox('splunk').backlog()).count).toBe(2);
        expect((await s.outbox('slack').backlog()).count).toBe(1);
        expect((await s.outbox('jira').backlog()).count).toBe(0);
        expect(await s.checkpoint('sub')).toEqual({ id: e3.id, at: e3.receivedAt });
        expect(await s.checkpoint('other')).toBeUndefined();
        const taken = await s.outbox('splunk').take(10, 0);
        expect(taken.map((t) => t.envelope)).toEqual([e1, e2]);
        expect(taken.map((t) => t.deliveries)).toEqual([1, 1]);
      });

      it('appends an id again once only: duplicates are counted, the checkpoint still moves', async () => {
        const s = await store();
        const [e1, e2, e3] = [envelope(1), envelope(2), envelope(3)];
        await s.ingest('sub', [event(e1), event(e2), event(e3)]);
        const replayed = [event({ ...e1, receivedAt: e1.receivedAt + 5 }), event({ ...e2, receivedAt: e2.receivedAt + 5 })];
        expect(await s.ingest('sub', replayed)).toEqual({ appended: 0, duplicates: 2 });
        expect(await s.checkpoint('sub')).toEqual({ id: e2.id, at: e2.receivedAt + 5 });
        const e4 = envelope(4);
        expect(await s.ingest('sub', [event(e3), event(e4), event(e4)])).toEqual({ appended: 1, duplicates: 2 });
        expect((await s.outbox('splunk').backlog()).count).toBe(4);
      });

      it('dedupes per subscription: the same id on another subscription is appended', async () => {
        const s = await store();
        const e1 = envelope(1);
        await s.ingest('a', [event(e1)]);
        expect(await s.ingest('b', [event({ ...e1, subscription: 'b' })])).toEqual({ appended: 1, duplicates: 0 });
      });

      it('forgets ids after the dedupe window', async () => {
        const s = await store({ consumer: 'w1', dedupeWindowMs: 200 });
        const e1 = envelope(1);
        await s.ingest('sub', [event(e1)]);
        await sleep(300);
        expect(await s.ingest('sub', [event(e1)])).toEqual({ appended: 1, duplicates: 0 });
      });

      it('only checkpoints items routed nowhere, and remembers their ids', async () => {
        const s = await store();
        const e1 = envelope(1);
        expect(await s.ingest('sub', [event(e1, [])])).toEqual({ appended: 0, duplicates: 0 });
        expect(await s.checkpoint('sub')).toEqual({ id: e1.id, at: e1.receivedAt });
        expect((await s.outbox('splunk').backlog()).count).toBe(0);
        expect(await s.ingest('sub', [event(e1, ['splunk'])])).toEqual({ appended: 0, duplicates: 1 });
      });

      it('sets malformed events aside, newest first, never in an outbox', async () => {
        const s = await store();
        const e1 = envelope(1);
        const m1 = malformed('m1', 'data is not JSON');
        const m2 = malformed('m2', 'data is an array, not a JSON object');
        expect(await s.ingest('sub', [malformedItem(m1), event(e1), malformedItem(m2)])).toEqual({ appended: 1, duplicates: 0 });
        expect(await s.malformed(10)).toEqual([m2, m1]);
        expect(await s.malformed(1)).toEqual([m2]);
        expect((await s.outbox('splunk').backlog()).count).toBe(1);
        expect(await s.checkpoint('sub')).toEqual({ id: 'm2', at: m2.receivedAt });
      });

      it('does not checkpoint an event without an id, nor dedupe it', async () => {
        const s = await store();
        const e1 = envelope(1);
        const noId = malformed('', 'event has no id');
        await s.ingest('sub', [event(e1), malformedItem(noId)]);
        expect(await s.ingest('sub', [malformedItem(noId)])).toEqual({ appended: 0, duplicates: 0 });
        expect(await s.checkpoint('sub')).toEqual({ id: e1.id, at: e1.receivedAt });
        expect(await s.malformed(10)).toEqual([noId, noId]);
      });

      it('ingests a 1,000-event batch quickly', async () => {
        const s = await store();
        await s.ingest('warm-up', [event(envelope(1))]);
        const batch = envelopes(1_000, 10).map((e) => event(e, ['splunk', 'slack']));
        const started = performance.now();
        expect(await s.ingest('sub', batch)).toEqual({ appended: 1_000, duplicates: 0 });
        expect(performance.now() - started).toBeLessThan(1_000);
        expect((await s.outbox('slack').backlog()).count).toBe(1_000);
      });
    });

    describe('outbox', () => {
      it('take and ack remove entries; backlog counts what is waiting or in flight', async () => {
        const s = await store();
        await s.ingest('sub', envelopes(3).map((e) => event(e)));
        const outbox = s.outbox('splunk');
        const first = await outbox.take(2, 0);
        expect(first.map((t) => t.envelope.id)).toEqual(['e1', 'e2']);
        expect((await outbox.backlog()).count).toBe(3);
        await outbox.ack(first.map((t) => t.ref));
        expect((await outbox.backlog()).count).toBe(1);
        const rest = await outbox.take(10, 0);
        expect(rest.map((t) => t.envelope.id)).toEqual(['e3']);
        await outbox.ack(rest.map((t) => t.ref));
        expect(await outbox.backlog()).toEqual({ count: 0, oldestAgeMs: 0 });
        expect(await outbox.take(10, 0)).toEqual([]);
      });

      it('reports the age of the oldest entry', async () => {
        const s = await store();
        await s.ingest('sub', [event(envelope(1))]);
        await sleep(120);
        const { count, oldestAgeMs } = await s.outbox('splunk').backlog();
        expect(count).toBe(1);
        expect(oldestAgeMs).toBeGreaterThanOrEqual(100);
        expect(oldestAgeMs).toBeLessThan(5_000);
      });

      it('never hands out an entry that is still in flight', async () => {
        const s = await store({ consumer: 'w1', claimIdleMs: 100 });
        await s.ingest('sub', envelopes(3).map((e) => event(e)));
        const outbox = s.outbox('splunk');
        expect((await outbox.take(2, 0)).map((t) => t.envelope.id)).toEqual(['e1', 'e2']);
        expect((await outbox.take(10, 0)).map((t) => t.envelope.id)).toEqual(['e3']);
        await sleep(300);
        expect(await outbox.take(10, 0)).toEqual([]);
      });

      it('hands entries taken but not acked to the same consumer again after a crash, first', async () => {
        const before = await store({ consumer: 'w1' });
        await before.ingest('sub', envelopes(3).map((e) => event(e)));
        const taken = await before.outbox('splunk').take(2, 0);
        await before.close();
        const after = await store({ consumer: 'w1' });
        const again = await after.outbox('splunk').take(10, 0);
        expect(again.map((t) => [t.ref, t.envelope.id, t.deliveries])).toEqual([
          [taken[0]!.ref, 'e1', 2],
          [taken[1]!.ref, 'e2', 2],
          [expect.any(String), 'e3', 1],
        ]);
      });

      it('counts every redelivery', async () => {
        const first = await store();
        await first.ingest('sub', [event(envelope(1))]);
        await first.close();
        for (const deliveries of [1, 2, 3]) {
          const s = await store({ consumer: 'w1' });
          expect((await s.outbox('splunk').take(1, 0)).map((t) => t.deliveries)).toEqual([deliveries]);
          await s.close();
        }
      });

      it.runIf(replicas)('hands entries another consumer abandoned to this one after claimIdleMs', async () => {
        const crashed = await store({ consumer: 'w1', claimIdleMs: 200 });
        await crashed.ingest('sub', envelopes(3).map((e) => event(e)));
        await crashed.outbox('splunk').take(2, 0);
        await crashed.close();
        const other = (await store({ consumer: 'w2', claimIdleMs: 200 })).outbox('splunk');
        expect((await other.take(10, 0)).map((t) => t.envelope.id)).toEqual(['e3']);
        await sleep(400);
        const claimed = await other.take(10, 0);
        expect(claimed.map((t) => [t.envelope.id, t.deliveries])).toEqual([
          ['e1', 2],
          ['e2', 2],
        ]);
      });

      it.runIf(replicas)('does not let another consumer claim entries a live one still holds, however long', async () => {
        const holder = await store({ consumer: 'w1', claimIdleMs: 200 });
        await holder.ingest('sub', envelopes(2).map((e) => event(e)));
        const held = await holder.outbox('splunk').take(10, 0);
        const other = (await store({ consumer: 'w2', claimIdleMs: 200 })).outbox('splunk');
        await sleep(700);
        expect(await other.take(10, 0)).toEqual([]);
        await holder.outbox('splunk').ack(held.map((t) => t.ref));
        expect((await other.backlog()).count).toBe(0);
      });

      it('wakes a blocked take when an event arrives', async () => {
        const s = await store();
        const started = performance.now();
        const taking = s.outbox('splunk').take(10, 5_000);
        await sleep(100);
        await s.ingest('sub', [event(envelope(1))]);
        expect((await taking).map((t) => t.envelope.id)).toEqual(['e1']);
        expect(performance.now() - started).toBeLessThan(2_000);
      });

      it('returns empty from a take that waited blockMs for nothing', async () => {
        const s = await store();
        const started = performance.now();
        expect(await s.outbox('splunk').take(10, 200)).toEqual([]);
        expect(performance.now() - started).toBeGreaterThanOrEqual(150);
      });

      it('closes promptly while a take is blocked, and that take returns empty', async () => {
        const s = await store();
        const taking = s.outbox('splunk').take(10, 20_000);
        await sleep(100);
        const started = performance.now();
        await s.close();
        expect(await taking).toEqual([]);
        expect(performance.now() - started).toBeLessThan(1_000);
      });
    });

    describe('dead letters', () => {
      it('moves an entry to the dead letters in one step, with why', async () => {
        const s = await store();
        const [e1, e2] = [envelope(1), envelope(2)];
        await s.ingest('sub', [event(e1), event(e2)]);
        const outbox = s.outbox('splunk');
        const [t1, t2] = await outbox.take(10, 0);
        const before = Date.now();
        await outbox.deadLetter(t1!, { reason: 'HEC 403: invalid token', attempts: 3, response: '{"code":4}' });
        await outbox.deadLetter(t2!, { reason: 'HEC 400', attempts: 1 });
        await outbox.deadLetter(t2!, { reason: 'HEC 400', attempts: 1 }); // already gone: not twice
        expect((await outbox.backlog()).count).toBe(0);
        const dead = s.deadLetters('splunk');
        expect(await dead.count()).toBe(2);
        const list = await dead.list(10);
        expect(list).toEqual([
          { ref: expect.any(String), connector: 'splunk', envelope: e2, reason: 'HEC 400', attempts: 1, deadAt: expect.any(Number) },
          {
            ref: expect.any(String),
            connector: 'splunk',
            envelope: e1,
            reason: 'HEC 403: invalid token',
            attempts: 3,
            response: '{"code":4}',
            deadAt: expect.any(Number),
          },
        ]);
        expect(list[0]!.deadAt).toBeGreaterThanOrEqual(before - 1_000);
        expect(await dead.list(1)).toEqual([list[0]]);
        expect(await s.deadLetters('slack').count()).toBe(0);
      });

      it('replays chosen dead letters, or all, back into the outbox as fresh entries', async () => {
        const { outbox, dead, newest } = await threeDeadLetters(await store());
        expect(await dead.replay([newest!.ref, '1-0'])).toBe(1);
        expect(await dead.count()).toBe(2);
        expect(await dead.replay()).toBe(2);
        expect(await dead.count()).toBe(0);
        const again = await outbox.take(10, 0);
        expect(again.map((t) => [t.envelope.id, t.deliveries])).toEqual([
          ['e3', 1],
          ['e1', 1],
          ['e2', 1],
        ]);
      });

      it('drops chosen dead letters, or all', async () => {
        const { outbox, dead, newest } = await threeDeadLetters(await store());
        expect(await dead.drop([newest!.ref])).toBe(1);
        expect(await dead.drop([newest!.ref])).toBe(0);
        expect(await dead.drop()).toBe(2);
        expect(await dead.count()).toBe(0);
        expect((await outbox.backlog()).count).toBe(0);
      });
    });

    describe('connector state', () => {
      it('gets, sets and deletes values, each connector apart', async () => {
        const s = await store();
        const jira = s.state('jira');
        expect(await jira.get('finding:1')).toBeUndefined();
        await jira.set('finding:1', 'SEC-1');
        await jira.set('finding:1', 'SEC-2');
        expect(await jira.get('finding:1')).toBe('SEC-2');
        expect(await s.state('jira-2').get('finding:1')).toBeUndefined();
        await jira.delete('finding:1');
        expect(await jira.get('finding:1')).toBeUndefined();
      });

      it('forgets a value after its TTL', async () => {
        const jira = (await store()).state('jira');
        await jira.set('k', 'v', 100);
        expect(await jira.get('k')).toBe('v');
        await sleep(200);
        expect(await jira.get('k')).toBeUndefined();
      });

      it('sets if absent once, until the value expires, and deletes only its own value', async () => {
        const jira = (await store()).state('jira');
        expect(await jira.setIfAbsent('lock', 'owner-a', 150)).toBe(true);
        expect(await jira.setIfAbsent('lock', 'owner-b', 150)).toBe(false);
        await jira.delete('lock', 'owner-b');
        expect(await jira.get('lock')).toBe('owner-a');
        await sleep(250);
        expect(await jira.setIfAbsent('lock', 'owner-b', 10_000)).toBe(true);
        await jira.delete('lock', 'owner-b');
        expect(await jira.get('lock')).toBeUndefined();
      });
    });

    describe('finding state', () => {
      it('remembers a finding from its first event: its fields, status, when it was seen and where it went', async () => {
        const s = await store();
        const e1 = envelope(1);
        await s.ingest('sub', [findingEvent(e1, 'f-1', { title: 'SQL Injection', severity: 'critical', originalSeverity: 'high', asset: { id: 'a1', name: 'api.example.com' } }, 'initial', 'open')]);
        expect(await s.findings(['f-1', 'f-2'])).toEqual(
          new Map([
            [
              'f-1',
              {
                title: 'SQL Injection',
                severity: 'critical',
                originalSeverity: 'high',
                asset: { id: 'a1', name: 'api.example.com' },
                status: 'open',
                firstSeen: e1.receivedAt,
                lastSeen: e1.receivedAt,
                delivered: { splunk: ['siem'], jira: ['to-jira'] },
              },
            ],
          ]),
        );
      });

      it('merges each later event: a status change sets the status, a repeated finding.new does not reopen it, where it went adds up', async () => {
        const s = await store();
        const [e1, e2, e3] = [envelope(1), { ...envelope(2), receivedAt: envelope(2).receivedAt + 10 }, { ...envelope(3), receivedAt: envelope(3).receivedAt + 20 }];
        await s.ingest('sub', [findingEvent(e1, 'f-1', { title: 'SQL Injection', severity: 'high' }, 'initial', 'open')]);
        await s.ingest('sub', [findingEvent(e2, 'f-1', { severity: 'low' }, 'set', 'resolved', { slack: ['chat'] })]);
        await s.ingest('sub', [findingEvent(e3, 'f-1', { title: 'SQL Injection (again)' }, 'initial', 'open', { jira: ['second-route'] })]);
        expect((await s.findings(['f-1'])).get('f-1')).toEqual({
          title: 'SQL Injection (again)',
          severity: 'low',
          status: 'resolved',
          firstSeen: e1.receivedAt,
          lastSeen: e3.receivedAt,
          delivered: { splunk: ['siem'], jira: ['to-jira', 'second-route'], slack: ['chat'] },
        });
      });

      it('applies the updates of one batch in order, a finding.new and its status change together', async () => {
        const s = await store();
        const [e1, e2] = [envelope(1), envelope(2)];
        await s.ingest('sub', [findingEvent(e1, 'f-1', { title: 'XSS' }, 'initial', 'open'), findingEvent(e2, 'f-1', {}, 'set', 'false_positive')]);
        expect((await s.findings(['f-1'])).get('f-1')).toMatchObject({ title: 'XSS', status: 'false_positive' });
      });

      it('changes nothing for a replayed event: its update is not applied again', async () => {
        const s = await store();
        const [e1, e2] = [envelope(1), envelope(2)];
        await s.ingest('sub', [findingEvent(e1, 'f-1', { title: 'XSS' }, 'initial', 'open'), findingEvent(e2, 'f-1', {}, 'set', 'resolved')]);
        // A replayed status change that had said "reopened" must not undo a later change either.
        const replayed = findingEvent({ ...e1, receivedAt: e1.receivedAt + 1_000 }, 'f-1', { title: 'changed' }, 'set', 'reopened');
        expect(await s.ingest('sub', [replayed])).toEqual({ appended: 0, duplicates: 1 });
        expect((await s.findings(['f-1'])).get('f-1')).toMatchObject({ title: 'XSS', status: 'resolved', lastSeen: e2.receivedAt });
      });

      it('keeps findings across a restart', async () => {
        const before = await store();
        await before.ingest('sub', [findingEvent(envelope(1), 'f-1', { title: 'XSS' }, 'initial', 'open')]);
        await before.close();
        const after = await store();
        expect((await after.findings(['f-1'])).get('f-1')).toMatchObject({ title: 'XSS', status: 'open' });
      });

      it('forgets a finding not seen within the retention; its next event starts it afresh', async () => {
        const s = await store({ consumer: 'w1', findings: { retentionMs: 200, maxFindings: 100 } });
        await s.ingest('sub', [findingEvent(envelope(1), 'f-1', { title: 'XSS' }, 'initial', 'open')]);
        expect((await s.findings(['f-1'])).size).toBe(1);
        await sleep(300);
        expect((await s.findings(['f-1'])).size).toBe(0);
        const e2 = envelope(2);
        await s.ingest('sub', [findingEvent(e2, 'f-1', {}, 'set', 'resolved', { slack: ['chat'] })]);
        expect((await s.findings(['f-1'])).get('f-1')).toEqual({ status: 'resolved', firstSeen: e2.receivedAt, lastSeen: e2.receivedAt, delivered: { slack: ['chat'] } });
      });

      it('keeps at most max_findings: the least recently seen go first', async () => {
        const s = await store({ consumer: 'w1', findings: { retentionMs: 86_400_000, maxFindings: 3 } });
        const at = Date.now();
        const items = [1, 2, 3, 4, 5].map((n) => findingEvent({ ...envelope(n), receivedAt: at + n }, `f-${n}`, { title: `finding ${n}` }, 'initial', 'open'));
        await s.ingest('sub', items.slice(0, 3));
        // f-1 is seen again: f-2 and f-3 are the least recently seen now.
        await s.ingest('sub', [findingEvent({ ...envelope(6), receivedAt: at + 6 }, 'f-1', {}, 'set', 'in_progress')]);
        await s.ingest('sub', items.slice(3));
        expect([...(await s.findings(['f-1', 'f-2', 'f-3', 'f-4', 'f-5'])).keys()].sort()).toEqual(['f-1', 'f-4', 'f-5']);
      });

      it.runIf(replicas)('is shared by replicas: what one ingests, another reads and merges into', async () => {
        const [a, b] = [await store({ consumer: 'w1' }), await store({ consumer: 'w2' })];
        await a.ingest('sub-a', [findingEvent(envelope(1), 'f-1', { title: 'XSS' }, 'initial', 'open')]);
        expect((await b.findings(['f-1'])).get('f-1')).toMatchObject({ title: 'XSS' });
        await b.ingest('sub-b', [findingEvent(envelope(2), 'f-1', {}, 'set', 'resolved', { slack: ['chat'] })]);
        expect((await a.findings(['f-1'])).get('f-1')).toMatchObject({ title: 'XSS', status: 'resolved', delivered: { splunk: ['siem'], jira: ['to-jira'], slack: ['chat'] } });
      });

      it('ingests a 1,000-event batch of new findings quickly', async () => {
        const s = await store();
        await s.ingest('warm-up', [event(envelope(1))]);
        const batch = envelopes(1_000, 10).map((e) => findingEvent(e, `f-${e.id}`, { title: 'XSS', severity: 'high' }, 'initial', 'open'));
        const started = performance.now();
        expect(await s.ingest('sub', batch)).toEqual({ appended: 1_000, duplicates: 0 });
        expect(performance.now() - started).toBeLessThan(1_000);
        expect((await s.findings(['f-e10', 'f-e1009'])).size).toBe(2);
      });
    });

    it('loses nothing across a restart', async () => {
      const before = await store({ consumer: 'w1' });
      const [e1, e2, e3] = [envelope(1), envelope(2), envelope(3)];
      await before.ingest('sub', [event(e1), event(e2), event(e3), malformedItem(malformed('m1', 'bad'))]);
      const outbox = before.outbox('splunk');
      const [t1, t2] = await outbox.take(2, 0);
      await outbox.ack([t1!.ref]);
      await outbox.deadLetter(t2!, { reason: 'rejected', attempts: 2 });
      await before.state('jira').set('finding:1', 'SEC-1');
      await before.close();

      const after = await store({ consumer: 'w1' });
      expect(await after.checkpoint('sub')).toEqual({ id: 'm1', at: expect.any(Number) });
      expect(await after.ingest('sub', [event(e1)])).toEqual({ appended: 0, duplicates: 1 });
      expect((await after.outbox('splunk').take(10, 0)).map((t) => t.envelope)).toEqual([e3]);
      expect((await after.deadLetters('splunk').list(10)).map((d) => d.envelope)).toEqual([e2]);
      expect((await after.malformed(10)).map((m) => m.id)).toEqual(['m1']);
      expect(await after.state('jira').get('finding:1')).toBe('SEC-1');
    });

    it('answers ping while open', async () => {
      await expect((await store()).ping()).resolves.toBeUndefined();
    });
  });
}

/** Envelope e<n>; its payload has the shapes a JSON round trip could get wrong (empty array and object). */
export function envelope(n: number): Envelope {
  return {
    id: `e${n}`,
    type: 'finding.new',
    data: { title: `finding ${n}`, tags: [], nested: { empty: {} }, score: 9.8 },
    severity: 'high',
    asset: { id: 'a1', name: 'example.com' },
    subscription: 'sub',
    receivedAt: Date.now(),
  };
}

/** `count` envelopes e<from>, e<from+1>… */
export function envelopes(count: number, from = 1): Envelope[] {
  return Array.from({ length: count }, (_, i) => envelope(from + i));
}

export function event(envelope: Envelope, connectors: readonly string[] = ['splunk']): IngestItem {
  return { kind: 'event', envelope, connectors };
}

/**
 * `envelope` as an event of finding `id` that leaves `fields` and `status` on it (`initial`: only
 * when none is known), delivered to `delivered` (by default splunk by route siem, jira by to-jira).
 */
export function findingEvent(
  envelope: Envelope,
  id: string,
  fields: Partial<Pick<FindingState, 'title' | 'severity' | 'originalSeverity' | 'asset'>>,
  statusMode: FindingUpdate['statusMode'],
  status: string,
  delivered: Record<string, string[]> = { splunk: ['siem'], jira: ['to-jira'] },
): IngestItem {
  const state: FindingState = { ...fields, status, firstSeen: envelope.receivedAt, lastSeen: envelope.receivedAt, delivered };
  return { kind: 'event', envelope, connectors: Object.keys(delivered), finding: { id, state, statusMode } };
}

/** Three events ingested for splunk, each dead-lettered at once; `newest` is the last one's dead letter. */
async function threeDeadLetters(s: Store) {
  await s.ingest('sub', envelopes(3).map((e) => event(e)));
  const outbox = s.outbox('splunk');
  for (const entry of await outbox.take(10, 0)) await outbox.deadLetter(entry, { reason: 'rejected', attempts: 1 });
  const dead = s.deadLetters('splunk');
  const [newest] = await dead.list(1);
  return { outbox, dead, newest };
}

function malformed(id: string, reason: string): MalformedEvent {
  return { id, type: 'finding.new', subscription: 'sub', reason, raw: '{not json', receivedAt: Date.now() };
}

function malformedItem(event: MalformedEvent): IngestItem {
  return { kind: 'malformed', event };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
