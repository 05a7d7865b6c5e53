import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingLabel } from '../connectors/jira/finding.js';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startJiraReceiver, type JiraReceiver } from '../src/demo/jira-receiver.js';
import { startSlackReceiver, type SlackReceiver } from '../src/demo/slack-receiver.js';
import { startSyslogReceiver, type SyslogReceiver } from '../src/demo/syslog-receiver.js';
import { parseCef, parseSyslog } from './cef-syslog.helpers.js';
import { startBridge, type BridgeHarness } from './helpers/bridge-harness.js';
import { sseEvent, startHostileSse, until, type HostileSseServer } from './helpers/hostile-sse.js';

/**
 * Hostile event data, end to end: one stream carrying it through the in-process bridge (decode,
 * rules, templates, the Redis store round trip) to local HEC, syslog (TCP), Slack and Jira
 * receivers. Each event gets a safe, escaped output or is set aside with a reason, and the
 * stream goes on. The connectors' own unit tests cover the escaping rules in depth
 * (cef-syslog/encoder.test.ts, slack/message.test.ts and text.test.ts, jira/jql.test.ts and
 * markup.test.ts, templates.compile.test.ts); this proves it holds through the whole bridge.
 */
const TOKEN = 'payload-hec-token-51f0';
const JIRA_TOKEN = 'payload-jira-token-77ab';
const DEPTH = 100_000;

const deepArray = `{"finding_id":"f-deep-array","title":"deep array","nested":${'['.repeat(DEPTH)}${']'.repeat(DEPTH)}}`;
const deepObject = `{"finding_id":"f-deep-object","title":"deep object","nested":${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}}`;
const modest = `{"finding_id":"f-nested-20","title":"20 levels","nested":${'{"a":'.repeat(20)}1${'}'.repeat(20)}}`;
const proto =
  '{"finding_id":"f-proto","title":"proto","severity":"low","__proto__":{"polluted":"yes","severity":"critical","isAdmin":true},' +
  '"constructor":{"prototype":{"polluted":"yes"}},"prototype":{"polluted":"yes"},"kind":"proto"}';
const CEF_TITLE = 'x|y\\z=w\r\nCEF:0|Forged|Forged|1|forged|forged|10|src=6.6.6.6\n<13>1 2026-01-01T00:00:00Z forged - - - - forged record';
const SLACK_TITLE = '<!channel> ping <!here> <@U12345> <https://evil.example|Click me>';
const JQL_ID = 'f-jql" OR project = OTHER OR labels = "x';
const WIKI_TITLE = '{color:red}*x*{color} [click|http://evil.example] {code}x{code} !http://evil.example/a.png! h1. heading';
/** About 600 KB of data, under the 1 MB limit: 30,000 fields. */
const huge = JSON.stringify({
  finding_id: 'f-huge',
  title: 'huge',
  severity: 'high',
  ...Object.fromEntries(Array.from({ length: 30_000 }, (_, i) => [`k${String(i).padStart(5, '0')}`, `v${i}`])),
});
const HBS = "{{#each this}}{{@key}}{{/each}} {{lookup this 'constructor'}} {{constructor.constructor 'return 1'}}";

const events: { id: string; event: string; data: string }[] = [
  { id: 'evt-deep-array', event: 'finding.new', data: deepArray },
  { id: 'evt-deep-object', event: 'finding.new', data: deepObject },
  { id: 'evt-nested-20', event: 'finding.new', data: modest },
  { id: 'evt-proto', event: 'finding.new', data: proto },
  { id: 'evt-cef', event: 'finding.new', data: JSON.stringify({ finding_id: 'f-cef', title: CEF_TITLE, description: ' cs1=forged externalId=forged\nmsg=forged', severity: 'high' }) },
  { id: 'evt-slack', event: 'finding.new', data: JSON.stringify({ finding_id: 'f-slack', title: SLACK_TITLE, description: '<!everyone> &amp; <mailto:a@evil.example|support>', severity: 'high' }) },
  { id: 'evt-jql', event: 'finding.new', data: JSON.stringify({ finding_id: JQL_ID, title: WIKI_TITLE, description: WIKI_TITLE, severity: 'high' }) },
  { id: 'evt-hbs', event: 'finding.new', data: JSON.stringify({ finding_id: 'f-hbs', title: HBS, kind: HBS, severity: 'high' }) },
  { id: 'evt-severity', event: 'finding.new', data: JSON.stringify({ finding_id: 'f-severity', title: 'severity from the prototype', severity: '__proto__' }) },
  { id: 'evt-huge', event: 'finding.new', data: huge },
  { id: 'evt-last', event: 'finding.new', data: JSON.stringify({ finding_id: 'f-last', title: 'the stream goes on', severity: 'high' }) },
];
/** Everything but the two nested 100,000 levels deep, which are set aside. */
const DELIVERED = events.length - 2;

