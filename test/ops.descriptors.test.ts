import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { uniquePrefix } from './helpers/redis.js';
import { opsConfig } from './ops.helpers.js';

const config = () =>
  writeConfig(opsConfig({ simulatorUrl: 'http://127.0.0.1:9', apiKey: 'ops-fd-api-key-1', hecUrl: 'http://127.0.0.1:9', hecToken: 'ops-fd-hec-token-1', prefix: uniquePrefix('ops-fd') }));

describe('the open-files limit of a running bridge', () => {
  let bridge: BridgeProcess | undefined;
  afterEach(async () => {
    bridge?.child.kill('SIGTERM');
    await bridge?.exited;
    bridge = undefined;
  });

  const started = (b: BridgeProcess) => waitFor(() => b.output.some((l) => l.includes('bridge started')), 'the bridge to start');

  it('is raised to the hard limit where the soft one is lower (Node does it at start), without a warning', async () => {
    bridge = runCli(['run', '--config', config()], {}, { wrapper: ['prlimit', '--nofile=256:8192'] });
    await started(bridge);
    const limits = readFileSync(`/proc/${bridge.child.pid}/limits`, 'utf8');
    expect(limits).toMatch(/^Max open files\s+8192\s+8192\s/m);
    expect(bridge.output.filter((l) => l.includes('open-files limit'))).toEqual([]);
  });

  it('is warned about, with how to raise it, when the hard limit itself is low', async () => {
    bridge = runCli(['run', '--config', config()], {}, { wrapper: ['prlimit', '--nofile=1024:1024'] });
    await started(bridge);
    const warning = bridge.output.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => String(l.msg).includes('open-files limit'));
    expect(warning).toMatchObject({ level: 'warn', soft: 1024, hard: 1024, msg: expect.stringContaining('ulimit -n') });
  });
});
