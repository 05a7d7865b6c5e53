import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cefOf, parseCef, parseSyslog } from '../../test/cef-syslog.helpers.js';
import { envelope } from '../../test/hec.helpers.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import { escapeExtension, escapeHeader, MAX_NAME, MAX_VALUE } from './cef.js';
import { cefSyslogOptions } from './config.js';
import { createCefSyslogEncoder } from './encoder.js';
import { formatSyslog, msgId, priority } from './syslog.js';

const TIME = Date.UTC(2026, 3, 28, 12, 1, 0, 0); // 2026-04-28T12:01:00.000Z
const encoderFor = (config: Record<string, unknown> = {}) =>
  createCefSyslogEncoder(cefSyslogOptions.parse({ host: 'siem', hostname: 'bridge-01', ...config }));

const finding = (overrides: Partial<Envelope> = {}, data: Record<string, unknown> = {}): Envelope => ({
  id: 'evt-1',
  type: 'finding.new',
  severity: 'critical',
  asset: { id: 'a-1001', name: 'api.example.com' },
  subscription: 'findings',
  receivedAt: TIME + 5_000,
  time: TIME,
  data: {
    finding_id: 'f-91827',
    title: 'SQL Injection',
    cve: 'CVE-2021-44228',
    cvss: 9.8,
    scan_id: 'sc-40001',
    url: 'https://api.example.com/api/login',
    description: 'Unsanitized input reaches a query.',
    ...data,
  },
  ...overrides,
});

describe('CEF escaping', () => {
  it('escapes a header field: backslash and pipe; CR and LF become spaces', () => {
    expect(escapeHeader('a|b\\c\r\nd=e')).toBe('a\\|b\\\\c  d=e');
  });

  it('escapes an extension value: backslash and equals; CR and LF as the two characters \\r and \\n', () => {
    expect(escapeExtension('a=b\\c\r\nd|e')).toBe('a\\=b\\\\c\\r\\nd|e');
  });

  it('turns other controls and Unicode line separators into spaces, in both', () => {
    const text = 'a\u0000b\u000bc\u0085d\u2028e\tf';
    expect(escapeHeader(text)).toBe('a b c d e f');
    expect(escapeExtension(text)).toBe('a b c d e f');
  });
});

