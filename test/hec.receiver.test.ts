import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { JsonObjectSplitter, startHecReceiver, type HecReceiver, type HecReceiverOptions } from '../src/demo/hec-receiver.js';

const TOKEN = 'receiver-test-token';
const AUTH = { authorization: `Splunk ${TOKEN}` };

function split(chunks: readonly string[]): string[] {
  const out: string[] = [];
  const splitter = new JsonObjectSplitter((text) => out.push(text));
  for (const chunk of chunks) splitter.push(chunk);
  splitter.end();
  return out;
}

describe('JsonObjectSplitter', () => {
  it('splits concatenated objects, whatever their strings hold', () => {
    const objects = ['{"event":"a}b{c"}', '{"event":{"q":"say \\"}\\" \\\\"}}', '{"event":[1,{"x":"é✓"}]}'];
    expect(split([objects.join('')])).toEqual(objects);
    expect(split([` \n${objects.join('\r\n\t ')}\n`])).toEqual(objects);
  });

  it('gives the same objects however the text is cut into chunks', () => {
    const object = fc.dictionary(fc.string({ maxLength: 5 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 });
    fc.assert(
      fc.property(fc.array(object, { maxLength: 5 }), fc.array(fc.nat(), { maxLength: 6 }), (values, cuts) => {
        const texts = values.map((v) => JSON.stringify(v));
        const all = texts.join(' ');
        const at = [...new Set(cuts.map((c) => c % (all.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at].map((start, i) => all.slice(start, at[i] ?? all.length));
        expect(split(chunks)).toEqual(texts);
      }),
    );
  });

  it('throws on anything but whitespace between objects, or an unfinished object', () => {
    expect(() => split(['[{"event":1}]'])).toThrow(SyntaxError);
    expect(() => split(['{"event":1},{"event":2}'])).toThrow(SyntaxError);
    expect(() => split(['{"event":1}{"event":'])).toThrow(SyntaxError);
  });
});

describe('HEC receiver', () => {
  const cleanup: (() => void | Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0)) await fn();
  });

  async function start(options: Partial<HecReceiverOptions> = {}): Promise<HecReceiver> {
    const r = await startHecReceiver({ token: TOKEN, ...options });
    cleanup.push(() => r.close());
    return r;
  }

  const post = async (r: HecReceiver, body: string | Uint8Array<ArrayBuffer>, headers: Record<string, string> = AUTH) => {
    const res = await fetch(`${r.url}/services/collector/event`, { method: 'POST', headers, body });
    return { status: res.status, body: (await res.json()) as unknown, headers: res.headers };
  };
  const hecEvent = (id: string) => JSON.stringify({ time: 1.5, sourcetype: 's4e:event', event: { id, type: 't', subscription: 's', data: {} } });

  it('accepts a batch of concatenated events', async () => {
    const r = await start();
    expect(await post(r, hecEvent('a') + hecEvent('b'))).toMatchObject({ status: 200, body: { text: 'Success', code: 0 } });
    expect(r.received().map((e) => e.event.id)).toEqual(['a', 'b']);
    expect(r.received()[0]).toMatchObject({ time: 1.5, sourcetype: 's4e:event' });
    expect(r.requests).toBe(1);
  });

  it.each([
    ['no Authorization', {}, 401, { text: 'Token is required', code: 2 }],
    ['another scheme', { authorization: `Bearer ${TOKEN}` }, 401, { text: 'Invalid authorization', code: 3 }],
    ['a wrong token', { authorization: 'Splunk nope-nope' }, 403, { text: 'Invalid token', code: 4 }],
  ])('refuses %s', async (_, headers, status, body) => {
    const r = await start();
    expect(await post(r, hecEvent('a'), headers)).toMatchObject({ status, body });
    expect(r.received()).toEqual([]);
  });

  it('stops at the first bad event with invalid-event-number, keeping those before', async () => {
    const r = await start();
    const reply = await post(r, hecEvent('a') + hecEvent('b') + '{"event": nope}' + hecEvent('d'));
    expect(reply).toMatchObject({ status: 400, body: { text: 'Invalid data format', code: 6, 'invalid-event-number': 2 } });
    expect(r.received().map((e) => e.event.id)).toEqual(['a', 'b']);
  });

  it.each([
    ['a missing event', '{"time":1}', { text: 'Event field is required', code: 12, 'invalid-event-number': 1 }],
    ['a blank event', '{"event":""}', { text: 'Event field cannot be blank', code: 13, 'invalid-event-number': 1 }],
    ['text between events', ',', { text: 'Invalid data format', code: 6, 'invalid-event-number': 1 }],
  ])('rejects %s', async (_, bad, body) => {
    const r = await start();
    expect(await post(r, hecEvent('a') + bad + hecEvent('c'))).toMatchObject({ status: 400, body });
  });

  it('answers an empty body with code 5', async () => {
    const r = await start();
    expect(await post(r, '  ')).toMatchObject({ status: 400, body: { text: 'No data', code: 5 } });
  });

  it('reads gzipped bodies', async () => {
    const r = await start();
    const reply = await post(r, Uint8Array.from(gzipSync(hecEvent('a') + hecEvent('b'))), { ...AUTH, 'content-encoding': 'gzip' });
    expect(reply.status).toBe(200);
    expect(r.received()).toHaveLength(2);
  });

  it('plays scripted failures, then recovers', async () => {
    const r = await start();
    r.failNext(2, { status: 503, body: { text: 'Server is busy', code: 9 }, headers: { 'retry-after': '1' } });
    for (let i = 0; i < 2; i++) {
      const reply = await post(r, hecEvent(`x${i}`));
      expect(reply).toMatchObject({ status: 503, body: { text: 'Server is busy', code: 9 } });
      expect(reply.headers.get('retry-after')).toBe('1');
    }
    expect((await post(r, hecEvent('y'))).status).toBe(200);
    expect(r.received().map((e) => e.event.id)).toEqual(['y']);
    expect(r.requests).toBe(3);
  });

  it('rejects events matching failWhen, with a chosen answer, until cleared', async () => {
    const r = await start();
    r.failWhen((e) => e.event.id === 'b', { text: 'Incorrect index', code: 7 });
    const reply = await post(r, hecEvent('a') + hecEvent('b') + hecEvent('c'));
    expect(reply).toMatchObject({ status: 400, body: { text: 'Incorrect index', code: 7, 'invalid-event-number': 1 } });
    r.failWhen(undefined);
    expect((await post(r, hecEvent('b'))).status).toBe(200);
    expect(r.received().map((e) => e.event.id)).toEqual(['a', 'b']);
  });

  it('appends each event to a file as a JSON line', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-hec-receiver-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'events.jsonl');
    const r = await start({ file });
    await post(r, hecEvent('a') + hecEvent('b'));
    await post(r, hecEvent('c'));
    await r.close();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    expect(lines.map((l) => JSON.parse(l).event.id)).toEqual(['a', 'b', 'c']);
  });

  it('keeps the last `retain` events and counts them all', async () => {
    const r = await start({ retain: 3 });
    for (let i = 0; i < 4; i++) await post(r, hecEvent(`${i}a`) + hecEvent(`${i}b`));
    expect(r.received().map((e) => e.event.id)).toEqual(['2b', '3a', '3b']);
    expect(r.eventCount).toBe(8);
  });

  it('serves the health endpoint, checking a token when one is sent', async () => {
    const r = await start();
    const health = (headers: Record<string, string>) => fetch(`${r.url}/services/collector/health`, { headers }).then((res) => res.status);
    expect(await health({})).toBe(200);
    expect(await health(AUTH)).toBe(200);
    expect(await health({ authorization: 'Splunk wrong' })).toBe(400);
    expect((await fetch(`${r.url}/nowhere`)).status).toBe(404);
  });
});
