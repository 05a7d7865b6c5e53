import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { slackMessageError } from '../../src/demo/slack-receiver.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import { SEVERITIES } from '../../src/pipeline/severity.js';
import { EVENT_TYPES } from '../../src/simulator/event-types.js';
import { EventGenerator } from '../../src/simulator/generator.js';
import { createRandom } from '../../src/simulator/random.js';
import { encodeSlackMessage, LIMITS, type SlackBlock, type SlackMessage, type SlackMessageOptions, type SlackText } from './message.js';
import { ELLIPSIS } from './text.js';

const TIME = Date.parse('2026-04-28T12:01:00.000Z');

function finding(overrides: Partial<Envelope> = {}, data: Record<string, unknown> = {}): Envelope {
  return {
    id: 'evt-1',
    type: 'finding.new',
    severity: 'critical',
    asset: { id: 'a-1001', name: 'api.example.com' },
    subscription: 'findings',
    receivedAt: TIME + 5,
    time: TIME,
    data: {
      finding_id: 'f-91827',
      title: 'SQL Injection',
      severity: 'critical',
      cvss: 9.8,
      asset: { id: 'a-1001', name: 'api.example.com' },
      asset_id: 'a-1001',
      scan_id: 'sc-41234',
      url: 'https://api.example.com/api/login',
      timestamp: '2026-04-28T12:01:00.000Z',
      ...data,
    },
    ...overrides,
  };
}

const encode = (envelope: Envelope, options?: SlackMessageOptions) => JSON.parse(encodeSlackMessage(envelope, options)) as SlackMessage;
const details = (m: SlackMessage) => m.attachments[0].blocks;
const fields = (m: SlackMessage) => details(m).flatMap((b) => (b.type === 'section' && b.fields ? b.fields.map((f) => f.text) : []));
const header = (m: SlackMessage) => (m.blocks[0] as Extract<SlackBlock, { type: 'header' }>).text.text;
const context = (m: SlackMessage) => details(m).flatMap((b) => (b.type === 'context' ? b.elements.map((e) => e.text) : []));

/** Every mrkdwn string of a message: what Slack parses for links, mentions and entities. */
function mrkdwnTexts(m: SlackMessage): string[] {
  const texts: string[] = [m.text];
  const visit = (t: SlackText | undefined) => t?.type === 'mrkdwn' && texts.push(t.text);
  for (const block of [...m.blocks, ...details(m)]) {
    if (block.type === 'section') [block.text, ...(block.fields ?? [])].forEach(visit);
    if (block.type === 'context') block.elements.forEach(visit);
  }
  return texts;
}

