import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { parseJql, startJiraReceiver, type JiraReceiver, type JiraReceiverOptions } from '../../src/demo/jira-receiver.js';
import { MASK } from '../../src/observability/redact.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import type { FindingStatusSets } from '../../src/pipeline/lifecycle.js';
import { keyTag } from '../../src/store/redis/keys.js';
import { createRedisStore } from '../../src/store/redis/redis-store.js';
import { captureLogger, neverAborts } from '../../test/hec.helpers.js';
import { MemoryState } from '../../test/helpers/memory-state.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from '../../test/helpers/redis.js';
import type { Connector, ConnectorState, DeliveryOutcome } from '../types.js';
import { LOCK_TTL_MS } from './connector.js';
import { jiraOptions, jiraPlugin } from './index.js';

const EMAIL = 'bridge@example.com';
const API_TOKEN = 'atl-api-token-7f3c9e21-b5d4-4a8e-9c61-c0ffee000002';
const BASIC = Buffer.from(`${EMAIL}:${API_TOKEN}`).toString('base64');
const PAT = 'dc-pat-NjQ1ODkyMzQ1Njc4-c0ffee000003';

type Deployment = JiraReceiverOptions['deployment'];

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

async function receiver(deployment: Deployment = 'cloud', options: Partial<JiraReceiverOptions> = {}): Promise<JiraReceiver> {
  const jira = await startJiraReceiver({ deployment, token: deployment === 'cloud' ? API_TOKEN : PAT, email: EMAIL, ...options });
  cleanup.push(() => jira.close());
  return jira;
}

/** A jira connector built the way the bridge builds one: raw config through the schema. */
function connector(
  jira: JiraReceiver,
  deployment: Deployment,
  config: Record<string, unknown> = {},
  context: { state?: ConnectorState; logger?: Logger; findingStatus?: FindingStatusSets } = {},
): Connector {
  const credentials = deployment === 'cloud' ? { email: EMAIL, api_token: API_TOKEN } : { token: PAT };
  const options = jiraOptions.parse({ url: jira.url, deployment, project: 'SEC', ...credentials, ...config });
  const c = jiraPlugin.create(options, {
    name: 'jira',
    logger: context.logger ?? captureLogger().logger,
    batch: jiraPlugin.batchDefaults,
    state: context.state ?? new MemoryState(),
    findingStatus: context.findingStatus,
  });
  cleanup.push(() => c.close());
  return c;
}

/** The bridge's own state store, shared as replicas share it (MemoryState's setIfAbsent is not atomic across awaits). */
async function redisState(): Promise<ConnectorState> {
  const prefix = uniquePrefix('jira');
  const store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix });
  cleanup.push(async () => {
    await store.close();
    await deleteKeys(keyTag(prefix));
  });
  return store.state('jira');
}

let eventCount = 0;
function event(type: string, data: Record<string, unknown>, severity = 'critical'): Envelope {
  eventCount += 1;
  return {
    id: `evt-${eventCount}`,
    type,
    data,
    severity,
    asset: { id: 'a-1001', name: 'api.example.com' },
    subscription: 'findings',
    receivedAt: Date.UTC(2026, 3, 28, 12, 1),
  };
}

const newFinding = (findingId = 'f-91827', data: Record<string, unknown> = {}) =>
  event('finding.new', { finding_id: findingId, title: 'SQL Injection', severity: 'critical', cvss: 9.8, ...data });
/** As the bridge delivers it: enriched with the finding's title (see src/pipeline/lifecycle.ts). */
const statusChanged = (newStatus: string, findingId = 'f-91827') =>
  event('finding.status_changed', { finding_id: findingId, title: 'SQL Injection', old_status: 'open', new_status: newStatus });

async function deliverOne(c: Connector, e: Envelope): Promise<DeliveryOutcome> {
  const [outcome] = await c.deliver([e], neverAborts);
  return outcome!;
}

/** Delivers until the outcome is final, as the delivery layer would (without its waits). */
async function settle(c: Connector, e: Envelope): Promise<DeliveryOutcome> {
  for (let attempt = 0; attempt < 200; attempt++) {
    const outcome = await deliverOne(c, e);
    if (outcome.status !== 'retry') return outcome;
    await sleep(5);
  }
  throw new Error(`${e.id} never settled`);
}

