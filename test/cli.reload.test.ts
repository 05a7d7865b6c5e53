import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { Bridge } from '../src/bridge.js';
import { reloadOnHangup } from '../src/cli/reload.js';
import { loadConfig } from '../src/config/load.js';
import { keyTag } from '../src/store/redis/keys.js';
import { createRedisStore, type RedisStore } from '../src/store/redis/redis-store.js';
import { rulesYaml } from './pipeline.helpers.js';
import { deleteKeys, REDIS_URL, uniquePrefix } from './helpers/redis.js';

const env = { S4E_API_KEY: 'sk-test', HEC_TOKEN: 'hec-test' };
const prefix = uniquePrefix('reload');
let store: RedisStore | undefined;
let unsubscribe = () => {};

afterEach(async () => {
  unsubscribe();
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
    expect(lines.at(-1)).toMatchObject({ msg: 'config reloaded: its severity rules and routes are in force' });

    writeFileSync(file, rulesYaml(routes('siem')).replace('https://soc.example.com:8088', 'https://soc2.example.com:8088'));
    process.emit('SIGHUP', 'SIGHUP');
    expect(routeNames()).toEqual(['siem']);
    expect(lines.at(-1)).toMatchObject({ level: 40, sections: ['connectors'] });

    writeFileSync(file, rulesYaml(`  extra:\n    type: splunk_hec\n    url: https://x.example.com\n    token: t\n${routes('siem')}  - name: new\n    to: [extra]\n`));
    process.emit('SIGHUP', 'SIGHUP');
    expect(routeNames()).toEqual(['siem']);
    expect(lines.at(-1)).toMatchObject({ errors: [expect.stringContaining('adding a connector needs a restart')] });
  });
});
