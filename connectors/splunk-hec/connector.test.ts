import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../../src/demo/hec-receiver.js';
import { MASK } from '../../src/observability/redact.js';
import { captureLogger, createHecConnector, envelopes, HEC_TOKEN, neverAborts } from '../../test/hec.helpers.js';
import type { Connector } from '../types.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

async function receiver(token = HEC_TOKEN): Promise<HecReceiver> {
  const r = await startHecReceiver({ token });
  cleanup.push(() => r.close());
  return r;
}

function connector(...args: Parameters<typeof createHecConnector>): Connector {
  const c = createHecConnector(...args);
  cleanup.push(() => c.close());
  return c;
}

const statuses = (outcomes: readonly { status: string }[]) => outcomes.map((o) => o.status);
const ids = (r: HecReceiver) => r.received().map((e) => e.event.id);

describe('splunk_hec connector against a HEC receiver', () => {
  it('delivers a batch in one request, with the HEC envelope', async () => {
    const hec = await receiver();
    const c = connector({ url: hec.url, index: 'security', host: 'bridge-1', fields: ['severity', 'asset.id'] });
    const batch = envelopes(10);
    const outcomes = await c.deliver(batch, neverAborts);
    expect(statuses(outcomes)).toEqual(new Array(10).fill('delivered'));
    expect(hec.requests).toBe(1);
    expect(ids(hec)).toEqual(batch.map((e) => e.id));
    expect(hec.received()[0]).toEqual({
      time: 1_714_564_800.123,
      host: 'bridge-1',
      source: 's4e-bridge',
      sourcetype: 's4e:event',
      index: 'security',
      fields: { severity: 'high', 'asset.id': 'asset-0' },
      event: { id: 'evt-0', type: 'finding.new', severity: 'high', asset: batch[0]!.asset, subscription: 'findings', data: batch[0]!.data },
    });
  });

  it('splits a batch over maxBytes into several requests, in order', async () => {
    const hec = await receiver();
    const batch = envelopes(10);
    const c = connector({ url: hec.url }, { maxBytes: 1_000 }); // about 3 events per request
    expect(statuses(await c.deliver(batch, neverAborts))).toEqual(new Array(10).fill('delivered'));
    expect(hec.requests).toBeGreaterThanOrEqual(4);
    expect(ids(hec)).toEqual(batch.map((e) => e.id));
  });

  it('gzips bodies when asked', async () => {
    const hec = await receiver();
    const c = connector({ url: hec.url, gzip: true });
    expect(statuses(await c.deliver(envelopes(5), neverAborts))).toEqual(new Array(5).fill('delivered'));
    expect(hec.received()).toHaveLength(5);
  });

  it('503 code 9 (server busy): retry with Retry-After, then delivered once HEC recovers', async () => {
    const hec = await receiver();
    hec.failNext(1, { status: 503, body: { text: 'Server is busy', code: 9 }, headers: { 'retry-after': '3' } });
    const c = connector({ url: hec.url });
    const first = await c.deliver(envelopes(3), neverAborts);
    expect(first).toEqual(
      new Array(3).fill({ status: 'retry', reason: 'HEC 503 code 9: Server is busy', retryAfterMs: 3_000, response: '{"text":"Server is busy","code":9}' }),
    );
    expect(hec.received()).toEqual([]);
    expect(statuses(await c.deliver(envelopes(3), neverAborts))).toEqual(['delivered', 'delivered', 'delivered']);
  });

  it('holds back the rest of a split batch once a request must be retried', async () => {
    const hec = await receiver();
    hec.failNext(1, { status: 503, body: { text: 'Server is busy', code: 9 } });
    const c = connector({ url: hec.url }, { maxBytes: 1_000 });
    const outcomes = await c.deliver(envelopes(10), neverAborts);
    expect(statuses(outcomes)).toEqual(new Array(10).fill('retry'));
    expect(hec.requests).toBe(1);
    expect(outcomes.at(-1)).toMatchObject({ reason: 'not sent: an earlier request of the batch got HEC 503 code 9: Server is busy' });
  });

  it('403 invalid token: unauthorized for every event, with HEC text and code; the rest of the batch is not sent', async () => {
    const hec = await receiver('the-right-token-value');
    const c = connector({ url: hec.url }, { maxBytes: 1_000 });
    const outcomes = await c.deliver(envelopes(10), neverAborts);
    expect(outcomes[0]).toEqual({ status: 'unauthorized', reason: 'HEC 403 code 4: Invalid token', response: '{"text":"Invalid token","code":4}' });
    expect(statuses(outcomes)).toEqual(new Array(10).fill('unauthorized'));
    expect(hec.requests).toBe(1);
  });

  it('400 invalid-event-number: events before it delivered, it failed, the rest resent', async () => {
    const hec = await receiver();
    hec.failWhen((e) => e.event.id === 'evt-3');
    const c = connector({ url: hec.url });
    const batch = envelopes(6);
    const outcomes = await c.deliver(batch, neverAborts);
    expect(statuses(outcomes)).toEqual(['delivered', 'delivered', 'delivered', 'failed', 'retry', 'retry']);
    expect(outcomes[3]).toMatchObject({ reason: 'HEC 400 code 6: Invalid data format (event 3 of the request)' });
    expect(ids(hec)).toEqual(['evt-0', 'evt-1', 'evt-2']);

    // What the delivery layer does next: send the retried events again.
    expect(statuses(await c.deliver(batch.slice(4), neverAborts))).toEqual(['delivered', 'delivered']);
    expect(ids(hec)).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-4', 'evt-5']);
  });

  it('maps invalid-event-number to the batch when the event is in a later request', async () => {
    const hec = await receiver();
    hec.failWhen((e) => e.event.id === 'evt-4'); // the middle of the second request (3 events each)
    const c = connector({ url: hec.url }, { maxBytes: 1_000 });
    const outcomes = await c.deliver(envelopes(10), neverAborts);
    expect(statuses(outcomes)).toEqual([...new Array(4).fill('delivered'), 'failed', ...new Array(5).fill('retry')]);
    expect(hec.requests).toBe(2); // what follows the retried events waits with them
    expect(ids(hec)).toEqual(['evt-0', 'evt-1', 'evt-2', 'evt-3']);
  });

  it('200 code 24 (nearing capacity): delivered, and the slow-down is logged once', async () => {
    const hec = await receiver();
    const nearing = { status: 200, body: { text: 'Server is nearing capacity', code: 24 } };
    hec.failNext(2, nearing);
    const { logger, lines } = captureLogger();
    const c = connector({ url: hec.url }, { logger });
    for (let i = 0; i < 2; i++) expect(statuses(await c.deliver(envelopes(1), neverAborts))).toEqual(['delivered']);
    expect(lines.filter((l) => l.includes('nearing capacity'))).toHaveLength(1);
  });

  it('connection refused: retry', async () => {
    const hec = await receiver();
    const { url } = hec;
    await hec.close();
    const outcomes = await connector({ url }).deliver(envelopes(2), neverAborts);
    expect(outcomes).toEqual(new Array(2).fill({ status: 'retry', reason: 'network: ECONNREFUSED' }));
  });

  it('no answer before the signal times out: retry', async () => {
    const silent = createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    cleanup.push(async () => {
      silent.closeAllConnections();
      await new Promise((resolve) => silent.close(resolve));
    });
    const url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
    const outcomes = await connector({ url }).deliver(envelopes(1), AbortSignal.timeout(200));
    expect(outcomes).toEqual([{ status: 'retry', reason: 'network: ETIMEDOUT' }]);
  });

  it('never lets the token out, in outcomes or logs', async () => {
    const hec = await receiver();
    const { logger, lines } = captureLogger();
    const c = connector({ url: hec.url }, { logger });
    // A proxy that echoes the Authorization header back, in a failure and in a success.
    hec.failNext(1, { status: 401, body: { text: `Bad header: Splunk ${HEC_TOKEN}`, code: 3 } });
    hec.failNext(1, { status: 503, body: `upstream refused Splunk ${HEC_TOKEN}` });
    hec.failNext(1, { status: 200, body: { text: `nearing capacity for ${HEC_TOKEN}`, code: 25 } });
    const outcomes = [];
    for (let i = 0; i < 3; i++) outcomes.push(...(await c.deliver(envelopes(1), neverAborts)));
    expect(statuses(outcomes)).toEqual(['unauthorized', 'retry', 'delivered']);
    const seen = JSON.stringify(outcomes) + lines.join('');
    expect(seen).not.toContain(HEC_TOKEN);
    expect(seen).toContain(MASK);
    const health = await createHecConnector({ url: hec.url, token: `${HEC_TOKEN}-wrong` }).healthcheck!(neverAborts).catch((e: Error) => e.message);
    expect(health).not.toContain(HEC_TOKEN);
  });

  describe('healthcheck', () => {
    it('passes when HEC is healthy and takes the token', async () => {
      const hec = await receiver();
      await expect(connector({ url: hec.url }).healthcheck!(neverAborts)).resolves.toBeUndefined();
    });

    it('fails with HEC words for a bad token', async () => {
      const hec = await receiver('another-token-value');
      await expect(connector({ url: hec.url }).healthcheck!(neverAborts)).rejects.toThrow('HEC health check failed: HEC 400 code 4: Invalid token');
    });

    it('fails when HEC does not answer', async () => {
      const hec = await receiver();
      const { url } = hec;
      await hec.close();
      await expect(connector({ url }).healthcheck!(neverAborts)).rejects.toThrow(/HEC health check failed: .*ECONNREFUSED/);
    });
  });
});
