import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startHecReceiver } from '../src/demo/hec-receiver.js';
import { parseDuration } from '../src/config/units.js';
import { startSimulator } from '../src/simulator/index.js';
import { runCli, waitFor, writeConfig } from './helpers/bridge-process.js';
import { deleteKeys, uniquePrefix } from './helpers/redis.js';
import { opsConfig } from './ops.helpers.js';

const ROOT = join(import.meta.dirname, '..');

interface Instruction {
  readonly keyword: string;
  readonly args: string;
}

/** The Dockerfile's stages, each a list of instructions (continuations joined, comments dropped). */
function parseDockerfile(text: string): Instruction[][] {
  const logical = text.replace(/\\\r?\n/g, ' ').split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const stages: Instruction[][] = [];
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    if (keyword.toUpperCase() === 'FROM') stages.push([]);
    stages.at(-1)?.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, ' ') });
  }
  return stages;
}

const dockerfile = parseDockerfile(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
const runtime = dockerfile.at(-1)!;
const all = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);
const hadolint = spawnSync('hadolint', ['--version']).status === 0;

describe('the container image (Dockerfile)', () => {
  it('runs a slim Node LTS image as a non-root user', () => {
    expect(runtime[0]!.args).toMatch(/^node:(\d*[02468])-\w+-slim$/);
    const user = all('USER').at(-1);
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(root|0)$/);
  });

  it('starts the CLI that the build produces, with the config at /etc/s4e-bridge/config.yaml', () => {
    const entrypoint = JSON.parse(all('ENTRYPOINT').at(-1)!) as string[];
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(entrypoint).toEqual(['node', `/app/${pkg.bin['s4e-bridge']}`]);
    expect(all('COPY')).toContain('--from=build --chown=root:root /app/dist ./dist');
    expect(all('WORKDIR')[0]).toBe('/app');
    expect(existsSync(join(ROOT, pkg.bin['s4e-bridge']!))).toBe(true); // after `npm run build`
    expect(JSON.parse(all('CMD').at(-1)!)).toEqual(['run']);
    expect(all('ENV').join(' ')).toContain('S4E_BRIDGE_CONFIG=/etc/s4e-bridge/config.yaml');
  });

  it("runs node with the heap cap of the s4e-bridge bin's shebang, which the build keeps", () => {
    const shebang = readFileSync(join(ROOT, 'src/cli/main.ts'), 'utf8').split('\n', 1)[0]!;
    const flags = /^#!\/usr\/bin\/env -S node (.+)$/.exec(shebang)?.[1];
    expect(flags).toMatch(/^--max-old-space-size=\d+$/);
    // The entrypoint runs `node main.js`, which ignores the shebang: NODE_OPTIONS carries the cap.
    expect(all('ENV').join(' ').split(' ')).toContain(`NODE_OPTIONS=${flags}`);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: Record<string, string> };
    expect(readFileSync(join(ROOT, pkg.bin['s4e-bridge']!), 'utf8').split('\n', 1)[0]).toBe(shebang); // after `npm run build`
  });

  it('has a HEALTHCHECK on /healthz (liveness) that needs nothing but node', () => {
    const [healthcheck] = all('HEALTHCHECK');
    expect(healthcheck).toMatch(/^(--\S+ )*CMD \["node", "-e", /);
    expect(all('ENV').join(' ')).toMatch(/S4E_BRIDGE_HEALTHZ=http:\/\/127\.0\.0\.1:9464\/healthz/);
    expect(healthcheck).toContain('process.env.S4E_BRIDGE_HEALTHZ');
  });

  it("serves the operations endpoint on the container's address, which a bare run keeps on loopback", () => {
    expect(all('ENV').join(' ').split(' ')).toContain('S4E_BRIDGE_LISTEN=0.0.0.0:9464');
  });

  it('ships production dependencies only, built in the build stage', () => {
    const build = dockerfile.slice(0, -1).flat();
    expect(build.some((i) => i.keyword === 'RUN' && /npm prune --omit=dev/.test(i.args))).toBe(true);
    expect(all('RUN').filter((args) => /\b(npm|npx|yarn|pnpm|apt-get)\b/.test(args))).toEqual([]); // nothing installed in the runtime image
    expect(all('COPY').every((args) => /^--from=build |^--chown=\S+ (package\.json|config\.example\.yaml)/.test(args))).toBe(true);
  });

  it('keeps writable state on a volume owned by the bridge user, the working directory for ./data', () => {
    expect(all('VOLUME')).toEqual(['/var/lib/s4e-bridge']);
    expect(all('WORKDIR').at(-1)).toBe('/var/lib/s4e-bridge');
    expect(all('RUN')).toContainEqual(expect.stringContaining(`chown ${all('USER').at(-1)} /var/lib/s4e-bridge`));
  });

  it.skipIf(!hadolint)('passes hadolint', () => {
    const result = spawnSync('hadolint', [join(ROOT, 'Dockerfile')], { encoding: 'utf8' });
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('the example compose.yaml', () => {
  const compose = parse(readFileSync(join(ROOT, 'compose.yaml'), 'utf8')) as {
    services: Record<string, Record<string, unknown>>;
  };
  const { bridge, redis } = compose.services;

  it('gives Redis AOF persistence on a volume', () => {
    expect((redis!.command as string[]).join(' ')).toMatch(/--appendonly yes/);
    expect(redis!.volumes).toContainEqual(expect.stringMatching(/:\/data$/));
  });

  it('runs the bridge read-only, with the config mounted and the embedded store on a volume', () => {
    expect(bridge).toMatchObject({ read_only: true, tmpfs: ['/tmp'] });
    expect(bridge!.volumes).toContain('./config.yaml:/etc/s4e-bridge/config.yaml:ro');
    expect(bridge!.volumes).toContainEqual(expect.stringMatching(/^[\w-]+:\/var\/lib\/s4e-bridge$/));
    // The orchestrator waits longer than the bridge's own grace (10 s by default) before SIGKILL.
    expect(parseDuration(bridge!.stop_grace_period as string)).toBeGreaterThan(10_000);
  });

  it("sets the endpoint's address explicitly and publishes it on the host's loopback only", () => {
    expect((bridge!.environment as Record<string, string>).S4E_BRIDGE_LISTEN).toBe('0.0.0.0:9464');
    expect(bridge!.ports).toEqual(['127.0.0.1:9464:9464']);
  });

  it('passes in every variable config.example.yaml reads, each required, so the example starts as it is', () => {
    const example = readFileSync(join(ROOT, 'config.example.yaml'), 'utf8').replace(/#.*$/gm, '');
    const read = [...new Set([...example.matchAll(/(?<!\$)\$\{([A-Za-z_]\w*)\}/g)].map((m) => m[1]!))];
    expect(read).toContain('S4E_API_KEY');
    const environment = bridge!.environment as Record<string, string>;
    for (const name of read) expect(environment[name], name).toMatch(new RegExp(`^\\$\\{${name}:\\?`));
  });
});

describe('a bridge on a read-only filesystem', () => {
  let cleanup: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.reverse()) await step();
    cleanup = [];
  });

  it('writes no file in its working directory, home or temp directory', { timeout: 60_000 }, async () => {
    const prefix = uniquePrefix('ops-rofs');
    const simulator = await startSimulator({ apiKeys: ['rofs-key'], heartbeatIntervalMs: 500 });
    const receiver = await startHecReceiver({ token: 'rofs-token' });
    cleanup.push(() => simulator.close(), () => receiver.close(), () => deleteKeys(prefix));
    const dirs = ['cwd', 'home', 'tmp'].map((d) => mkdtempSync(join(tmpdir(), `s4e-rofs-${d}-`)));
    const [cwd, home, tmp] = dirs as [string, string, string];
    const file = writeConfig(opsConfig({ simulatorUrl: simulator.url, apiKey: 'rofs-key', hecUrl: receiver.url, hecToken: 'rofs-token', prefix }));
    const bridge = runCli(['run', '--config', file], { HOME: home, TMPDIR: tmp }, { cwd });
    await waitFor(() => simulator.stats().connections === 1, 'the bridge to connect');
    const ids = simulator.generate(50);
    await waitFor(() => receiver.eventCount >= ids.length, 'the events at HEC');
    bridge.child.kill('SIGTERM');
    expect(await bridge.exited).toBe(0);
    for (const dir of dirs) expect(readdirSync(dir), dir).toEqual([]);
  });
});
