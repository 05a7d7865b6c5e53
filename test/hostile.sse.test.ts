import { afterEach, describe, expect, it } from 'vitest';
import { MAX_LINE_BYTES } from '../src/source/connection.js';
import { MAX_SERVER_DELAY_MS } from '../src/source/sse-client.js';
import { sseEvent, startHostileBridge, until, type Chunk, type HostileBridge } from './helpers/hostile-sse.js';

/**
 * Hostile and odd SSE framing, end to end through the bridge (its SSE source, decode, store,
 * delivery) to a local HEC receiver: each case gets a clear outcome and the stream goes on.
 * Covered elsewhere, not repeated here: `data:` that is not JSON (bridge.delivery.test.ts),
 * comments as signs of life for the watchdog (source.reconnect.test.ts), `retry:` split across
 * chunks (source.retry-sniffer.test.ts), framing split anywhere (hostile.sse-framing.test.ts).
 */
let bridge: HostileBridge | undefined;
afterEach(async () => {
  await bridge?.close();
  bridge = undefined;
});

const finding = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `evt-${n}`,
  event: 'finding.new',
  data: JSON.stringify({ finding_id: `f-${n}`, title: `Finding ${n}`, severity: 'high', ...extra }),
});

/** Starts a bridge on `chunks` (one connection) and waits until HEC has `count` events. */
async function delivered(chunks: readonly Chunk[], count: number) {
  bridge = await startHostileBridge((connection) => (connection === 0 ? chunks : []));
  const b = bridge;
  await until(() => b.hec.eventCount >= count, `${count} events at HEC`);
  return b.hec.received().map((e) => e.event);
}

describe('hostile SSE framing through the bridge', () => {
  it('reads CRLF line endings', async () => {
    const got = await delivered([1, 2, 3].map((n) => sseEvent(finding(n), '\r\n')), 3);
    expect(got.map((e) => [e.id, e.type, e.data.title])).toEqual([1, 2, 3].map((n) => [`evt-${n}`, 'finding.new', `Finding ${n}`]));
  });

  it('reads CR-only line endings', async () => {
    // A CR that ends what has arrived so far may be the first half of a CRLF: the parser holds
    // it until the next byte (here a comment, in production the next event or heartbeat).
    const got = await delivered([[1, 2, 3].map((n) => sseEvent(finding(n), '\r')).join(''), { pauseMs: 50 }, ': ping\r'], 3);
    expect(got.map((e) => e.id)).toEqual(['evt-1', 'evt-2', 'evt-3']);
    expect(got[2]!.data.title).toBe('Finding 3');
  });

  it('drops a byte order mark at the start of the stream, and keeps the first event intact', async () => {
    const got = await delivered([`\uFEFF${sseEvent(finding(1))}`, sseEvent(finding(2))], 2);
    expect(got.map((e) => [e.id, e.type])).toEqual([
      ['evt-1', 'finding.new'],
      ['evt-2', 'finding.new'],
    ]);
  });

  it('sets a 10 MB line aside with its reason, in bounded memory, and the stream goes on', async () => {
    const before = process.memoryUsage().rss;
    const huge = JSON.stringify({ finding_id: 'f-big', title: 'x'.repeat(10 * 1024 * 1024) });
    const chunks = [sseEvent(finding(1)), 'id: evt-big\nevent: finding.new\ndata: ', huge, '\n\n', sseEvent(finding(2))];
    const got = await delivered(chunks, 2);
    expect(got.map((e) => e.id)).toEqual(['evt-1', 'evt-2']);
    const malformed = await bridge!.harness.store.malformed(10);
    expect(malformed).toEqual([expect.objectContaining({ id: 'evt-big', reason: expect.stringMatching(/over the \d+ limit/) })]);
    expect(malformed[0]!.raw.length).toBeLessThanOrEqual(4096);
    // The line is held once or twice while parsed, not kept: far below what a leak would show.
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(200);
  });

  it('drops a connection whose line never ends, past 16 MB, in bounded memory; the next connection goes on', async () => {
    const before = process.memoryUsage().rss;
    const megabyte = Buffer.alloc(1024 * 1024, 'x');
    bridge = await startHostileBridge((connection) =>
      connection === 0 ? [sseEvent(finding(1)), 'id: evt-endless\nevent: finding.new\ndata: ', ...Array<Buffer>(40).fill(megabyte)] : [sseEvent(finding(2))],
    );
    const b = bridge;
    await until(() => b.hec.eventCount >= 2, 'the event after the reconnection', 15_000);
    expect(b.hec.received().map((e) => e.event.id)).toEqual(['evt-1', 'evt-2']);
    expect(b.harness.logs.some((l) => l.includes(`a line of the stream is over ${MAX_LINE_BYTES} bytes`))).toBe(true);
    expect((process.memoryUsage().rss - before) / 2 ** 20).toBeLessThan(250);
  });

  it('reads invalid UTF-8 as replacement characters, never failing the stream', async () => {
    const bad = Buffer.concat([Buffer.from('id: evt-1\nevent: finding.new\ndata: {"finding_id":"f-1","title":"bad '), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from(' bytes"}\n\n')]);
    const got = await delivered([bad, sseEvent(finding(2))], 2);
    expect(got.map((e) => e.id)).toEqual(['evt-1', 'evt-2']);
    expect(got[0]!.data.title).toMatch(/^bad \uFFFD+ bytes$/);
  });

  it('ignores unknown fields, a retry: that is not a number, and lines without a colon', async () => {
    const chunks = ['retry: soon\n', 'foo: bar\nid: evt-1\nevent: finding.new\nx-unknown: 1\nnonsense\n', `data: ${finding(1).data}\n\n`, 'retry: -5\nretry: 1e3\n\n', sseEvent(finding(2))];
    const got = await delivered(chunks, 2);
    expect(got.map((e) => e.id)).toEqual(['evt-1', 'evt-2']);
    expect(bridge!.harness.logs.join('\n')).not.toMatch(/"level":"(error|fatal)"/);
  });

  it('takes a stream of comments only as a live, empty stream: nothing delivered, nothing set aside', async () => {
    bridge = await startHostileBridge(() => Array.from({ length: 20 }, (_, i) => [`: keepalive ${i}\n\n`, { pauseMs: 20 }]).flat());
    await until(() => bridge!.sse.requests.length >= 1, 'the connection');
    await new Promise((r) => setTimeout(r, 600));
    expect(bridge.hec.eventCount).toBe(0);
    expect(await bridge.harness.store.malformed(10)).toEqual([]);
    expect(bridge.sse.requests).toHaveLength(1); // no reconnection: the comments kept it alive
  });

  it('bounds a huge server retry: (23 days) to a minute, so a hostile value cannot stop the stream for good', async () => {
    bridge = await startHostileBridge((connection) => (connection === 0 ? ['retry: 2000000000\n\n', sseEvent(finding(1)), { pauseMs: 100 }, { close: 'end' }] : []));
    const b = bridge;
    const reconnecting = () => b.harness.logs.map((line) => JSON.parse(line) as { msg: string; delayMs?: number }).find((l) => l.msg === 'reconnecting to the event stream');
    await until(() => reconnecting() !== undefined, 'the reconnection to be planned');
    expect(reconnecting()!.delayMs).toBe(MAX_SERVER_DELAY_MS);
  });
});
