import { describe, expect, it } from 'vitest';
import type { Envelope } from '../../src/pipeline/envelope.js';
import { issueDescription, issueSummary, repeatComment, statusComment } from './content.js';
import { readFinding, type Finding } from './finding.js';

const envelope = (data: Record<string, unknown>, overrides: Partial<Envelope> = {}): Envelope => ({
  id: 'evt-8a3b9c2d',
  type: 'finding.new',
  data,
  severity: 'critical',
  asset: { id: 'a-1001', name: 'api.example.com' },
  subscription: 'findings',
  receivedAt: Date.UTC(2026, 3, 28, 12, 1),
  ...overrides,
});

const finding = (data: Record<string, unknown>, overrides: Partial<Envelope> = {}): Finding => readFinding(envelope(data, overrides))!;

describe('finding events', () => {
  it('reads the documented fields defensively', () => {
    const e = envelope({ finding_id: ' f-91827 ', title: 'SQL Injection', cvss: 9.8, cve: '', url: 'https://api.example.com/login', old_status: 'OPEN', new_status: 'Resolved' });
    expect(readFinding(e)).toMatchObject({ id: 'f-91827', title: 'SQL Injection', cvss: '9.8', resource: 'https://api.example.com/login', oldStatus: 'open', newStatus: 'resolved' });
    expect(readFinding(e)?.cve).toBeUndefined();
    expect(readFinding(envelope({ title: 'no id' }))).toBeUndefined();
    expect(readFinding(envelope({ finding_id: 91827 }))?.id).toBe('91827');
  });
});

describe('issue content', () => {
  it('summary: one line, asset named, at most 255 UTF-16 units cut between code points', () => {
    expect(issueSummary(finding({ finding_id: 'f-1', title: 'SQL\nInjection\t(login)' }))).toBe('[S4E] SQL Injection (login) on api.example.com');
    expect(issueSummary(finding({ finding_id: 'f-1' }, { asset: undefined }))).toBe('[S4E] Finding f-1');
    const long = issueSummary(finding({ finding_id: 'f-1', title: '😀'.repeat(200) }));
    expect(long.length).toBeLessThanOrEqual(255);
    expect(long.endsWith('😀…')).toBe(true);
  });

  it('description: the fields present, the console link, and the label to keep', () => {
    const data = { finding_id: 'f/1 2', title: 'SQL Injection', cvss: 9.8, scan_id: 'sc-44021' };
    expect(issueDescription(finding(data), envelope(data), { label: 's4e-finding-f/1%202', platformUrl: 'https://app.s4e.io/findings/{finding_id}' })).toEqual([
      [{ text: 'Title:', strong: true }, { text: ' SQL Injection' }],
      [{ text: 'Severity:', strong: true }, { text: ' critical' }],
      [{ text: 'CVSS:', strong: true }, { text: ' 9.8' }],
      [{ text: 'Asset:', strong: true }, { text: ' api.example.com (a-1001)' }],
      [{ text: 'Scan:', strong: true }, { text: ' sc-44021' }],
      [{ text: 'Finding:', strong: true }, { text: ' f/1 2' }],
      [{ text: 'Reported:', strong: true }, { text: ' 2026-04-28T12:01:00.000Z' }],
      [{ text: 'Open in S4E', href: 'https://app.s4e.io/findings/f%2F1%202' }],
      [{ text: 'Created by s4e-bridge from event evt-8a3b9c2d. It finds this issue by the label s4e-finding-f/1%202: keep it.' }],
    ]);
  });

  it('comments', () => {
    const data = { finding_id: 'f-1', old_status: 'open', new_status: 'resolved' };
    expect(repeatComment(envelope(data))).toEqual([[{ text: 'S4E reported this finding again (event evt-8a3b9c2d, 2026-04-28T12:01:00.000Z).' }]]);
    expect(statusComment(finding(data), envelope(data))).toEqual([
      [{ text: 'S4E: finding status changed from open to resolved (event evt-8a3b9c2d, 2026-04-28T12:01:00.000Z).' }],
    ]);
  });
});
