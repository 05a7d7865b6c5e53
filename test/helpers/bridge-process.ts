import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const CLI = join(import.meta.dirname, '../../dist/src/cli/main.js');

export interface BridgeProcess {
  readonly child: ChildProcess;
  /** Every line the process wrote (stdout and stderr), for assertions and secret checks. */
  readonly output: string[];
  /** Resolves with the exit code (or signal name) when the process ends. */
  readonly exited: Promise<number | NodeJS.Signals>;
}

/** Writes a config file into a fresh temp directory and returns its path. */
export function writeConfig(yaml: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 's4e-bridge-')), 'config.yaml');
  writeFileSync(file, yaml);
  return file;
}

/**
 * Runs the built CLI as a real child process, as an operator would (`cwd`: its working
 * directory; `wrapper`: a command it runs under, e.g. `prlimit --nofile=1024:1024`).
 */
export function runCli(args: readonly string[], env: NodeJS.ProcessEnv = {}, options: { cwd?: string; wrapper?: readonly string[] } = {}): BridgeProcess {
  const [command, ...before] = [...(options.wrapper ?? []), process.execPath];
  const child = spawn(command!, [...before, CLI, ...args], { env: { ...process.env, ...env }, cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  // Whole lines only: a pipe's chunk may end mid-line (a long JSON document, a burst of logs).
  const lines = (stream: NodeJS.ReadableStream) => {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      output.push(...parts.filter(Boolean));
    });
    stream.on('end', () => partial && output.push(partial));
  };
  lines(child.stdout!);
  lines(child.stderr!);
  // 'close', not 'exit': the output is whole once the pipes are drained.
  const exited = new Promise<number | NodeJS.Signals>((resolve) => child.on('close', (code, signal) => resolve(code ?? signal!)));
  return { child, output, exited };
}

/** Polls `check` until it returns true or `timeoutMs` passes (then throws with `what`). */
export async function waitFor(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
