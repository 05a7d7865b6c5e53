import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../src/bridge.js';
import { reloadOnHangup } from '../src/cli/reload.js';
import { loadConfig } from '../src/config/load.js';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { evaluate } from '../src/observability/health.js';
import { createLogger } from '../src/observability/logger.js';
import { createSecretMask } from '../src/observability/redact.js';
import { readStoreSnapshot, snapshotNames } from '../src/observability/store-snapshot.js';
import { startSimulator } from '../src/simulator/index.js';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore, type RedisStore } from '../src/store/redis/redis-store.js';
import { rulesYaml } from './pipeline.helpers.js';
import { waitFor } from './helpers/bridge-process.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';

const env = { S4E_API_KEY: 'sk-test', HEC_TOKEN: 'hec-test' };
const prefix = uniquePrefix('reload');
let store: RedisStore | undefined;
let unsubscribe = () => {};
let cleanup: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  unsubscribe();
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
  await store?.close();
  await deleteKeys(keyTag(prefix));
});

const routes = (...names: string[]) => `routes:\n${names.map((n) => `  - name: ${n}\n    to: [splunk]\n`).join('')}`;

describe('SIGHUP reload', () => {
  it('puts new routes in force, and refuses a broken config keeping the running one', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 's4e-reload-')), 'bridge.yaml');
    writeFileSync(file, rulesYaml(routes('siem')));
    const load = (path: string) => loadConfig(path, env);
    store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix });
    const lines: Record<string, unknown>[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const bridge = new Bridge({ config: load(file), store, logger });
    unsubscribe = reloadOnHangup(file, bridge, logger, load);
    const routeNames = () => bridge.rules.routes.map((r) => r.name);

    writeFileSync(file, rulesYaml(`${routes('siem', 'soc')}  - name: broken\n    match: { min_severity: severe }\n    to: [soc]\n`));
    process.emit('SIGHUP', 'SIGHUP');
    expect(routeNames()).toEqual(['siem']);
    expect(lines.at(-1)).toMatchObject({ msg: 'config reload refused: the running config stays in force', errors: [expect.stringMatching(/^routes\[2\]\.match\.min_severity \(line 21:\d+\): one of/)] });

    writeFileSync(file, rulesYaml(routes('siem', 'soc')));
    process.emit('SIGHUP', 'SIGHUP');
    expect(routeNames()).toEqual(['siem', 'soc']);
    expect(lines.at(-1)).toMatchObject({ msg: 'config reloaded: its severity rules, routes and connector settings are in force' });

    writeFileSync(file, rulesYaml(routes('siem')).replace('https://soc.example.com:8088', 'https://soc.example.com:8088\n    batch: { max_events: 7 }'));
    process.emit('SIGHUP', 'SIGHUP');
    expect(routeNames()).toEqual(['siem']);
    expect(lines.at(-1)).toMatchObject({ level: 40, sections: ['connectors'] });

    writeFileSync(file, rulesYaml(`  extra:\n    type: splunk_hec\n    url: https://x.example.com\n    token: t\n${routes('siem')}  - name: new\n    to: [extra]\n`));
    process.emit('SIGHUP', 'SIGHUP');
    expect(routeNames()).toEqual(['siem']);
    expect(lines.at(-1)).toMatchObject({ errors: [expect.stringContaining('adding a connector needs a restart')] });
  });
});

describe('SIGHUP re-reads secrets', () => {
  const OLD_TOKEN = 'hec-token-rotated-out-5d1c';
  const NEW_TOKEN = 'hec-token-rotated-in-93af';

  it('a connector paused because HEC refuses its ${file:} token delivers its kept events with the new one, without a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-rotate-'));
    const tokenFile = join(dir, 'hec_token');
    writeFileSync(tokenFile, `${OLD_TOKEN}\n`);
    // HEC already has the new token: the bridge's is the one that is out of date.
    const hec = await startHecReceiver({ token: NEW_TOKEN });
    const simulator = await startSimulator({ apiKeys: ['sk-test'], heartbeatIntervalMs: 1_000 });
    cleanup.push(() => simulator.close(), () => hec.close());
    const file = join(dir, 'bridge.yaml');
    writeFileSync(
      file,
      `source:
  base_url: ${simulator.url}
  api_key: \${S4E_API_KEY}
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: \${file:${tokenFile}}
    batch: { max_events: 5, max_delay: 10ms }
    delivery: { auth_retry: 10m }
routes:
  - name: everything
    to: [splunk]
`,
    );
    const load = (path: string) => loadConfig(path, env);
    const config = load(file);
    const secrets = createSecretMask(config.secrets);
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', redact: secrets, destination: { write: (line: string) => void lines.push(line) } });
    store = await createRedisStore({ url: REDIS_URL, keyPrefix: prefix, consumer: 'rotate', logger });
    const bridge = new Bridge({ config, store, logger });
    bridge.start();
    cleanup.push(() => bridge.stop(1_000));
    unsubscribe = reloadOnHangup(file, bridge, logger, load, secrets);
    await waitFor(() => simulator.stats().connections === 1, 'the stream');

    const ids = simulator.generate(20, 'finding.new');
    await waitFor(() => bridge.authFailures().has('splunk'), 'auth_failed');
    const snapshot = () => readStoreSnapshot(store!, snapshotNames(config));
    await waitFor(async () => (await snapshot()).connectors[0]!.backlog.count === ids.length, 'every event kept in the outbox');
    expect((await snapshot()).connectors[0]!.deadLetters).toBe(0);
    const failing = (await evaluate(bridge.healthChecks().readiness)).parts.filter((p) => p.problem !== undefined);
    expect(failing).toEqual([{ part: 'connector splunk', problem: expect.stringMatching(/^auth_failed since \S+: HEC 403 code 4: Invalid token/) }]);
    expect(hec.eventCount).toBe(0);

    writeFileSync(tokenFile, `${NEW_TOKEN}\n`);
    process.emit('SIGHUP', 'SIGHUP');
    // auth_retry is 10 minutes: only the reload can have resumed it this soon.
    await waitFor(() => ids.every((id) => hec.received().some((e) => e.event.id === id)), 'every kept event at HEC');
    expect(bridge.authFailures().size).toBe(0);
    expect((await snapshot()).connectors[0]).toMatchObject({ deadLetters: 0 });

    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => String(l.msg).startsWith('the destination refuses the credentials'))).toHaveLength(1);
    expect(logged.filter((l) => l.msg === 'credentials accepted again: connector resumed')).toHaveLength(1);
    expect(logged).toContainEqual(expect.objectContaining({ msg: expect.stringMatching(/^config reloaded/), connectorsRebuilt: ['splunk'] }));
    expect(logged.filter((l) => l.level === 40)).toEqual([]);
    // The mask of every line learnt the new secret with the reload.
    logger.info({ peerSaid: `bad header: Splunk ${NEW_TOKEN}` }, 'an answer echoing the token');
    expect(lines.at(-1)).toContain('Splunk [REDACTED]');
    const text = lines.join('');
    expect(text).not.toContain(OLD_TOKEN);
    expect(text).not.toContain(NEW_TOKEN);
  });
});
