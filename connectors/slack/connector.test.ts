import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from 'pino';
import { silentLogger } from '../../src/observability/logger.js';
import { MASK } from '../../src/observability/redact.js';
import { startSlackReceiver, type SlackReceiver } from '../../src/demo/slack-receiver.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import { captureLogger, neverAborts } from '../../test/hec.helpers.js';
import { MemoryState } from '../../test/helpers/memory-state.js';
import type { Connector } from '../types.js';
import { slackOptions, slackPlugin } from './index.js';
import type { SlackMessage } from './message.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

async function receiver(): Promise<SlackReceiver> {
  const r = await startSlackReceiver();
  cleanup.push(() => r.close());
  return r;
}

/** A slack connector built the way the bridge builds one: raw config through the schema. */
function connector(config: Record<string, unknown>, logger: Logger = silentLogger): Connector {
  const c = slackPlugin.create(slackOptions.parse(config), { name: 'slack', logger, batch: slackPlugin.batchDefaults, state: new MemoryState() });
  cleanup.push(() => c.close());
  return c;
}

function event(n: number, data: Record<string, unknown> = {}): Envelope {
  return {
    id: `evt-${n}`,
    type: 'finding.new',
    severity: 'critical',
    asset: { id: 'a-1001', name: 'api.example.com' },
    subscription: 'findings',
    receivedAt: 1_777_377_660_000 + n,
    data: { finding_id: `f-${n}`, title: `SQL Injection ${n}`, severity: 'critical', cvss: 9.8, ...data },
  };
}

const statuses = (outcomes: readonly { status: string }[]) => outcomes.map((o) => o.status);
const texts = (r: SlackReceiver) => r.messages().map((m) => (m as SlackMessage).text);