const DELIVERED = { status: 'delivered' };
const creates = (jira: JiraReceiver) => jira.requests().filter((r) => r.method === 'POST' && /\/issue$/.test(r.path));

describe('jira connector, Cloud (REST v3)', () => {
  it('opens an issue for a new finding: ADF description, Basic auth, priority from severity, the stable label', async () => {
    const jira = await receiver();
    const state = new MemoryState();
    const c = connector(jira, 'cloud', { platform_url: 'https://app.s4e.io/findings/{finding_id}' }, { state });
    expect(await deliverOne(c, newFinding())).toEqual(DELIVERED);

    expect(jira.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/api/3/search/jql', 'POST /rest/api/3/issue']);
    expect(jira.requests()[0]!.body).toEqual({ jql: 'project = "SEC" AND labels = "s4e-finding-f-91827"', fields: ['status'], maxResults: 1 });
    const [issue] = jira.issues();
    expect(issue).toMatchObject({
      key: 'SEC-1',
      status: 'To Do',
      fields: {
        project: { key: 'SEC' },
        issuetype: { name: 'Bug' },
        summary: '[S4E] SQL Injection on api.example.com',
        priority: { name: 'Highest' },
        labels: ['s4e', 's4e-finding-f-91827'],
      },
    });
    const description = issue!.fields.description as { type: string; content: { content: unknown[] }[] };
    expect(description).toMatchObject({ type: 'doc', version: 1 });
    expect(description.content[0]!.content).toEqual([
      { type: 'text', text: 'Title:', marks: [{ type: 'strong' }] },
      { type: 'text', text: ' SQL Injection' },
    ]);
    expect(description.content).toContainEqual({
      type: 'paragraph',
      content: [{ type: 'text', text: 'Open in S4E', marks: [{ type: 'link', attrs: { href: 'https://app.s4e.io/findings/f-91827' } }] }],
    });
    expect(await state.get('issue:f-91827')).toBe('SEC-1');
    expect(await state.get('lock:f-91827')).toBeUndefined();
  });

  it('leaves out the priority for a severity outside the scale', async () => {
    const jira = await receiver();
    await deliverOne(connector(jira, 'cloud'), event('finding.new', { finding_id: 'f-1', title: 'x' }, 'unknown'));
    expect(jira.issues()[0]!.fields.priority).toBeUndefined();
  });

  describe('exactly one issue per finding, while search lags', () => {
    it.each([
      ['five connector instances (replicas) sharing the state', 5],
      ['one connector instance', 1],
    ])('the same finding delivered 5 times concurrently, by %s', async (_, instances) => {
      const jira = await receiver('cloud', { searchLagMs: 60_000 });
      const state = await redisState();
      const connectors = Array.from({ length: instances }, () => connector(jira, 'cloud', {}, { state }));
      const e = newFinding();
      const first = await Promise.all(Array.from({ length: 5 }, (_, i) => deliverOne(connectors[i % instances]!, e)));
      expect(first.filter((o) => o.status === 'delivered')).toHaveLength(1);
      for (const o of first.filter((o) => o.status !== 'delivered')) {
        expect(o).toEqual({ status: 'retry', reason: 'finding f-91827 is being handled by another delivery', retryAfterMs: 1_000 });
      }
      // The delivery layer comes back for the four: they find the map and comment.
      const later = await Promise.all(first.map((o, i) => (o.status === 'retry' ? settle(connectors[i % instances]!, e) : o)));
      expect(later).toEqual(new Array(5).fill(DELIVERED));
      expect(creates(jira)).toHaveLength(1);
      expect(jira.issues()).toHaveLength(1);
      expect(jira.issues()[0]!.comments).toHaveLength(4);

      // A restart: a new instance, the same durable state, still no search can see the issue.
      const restarted = connector(jira, 'cloud', {}, { state });
      expect(await deliverOne(restarted, newFinding())).toEqual(DELIVERED);
      expect(jira.issues()).toHaveLength(1);
      expect(jira.issues()[0]!.comments).toHaveLength(5);
      expect(jira.issues()[0]!.comments[4]).toEqual({
        type: 'doc',
        version: 1,
        content: [{ type: 'paragraph', content: [{ type: 'text', text: expect.stringMatching(/^S4E reported this finding again \(event evt-\d+/) }] }],
      });
    });

    it('the map lost, the label searchable: the issue is found by its label, and remembered', async () => {
      const jira = await receiver();
      await deliverOne(connector(jira, 'cloud'), newFinding());
      const state = new MemoryState();
      expect(await deliverOne(connector(jira, 'cloud', {}, { state }), newFinding())).toEqual(DELIVERED);
      expect(jira.issues()).toHaveLength(1);
      expect(jira.issues()[0]!.comments).toHaveLength(1);
      expect(await state.get('issue:f-91827')).toBe('SEC-1');
    });

    it('no comment on a repeat with comment_on_repeat: false', async () => {
      const jira = await receiver();
      const c = connector(jira, 'cloud', { comment_on_repeat: false });
      await deliverOne(c, newFinding());
      expect(await deliverOne(c, newFinding())).toEqual(DELIVERED);
      expect(jira.issues()[0]!.comments).toEqual([]);
    });

    it('a create without an answer keeps the finding locked until the lock expires, then finds the issue instead of creating another', async () => {
      const jira = await receiver('cloud', { searchLagMs: 200 });
      jira.failNext(1, { status: 502, body: '<html>Bad Gateway</html>', on: 'POST /rest/api/3/issue', processed: true });
      const state = new MemoryState();
      const c = connector(jira, 'cloud', {}, { state });
      expect(await deliverOne(c, newFinding())).toEqual({ status: 'retry', reason: 'create issue: Jira 502', retryAfterMs: LOCK_TTL_MS, response: '<html>Bad Gateway</html>' });
      expect(await state.get('lock:f-91827')).toBeDefined();
      expect(await deliverOne(c, newFinding())).toMatchObject({ status: 'retry', retryAfterMs: 1_000 });

      await state.delete('lock:f-91827'); // the TTL running out
      await sleep(250); // and the search index catching up
      expect(await deliverOne(c, newFinding())).toEqual(DELIVERED);
      expect(jira.issues()).toHaveLength(1);
      expect(await state.get('issue:f-91827')).toBe('SEC-1');
    });

    it('a create Jira refused releases the lock at once', async () => {
      const jira = await receiver();
      jira.failNext(1, { status: 429, headers: { 'retry-after': '5' }, on: 'POST /rest/api/3/issue' });
      const state = new MemoryState();
      expect(await deliverOne(connector(jira, 'cloud', {}, { state }), newFinding())).toEqual({
        status: 'retry',
        reason: 'create issue: Jira 429',
        retryAfterMs: 5_000,
      });
      expect(await state.get('lock:f-91827')).toBeUndefined();
    });
  });

  describe('status changes', () => {
    it('to a resolved status: comment, then the transition to the done category; a redelivery changes nothing', async () => {
      const jira = await receiver();
      const c = connector(jira, 'cloud');
      await deliverOne(c, newFinding());
      const resolved = statusChanged('resolved');
      expect(await deliverOne(c, resolved)).toEqual(DELIVERED);
      const [issue] = jira.issues();
      expect(issue!.status).toBe('Done');
      expect(issue!.comments).toEqual([
        {
          type: 'doc',
          version: 1,
          content: [{ type: 'paragraph', content: [{ type: 'text', text: expect.stringMatching(/^S4E: finding status changed from open to resolved/) }] }],
        },
      ]);
      expect(jira.requests().at(-1)).toEqual({ method: 'POST', path: '/rest/api/3/issue/SEC-1/transitions', body: { transition: { id: '21' } } });

      const before = jira.requests().length;
      expect(await deliverOne(c, resolved)).toEqual(DELIVERED);
      expect(jira.requests().slice(before).map((r) => `${r.method} ${r.path}`)).toEqual(['GET /rest/api/3/issue/SEC-1/transitions']);
      expect(jira.issues()[0]!.comments).toHaveLength(1);
    });

    it('by the configured done_transition (case-insensitive), for any status of finding_status.close', async () => {
      const jira = await receiver();
      const c = connector(jira, 'cloud', { done_transition: "won't do" });
      await deliverOne(c, newFinding());
      expect(await deliverOne(c, statusChanged('FALSE_POSITIVE'))).toEqual(DELIVERED);
      expect(jira.issues()[0]!.status).toBe("Won't Do");
    });

    it('a done_transition the workflow does not offer: failed, naming what it offers', async () => {
      const jira = await receiver();
      const c = connector(jira, 'cloud', { done_transition: 'Close Issue' });
      await deliverOne(c, newFinding());
      expect(await deliverOne(c, statusChanged('resolved'))).toEqual({
        status: 'failed',
        reason: `transition "Close Issue" is not offered for SEC-1 (offered: Start Progress, Done, Won't Do)`,
      });
      expect(jira.issues()[0]!.status).toBe('To Do');
    });

    it('back to open: reopen_transition when configured, a comment otherwise', async () => {
      const jira = await receiver();
      const reopening = connector(jira, 'cloud', { reopen_transition: 'Reopen' });
      const commenting = connector(jira, 'cloud', {}, { state: new MemoryState() });
      await deliverOne(reopening, newFinding('f-1'));
      await deliverOne(reopening, newFinding('f-2'));
      for (const id of ['f-1', 'f-2']) await deliverOne(reopening, statusChanged('resolved', id));

      expect(await deliverOne(reopening, statusChanged('open', 'f-1'))).toEqual(DELIVERED);
      expect(await deliverOne(commenting, statusChanged('open', 'f-2'))).toEqual(DELIVERED);
      const [first, second] = jira.issues();
      expect(first).toMatchObject({ status: 'Reopened', comments: [expect.anything(), expect.anything()] });
      expect(second).toMatchObject({ status: 'Done', comments: [expect.anything(), expect.anything()] });
    });

    it('to in_progress (neither closing nor reopening): a comment, the issue stays where it is', async () => {
      const jira = await receiver();
      const c = connector(jira, 'cloud', { reopen_transition: 'Reopen' });
      await deliverOne(c, newFinding());
      expect(await deliverOne(c, statusChanged('in_progress'))).toEqual(DELIVERED);
      expect(jira.issues()[0]).toMatchObject({ status: 'To Do', comments: [expect.anything()] });
      expect(jira.requests().filter((r) => r.path.endsWith('/transitions'))).toEqual([]);
    });

    it('closes and reopens on the statuses the connector\'s finding_status names', async () => {
      const jira = await receiver();
      const c = connector(jira, 'cloud', { reopen_transition: 'Reopen' }, { findingStatus: { close: ['fixed'], reopen: ['regressed'] } });
      await deliverOne(c, newFinding());
      await deliverOne(c, statusChanged('resolved'));
      expect(jira.issues()[0]!.status).toBe('To Do');
      await deliverOne(c, statusChanged('FIXED'));
      expect(jira.issues()[0]!.status).toBe('Done');
      await deliverOne(c, statusChanged('regressed'));
      expect(jira.issues()[0]).toMatchObject({ status: 'Reopened', comments: [expect.anything(), expect.anything(), expect.anything()] });
    });

    it('for a finding without an issue: delivered as a no-op, logged at debug (a normal situation, not a warning)', async () => {
      const jira = await receiver();
      const { logger, lines } = captureLogger();
      expect(await deliverOne(connector(jira, 'cloud', {}, { logger }), statusChanged('resolved'))).toEqual(DELIVERED);
      expect(jira.requests().map((r) => r.path)).toEqual(['/rest/api/3/search/jql']);
      expect(jira.issues()).toEqual([]);
      expect(lines.filter((l) => l.includes('without an issue')).map((l) => (JSON.parse(l) as { level: number }).level)).toEqual([20]);
    });
  });

  it('a finding id trying JQL injection stays one quoted label', async () => {
    const jira = await receiver();
    const id = 'f-1" OR project = "OTHER\\';
    const label = 's4e-finding-f-1"%20OR%20project%20=%20"OTHER\\';
    await deliverOne(connector(jira, 'cloud'), newFinding(id));
    const { jql } = jira.requests()[0]!.body as { jql: string };
    expect(jql).toBe('project = "SEC" AND labels = "s4e-finding-f-1\\"%20OR%20project%20=%20\\"OTHER\\\\"');
    expect(parseJql(jql)).toEqual([
      { field: 'project', value: 'SEC' },
      { field: 'labels', value: label },
    ]);
    expect(jira.issues()[0]!.fields.labels).toEqual(['s4e', label]);
    // With the map lost, the mock finds the issue by that one label.
    expect(await deliverOne(connector(jira, 'cloud'), newFinding(id))).toEqual(DELIVERED);
    expect(jira.issues()).toHaveLength(1);
    expect(jira.issues()[0]!.comments).toHaveLength(1);
  });

  it('a finding id with control characters gets its issue, and is found again by its label', async () => {
    // The mock Jira refuses raw control characters in a JQL string, as Jira's grammar does.
    const jira = await receiver();
    const id = 'f-2\u0000\u0007\u001b[31m\u007f\u0085';
    const label = 's4e-finding-f-2%00%07%1B[31m%7F%C2%85';
    expect(await deliverOne(connector(jira, 'cloud'), newFinding(id))).toEqual(DELIVERED);
    expect(jira.issues()[0]!.fields.labels).toEqual(['s4e', label]);
    expect(await deliverOne(connector(jira, 'cloud'), newFinding(id))).toEqual(DELIVERED);
    expect(jira.issues()).toHaveLength(1);
    expect(jira.issues()[0]!.comments).toHaveLength(1);
  });

  describe('classification', () => {
    it('400 with field errors: failed with Jira’s messages; nothing remembered, the lock released', async () => {
      const jira = await receiver();
      const state = new MemoryState();
      const outcome = await deliverOne(connector(jira, 'cloud', { priority_map: { critical: 'P1' } }, { state }), newFinding());
      expect(outcome).toMatchObject({ status: 'failed', reason: "create issue: Jira 400: priority: Specify a valid 'id' or 'name' for Priority" });
      expect(await state.get('issue:f-91827')).toBeUndefined();
      expect(await state.get('lock:f-91827')).toBeUndefined();
    });

    it('429 with Retry-After: retry after that long', async () => {
      const jira = await receiver();
      jira.failNext(1, { status: 429, body: { errorMessages: ['Rate limit exceeded.'] }, headers: { 'retry-after': '7' } });
      expect(await deliverOne(connector(jira, 'cloud'), newFinding())).toEqual({
        status: 'retry',
        reason: 'search: Jira 429: Rate limit exceeded.',
        retryAfterMs: 7_000,
        response: '{"errorMessages":["Rate limit exceeded."]}',
      });
    });

    it('401 (a wrong token): unauthorized', async () => {
      const jira = await receiver('cloud', { token: 'another-token' });
      expect(await deliverOne(connector(jira, 'cloud'), newFinding())).toMatchObject({ status: 'unauthorized', reason: expect.stringMatching(/^search: Jira 401: You are not authenticated/) });
    });

    it('nobody listening: retry, and the lock released', async () => {
      const jira = await receiver();
      const state = new MemoryState();
      const c = connector(jira, 'cloud', {}, { state });
      await jira.close();
      expect(await deliverOne(c, newFinding())).toEqual({ status: 'retry', reason: 'search: network: ECONNREFUSED' });
      expect(await state.get('lock:f-91827')).toBeUndefined();
    });

    it('other event types are delivered as no-ops; finding events without their ids fail', async () => {
      const jira = await receiver();
      const c = connector(jira, 'cloud');
      const outcomes = await c.deliver(
        [
          event('scan.completed', { scan_id: 'sc-1' }),
          event('finding.new', { title: 'no id' }),
          event('finding.status_changed', { finding_id: 'f-1' }),
        ],
        neverAborts,
      );
      expect(outcomes).toEqual([
        DELIVERED,
        { status: 'failed', reason: 'finding.new event has no finding_id' },
        { status: 'failed', reason: 'finding.status_changed event has no new_status' },
      ]);
      expect(jira.requests()).toEqual([]);
    });
  });

  it('never lets a credential out, in outcomes or logs', async () => {
    const jira = await receiver();
    const { logger, lines } = captureLogger();
    const c = connector(jira, 'cloud', {}, { logger });
    jira.failNext(1, { status: 400, body: { errorMessages: [`bad header: Basic ${BASIC}`], errors: { token: API_TOKEN } } });
    const outcome = await deliverOne(c, newFinding());
    expect(outcome).toMatchObject({ status: 'failed', reason: `search: Jira 400: bad header: Basic ${MASK}; token: ${MASK}` });
    const outcomes = [outcome, ...(await c.deliver([newFinding(), newFinding(), statusChanged('resolved')], neverAborts))];
    const everything = JSON.stringify(outcomes) + lines.join('\n');
    expect(lines.length).toBeGreaterThan(0);
    for (const secret of [API_TOKEN, BASIC]) expect(everything).not.toContain(secret);
  });

  it('healthcheck: credentials and project, failures redacted', async () => {
    const jira = await receiver();
    await expect(connector(jira, 'cloud').healthcheck!(neverAborts)).resolves.toBeUndefined();
    await expect(connector(jira, 'cloud', { project: 'NOPE' }).healthcheck!(neverAborts)).rejects.toThrow(
      "Jira health check failed: check project NOPE: Jira 404: No project could be found with key 'NOPE'.",
    );
    jira.failNext(1, { status: 401, body: { errorMessages: [API_TOKEN] } });
    await expect(connector(jira, 'cloud').healthcheck!(neverAborts)).rejects.toThrow(`check credentials: Jira 401: ${MASK}`);
  });
});

describe('jira connector, Data Center (REST v2)', () => {
  it('opens an issue with a wiki-markup description, Bearer auth and the v2 search; untrusted text escaped', async () => {
    const jira = await receiver('datacenter');
    const title = '[Click here|https://evil.example] {noformat}*x*';
    expect(await deliverOne(connector(jira, 'datacenter'), newFinding('f-1', { title }))).toEqual(DELIVERED);
    expect(jira.requests().map((r) => `${r.method} ${r.path}`)).toEqual(['POST /rest/api/2/search', 'POST /rest/api/2/issue']);
    const { fields } = jira.issues()[0]!;
    // The summary is plain text in Jira: kept as is.
    expect(fields.summary).toBe(`[S4E] ${title} on api.example.com`);
    const description = fields.description as string;
    expect(description.split('\n\n')[0]).toBe('*Title:* \\[Click here\\|https://evil.example\\] \\{noformat\\}\\*x\\*');
    expect(description).toContain('*Finding:* f\\-1');
  });

  it('comments with wiki strings and closes through the workflow', async () => {
    const jira = await receiver('datacenter');
    const c = connector(jira, 'datacenter');
    await deliverOne(c, newFinding());
    await deliverOne(c, newFinding());
    expect(await deliverOne(c, statusChanged('resolved'))).toEqual(DELIVERED);
    const [issue] = jira.issues();
    expect(issue!.status).toBe('Done');
    expect(issue!.comments).toEqual([
      expect.stringMatching(/^S4E reported this finding again \\\(event evt\\-\d+, 2026\\-04\\-28T12:01:00\.000Z\\\)\.$/),
      expect.stringMatching(/^S4E: finding status changed from open to resolved \\\(event/),
    ]);
  });

  it('never lets the token out', async () => {
    const jira = await receiver('datacenter');
    const { logger, lines } = captureLogger();
    jira.failNext(1, { status: 403, body: { errorMessages: [`Bearer ${PAT} lacks permission`] } });
    const outcome = await deliverOne(connector(jira, 'datacenter', {}, { logger }), newFinding());
    expect(outcome).toMatchObject({ status: 'unauthorized', reason: `search: Jira 403: Bearer ${MASK} lacks permission` });
    expect(JSON.stringify(outcome) + lines.join('\n')).not.toContain(PAT);
  });
});
