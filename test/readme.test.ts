import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KNOWN_EVENT_TYPES } from '../src/config/event-types.js';
import { freePort } from './helpers/redis-server.js';

/**
 * The README's commands work as written. Every ```sh block, and every `$ ` command of a
 * ```console transcript, runs in README order, with bash, in a scratch directory holding what a
 * fresh clone has beside the build (config.example.yaml): the CLI they call (`npx s4e-bridge`,
 * which in a clone runs the package's own bin) is the built one, `dist/src/cli/main.js`. A block
 * after `<!-- readme-test: skip, REASON -->` is not run (installing, Docker, a real tenant); one
 * after `<!-- readme-test: runs until stopped -->` must start and keep running while the blocks
 * after it run, then stop on SIGTERM. The reader's own values: `export NAME=…` stands for a
 * secret the reader has, which the test provides; port 8080 is a free port here.
 */
const ROOT = join(import.meta.dirname, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const CLI = `"${process.execPath}" "${join(ROOT, 'dist/src/cli/main.js')}"`;

interface Block {
  readonly lang: string;
  readonly code: string;
  /** The README line the block starts on, for failure messages. */
  readonly line: number;
  readonly marker?: string;
}

function blocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const found: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\w*)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const end = lines.indexOf('```', i + 1);
    const marker = /^<!-- readme-test: (.+?) -->$/.exec(lines[i - 1] ?? '')?.[1];
    found.push({ lang: open[1]!, code: lines.slice(i + 1, end).join('\n'), line: i + 1, ...(marker && { marker }) });
    i = end;
  }
  return found;
}

/** A console transcript's commands: each `$ ` line, with the lines that continue it. */
function commandsOf(transcript: string): string[] {
  const commands: string[] = [];
  for (const line of transcript.split('\n')) {
    const last = commands.at(-1);
    if (line.startsWith('$ ')) commands.push(line.slice(2));
    else if (last !== undefined && goesOn(last)) commands[commands.length - 1] = `${last}\n${line}`;
  }
  return commands;
}

/** A trailing backslash, or a single quote still open. */
function goesOn(command: string): boolean {
  return command.endsWith('\\') || (command.match(/'/g) ?? []).length % 2 === 1;
}

const all = blocks(README);
const runnable = all.filter((b) => b.lang === 'sh' || b.lang === 'console');
const scratch = mkdtempSync(join(tmpdir(), 's4e-readme-'));
copyFileSync(join(ROOT, 'config.example.yaml'), join(scratch, 'config.example.yaml'));
const running: ChildProcess[] = [];
afterAll(() => {
  // Each block ran as its own process group: bash and what it started.
  for (const child of running) if (child.exitCode === null && child.signalCode === null) process.kill(-child.pid!, 'SIGKILL');
});

/** The reader's secrets, in the forms the example config takes. */
const READER_ENV = {
  S4E_API_KEY: 'sk-readme-test-1234',
  SPLUNK_HEC_TOKEN: 'hec-readme-test-1234',
  SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0000/B0000/readme-test',
  JIRA_API_TOKEN: 'jira-readme-test-1234',
};

function asRun(code: string, port: number): string {
  return code
    .split('\n')
    .filter((line) => !/^export (\w+=…\s*)+(#.*)?$/.test(line)) // a placeholder for the reader's own values
    .join('\n')
    .replace(/(^|\|\s*|&&\s*)(?:npx )?s4e-bridge /gm, `$1${CLI} `)
    .replaceAll('8080', String(port));
}

describe('the README', () => {
  it('marks every block it does not run with the reason, and runs the rest', () => {
    const skipped = runnable.filter((b) => b.marker?.startsWith('skip'));
    for (const block of skipped) expect(block.marker, `README line ${block.line}`).toMatch(/^skip, \S/);
    expect(runnable.length - skipped.length).toBeGreaterThanOrEqual(5);
  });

  it('has shell commands that work as written, in order, on a fresh clone', { timeout: 180_000 }, async () => {
    const port = await freePort();
    const env = { ...process.env, ...READER_ENV, REDIS_URL: '' };
    for (const block of runnable) {
      if (block.marker?.startsWith('skip')) continue;
      const scripts = block.lang === 'console' ? commandsOf(block.code) : [block.code];
      for (const script of scripts) {
        const code = `set -euo pipefail\n${asRun(script, port)}`;
        if (block.marker === 'runs until stopped') {
          const child = spawn('bash', ['-c', code], { cwd: scratch, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
          running.push(child);
          // Started: it said so (the simulator prints where it listens).
          await new Promise<void>((resolve, reject) => {
            child.stdout!.once('data', () => resolve());
            child.once('exit', (status) => reject(new Error(`README line ${block.line}: exited (${status}) instead of running`)));
          });
          continue;
        }
        try {
          execFileSync('bash', ['-c', code], { cwd: scratch, env, stdio: 'pipe', timeout: 60_000 });
        } catch (error) {
          const { status, stdout, stderr } = error as { status: number; stdout: Buffer; stderr: Buffer };
          throw new Error(`README line ${block.line} failed (exit ${status}):\n${script}\n${stdout}${stderr}`);
        }
      }
    }
    for (const child of running) {
      const exited = new Promise((resolve) => child.once('exit', (status, signal) => resolve(status ?? signal)));
      process.kill(-child.pid!, 'SIGTERM');
      expect(await exited).toBe(0);
    }
  });

  it('lists in its command table the commands --help lists, with flags they take', { timeout: 120_000 }, () => {
    const help = execFileSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), '--help'], { encoding: 'utf8' });
    const commands = [...help.matchAll(/^ {2}([a-z-]+) /gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    const table = README.slice(README.indexOf('## Command line'), README.indexOf('### The simulator'));
    for (const command of commands) {
      expect(README, command).toContain(`s4e-bridge ${command}`);
      const row = table.split('\n').find((l) => l.startsWith(`| \`s4e-bridge ${command} `) || l.startsWith(`| \`s4e-bridge ${command}\``));
      if (!row) continue; // dlq: its own section
      const usage = execFileSync(process.execPath, [join(ROOT, 'dist/src/cli/main.js'), command, '--help'], { encoding: 'utf8' });
      for (const flag of row.split('|')[1]!.match(/--[a-z-]+/g) ?? []) expect(usage, `${command} ${flag}`).toContain(flag);
    }
  });

  it('documents every control endpoint of the simulator', () => {
    const source = readFileSync(join(ROOT, 'src/simulator/admin-endpoint.ts'), 'utf8');
    const routes = [...source.matchAll(/method: '(\w+)',\s*path: '([^']+)'/g)].map((m) => `${m[1]} ${m[2]!.replace(/:(\w+)/g, '{$1}')}`);
    expect(routes.length).toBeGreaterThan(5);
    for (const route of routes) expect(README).toContain(`\`${route}\``);
  });

  it('lists every event type a config may name', () => {
    const section = README.slice(README.indexOf('### Event types'), README.indexOf('### Severity'));
    for (const type of KNOWN_EVENT_TYPES) expect(section, type).toMatch(new RegExp(`\`(${type.replace('.', '\\.')}|\\.${type.split('.').at(-1)})\``));
  });
});
