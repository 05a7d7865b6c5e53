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

  it('opens a Jira issue for the document\'s finding.new example and closes it by a documented-shape status change', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-demo-'));
    const demo = runCli(['demo', '--duration', '5s', '--rate', '20', '--dir', dir], { REDIS_URL: 'redis://127.0.0.1:1' });
    expect(await demo.exited).toBe(0);
    const output = demo.output.join('\n');
    // The random stream opens issues too: whichever key the example's is.
    const key = /demo: Jira (SEC-\d+) opened for f-91827: "\[S4E\] SQL Injection on api\.example\.com"/.exec(output)?.[1];
    expect(key).toBeDefined();
    expect(output).toContain('demo: published its status change, in the document\'s shape: {"finding_id":"f-91827","old_status":"open","new_status":"resolved"}');
    expect(output).toContain(`demo: Jira ${key} closed (Done)`);
    const changes = readFileSync(join(dir, 'jira-changes.jsonl'), 'utf8').split('\n').filter(Boolean).map((line) => JSON.parse(line) as { action: string; key: string; to?: string });
    expect(changes.filter((c) => c.key === key).map((c) => [c.action, c.to])).toEqual([
      ['create', undefined],
      ['comment', undefined],
      ['transition', 'Done'],
    ]);
  });
});
