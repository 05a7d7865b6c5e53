import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, writeConfig, type BridgeProcess } from '../helpers/bridge-process.js';
import { hasOpenssl, makeCertificates } from '../helpers/certificates.js';
import { produce, sleep, until } from '../helpers/fault-rig.js';
import { rsyslogMissing, startRsyslog, type Rsyslog, type RsyslogInput } from '../helpers/rsyslog.js';

const RATE = Number(process.env.FAULT_SYSLOG_RATE ?? 400);
const RESTARTS = Number(process.env.FAULT_SYSLOG_RESTARTS ?? 5);
/** Between restarts, under load. */
const EVERY_MS = Number(process.env.FAULT_SYSLOG_RESTART_EVERY_MS ?? 2_000);
/** tcp and tls `resend_window`; the default (5s) when unset. `0` shows what plain syslog loses. */
const RESEND_WINDOW = process.env.FAULT_SYSLOG_RESEND_WINDOW;
const API_KEY = 'fault-syslog-api-key-31d7';
const INPUTS: readonly RsyslogInput[] = ['tcp', 'tls', 'relp'];

const missing = rsyslogMissing ?? (hasOpenssl ? undefined : 'the openssl CLI is not installed (test certificates)');
if (missing) console.warn(`[faults] syslog receiver restarts SKIPPED: ${missing}`);

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => {});
  cleanup = [];
});

/** The S4E event ids in a receiver's records (`cs4=<event id>`, see connectors/cef-syslog/encoder.ts). */
function eventIds(lines: readonly string[]): string[] {
  return lines.flatMap((line) => /\bcs4=(\S+)/.exec(line)?.[1] ?? []);
}

describe.skipIf(missing !== undefined)(`real rsyslog receivers${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it(`rsyslog restarted ${RESTARTS} times under ${RATE} events/s: tcp, tls and relp connectors lose no event`, async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-rsyslog-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const certs = makeCertificates(dir);
    const rsyslog: Rsyslog = await startRsyslog({ dir, inputs: INPUTS, tls: { caFile: certs.caFile, certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') } });
    cleanup.push(() => rsyslog.stop());
    const simulator: Simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    cleanup.push(() => simulator.close());

    const connector = (input: RsyslogInput, extra: string) => `  siem_${input}:
    type: cef_syslog
    host: 127.0.0.1
    port: ${rsyslog.ports[input]}
    transport: ${input}
${extra}    batch: { max_events: 200, max_delay: 20ms }
    delivery: { retry: { initial_delay: 100ms, max_delay: 500ms }, circuit: { open_for: 500ms } }
`;
    const window = RESEND_WINDOW === undefined ? '' : `    resend_window: ${RESEND_WINDOW === '0' ? 0 : RESEND_WINDOW}\n`;
    const bridge: BridgeProcess = runCli([
      'run',
      '--config',
      writeConfig(`source:
  base_url: ${simulator.url}
  api_key: ${API_KEY}
  reconnect: { initial_delay: 100ms, max_delay: 1s }
store:
  path: ${join(dir, 'data')}
connectors:
${connector('tcp', `    framing: octet_counting\n${window}`)}${connector('tls', `    tls: { ca_file: ${certs.caFile} }\n${window}`)}${connector('relp', '')}routes:
  - name: everything
    to: [siem_tcp, siem_tls, siem_relp]
server:
  enabled: false
`),
    ]);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      await bridge.exited;
    });
    await until(() => simulator.stats().connections === 1, 20_000, 'the bridge to connect', () => bridge.output.join('\n'));

    const total = Math.round((RATE * (RESTARTS + 2) * EVERY_MS) / 1000);
    const streaming = produce(simulator, total, RATE);
    for (let i = 0; i < RESTARTS; i++) {
      await sleep(EVERY_MS);
      await rsyslog.restart();
    }
    const published = await streaming;

    const missingIn = (input: RsyslogInput) => {
      const got = new Set(eventIds(rsyslog.lines(input)));
      return published.filter((id) => !got.has(id));
    };
    const report = () =>
      INPUTS.map((input) => {
        const ids = eventIds(rsyslog.lines(input));
        return `${input}: ${new Set(ids).size}/${published.length} distinct, ${ids.length - new Set(ids).size} duplicates, ${missingIn(input).length} missing`;
      }).join('; ');
    try {
      await until(() => INPUTS.every((input) => missingIn(input).length === 0), 60_000, 'every event at every receiver', report, 250);
    } finally {
      const resent = bridge.output.filter((l) => l.includes('go again on the next connection')).length;
      console.log(`[faults] rsyslog restarted ${RESTARTS} times under ${RATE} events/s, ${published.length} events: ${report()}; tcp/tls resend-window notices: ${resent}`);
    }
    for (const input of INPUTS) expect(missingIn(input), `${input} lost events`).toEqual([]);
  });
});