let sse: HostileSseServer;
let hec: HecReceiver;
let syslog: SyslogReceiver;
let slack: SlackReceiver;
let jira: JiraReceiver;
let harness: BridgeHarness;

beforeAll(async () => {
  sse = await startHostileSse(() => events.map((e) => sseEvent(e)));
  hec = await startHecReceiver({ token: TOKEN });
  syslog = await startSyslogReceiver({ transport: 'tcp', framing: 'octet_counting' });
  slack = await startSlackReceiver();
  jira = await startJiraReceiver({ deployment: 'datacenter', token: JIRA_TOKEN });
  harness = await startBridge(`source:
  base_url: ${sse.url}
  api_key: payload-api-key-0c3e
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: ${TOKEN}
    sourcetype: "s4e:{{data.kind}}"
    batch: { max_events: 1, max_delay: 10ms }
  siem:
    type: cef_syslog
    host: 127.0.0.1
    port: ${syslog.port}
    framing: octet_counting
    batch: { max_delay: 10ms }
  chat:
    type: slack
    webhook_url: ${slack.url}
    delivery: { rate_limit: { max: 100, per: 1s } }
  tickets:
    type: jira
    deployment: datacenter
    url: ${jira.url}
    token: ${JIRA_TOKEN}
    project: SEC
routes:
  - name: canary
    match: { where: { data.polluted: { exists: true } } }
    to: [chat]
    continue: false
  - name: all
    to: [splunk, siem, chat, tickets]
`);
  await until(
    () => hec.eventCount >= DELIVERED && syslog.count >= DELIVERED && slack.messages().length >= DELIVERED && jira.issues().length >= DELIVERED,
    'every connector to have every deliverable event',
    30_000,
  );
}, 60_000);

afterAll(async () => {
  await harness?.stop();
  await Promise.all([sse?.close(), hec?.close(), syslog?.close(), slack?.close(), jira?.close()]);
});

const hecEvent = (id: string) => hec.received().find((e) => e.event.id === id);
const cefOf = (id: string) => syslog.messages().map((m) => parseCef(parseSyslog(m).msg)).find((c) => c.extensions.cs4 === id);
const slackOf = (id: string) => slack.messages().find((m) => JSON.stringify(m).includes(` · ${id}`)) as { text: string; blocks: unknown[]; attachments: { blocks: unknown[] }[] };
/** Every mrkdwn text of a Slack message (the ones Slack parses for mentions and links). */
const mrkdwnTexts = (message: unknown): string[] => {
  const out: string[] = [];
  const walk = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(walk);
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
      Object.values(o).forEach(walk);
    }
  };
  walk(message);
  return out;
};

