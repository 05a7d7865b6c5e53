import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startSyslogReceiver, type SyslogReceiver } from '../src/demo/syslog-receiver.js';

const cleanup: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const fn of cleanup.splice(0)) await fn();
});

async function until(r: SyslogReceiver, count: number): Promise<void> {
  for (let i = 0; i < 200 && r.count < count; i++) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function sendTcp(port: number, bytes: string): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve) => socket.end(bytes, resolve));
}

describe('syslog receiver (demo and tests)', () => {
  it('tells octet-counted from LF frames on one connection, and appends records to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-syslog-rx-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'syslog.log');
    const r = await startSyslogReceiver({ transport: 'tcp', file });
    await sendTcp(r.port, '<13>1 first\n6 second<13>1 third\n\n');
    await until(r, 3);
    expect(r.messages()).toEqual(['<13>1 first', 'second', '<13>1 third']);
    await r.close();
    expect(readFileSync(file, 'utf8')).toBe('<13>1 first\nsecond\n<13>1 third\n');
  });

  it('restarts on the same port, and keeps the last `retain` records', async () => {
    const r = await startSyslogReceiver({ transport: 'tcp', retain: 2 });
    cleanup.push(() => r.close());
    const port = r.port;
    await sendTcp(port, 'a\nb\n');
    await until(r, 2);
    await r.restart();
    expect(r.port).toBe(port);
    await sendTcp(port, 'c\n');
    await until(r, 3);
    expect(r.messages()).toEqual(['b', 'c']);
    expect(r.count).toBe(3);
  });

  it('takes a datagram as one record, without a trailing LF', async () => {
    const r = await startSyslogReceiver({ transport: 'udp' });
    cleanup.push(() => r.close());
    const socket = createSocket('udp4');
    cleanup.push(() => {
      socket.close();
    });
    for (const datagram of ['<13>1 one', '<13>1 two\n']) {
      await new Promise((resolve) => socket.send(datagram, r.port, '127.0.0.1', resolve));
    }
    await until(r, 2);
    expect(r.messages().sort()).toEqual(['<13>1 one', '<13>1 two']);
  });
});
