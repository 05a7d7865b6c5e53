import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createCefConnector, externalIds } from '../../test/cef-syslog.helpers.js';
import { envelope, envelopes, neverAborts } from '../../test/hec.helpers.js';
import { rsyslogMissing, startRsyslog } from '../../test/helpers/rsyslog.js';
import type { Envelope } from '../../src/pipeline/envelope.js';
import type { Connector, DeliveryOutcome } from '../types.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function connector(port: number): Connector {
  const c = createCefConnector({ port, transport: 'relp' });
  cleanup.push(() => c.close());
  return c;
}

const statuses = (outcomes: readonly DeliveryOutcome[]) => outcomes.map((o) => o.status);
const ids = (batch: readonly Envelope[]) => batch.map((e) => e.id);

/**
 * A RELP receiver scripted per `syslog` frame: `answer(n, data)` for the n-th record (from 1)
 * returns the rsp data (`200 OK`, `500 …`), or `serverclose` to end the session there. It
 * answers `open` with the offers and `close` with an empty rsp, as librelp does.
 */
const OFFERED = '200 OK\nrelp_version=0\nrelp_software=scripted\ncommands=syslog';

async function scriptedRelp(answer: (n: number, data: string) => string): Promise<{ port: number; records: string[]; sessions: number }> {
  const state = { port: 0, records: [] as string[], sessions: 0 };
  let n = 0;
  const sockets = new Set<Socket>();
  const server = createServer((socket: Socket) => {
    state.sessions += 1;
    sockets.add(socket);
    let input = '';
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      input += chunk.toString('latin1');
      for (;;) {
        const header = /^(\d+) (\w+) (\d+)[ \n]/.exec(input);
        const length = Number(header?.[3]);
        const end = header ? header[0].length + (length > 0 ? length : -1) : -1;
        if (!header || input.length <= end) return;
        const [, txnr, command] = header;
        const data = input.slice(header[0].length, end);
        input = input.slice(end + 1);
        if (command === 'open') socket.write(`${txnr} rsp ${OFFERED.length} ${OFFERED}\n`);
        else if (command === 'close') socket.end(`${txnr} rsp 0\n0 serverclose 0\n`);
        else {
          const reply = answer(++n, data);
          if (reply === 'serverclose') return void socket.end('0 serverclose 0\n');
          state.records.push(data);
          socket.write(`${txnr} rsp ${reply.length} ${reply}\n`);
        }
      }
    });
  });
  cleanup.push(async () => {
    for (const socket of sockets) socket.destroy();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  state.port = (server.address() as AddressInfo).port;
  cleanup.push(() => new Promise((resolve) => server.close(resolve)));
  return state;
}

describe('cef_syslog over RELP, against a scripted receiver', () => {
  it('counts a record delivered only once answered 200: a 500 stops the batch there, the rest retried', async () => {
    const relp = await scriptedRelp((n) => (n === 3 ? '500 queue full' : '200 OK'));
    const outcomes = await connector(relp.port).deliver(envelopes(5), neverAborts);
    expect(statuses(outcomes)).toEqual(['delivered', 'delivered', 'retry', 'retry', 'retry']);
    expect(outcomes[2]).toMatchObject({ reason: 'network: RELP_500' });
  });

  it('a serverclose mid-batch: what was answered is delivered, the rest retried on a new session', async () => {
    const relp = await scriptedRelp((n) => (n === 4 ? 'serverclose' : '200 OK'));
    const c = connector(relp.port);
    const batch = envelopes(6);
    const outcomes = await c.deliver(batch, neverAborts);
    expect(statuses(outcomes)).toEqual(['delivered', 'delivered', 'delivered', 'retry', 'retry', 'retry']);
    expect(statuses(await c.deliver(batch.slice(3), neverAborts))).toEqual(['delivered', 'delivered', 'delivered']);
    expect(relp.sessions).toBe(2);
    expect(externalIds(relp.records)).toEqual(ids(batch));
  });

  it('retries every record when nothing listens, and when the peer does not speak RELP', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await once(closed, 'listening');
    const { port } = closed.address() as AddressInfo;
    await new Promise((resolve) => closed.close(resolve));
    expect(await connector(port).deliver(envelopes(2), neverAborts)).toEqual(new Array(2).fill({ status: 'retry', reason: 'network: ECONNREFUSED' }));

    const http = createServer((socket) => socket.on('error', () => {}).resume().end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    http.listen(0, '127.0.0.1');
    await once(http, 'listening');
    cleanup.push(() => new Promise((resolve) => http.close(resolve)));
    const outcomes = await connector((http.address() as AddressInfo).port).deliver(envelopes(2), neverAborts);
    expect(outcomes).toEqual(new Array(2).fill({ status: 'retry', reason: 'network: RELP_PROTOCOL' }));
  });

  it('gives up an aborted delivery as a retry', async () => {
    const relp = await scriptedRelp(() => '200 OK');
    expect(await connector(relp.port).deliver(envelopes(2), AbortSignal.abort())).toEqual(new Array(2).fill({ status: 'retry', reason: 'network: ABORTED' }));
  });
});

describe.skipIf(rsyslogMissing !== undefined)(`cef_syslog over RELP, against rsyslog's imrelp${rsyslogMissing ? ` (skipped: ${rsyslogMissing})` : ''}`, () => {
  it('delivers a batch in order, each record acknowledged; down, everything is retried; back, delivered', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-relp-'));
    cleanup.push(async () => rmSync(dir, { recursive: true, force: true }));
    const rsyslog = await startRsyslog({ dir, inputs: ['relp'] });
    cleanup.push(() => rsyslog.stop());
    const c = connector(rsyslog.ports.relp!);
    await expect(c.healthcheck!(neverAborts)).resolves.toBeUndefined();
    const batch = envelopes(300);
    expect(statuses(await c.deliver(batch, neverAborts))).toEqual(new Array(300).fill('delivered'));

    await rsyslog.stop();
    const down = await c.deliver([envelope(300)], neverAborts);
    expect(down).toEqual([{ status: 'retry', reason: expect.stringMatching(/^network: (ECONNREFUSED|ECONNRESET|RELP_SERVERCLOSE)$/) }]);
    await rsyslog.restart();
    const again = await c.deliver([envelope(300)], neverAborts);
    // The session the restart ended is noticed on this send at the latest: then it is retried.
    const last = again[0]!.status === 'delivered' ? again : await c.deliver([envelope(300)], neverAborts);
    expect(statuses(last)).toEqual(['delivered']);
    // Acknowledged once in rsyslog's queue; written to its file a moment later.
    await vi.waitFor(() => expect(externalIds(rsyslog.lines('relp'))).toEqual([...ids(batch), 'evt-300']));
  });
});
