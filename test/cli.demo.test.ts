import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { runCli } from './helpers/bridge-process.js';
import { REDIS_URL, uniquePrefix } from './helpers/redis.js';

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean).length;

/** The figures of the demo's final summary. */
function summaryOf(output: readonly string[]) {
  const text = output.join('\n');
  const published = Number(/published by the simulator\s+(\d+) events/.exec(text)?.[1]);
  const received = Number(/received by the bridge\s+(\d+)/.exec(text)?.[1]);
  const rows = Object.fromEntries(
    [...text.matchAll(/^\s+(splunk|siem|slack|jira)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+) \w+$/gm)].map((m) => [
      m[1]!,
      { routed: Number(m[2]), delivered: Number(m[3]), deadLettered: Number(m[4]), queued: Number(m[5]), atReceiver: Number(m[6]) },
    ]),
  );
  return { published, received, rows, reconciled: text.includes('every routed event is delivered, dead-lettered or still queued') };
}

describe('the README demo', () => {
  it('runs without Redis on the embedded store, delivers to all four local receivers and accounts for every event', { timeout: 60_000 }, async () => {
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

    const summary = summaryOf(demo.output);
    expect(summary.published).toBeGreaterThan(100);
    expect(summary.received).toBe(summary.published);
    expect(summary.reconciled).toBe(true);
    // Every event goes to Splunk and the SIEM: all of them there, and their files hold exactly those.
    expect(summary.rows.splunk).toMatchObject({ routed: summary.received, delivered: summary.received, atReceiver: summary.received });
    expect(summary.rows.siem).toMatchObject({ routed: summary.received, atReceiver: lines(join(dir, 'syslog-cef.log')) });
  });

  it('starts its receiver files afresh on every run, and refuses a second demo in the same directory', { timeout: 60_000 }, async () => {
    const dir = mkdtempSync(join(tmpdir(), 's4e-demo-'));
    const env = { REDIS_URL: 'redis://127.0.0.1:1' };
    expect(await runCli(['demo', '--duration', '2s', '--rate', '100', '--dir', dir], env).exited).toBe(0);
    const first = runCli(['demo', '--duration', '4s', '--rate', '100', '--dir', dir], env);
    await new Promise((r) => setTimeout(r, 1_500));
    const second = runCli(['demo', '--duration', '1s', '--dir', dir], env);
    expect(await second.exited).toBe(1);
    expect(second.output).toEqual([expect.stringMatching(/^s4e-bridge: another demo \(pid \d+\) is running in .*: stop it, or give this one its own --dir$/)]);
    expect(await first.exited).toBe(0);
    const summary = summaryOf(first.output);
    expect(lines(join(dir, 'hec-events.jsonl'))).toBe(summary.rows.splunk!.atReceiver);
    expect(lines(join(dir, 'hec-events.jsonl'))).toBe(summary.received);
  });

  it('on Redis, keeps to a key prefix of its own and removes it at the end, leaving every other key alone', { timeout: 60_000 }, async () => {
    const redis = new Redis(REDIS_URL);
    const neighbour = `${uniquePrefix('demo-neighbour')}:checkpoint`;
    try {
      // Another bridge's key on the same Redis.
      await redis.set(neighbour, 'evt-1', 'EX', 120);
      const dir = mkdtempSync(join(tmpdir(), 's4e-demo-'));
      const demo = runCli(['demo', '--duration', '3s', '--rate', '100', '--dir', dir], { REDIS_URL });
      expect(await demo.exited).toBe(0);
      const prefix = /keys under (s4e-bridge-demo-[0-9a-f]+)/.exec(demo.output.join('\n'))?.[1];
      expect(prefix).toBeDefined();
      expect(readFileSync(join(dir, 'config.yaml'), 'utf8')).toContain(`key_prefix: ${prefix}`);
      expect(summaryOf(demo.output).reconciled).toBe(true);
      expect(await redis.get(neighbour)).toBe('evt-1');
      expect(await redis.keys(`*${prefix}*`)).toEqual([]);
    } finally {
      await redis.del(neighbour);
      redis.disconnect();
    }
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
