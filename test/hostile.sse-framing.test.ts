import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SseSubscription, type RawEvent } from '../src/source/index.js';

/**
 * SSE framing, property-based: a valid stream cut into chunks anywhere (inside a line ending,
 * inside a multi-byte character) reaches the bridge's source as the same events, whatever the
 * line endings, with or without a byte order mark and comments. The stream is fed through the
 * subscription's own fetch path (streamFetch, its backpressure transform, eventsource).
 * CEF escaping and octet-counted framing have theirs in connectors/cef-syslog/encoder.test.ts
 * ("whatever the text…") and framing.test.ts ("…however the stream is cut").
 */

interface Sent {
  readonly id: string;
  readonly type?: string;
  readonly data: string;
}

const line = fc.string({ unit: fc.oneof(fc.constantFrom('a', ' ', ':', '{', '"', 'é', '€', '😀', '\u0000', 'data: x'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 20 })
  .filter((s) => !/[\r\n]/.test(s));
const event: fc.Arbitrary<Sent> = fc.record(
  {
    id: fc.stringMatching(/^[A-Za-z0-9_.-]{1,16}$/),
    type: fc.constantFrom('finding.new', 'scan.progress', 'error', 'message'),
    data: fc.array(line, { minLength: 1, maxLength: 3 }).map((lines) => lines.join('\n')),
  },
  { requiredKeys: ['id', 'data'] },
);

function encode(events: readonly Sent[], eol: string, bom: boolean, comments: boolean): Buffer {
  let text = bom ? '\uFEFF' : '';
  if (comments) text += `: hello${eol}${eol}`;
  for (const e of events) {
    text += `id: ${e.id}${eol}`;
    if (e.type !== undefined) text += `event: ${e.type}${eol}`;
    for (const l of e.data.split('\n')) text += `data: ${l}${eol}`;
    if (comments) text += `: keepalive${eol}`;
    text += eol;
  }
  // A CR ending what has arrived may be half a CRLF: the parser waits for one more byte.
  return Buffer.from(`${text}: end${eol}`, 'utf8');
}

function cut(bytes: Buffer, at: readonly number[]): Uint8Array[] {
  const points = [...new Set(at.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of [...points, bytes.length]) {
    if (p > from) chunks.push(new Uint8Array(bytes.subarray(from, p)));
    from = p;
  }
  return chunks;
}

/** Runs a subscription on `chunks` until it has `count` events (the stream then stays open). */
async function receive(chunks: readonly Uint8Array[], count: number): Promise<RawEvent[]> {
  const got: RawEvent[] = [];
  let enough!: () => void;
  const done = new Promise<void>((resolve) => (enough = resolve));
  const fakeFetch = (async (_url: string | URL, init?: RequestInit) => {
    const signal = init?.signal;
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        signal?.addEventListener('abort', () => controller.error(signal.reason));
      },
    });
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  }) as typeof fetch;
  const subscription = new SseSubscription({
    name: 'framing',
    baseUrl: 'http://127.0.0.1:9',
    apiKey: 'framing-key',
    auth: 'header',
    heartbeatTimeoutMs: 60_000,
    reconnect: { initialDelayMs: 10, maxDelayMs: 10 },
    fetch: fakeFetch,
    resumeFrom: async () => undefined,
    onEvents: async (batch) => {
      got.push(...batch);
      if (got.length >= count) enough();
    },
  });
  subscription.start();
  const timer = setTimeout(enough, 2_000);
  await done;
  clearTimeout(timer);
  await subscription.stop();
  return got;
}

describe('SSE framing through the bridge source', () => {
  it('any split of a valid stream into chunks yields the same events, whatever the line endings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(event, { minLength: 1, maxLength: 6 }),
        fc.constantFrom('\n', '\r\n', '\r'),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 12 }),
        async (events, eol, bom, comments, at) => {
          const got = await receive(cut(encode(events, eol, bom, comments), at), events.length);
          expect(got.map(({ id, type, data }) => ({ id, type, data }))).toEqual(events.map((e) => ({ id: e.id, type: e.type ?? 'message', data: e.data })));
        },
      ),
      { numRuns: 60 },
    );
  });
});
