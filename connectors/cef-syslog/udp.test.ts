import { afterEach, describe, expect, it } from 'vitest';
import { startSyslogReceiver } from '../../src/demo/syslog-receiver.js';
import { createCefConnector, externalIds, parseSyslog } from '../../test/cef-syslog.helpers.js';
import { captureLogger, envelopes, neverAborts } from '../../test/hec.helpers.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(cleanup.splice(0).map((fn) => fn()));
});

describe('cef_syslog over UDP', () => {
  it('sends one datagram per record, warning once at create that nothing is confirmed', async () => {
    const r = await startSyslogReceiver({ transport: 'udp' });
    cleanup.push(() => r.close());
    const { logger, lines } = captureLogger();
    const c = createCefConnector({ transport: 'udp', port: r.port, format: 'rfc3164', hostname: 'bridge-01' }, { logger });
    cleanup.push(() => c.close());
    const warnings = () => lines.filter((l) => l.includes('"level":40'));
    expect(warnings()).toHaveLength(1);
    expect(warnings()[0]).toMatch(/udp cannot confirm delivery/);

    for (let round = 0; round < 2; round++) {
      const outcomes = await c.deliver(envelopes(5), neverAborts);
      expect(outcomes).toEqual(new Array(5).fill({ status: 'delivered' }));
    }
    for (let i = 0; i < 100 && r.count < 10; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    const records = r.messages();
    expect(externalIds(records).sort()).toEqual(envelopes(5).flatMap((e) => [e.id, e.id]).sort());
    // Exactly our record: no header or LF added by syslog-client.
    expect(records[0]).toMatch(/^<131>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d bridge-01 s4e-bridge: CEF:0\|S4E\|[^\n]*$/);
    expect(parseSyslog(records[0]!).appName).toBe('s4e-bridge');
    expect(warnings()).toHaveLength(1);
  });

  it('counts a datagram to a port nobody listens on as delivered (the warned-of limit)', async () => {
    const r = await startSyslogReceiver({ transport: 'udp' });
    await r.close();
    const c = createCefConnector({ transport: 'udp', port: r.port });
    cleanup.push(() => c.close());
    expect(await c.deliver(envelopes(2), neverAborts)).toEqual([{ status: 'delivered' }, { status: 'delivered' }]);
  });

  it('retries when the datagram cannot be sent', async () => {
    const c = createCefConnector({ transport: 'udp', host: 'no-such-host.invalid', port: 514 });
    cleanup.push(() => c.close());
    const outcomes = await c.deliver(envelopes(2), neverAborts);
    expect(outcomes.map((o) => o.status)).toEqual(['retry', 'retry']);
    expect(outcomes[0]).toMatchObject({ reason: expect.stringMatching(/^network: .*(ENOTFOUND|EAI_AGAIN)/) });
    await expect(c.healthcheck!(neverAborts)).rejects.toThrow(/ENOTFOUND|EAI_AGAIN/);
  });
});