describe('Slack message', () => {
  it('a finding: fallback text, header, fields, colour and a link back', () => {
    const m = encode(finding(), { platformUrl: 'https://app.s4e.io' });
    expect(m.text).toBe('[CRITICAL] SQL Injection on api.example.com');
    expect(m.blocks).toEqual([{ type: 'header', text: { type: 'plain_text', text: '🔴 SQL Injection' } }]);
    expect(m.attachments[0].color).toBe('#b71c1c');
    expect(fields(m)).toEqual([
      '*Severity*\nCRITICAL',
      '*Event*\nfinding.new',
      '*Asset*\napi.example.com (a-1001)',
      '*Finding*\nf-91827',
      '*CVSS*\n9.8',
      '*Scan*\nsc-41234',
      '*URL*\nhttps://api.example.com/api/login',
    ]);
    expect(context(m)).toEqual([
      '<https://app.s4e.io/findings/f-91827|Open finding in S4E>',
      'finding.new · evt-1',
      `<!date^${TIME / 1000}^{date_short_pretty} {time_secs}|2026-04-28T12:01:00.000Z>`,
    ]);
    expect(slackMessageError(m)).toBeUndefined();
  });

  it('a status change says which, told with its finding\'s title when the bridge knew it', () => {
    const resolved = encode(finding({ type: 'finding.status_changed', enriched: true }, { old_status: 'open', new_status: 'resolved' }));
    expect(header(resolved)).toBe('🔴 SQL Injection: open → resolved');
    expect(resolved.text).toBe('[CRITICAL] SQL Injection: open → resolved on api.example.com');
    expect(fields(resolved)).toEqual(expect.arrayContaining(['*Status*\nresolved', '*Previous status*\nopen']));
    const unknown = encode({ ...finding({ type: 'finding.status_changed', severity: undefined, asset: undefined, enriched: false }), data: { finding_id: 'f-404', old_status: 'open', new_status: 'resolved' } });
    expect(header(unknown)).toBe('🔘 Finding f-404: open → resolved');
  });

  it('one colour and emoji per severity, grey for none', () => {
    const styles = SEVERITIES.map((severity) => {
      const m = encode(finding({ severity }));
      return `${m.attachments[0].color} ${header(m).split(' ')[0]}`;
    });
    expect(new Set(styles).size).toBe(SEVERITIES.length);
    const unrated = encode(finding({ severity: undefined }));
    expect(unrated.attachments[0].color).toBe('#9e9e9e');
    expect(unrated.text).toBe('SQL Injection on api.example.com');
    expect(encode(finding({ severity: 'urgent' })).text).toBe('[URGENT] SQL Injection on api.example.com');
  });

  it('links a scan when there is no finding, and nothing without platform_url', () => {
    const scan: Envelope = { ...finding(), type: 'scan.completed', data: { scan_id: 'sc 1/2', status: 'completed' } };
    expect(context(encode(scan, { platformUrl: 'https://app.s4e.io' }))[0]).toBe('<https://app.s4e.io/scans/sc%201%2F2|Open scan in S4E>');
    expect(context(encode(finding()))[0]).toBe('finding.new · evt-1');
  });

  it('puts the configured mention in the notification and in the message', () => {
    const m = encode(finding(), { mention: '<!here>' });
    expect(m.text).toBe('<!here> [CRITICAL] SQL Injection on api.example.com');
    expect(m.blocks[1]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: '<!here>' } });
  });

  it('reads well for every event type the platform sends', () => {
    const generator = new EventGenerator(createRandom(7));
    for (const type of EVENT_TYPES) {
      const [event] = generator.batch(1, '2026-04-28T12:01:00.000Z', type);
      const data = event!.data;
      const m = encode({ id: 'evt-9', type, data, subscription: 's', receivedAt: TIME, severity: data.severity as string | undefined });
      expect(slackMessageError(m), type).toBeUndefined();
      expect(m.text, type).not.toBe('');
      expect(fields(m), type).toContain(`*Event*\n${type}`);
    }
    const alert = encode({ id: 'e', type: 'system.alert', subscription: 's', receivedAt: TIME, severity: 'medium', data: { alert_type: 'license_expiry', message: 'License expires in 14 days.' } });
    expect(alert.text).toBe('[MEDIUM] System alert: License expires in 14 days.');
    expect(details(alert)[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: 'License expires in 14 days.' } });
    expect(fields(alert)).toContain('*Alert*\nlicense_expiry');
  });

  describe('untrusted data', () => {
    const hostile = '<!channel> <@U123> <https://evil|Open report> & co';
    const escaped = '&lt;!channel&gt; &lt;@U123&gt; &lt;https://evil|Open report&gt; &amp; co';

    it('is escaped in mrkdwn and plain in the header', () => {
      const m = encode(
        finding({ asset: { name: hostile } }, { title: hostile, description: hostile, cve: hostile, [hostile]: 'x' }),
        { platformUrl: 'https://app.s4e.io' },
      );
      expect(m.text).toBe(`[CRITICAL] ${escaped} on ${escaped}: ${escaped}`);
      expect(header(m)).toBe(`🔴 ${hostile}`); // plain_text: shown as typed, never parsed
      expect(details(m)[0]).toEqual({ type: 'section', text: { type: 'mrkdwn', text: escaped } });
      expect(fields(m)).toContain(`*Asset*\n${escaped}`);
      expect(fields(m)).toContain(`*CVE*\n${escaped}`);
      expect(fields(m)).toContain(`*${escaped}*\nx`);
    });

    it('never reaches a mrkdwn text with a live <, > or &', () => {
      const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.constantFrom('<!channel>', '<@U123>', '<https://evil|x>', '&amp;', '<!date^1^x|y>'));
      const scalar = fc.oneof(text, fc.double(), fc.boolean(), fc.constant(null));
      const data = fc.dictionary(text, fc.oneof(scalar, fc.array(scalar, { maxLength: 3 }), fc.dictionary(text, scalar, { maxKeys: 2 })), { maxKeys: 12 });
      const envelope = fc.record({
        id: text,
        type: text,
        data: fc.tuple(data, text, text, text).map(([d, title, description, finding_id]) => ({ ...d, title, description, finding_id })),
        severity: fc.option(text, { nil: undefined }),
        asset: fc.option(fc.record({ id: text, name: text }), { nil: undefined }),
        subscription: fc.constant('s'),
        receivedAt: fc.integer({ min: 0, max: 4_102_444_800_000 }),
      });
      fc.assert(
        fc.property(envelope, (e) => {
          const m = encode(e as Envelope, { platformUrl: 'https://app.s4e.io' });
          // Ours: the date (built from a number) and the platform link (id URL-encoded).
          const ours = /<!date\^\d+\^\{date_short_pretty\} \{time_secs\}\|[\d:.TZ+-]+>|<https:\/\/app\.s4e\.io\/findings\/[^\s<>|&]*\|Open finding in S4E>/g;
          for (const t of mrkdwnTexts(m)) {
            const rest = t.replace(ours, '');
            expect(rest).not.toMatch(/[<>]/);
            expect(rest).not.toMatch(/&(?!amp;|lt;|gt;)/);
          }
        }),
        { numRuns: 300 },
      );
    });
  });

  describe('limits', () => {
    const thirtyFields = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`field_${i}`, `value ${i}`]));

    it('a 10,000-character title and 30 fields are cut to Block Kit limits', () => {
      const m = encode(finding({}, { title: 'T'.repeat(10_000), ...thirtyFields }));
      expect(slackMessageError(m)).toBeUndefined();
      expect(header(m)).toHaveLength(LIMITS.header);
      expect(header(m).endsWith(ELLIPSIS)).toBe(true);
      expect(fields(m)).toHaveLength(LIMITS.fields);
      expect(fields(m).at(-1)).toBe('*More*\n28 more fields in the event');
      expect(m.text.length).toBeLessThanOrEqual(LIMITS.text);
    });

    it('long values are cut to their limits', () => {
      const m = encode(finding({}, { description: 'd'.repeat(10_000), cve: 'c'.repeat(10_000) }));
      expect(slackMessageError(m)).toBeUndefined();
      const section = details(m)[0] as Extract<SlackBlock, { type: 'section' }>;
      expect(section.text!.text).toHaveLength(LIMITS.sectionText);
      expect(fields(m).find((f) => f.startsWith('*CVE*'))).toHaveLength(LIMITS.fieldText);
    });

    it('shrinks to fit maxBytes', () => {
      const wide = Object.fromEntries(Array.from({ length: 10 }, (_, i) => [`k${i}`, '漢'.repeat(5_000)]));
      const envelope = finding({}, { description: '漢'.repeat(5_000), ...wide });
      for (const maxBytes of [40_000, 8_000]) {
        const body = encodeSlackMessage(envelope, { maxBytes });
        expect(Buffer.byteLength(body)).toBeLessThanOrEqual(maxBytes);
        expect(slackMessageError(JSON.parse(body))).toBeUndefined();
      }
    });
  });
});

