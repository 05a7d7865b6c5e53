import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runCli, writeConfig } from './helpers/bridge-process.js';

/**
 * Hostile config files through the CLI, as an operator would meet them: each is refused with
 * exit code 2 and a clear line, fast and in bounded memory. parseConfig's own handling is unit
 * tested in config.load.test.ts ("bounds YAML alias expansion", "refuses a file larger…").
 */
async function validate(yaml: string | ((file: string) => void)): Promise<{ code: number | string; output: string; ms: number }> {
  const file = writeConfig(typeof yaml === 'string' ? yaml : '');
  if (typeof yaml !== 'string') yaml(file);
  const started = Date.now();
  const cli = runCli(['validate', '--config', file], { NODE_OPTIONS: '--max-old-space-size=256' });
  const code = await cli.exited;
  return { code, output: cli.output.join('\n'), ms: Date.now() - started };
}

describe('hostile config files', () => {
  it('refuses a YAML alias bomb ("billion laughs") without expanding it', async () => {
    const levels = 'abcdefghij'.split('');
    const bomb = levels.map((name, i) => (i === 0 ? `${name}: &${name} ["lol","lol","lol","lol","lol","lol","lol","lol","lol","lol"]` : `${name}: &${name} [${Array(10).fill(`*${levels[i - 1]}`).join(',')}]`)).join('\n');
    const { code, output, ms } = await validate(`${bomb}\n`);
    expect(code).toBe(2);
    expect(output).toMatch(/alias/i);
    expect(ms).toBeLessThan(10_000);
  });

  it('refuses a 10 MB config by its size, before parsing it', async () => {
    const { code, output } = await validate((file) => writeFileSync(file, `# ${'x'.repeat(10 * 1024 * 1024)}\nsource: {}\n`));
    expect(code).toBe(2);
    expect(output).toMatch(/is \d+ bytes; a config is at most \d+/);
  });

  it('refuses YAML nested 100,000 levels deep with an error, not a crash', async () => {
    const { code, output } = await validate(`source: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`);
    expect(code).toBe(2);
    expect(output).not.toMatch(/^\s+at /m); // no stack trace
  });
});