describe('slack connector against a Slack webhook receiver', () => {
  it('is the `slack` type: one message per event, about one per second', () => {
    expect(slackPlugin.type).toBe('slack');
    expect(slackPlugin.batchDefaults).toEqual({ maxEvents: 1, maxBytes: 40_000, maxDelayMs: 0 });
    expect(slackPlugin.deliveryDefaults).toEqual({ rateLimit: { max: 1, perMs: 1_000 }, concurrency: 1 });
  });

  it('posts each event as a message, in order', async () => {
    const slack = await receiver();
    const outcomes = await connector({ webhook_url: slack.url, platform_url: 'https://app.s4e.io' }).deliver([event(1), event(2)], neverAborts);
    expect(statuses(outcomes)).toEqual(['delivered', 'delivered']);
    expect(texts(slack)).toEqual(['[CRITICAL] SQL Injection 1 on api.example.com', '[CRITICAL] SQL Injection 2 on api.example.com']);
    expect(JSON.stringify(slack.messages()[0])).toContain('<https://app.s4e.io/findings/f-1|Open finding in S4E>');
  });

  it('delivers a 10,000-character title and 30 fields, cut to Block Kit limits', async () => {
    const slack = await receiver();
    const extra = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field_${i}`, `value ${i}`]));
    const outcomes = await connector({ webhook_url: slack.url }).deliver([event(1, { title: 'T'.repeat(10_000), ...extra })], neverAborts);
    expect(outcomes).toEqual([{ status: 'delivered' }]);
    expect(slack.messages()).toHaveLength(1);
  });

  it('429 with Retry-After: 2: retry in 2 s, and the rest of the batch waits; delivered once Slack allows', async () => {
    const slack = await receiver();
    slack.failNext(1, { status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } });
    const c = connector({ webhook_url: slack.url });
    const outcomes = await c.deliver([event(1), event(2)], neverAborts);
    expect(outcomes[0]).toEqual({ status: 'retry', reason: 'Slack 429: rate_limited', retryAfterMs: 2_000, response: 'rate_limited' });
    expect(outcomes[1]).toMatchObject({ status: 'retry', reason: 'not sent: an earlier message of the batch got Slack 429: rate_limited', retryAfterMs: 2_000 });
    expect(slack.requests).toBe(1);
    expect(statuses(await c.deliver([event(1)], neverAborts))).toEqual(['delivered']);
  });

  it('404 no_service (a revoked webhook): unauthorized, and the rest of the batch is not posted', async () => {
    const slack = await receiver();
    const outcomes = await connector({ webhook_url: `${slack.url}x` }).deliver([event(1), event(2)], neverAborts);
    expect(outcomes).toEqual([
      { status: 'unauthorized', reason: 'Slack 404: no_service', response: 'no_service' },
      { status: 'unauthorized', reason: 'not sent: an earlier message of the batch got Slack 404: no_service', response: 'no_service' },
    ]);
  });

  it('400 invalid_payload fails that message only', async () => {
    const slack = await receiver();
    slack.failNext(1, { status: 400, body: 'invalid_payload' });
    const outcomes = await connector({ webhook_url: slack.url }).deliver([event(1), event(2)], neverAborts);
    expect(outcomes).toEqual([{ status: 'failed', reason: 'Slack 400: invalid_payload', response: 'invalid_payload' }, { status: 'delivered' }]);
  });

  it('500: retry', async () => {
    const slack = await receiver();
    slack.failNext(1, { status: 500, body: 'rollup_error' });
    expect(await connector({ webhook_url: slack.url }).deliver([event(1)], neverAborts)).toEqual([
      { status: 'retry', reason: 'Slack 500: rollup_error', response: 'rollup_error' },
    ]);
  });

  it('200 with a body other than ok: failed', async () => {
    const slack = await receiver();
    slack.failNext(1, { status: 200, body: '<html>Welcome to the proxy</html>' });
    expect(await connector({ webhook_url: slack.url }).deliver([event(1)], neverAborts)).toEqual([
      { status: 'failed', reason: 'Slack 200 without "ok": "<html>Welcome to the proxy</html>"', response: '<html>Welcome to the proxy</html>' },
    ]);
  });

  it('connection refused: retry', async () => {
    const slack = await receiver();
    const { url } = slack;
    await slack.close();
    expect(await connector({ webhook_url: url }).deliver([event(1)], neverAborts)).toEqual([{ status: 'retry', reason: 'network: ECONNREFUSED' }]);
  });

  describe('healthcheck', () => {
    it('passes for a live webhook, and posts nothing', async () => {
      const slack = await receiver();
      await expect(connector({ webhook_url: slack.url }).healthcheck!(neverAborts)).resolves.toBeUndefined();
      expect(slack.messages()).toEqual([]);
    });

    it('fails with Slack’s error for a revoked webhook', async () => {
      const slack = await receiver();
      await expect(connector({ webhook_url: `${slack.url}x` }).healthcheck!(neverAborts)).rejects.toThrow('Slack webhook check failed: Slack 404: no_service');
    });
  });

  it('never lets the webhook URL out, in outcomes, errors or logs', async () => {
    const slack = await receiver();
    const { url } = slack;
    const path = new URL(url).pathname;
    const token = path.split('/').at(-1)!;
    const { logger, lines } = captureLogger();
    const c = connector({ webhook_url: url, tls: { insecure_skip_verify: true } }, logger);
    // A proxy that echoes what it was asked for, in every kind of answer.
    slack.failNext(1, { status: 500, body: `upstream refused POST ${url}` });
    slack.failNext(1, { status: 404, body: `no route for ${path}` });
    slack.failNext(1, { status: 200, body: `captured ${token}` });
    slack.failNext(1, { status: 403, body: `forbidden: ${path}` });
    const outcomes = [];
    for (let i = 0; i < 4; i++) outcomes.push(...(await c.deliver([event(i)], neverAborts)));
    expect(statuses(outcomes)).toEqual(['retry', 'failed', 'failed', 'unauthorized']);
    const health = await c.healthcheck!(neverAborts).catch((e: Error) => e.message);
    await slack.close();
    outcomes.push(...(await c.deliver([event(9)], neverAborts)));
    const seen = JSON.stringify(outcomes) + String(health) + lines.join('');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [url, path, token]) expect(seen).not.toContain(secret);
    expect(seen).toContain(MASK);
  });
});
