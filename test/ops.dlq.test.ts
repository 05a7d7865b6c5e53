import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { startSimulator } from '../src/simulator/index.js';
import { runCli, waitFor, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { endpointOf, expectNoSecrets, get, opsConfig } from './ops.helpers.js';

const API_KEY = 'ops-dlq-api-key-0c4e';
const HEC_TOKEN = 'ops-dlq-hec-token-5d21';
const OPS_TOKEN = 'ops-dlq-operations-token-8f3a9b17';

/** Runs a CLI command to its end. */
async function cli(args: readonly string[]): Promise<{ code: number | NodeJS.Signals; output: string[] }> {
  const run = runCli(args);
  return { code: await run.exited, output: run.output };
}

async function post(url: string, body: unknown, token?: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...(token && { authorization: `Bearer ${token}` }) }, body: JSON.stringify(body) });
  return { status: res.status, body: await res.text() };
}

describe('dead letters while the bridge runs on the embedded store', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  let seen: string[][] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
    expectNoSecrets(seen.flat(), [API_KEY, HEC_TOKEN, OPS_TOKEN]);
    seen = [];
  });

  /**
   * A bridge on the embedded store whose HEC refuses every event as malformed (400 is
   * permanent), one event a request, so that each is dead-lettered; `token`: server.token,
   * read from a file as a secret.
   */
  async function deadLettering(events: number, token?: string) {
    const dir = mkdtempSync(join(tmpdir(), 's4e-dlq-'));
    const simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
    const receiver = await startHecReceiver({ token: HEC_TOKEN });
    receiver.failWhen(() => true);
    cleanup.push(() => simulator.close(), () => receiver.close());
    if (token) writeFileSync(join(dir, 'ops-token'), `${token}\n`);
    const server = `server:\n  listen: 127.0.0.1:0${token ? `\n  token: \${file:${join(dir, 'ops-token')}}` : ''}`;
    const config = writeConfig(opsConfig({ simulatorUrl: simulator.url, apiKey: API_KEY, hecUrl: receiver.url, hecToken: HEC_TOKEN, prefix: 'unused', storePath: join(dir, 'data'), server, batch: '{ max_events: 1, max_delay: 20ms }' }));
    const bridge = runCli(['run', '--config', config]);
    seen.push(bridge.output);
    cleanup.push(async () => {
      bridge.child.kill('SIGTERM');
      expect(await bridge.exited).toBe(0);
    });
    const endpoint = await endpointOf(bridge);
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    simulator.generate(events, 'finding.new');
    await waitFor(() => deadLettered(bridge) >= events, 'every event dead-lettered');
    return { config, endpoint, bridge, dir };
  }

  const deadLettered = (bridge: BridgeProcess) => bridge.output.filter((l) => l.includes('event dead-lettered')).length;

  async function run(args: readonly string[]) {
    const result = await cli(args);
    seen.push(result.output);
    return result;
  }

  it('list, replay and drop go through the bridge that holds the store, over its local socket', { timeout: 60_000 }, async () => {
    const { config, bridge, dir } = await deadLettering(6);
    // Only the bridge's user may open the socket: it needs no token.
    expect(statSync(join(dir, 'data', 'ops.sock')).mode & 0o777).toBe(0o600);

    const list = await run(['dlq', 'list', '--config', config, '--json']);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.output.join('\n'));
    expect(listed.counts).toEqual({ splunk: 6 });
    expect(listed.deadLetters).toHaveLength(6);
    expect(listed.deadLetters[0]).toMatchObject({ connector: 'splunk', reason: expect.stringContaining('HEC 400'), envelope: { type: 'finding.new' } });

    const one = listed.deadLetters[0].ref as string;
    const replay = await run(['dlq', 'replay', '--config', config, '--connector', 'splunk', '--id', one]);
    expect(replay.output).toEqual(['splunk: replayed 1', 'replayed 1 dead letter']);
    // Replayed into the outbox, refused again by HEC, dead-lettered again.
    await waitFor(() => deadLettered(bridge) === 7, 'the replayed event dead-lettered again');

    const drop = await run(['dlq', 'drop', '--config', config, '--all']);
    expect(drop.output).toEqual(['splunk: dropped 6', 'dropped 6 dead letters']);
    expect((await run(['dlq', 'list', '--config', config])).output).toEqual(['0 dead letters (splunk 0)']);
  });

  it('over TCP, reading or changing dead letters needs server.token; GET never changes them', { timeout: 60_000 }, async () => {
    const { config, endpoint } = await deadLettering(3, OPS_TOKEN);

    expect(await get(`${endpoint}/dlq`)).toMatchObject({ status: 401 });
    expect(await post(`${endpoint}/dlq/drop`, {}, 'a-wrong-token-of-some-length')).toMatchObject({ status: 401 });
    expect(await get(`${endpoint}/dlq/drop`)).toMatchObject({ status: 405 });
    expect(await post(`${endpoint}/dlq/replay`, { connectors: ['nope'] }, OPS_TOKEN)).toEqual({ status: 400, body: 'no connector named "nope"; declared: splunk\n' });

    // The CLI sends the token of its config.
    const list = await run(['dlq', 'list', '--config', config, '--endpoint', endpoint]);
    expect(list.code).toBe(0);
    expect(list.output.at(-1)).toBe('3 dead letters (splunk 3)');
    const drop = await post(`${endpoint}/dlq/drop`, { connectors: ['splunk'] }, OPS_TOKEN);
    expect(drop).toEqual({ status: 200, body: '{"dropped":{"splunk":3}}\n' });
  });

  it('over TCP without server.token, state changes are refused with what to do', { timeout: 60_000 }, async () => {
    const { config, endpoint } = await deadLettering(2);
    expect(await post(`${endpoint}/dlq/replay`, {})).toMatchObject({ status: 403, body: expect.stringContaining('needs server.token') });

    const refused = await run(['dlq', 'replay', '--config', config, '--endpoint', endpoint]);
    expect(refused.code).toBe(1);
    expect(refused.output).toEqual([
      `s4e-bridge: asked the bridge at ${endpoint}: /dlq/replay needs server.token, which this bridge has none of: set it in the config (a secret) and restart, or run the command on the bridge's host, where it uses the local socket`,
    ]);
  });

  it('a config whose token is not the running bridge\'s is told so, without showing either', { timeout: 60_000 }, async () => {
    const { config, endpoint } = await deadLettering(1, OPS_TOKEN);
    const other = config.replace(/config\.yaml$/, 'other.yaml');
    writeFileSync(other, readFileSync(config, 'utf8').replace(/token: \$\{file:[^}]+\}/, 'token: another-token-0123456789'));
    const refused = await run(['dlq', 'list', '--config', other, '--endpoint', endpoint]);
    expect(refused.code).toBe(1);
    expect(refused.output.join('\n')).toMatch(/^s4e-bridge: asked the bridge at .*: \/dlq needs the operations token .* \(this config's server\.token is not the one the bridge runs with\)$/);
    expectNoSecrets(refused.output, ['another-token-0123456789']);
  });
});