describe('CEF over syslog encoder', () => {
  it('writes a finding as an RFC 5424 record with the CEF fields', () => {
    expect(encoderFor()(finding())).toBe(
      '<130>1 2026-04-28T12:01:00.000Z bridge-01 s4e-bridge - finding.new - ' +
        'CEF:0|S4E|S4E Platform|1.0|finding.new|SQL Injection|10|' +
        'rt=1777377660000 externalId=f-91827 cat=finding dhost=api.example.com cs1Label=scanId cs1=sc-40001 ' +
        'cs2Label=assetId cs2=a-1001 cs3Label=cve cs3=CVE-2021-44228 cs4Label=eventId cs4=evt-1 cfp1Label=cvss cfp1=9.8 ' +
        'request=https://api.example.com/api/login msg=Unsanitized input reaches a query.',
    );
  });

  it('writes the RFC 3164 shape, in UTC with the day padded by a space', () => {
    const record = encoderFor({ format: 'rfc3164' })(finding({ time: Date.UTC(2026, 3, 5, 9, 3, 7) }));
    expect(record).toMatch(/^<130>Apr {2}5 09:03:07 bridge-01 s4e-bridge: CEF:0\|S4E\|/);
    expect(parseSyslog(record)).toMatchObject({ pri: 130, timestamp: 'Apr  5 09:03:07', hostname: 'bridge-01', appName: 's4e-bridge' });
  });

  it('names events without a title from their type and subject', () => {
    const encode = encoderFor();
    const name = (type: string, data: Record<string, unknown>) => cefOf(encode(finding({ type }, { title: undefined, ...data }))).name;
    expect(name('scan.completed', { scan_id: 'sc-1' })).toBe('Scan sc-1 completed');
    expect(name('finding.status_changed', { finding_id: 'f-7' })).toBe('Finding f-7 status changed');
    expect(name('playbook.started', { playbook_id: 'pb-12' })).toBe('Playbook pb-12 started');
    expect(name('system.alert', { message: 'License expires in 14 days.' })).toBe('System alert');
    expect(name('heartbeat', {})).toBe('Heartbeat');
  });

  it('takes act from the new status, msg from the message, and the event id when there is no finding id', () => {
    const encode = encoderFor();
    const changed = cefOf(encode(finding({ type: 'finding.status_changed' }, { old_status: 'open', new_status: 'resolved' })));
    expect(changed.extensions.act).toBe('resolved');
    const alert = cefOf(encode(finding({ type: 'system.alert', asset: undefined }, { finding_id: undefined, message: 'Scan queue full', description: undefined })));
    expect(alert.extensions).toMatchObject({ externalId: 'evt-1', cat: 'system', msg: 'Scan queue full' });
    expect(alert.extensions).not.toHaveProperty('dhost');
  });

  it('maps severities through the configured maps, unknown and absent ones to `unknown`', () => {
    const encode = encoderFor({ cef: { severity_map: { high: 7, unknown: 4 } }, syslog_severity_map: { unknown: 7 } });
    const severities = (severity: string | undefined) => {
      const record = encode(finding({ severity }));
      return [Number(cefOf(record).severity), parseSyslog(record).pri - 16 * 8];
    };
    expect(severities('critical')).toEqual([10, 2]);
    expect(severities('high')).toEqual([7, 3]);
    expect(severities('info')).toEqual([1, 6]);
    expect(severities('urgent')).toEqual([4, 7]);
    expect(severities(undefined)).toEqual([4, 7]);
  });

  it('computes PRI as facility × 8 + severity, severity 0 and facility 0 included', () => {
    expect(priority(16, 0)).toBe(128);
    expect(priority(0, 0)).toBe(0);
    expect(priority(23, 7)).toBe(191);
    expect(encoderFor({ syslog_severity_map: { critical: 0 } })(finding())).toMatch(/^<128>1 /);
    expect(encoderFor({ facility: 'kern', syslog_severity_map: { critical: 0 } })(finding())).toMatch(/^<0>1 /);
    expect(encoderFor({ facility: 4 })(finding({ severity: 'low' }))).toMatch(/^<37>1 /);
  });

  it('sanitizes MSGID to at most 32 printable ASCII characters', () => {
    expect(msgId('finding.new')).toBe('finding.new');
    expect(msgId('scan état\tx')).toBe('scan__tat_x');
    expect(msgId('x'.repeat(40))).toHaveLength(32);
    expect(msgId('')).toBe('-');
  });

  it('stamps the event time, or the receive time when the event has none that fits RFC 3339', () => {
    const encode = encoderFor();
    const stamps = (e: Envelope) => [parseSyslog(encode(e)).timestamp, cefOf(encode(e)).extensions.rt];
    expect(stamps(finding())).toEqual(['2026-04-28T12:01:00.000Z', String(TIME)]);
    expect(stamps(finding({ time: undefined }))).toEqual(['2026-04-28T12:01:05.000Z', String(TIME + 5_000)]);
    expect(stamps(finding({ time: 8.64e15 }))).toEqual(['2026-04-28T12:01:05.000Z', String(TIME + 5_000)]);
  });

  it('caps the name at 512 and string values at 1023 characters, never splitting a surrogate pair', () => {
    const long = 'é'.repeat(2_000);
    const emoji = 'ab' + '😀'.repeat(600); // a pair straddles units 1023–1024
    const cef = cefOf(encoderFor()(finding({}, { title: long, description: emoji })));
    expect(cef.name).toBe('é'.repeat(MAX_NAME));
    expect(cef.extensions.msg).toBe('ab' + '😀'.repeat(510));
    expect(cef.extensions.msg!.length).toBeLessThanOrEqual(MAX_VALUE);
  });

  it('keeps a hostile title and description inside their fields and on one line', () => {
    const title = 'x|10|act=deleted\\ \n<13>1 2026-04-28T00:00:00Z evil app - - - CEF:0|Evil|Forge|1|x|Forged|10|act=ok';
    const description = 'line1\r\nline2 externalId=forged cs1=sc-666 \\';
    const record = encoderFor()(finding({}, { title, description }));
    expect(record).not.toMatch(/[\r\n]/);
    expect(record.match(/CEF:0\|/g)).toHaveLength(1); // the forged one is escaped (`CEF:0\|`) inside the name
    const cef = cefOf(record);
    expect(cef).toMatchObject({ vendor: 'S4E', eventClassId: 'finding.new', severity: '10', name: title.replace(/\n/g, ' ') });
    expect(cef.extensions).toMatchObject({ externalId: 'f-91827', cs1: 'sc-40001', msg: description });
    expect(cef.extensions).not.toHaveProperty('act');
  });

  it('whatever the text, the record is one line that parses back to the same fields', () => {
    const text = fc.string({ unit: fc.oneof(fc.constantFrom('|', '\\', '=', '\r', '\n', ' ', 'a=', '\\n', '\u0000', '\t', '\u0085', '\u2028'), fc.string({ unit: 'grapheme', maxLength: 1 })), maxLength: 80 });
    const oneLine = (s: string) => s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
    const valueOf = (s: string) => s.replace(/[\u0000-\u0009\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029]/g, ' ');
    const encode = encoderFor();
    fc.assert(
      fc.property(text, text, text, text, text, text, (title, description, scanId, cve, assetName, type) => {
        const e = finding({ type: `finding.${type}`, asset: { id: 'a-1', name: assetName } }, { title, description, scan_id: scanId, cve });
        const record = encode(e);
        expect(record).not.toMatch(/[\r\n\u2028\u2029\u0085]/);
        const syslog = parseSyslog(record);
        expect(syslog.msgId).toBe(msgId(e.type));
        const cef = parseCef(syslog.msg);
        expect(cef.eventClassId).toBe(oneLine(e.type));
        if (title !== '') expect(cef.name).toBe(oneLine(title));
        expect(cef.severity).toBe('10');
        const present = (key: string, value: string) => (value === '' ? {} : { [key]: valueOf(value) });
        expect(cef.extensions).toEqual({
          rt: String(TIME),
          externalId: 'f-91827',
          cat: 'finding',
          ...present('dhost', assetName),
          ...(scanId !== '' && { cs1Label: 'scanId', cs1: valueOf(scanId) }),
          cs2Label: 'assetId',
          cs2: 'a-1',
          ...(cve !== '' && { cs3Label: 'cve', cs3: valueOf(cve) }),
          cs4Label: 'eventId',
          cs4: e.id,
          cfp1Label: 'cvss',
          cfp1: '9.8',
          request: 'https://api.example.com/api/login',
          ...present('msg', description),
        });
      }),
      { numRuns: 300 },
    );
  });

  it('writes the syslog header fields given', () => {
    const header = { format: 'rfc5424', facility: 16, severity: 6, time: TIME, hostname: 'h', appName: 'app', msgId: 'm' } as const;
    expect(formatSyslog(header, 'CEF:0|x')).toBe('<134>1 2026-04-28T12:01:00.000Z h app - m - CEF:0|x');
  });

  it('encodes the shared test envelope with its event id', () => {
    expect(cefOf(encoderFor()(envelope(3))).extensions).toMatchObject({ externalId: 'evt-3', cs2: 'asset-3', cs3: 'CVE-2024-3094' });
  });
});
