import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/bridge-process.js';

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

describe('the README demo', () => {
  it('runs without Redis on the embedded store and delivers to all four local receivers', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-demo-'));
    const demo = runCli(['demo', '--duration', '5s', '--rate', '200', '--dir', dir], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await demo.exited).toBe(0);
    const output = demo.output.join('\n');
    expect(output).toContain('store: embedded');
    expect(output).toMatch(/at receivers: splunk [1-9]\d*\s+siem [1-9]\d*\s+slack [1-9]\d*\s+jira [1-9]\d*/);
    expect(lines(join(dir, 'hec-events.jsonl'))).toBeGreaterThan(100);
    expect(lines(join(dir, 'syslog-cef.log'))).toBeGreaterThan(100);
    expect(readFileSync(join(dir, 'syslog-cef.log'), 'utf8')).toContain('CEF:0|S4E|S4E Platform|');
    expect(lines(join(dir, 'slack-messages.jsonl'))).toBeGreaterThan(0);
    expect(lines(join(dir, 'jira-changes.jsonl'))).toBeGreaterThan(0);
  });
});