describe('a route digest', () => {
  it('lists the held events, escaped, and counts the ones beyond the list', () => {
    const events = Array.from({ length: 35 }, (_, i) => ({
      id: `evt-${i}`,
      type: 'finding.new',
      severity: 'low',
      asset: { name: 'www.example.com' },
      data: { title: i === 0 ? '<!channel> Verbose banner' : `Finding ${i}` },
    }));
    const digest: Envelope = {
      id: 'digest:low-findings:1-0',
      type: 'digest',
      subscription: 'findings',
      receivedAt: Date.UTC(2026, 10, 23),
      severity: 'low',
      data: { route: 'low-findings', count: events.length, first_at: '2026-11-23T00:00:00Z', last_at: '2026-11-23T00:05:00Z', events },
    };
    const message = JSON.parse(encodeSlackMessage(digest)) as SlackMessage;
    const header = message.blocks[0] as { text: { text: string } };
    expect(header.text.text).toContain('35 events (route low-findings)');
    const body = JSON.stringify(message.attachments[0].blocks[0]);
    expect(body).toContain('• [LOW] &lt;!channel&gt; Verbose banner on www.example.com');
    expect(body).toContain('… and 5 more');
    expect(body).not.toContain('<!channel>');
    expect(slackMessageError(message)).toBeUndefined();
  });
});