describe('hostile event data through the bridge', () => {
  it('sets JSON nested 100,000 levels deep aside with its reason (no stack overflow), and the stream goes on', async () => {
    const malformed = await harness.store.malformed(10);
    expect(malformed.map((m) => [m.id, m.reason]).sort()).toEqual([
      ['evt-deep-array', 'data is nested deeper than 128 levels'],
      ['evt-deep-object', 'data is nested deeper than 128 levels'],
    ]);
    expect(malformed.every((m) => m.raw.length <= 4096)).toBe(true);
    expect(hecEvent('evt-nested-20')).toBeDefined();
    expect(hecEvent('evt-last')).toBeDefined();
    expect(harness.logs.join('\n')).not.toContain('Maximum call stack');
  });

  it('delivers a huge (600 KB, 30,000 fields) event everywhere, cut to each destination’s limits', () => {
    expect(Object.keys(hecEvent('evt-huge')!.event.data)).toHaveLength(30_003);
    const fields = (slackOf('evt-huge').attachments[0]!.blocks as { type: string; fields?: { text: string }[] }[]).find((b) => b.fields)!.fields!;
    expect(fields).toHaveLength(10);
    expect(fields[9]!.text).toMatch(/more fields in the event/);
    expect(cefOf('evt-huge')!.name).toBe('huge');
    expect(jira.issues().filter((i) => (i.fields.labels as string[]).includes(findingLabel('f-huge')))).toHaveLength(1);
  });

  it('keeps __proto__ and constructor keys as plain data: no prototype pollution in routing, templates, the store or connectors', () => {
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    expect(Object.prototype).not.toHaveProperty('isAdmin');
    const proto = hecEvent('evt-proto')!;
    // The canary route (data.polluted exists → Slack only, stop) did not match: it went everywhere.
    expect(proto.sourcetype).toBe('s4e:proto');
    expect(Object.hasOwn(proto.event.data, '__proto__')).toBe(true);
    expect(proto.event.data.__proto__).toEqual({ polluted: 'yes', severity: 'critical', isAdmin: true });
    expect(proto.event.severity).toBe('low'); // the event's own, not one from a prototype
    expect(cefOf('evt-proto')!.severity).toBe('3');
    const slackFields = JSON.stringify(slackOf('evt-proto'));
    expect(slackFields).toContain('*Proto*'); // shown as data, not taken for a label
    expect(slackFields).toContain('*Constructor*');
    // An unknown severity that names a prototype member maps to `unknown`.
    expect(hecEvent('evt-severity')!.event.severity).toBe('unknown');
    expect(cefOf('evt-severity')!.severity).toBe('5');
  });

  it('keeps CEF metacharacters and newlines in a title inside one field of one syslog record', () => {
    expect(syslog.count).toBe(DELIVERED); // one record per event: no extra, forged record
    expect(syslog.messages().some((m) => m.startsWith('<13>') || m.includes('\n') || m.includes('\r'))).toBe(false);
    const cef = cefOf('evt-cef')!;
    expect(cef.vendor).toBe('S4E');
    expect(cef.name).toBe(CEF_TITLE.replace(/[\r\n]/g, ' '));
    expect(cef.severity).toBe('8');
    expect(cef.extensions.msg).toBe(' cs1=forged externalId=forged\nmsg=forged');
    expect(cef.extensions.externalId).toBe('f-cef');
    expect(cef.extensions).not.toHaveProperty('cs1');
    expect(cef.extensions).not.toHaveProperty('src');
  });

  it('never lets event data ping a channel or disguise a link in Slack', () => {
    const message = slackOf('evt-slack');
    for (const text of [message.text, ...mrkdwnTexts(message)]) {
      expect(text).not.toMatch(/<[!@#](?!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[\d:TZ.-]+>)/); // the bridge's own date stamp only
      expect(text).not.toMatch(/<(https?|mailto):/);
    }
    expect(message.text).toContain('&lt;!channel&gt;');
    expect(mrkdwnTexts(message).join('\n')).toContain('&lt;!everyone&gt; &amp;amp; &lt;mailto:a@evil.example|support&gt;');
  });

  it('keeps a JQL injection in a finding id one literal, and wiki markup in a title inert', () => {
    const label = findingLabel(JQL_ID);
    const issues = jira.issues().filter((i) => (i.fields.labels as string[]).includes(label));
    expect(issues).toHaveLength(1);
    // Every search the connector made parsed as `project = … AND labels = <one literal>`.
    const searches = jira.requests().filter((r) => r.path.endsWith('/search'));
    expect(searches.length).toBeGreaterThan(0);
    for (const search of searches) expect((search.body as { jql: string }).jql).toMatch(/^project = "SEC" AND labels = "(?:[^"\\]|\\.)*"$/);
    const description = String(issues[0]!.fields.description);
    expect(description).toContain('\\{color:red\\}\\*x\\*\\{color\\} \\[click\\|http://evil.example\\]');
    expect(description).not.toMatch(/(^|[^\\])\[click\|/);
    expect(description).not.toMatch(/(^|[^\\])!http/);
    expect(issues[0]!.fields.summary).not.toMatch(/[\r\n]/);
  });

  it('renders handlebars expressions inside event data as text, never evaluated', () => {
    const event = hecEvent('evt-hbs')!;
    expect(event.sourcetype).toBe(`s4e:${HBS}`);
    expect(cefOf('evt-hbs')!.name).toBe(HBS);
    expect(jira.issues().find((i) => (i.fields.labels as string[]).includes(findingLabel('f-hbs')))!.fields.summary).toBe(`[S4E] ${HBS}`);
  });

  it('dead-letters nothing: every hostile event got a safe output or was set aside', async () => {
    for (const connector of ['splunk', 'siem', 'chat', 'tickets']) expect(await harness.store.deadLetters(connector).count()).toBe(0);
  });
});
