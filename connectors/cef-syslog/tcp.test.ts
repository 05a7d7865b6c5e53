import { createServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startSyslogReceiver, type SyslogReceiver, type SyslogReceiverOptions } from '../../src/demo/syslog-receiver.js';
import { createCefConnector, externalIds, parseSyslog } from '../../test/cef-syslog.helpers.js';
import { captureLogger, envelope, envelopes, neverAborts } from '../../test/hec.helpers.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import type { Connector, DeliveryOutcome } from '../types.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

async function receiver(options: Partial<SyslogReceiverOptions> = {}): Promise<SyslogReceiver> {
  const r = await startSyslogReceiver({ transport: 'tcp', ...options });
  cleanup.push(() => r.close());
  return r;
}

function connector(...args: Parameters<typeof createCefConnector>): Connector {
  const c = createCefConnector(...args);
  cleanup.push(() => c.close());
  return c;
}

const statuses = (outcomes: readonly DeliveryOutcome[]) => outcomes.map((o) => o.status);
const ids = (batch: readonly Envelope[]) => batch.map((e) => e.id);
/** Waits until the receiver has `count` records (they arrive asynchronously after the write). */
async function received(r: SyslogReceiver, count: number): Promise<string[]> {
  for (let i = 0; i < 200 && r.count < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  return r.messages();
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** A receiver that accepts one connection and reads nothing, until `reset()` resets it and stops listening. */
async function deafReceiver(port: number): Promise<{ reset(): Promise<void> }> {
  let accepted: Socket | undefined;
  const server = createServer((socket) => {
    socket.pause();
    socket.on('error', () => {});
    accepted = socket;
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  return {
    async reset() {
      accepted?.resetAndDestroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

describe('cef_syslog over TCP', () => {
  it('delivers a batch as LF-framed records, in order', async () => {
    const r = await receiver({ framing: 'lf' });
    const batch = envelopes(20);
    const outcomes = await connector({ port: r.port, hostname: 'bridge-01' }).deliver(batch, neverAborts);
    expect(statuses(outcomes)).toEqual(new Array(20).fill('delivered'));
    const records = await received(r, 20);
    expect(externalIds(records)).toEqual(ids(batch));
    expect(parseSyslog(records[0]!)).toMatchObject({ pri: 131, hostname: 'bridge-01', appName: 's4e-bridge', msgId: 'finding.new' });
  });

  it('uses octet counting when configured, and splits writes at maxBytes', async () => {
    const r = await receiver({ framing: 'octet_counting' });
    const batch = envelopes(30);
    const c = connector({ port: r.port, framing: 'octet_counting' }, { maxBytes: 1_000 });
    expect(statuses(await c.deliver(batch, neverAborts))).toEqual(new Array(30).fill('delivered'));
    expect(externalIds(await received(r, 30))).toEqual(ids(batch));
  });

  it('keeps one connection across deliveries', async () => {
    let connections = 0;
    const server = createServer((socket) => {
      connections += 1;
      socket.resume();
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    cleanup.push(() => new Promise((done) => server.close(() => done())));
    const c = connector({ port: (server.address() as { port: number }).port });
    for (let i = 0; i < 5; i++) expect(statuses(await c.deliver([envelope(i)], neverAborts))).toEqual(['delivered']);
    expect(connections).toBe(1);
  });

  it('retries every event while nothing listens, naming the network error', async () => {
    const c = connector({ port: await closedPort() });
    const outcomes = await c.deliver(envelopes(3), neverAborts);
    expect(outcomes).toEqual(new Array(3).fill({ status: 'retry', reason: 'network: ECONNREFUSED' }));
  });

  it('loses nothing over a receiver restart mid-stream: what it said delivered arrived, the rest arrives on retry', async () => {
    const r = await receiver();
    const c = connector({ port: r.port });
    const delivered: string[] = [];
    let pending: Envelope[] = [];
    const send = async (batch: readonly Envelope[]) => {
      const outcomes = await c.deliver(batch, neverAborts);
      batch.forEach((e, i) => (outcomes[i]!.status === 'delivered' ? delivered.push(e.id) : pending.push(e)));
    };
    const stream = envelopes(60);
    for (let i = 0; i < 60; i += 3) {
      // Restart right before a delivery, without letting the connector see it first.
      if (i === 15 || i === 30) await r.restart();
      await send(stream.slice(i, i + 3));
    }
    // Down for a while: nothing can be delivered, everything must be kept for a retry.
    await r.close();
    await send(envelopes(66).slice(60));
    expect(pending.map((e) => e.id)).toEqual(expect.arrayContaining(['evt-60', 'evt-65']));
    const back = await startSyslogReceiver({ transport: 'tcp', port: r.port });
    cleanup.push(() => back.close());
    const retrying = pending;
    pending = [];
    await send(retrying);
    expect(pending).toEqual([]);
    await received(back, retrying.length);
    const arrived = new Set(externalIds([...r.messages(), ...back.messages()]));
    expect(delivered).toHaveLength(66);
    for (const id of delivered) expect(arrived.has(id), `${id} was reported delivered`).toBe(true);
  });

  it('does not write into a connection the receiver has just dropped; what it wrote just before goes again first', async () => {
    const r = await receiver();
    const c = connector({ port: r.port });
    expect(statuses(await c.deliver([envelope(1)], neverAborts))).toEqual(['delivered']);
    await received(r, 1);
    await r.restart();
    expect(statuses(await c.deliver([envelope(2)], neverAborts))).toEqual(['delivered']);
    // evt-1 was written within the resend window before the close: at least once.
    expect(externalIds(await received(r, 3))).toEqual(['evt-1', 'evt-1', 'evt-2']);
  });

  it('sends again, first, what a receiver that closed with our records unread may have lost', async () => {
    // A receiver that takes the connection, reads nothing and resets it: the records sat in
    // kernel buffers, the writes had succeeded, and they are gone with the connection.
    const port = await closedPort();
    const deaf = await deafReceiver(port);
    const { logger, lines } = captureLogger();
    const c = connector({ port }, { logger });
    const first = envelopes(40);
    for (let i = 0; i < 40; i += 10) expect(statuses(await c.deliver(first.slice(i, i + 10), neverAborts))).toEqual(new Array(10).fill('delivered'));
    await deaf.reset();
    await new Promise((resolve) => setTimeout(resolve, 200));

    const back = await startSyslogReceiver({ transport: 'tcp', port });
    cleanup.push(() => back.close());
    expect(statuses(await c.deliver([envelope(40)], neverAborts))).toEqual(['delivered']);
    expect(externalIds(await received(back, 41))).toEqual([...ids(first), 'evt-40']);
    expect(lines.join('')).toMatch(/"records":40,"windowMs":5000,.*"msg":"the syslog receiver closed the connection: the records written in the last 5000 ms go again/);
  });

  it('on stop, writes what a receiver may have lost if it is back; says how many it could not, if not', async () => {
    const port = await closedPort();
    const run = async (receiverBack: boolean) => {
      const deaf = await deafReceiver(port);
      const { logger, lines } = captureLogger();
      const c = createCefConnector({ port }, { logger });
      expect(statuses(await c.deliver(envelopes(5), neverAborts))).toEqual(new Array(5).fill('delivered'));
      await deaf.reset();
      await new Promise((resolve) => setTimeout(resolve, 200));
      const back = receiverBack ? await startSyslogReceiver({ transport: 'tcp', port }) : undefined;
      await c.close();
      await back?.close();
      return { lines: lines.join(''), got: back ? externalIds(back.messages()) : [] };
    };
    const up = await run(true);
    expect(up.got).toEqual(ids(envelopes(5)));
    expect(up.lines).not.toContain('not re-sent');
    const down = await run(false);
    expect(down.lines).toMatch(/"records":5,.*"msg":"stopping with records the syslog receiver may have lost not re-sent"/);
  });

  it('with resend_window: 0, what the receiver lost with the connection stays lost (plain syslog)', async () => {
    const port = await closedPort();
    const deaf = await deafReceiver(port);
    const c = connector({ port, resend_window: 0 });
    expect(statuses(await c.deliver(envelopes(10), neverAborts))).toEqual(new Array(10).fill('delivered'));
    await deaf.reset();
    await new Promise((resolve) => setTimeout(resolve, 200));
    const back = await startSyslogReceiver({ transport: 'tcp', port });
    cleanup.push(() => back.close());
    expect(statuses(await c.deliver([envelope(10)], neverAborts))).toEqual(['delivered']);
    expect(externalIds(await received(back, 1))).toEqual(['evt-10']);
  });

  it('retries the writes the receiver reset before taking them all', async () => {
    // A receiver that reads nothing and resets the connection: a write larger than the kernel
    // buffers is still in flight then (Node calls it back without an error).
    const server = createServer((socket) => {
      socket.pause();
      socket.on('error', () => {});
      setTimeout(() => socket.resetAndDestroy(), 100);
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(undefined)));
    cleanup.push(() => new Promise((done) => server.close(() => done())));
    const big = (n: number) => envelope(n, { data: { title: '漏'.repeat(512), description: '洞'.repeat(1_023), cve: 'CVE'.repeat(341) } });
    const batch = Array.from({ length: 8_000 }, (_, n) => big(n)); // about 60 MB
    const c = connector({ port: (server.address() as { port: number }).port }, { maxBytes: 100_000_000 });
    const outcomes = await c.deliver(batch, neverAborts);
    // Written in 64 KiB chunks: those the kernel took before the reset count as written (and
    // go again on the next connection); from the first cut one on, everything is retried.
    const cut = outcomes.findIndex((o) => o.status === 'retry');
    expect(cut).toBeGreaterThanOrEqual(0);
    expect(statuses(outcomes.slice(0, cut))).toEqual(new Array(cut).fill('delivered'));
    expect(new Set(statuses(outcomes.slice(cut)))).toEqual(new Set(['retry']));
    expect(outcomes[cut]).toMatchObject({ reason: expect.stringMatching(/^network: (ECONNRESET|EPIPE)/) });
  });

  it('gives up an aborted delivery as a retry', async () => {
    const r = await receiver();
    const c = connector({ port: r.port });
    const aborted = AbortSignal.abort();
    expect(await c.deliver(envelopes(2), aborted)).toEqual(new Array(2).fill({ status: 'retry', reason: 'network: ABORTED' }));
    expect(statuses(await c.deliver(envelopes(2), neverAborts))).toEqual(['delivered', 'delivered']);
  });

  it('previews the record an event becomes, sending nothing', async () => {
    const r = await receiver();
    const record = connector({ port: r.port }).preview!(envelope(4)) as string;
    expect(externalIds([record])).toEqual(['evt-4']);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(r.count).toBe(0);
  });

  it('checks the receiver answers', async () => {
    const r = await receiver();
    await expect(connector({ port: r.port }).healthcheck!(neverAborts)).resolves.toBeUndefined();
    await expect(connector({ port: await closedPort() }).healthcheck!(neverAborts)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('never logs what it sends, even at debug', async () => {
    const r = await receiver();
    const { logger, lines } = captureLogger();
    const c = connector({ port: r.port }, { logger });
    await c.deliver([envelope(1, { data: { title: 'Secret finding title' } })], neverAborts);
    await r.restart();
    await c.deliver([envelope(2)], neverAborts);
    await c.close();
    expect(lines.join('')).not.toMatch(/Secret finding title|CEF:0/);
  });
});
