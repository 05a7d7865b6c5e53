import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../src/demo/hec-receiver.js';
import { startJiraReceiver, type JiraReceiver } from '../src/demo/jira-receiver.js';
import { startSlackReceiver, type SlackReceiver } from '../src/demo/slack-receiver.js';
import { startSimulator, type Simulator } from '../src/simulator/index.js';
import { runCli, writeConfig, type BridgeProcess } from './helpers/bridge-process.js';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.js';
import { freePort, startRedisServer, type RedisServer } from './helpers/redis-server.js';

/**
 * No configured secret leaves the bridge: a bridge with a secret in every option that holds one
 * (the API key sent as `?token=`, the HEC token from a file, the Slack webhook URL from the
 * environment, Jira Cloud and Data Center tokens, a Redis password) is driven through failures of
 * every kind, several of them answered by peers that echo the credential back. Everything it
 * shows is collected and searched for each secret in every form it travels in (raw, URL-encoded,
 * Base64 in Basic auth, a webhook's path and its segments, a prefix a truncated answer could
 * keep): every log line (stdout and stderr, several processes and commands), /metrics, /status,
 * /readyz, dead letters (`dlq list --json` and the raw store), set-aside events, and the errors
 * of commands that fail (a wrong Redis password, a refused API key).
 */
const API_KEY = 'api+Key/Sec=r3t_9f1c7e'; // needs URL-encoding in ?token=
const HEC_TOKEN = 'hec-token-5be1c0d2-secret';
const JIRA_EMAIL = 'bridge@example.com';
const JIRA_API_TOKEN = 'jira-cloud-token-ATATT3x-8d1e';
const JIRA_PAT = 'jira-dc-pat-NjM1OTk4-77c2';
const REDIS_PASSWORD = 'redis-P@ss+w0rd/5e';
const WRONG_REDIS_PASSWORD = 'wrong-redis-pass-01ab';
const OPS_TOKEN = 'ops-token-3d9a7c1e-secret';

const cleanup: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const step of cleanup.reverse()) await step().catch(() => undefined);
});

/** A secret's forms, each long enough to be a leak: the value, its encodings, and for a token a 12-character prefix. */
function forms(name: string, value: string, token = true): [string, string][] {
  const basic = name === 'jira api token' ? [[`${name} (Basic)`, Buffer.from(`${JIRA_EMAIL}:${value}`).toString('base64')] as [string, string]] : [];
  return [
    [name, value],
    [`${name} (URL-encoded)`, encodeURIComponent(value)],
    [`${name} (form-encoded)`, new URLSearchParams({ v: value }).toString().slice(2)],
    ...(token ? [[`${name} (prefix)`, value.slice(0, 12)] as [string, string]] : []),
    ...basic,
  ];
}

async function scrape(url: string): Promise<string> {
  try {
    const response = await fetch(url);
    return `${url} ${response.status}\n${await response.text()}`;
  } catch (error) {
    return `${url} failed: ${(error as Error).message}`;
  }
}

async function finished(p: BridgeProcess, timeoutMs = 20_000): Promise<number | string> {
  const timer = setTimeout(() => p.child.kill('SIGKILL'), timeoutMs);
  const code = await p.exited;
  clearTimeout(timer);
  return code;
}

async function until(check: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Everything in Redis under `prefix`, as text. */
async function dump(redis: Redis, prefix: string): Promise<string> {
  const out: string[] = [];
  for (const key of await redis.keys(`*${prefix}*`)) {
    const type = await redis.type(key);
    if (type === 'string') out.push(`${key} ${await redis.get(key)}`);
    else if (type === 'hash') out.push(`${key} ${JSON.stringify(await redis.hgetall(key))}`);
    else if (type === 'stream') out.push(`${key} ${JSON.stringify(await redis.xrange(key, '-', '+'))}`);
    else if (type === 'zset') out.push(`${key} ${JSON.stringify(await redis.zrange(key, 0, -1))}`);
    else if (type === 'set') out.push(`${key} ${JSON.stringify(await redis.smembers(key))}`);
    else if (type === 'list') out.push(`${key} ${JSON.stringify(await redis.lrange(key, 0, -1))}`);
  }
  return out.join('\n');
}

describe('secrets', () => {
  it('no configured secret appears in any log line, metric, status, error or dead letter, through failures of every kind', { timeout: 90_000 }, async () => {
    const redisServer: RedisServer = await startRedisServer({ password: REDIS_PASSWORD, appendOnly: true });
    cleanup.push(() => redisServer.close());
    const simulator: Simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 500, retryMs: 300 });
    cleanup.push(() => simulator.close());
    const source: FaultProxy = await startFaultProxy(Number(new URL(simulator.url).port));
    cleanup.push(() => source.close());
    await source.down(); // the platform is unreachable at first
    const hec: HecReceiver = await startHecReceiver({ token: HEC_TOKEN });
    const slack: SlackReceiver = await startSlackReceiver();
    const cloud: JiraReceiver = await startJiraReceiver({ deployment: 'cloud', token: JIRA_API_TOKEN, email: JIRA_EMAIL });
    const dc: JiraReceiver = await startJiraReceiver({ deployment: 'datacenter', token: JIRA_PAT });
    cleanup.push(() => Promise.all([hec.close(), slack.close(), cloud.close(), dc.close()]));
    const slackPath = new URL(slack.url).pathname;
    const secrets: [string, string][] = [
      ...forms('api key', API_KEY),
      ...forms('hec token', HEC_TOKEN),
      ...forms('slack webhook', slack.url, false),
      ['slack webhook path', slackPath],
      ...forms('slack webhook secret segment', slackPath.split('/').pop()!),
      ...forms('jira api token', JIRA_API_TOKEN),
      ...forms('jira pat', JIRA_PAT),
      ...forms('redis password', REDIS_PASSWORD),
      ...forms('wrong redis password', WRONG_REDIS_PASSWORD),
      ...forms('operations token', OPS_TOKEN),
    ];

    const dir = mkdtempSync(join(tmpdir(), 's4e-secrets-'));
    const hecTokenFile = join(dir, 'hec-token');
    writeFileSync(hecTokenFile, `${HEC_TOKEN}\n`);
    const opsTokenFile = join(dir, 'ops-token');
    writeFileSync(opsTokenFile, `${OPS_TOKEN}\n`);
    const opsPort = await freePort();
    const env = { S4E_API_KEY: API_KEY, SLACK_WEBHOOK: slack.url, JIRA_API_TOKEN };
    const config = (redisPassword: string) => `source:
  base_url: ${source.url}
  api_key: \${S4E_API_KEY}
  auth: query
  heartbeat_timeout: 2s
  reconnect: { initial_delay: 100ms, max_delay: 500ms }
store:
  redis_url: redis://:${encodeURIComponent(redisPassword)}@127.0.0.1:${redisServer.port}
  key_prefix: secrets
  consumer: secrets
server:
  listen: 127.0.0.1:${opsPort}
  token: \${file:${opsTokenFile}}
log:
  level: debug
subscriptions:
  - name: all
connectors:
  splunk:
    type: splunk_hec
    url: ${hec.url}
    token: \${file:${hecTokenFile}}
    batch: { max_events: 5, max_delay: 10ms }
    delivery: { retry: { initial_delay: 50ms, max_delay: 200ms }, circuit: { open_for: 1s }, auth_retry: 1s }
  chat:
    type: slack
    webhook_url: \${SLACK_WEBHOOK}
    delivery: { rate_limit: { max: 100, per: 1s }, retry: { initial_delay: 50ms, max_delay: 200ms }, circuit: { open_for: 1s }, auth_retry: 1s }
  cloud:
    type: jira
    deployment: cloud
    url: ${cloud.url}
    email: ${JIRA_EMAIL}
    api_token: \${JIRA_API_TOKEN}
    project: SEC
    delivery: { retry: { initial_delay: 50ms, max_delay: 200ms }, circuit: { open_for: 1s }, auth_retry: 1s }
  dc:
    type: jira
    deployment: datacenter
    url: ${dc.url}
    token: ${JIRA_PAT}
    project: SEC
    delivery: { retry: { initial_delay: 50ms, max_delay: 200ms }, circuit: { open_for: 1s }, auth_retry: 1s }
routes:
  - name: everything
    to: [splunk]
  - name: findings
    match: { events: [finding.new] }
    to: [chat, cloud, dc]
`;
    const file = writeConfig(config(REDIS_PASSWORD));
    const collected: string[] = [];
    const bridge = runCli(['run', '--config', file], env);
    cleanup.push(async () => {
      bridge.child.kill('SIGKILL');
      await bridge.exited;
    });
    const ops = `http://127.0.0.1:${opsPort}`;
    const scrapeAll = async () => {
      for (const path of ['/metrics', '/status', '/readyz', '/healthz']) collected.push(await scrape(ops + path));
    };

    // 1. The platform unreachable (refused connections: errors name the URL, whose token must not show).
    await until(() => bridge.output.some((l) => l.includes('reconnecting to the event stream')), 'a failed connection');
    await scrapeAll();
    await source.up();
    await until(() => simulator.stats().connections === 1, 'the stream');

    // 2. Peers failing, several echoing the credential back in their answers.
    hec.failNext(2, { status: 503, body: { text: `Server is busy (token ${HEC_TOKEN})`, code: 9 } });
    hec.failNext(1, { status: 403, body: { text: `Invalid token: Splunk ${HEC_TOKEN}`, code: 4 } });
    // Each answer below has a secret straddling the 1,000 characters a peer's answer is cut to:
    // a cut secret is still one.
    hec.failNext(1, { status: 400, body: `${'x'.repeat(985)}${HEC_TOKEN}` });
    slack.failNext(1, { status: 500, body: `internal error posting to ${slack.url}` });
    slack.failNext(1, { status: 404, body: `no_service ${slackPath}` });
    slack.failNext(1, { status: 400, body: `${'x'.repeat(985)}${slackPath.split('/').pop()!}` });
    const basic = Buffer.from(`${JIRA_EMAIL}:${JIRA_API_TOKEN}`).toString('base64');
    cloud.failNext(1, { status: 500, body: { errorMessages: [`upstream failed for Basic ${basic}`], errors: {} } });
    cloud.failNext(1, { status: 401, body: { errorMessages: [`Basic ${basic} (${JIRA_EMAIL}:${JIRA_API_TOKEN}) is not valid`], errors: {} } });
    // (`{"errorMessages":["` is 19 characters.)
    dc.failNext(1, { status: 400, body: { errorMessages: [`${'x'.repeat(967)}${JIRA_PAT}`], errors: {} } });
    simulator.inject(Array.from({ length: 6 }, (_, i) => ({ type: 'finding.new', data: { finding_id: `f-sec-${i}`, title: `Finding ${i}`, severity: 'critical' } })));
    simulator.generate(30);
    await until(() => hec.eventCount >= 25 && slack.messages().length >= 3 && cloud.issues().length >= 4 && dc.issues().length >= 5, 'deliveries after the failures', 30_000);
    await scrapeAll();

    // 3. Redis away and back (its errors carry the connection's details).
    await redisServer.stop();
    simulator.generate(10);
    await new Promise((r) => setTimeout(r, 1_500));
    await scrapeAll();
    await redisServer.start();
    await until(() => bridge.output.some((l) => l.includes('Redis connection restored')), 'Redis to be back', 20_000);

    // 4. A stream that stalls (watchdog), then a refused API key (fatal: one error line).
    source.stall();
    await until(() => bridge.output.some((l) => l.includes('heartbeat timeout')), 'the watchdog');
    source.unstall();
    source.rewriteRequests((head) => head.replace(/token=[^ &]+/, 'token=not-the-key'));
    simulator.dropConnections();
    await until(() => bridge.output.some((l) => l.includes('API key rejected')), 'the refused key');
    source.rewriteRequests(undefined);
    await scrapeAll();
    // The operations API with the token (the CLI's), and with a wrong one.
    const viaEndpoint = runCli(['dlq', 'list', '--config', file, '--json', '--endpoint', ops], env);
    expect(await finished(viaEndpoint)).toBe(0);
    collected.push(...viaEndpoint.output);
    const refused = await fetch(`${ops}/dlq/drop`, { method: 'POST', headers: { authorization: `Bearer ${OPS_TOKEN.slice(0, -1)}x` }, body: '{}' });
    expect(refused.status).toBe(401);
    collected.push(`${refused.status} ${await refused.text()}`);

    bridge.child.kill('SIGTERM');
    expect(await finished(bridge)).toBe(0);
    collected.push(...bridge.output);

    // 5. The operator's commands, and commands that fail.
    const commands: string[][] = [
      ['dlq', 'list', '--config', file, '--json'],
      ['dlq', 'list', '--config', file],
      ['status', '--config', file, '--json'],
      ['backfill', '--config', file, '--since', '1h', '--json'],
      ['validate', '--config', file],
    ];
    for (const args of commands) {
      const p = runCli(args, env);
      await finished(p);
      collected.push(`$ ${args.join(' ')}`, ...p.output);
    }
    const dlq = collected.join('\n');
    // The dead letters are there, with the peers' answers (masked).
    expect(dlq).toMatch(/Invalid token/);
    expect(dlq.split('x'.repeat(900)).length - 1).toBeGreaterThanOrEqual(3); // the answers secrets straddled the end of
    expect(dlq).toMatch(/no_service/);
    const wrong = runCli(['run', '--config', writeConfig(config(WRONG_REDIS_PASSWORD))], env);
    expect(await finished(wrong)).not.toBe(0);
    collected.push(...wrong.output);
    const redis = new Redis({ port: redisServer.port, password: REDIS_PASSWORD });
    collected.push(await dump(redis, 'secrets'));
    redis.disconnect();

    const everything = collected.join('\n');
    const leaks = secrets.filter(([, value]) => everything.includes(value)).map(([name]) => name);
    const lines = everything.split('\n').length;
    console.log(`[security] searched ${lines} lines (${everything.length} characters) for ${secrets.length} secret forms: ${leaks.length === 0 ? 'none found' : `FOUND ${leaks.join(', ')}`}`);
    for (const [name, value] of secrets) {
      const at = everything.indexOf(value);
      if (at >= 0) console.log(`[security] ${name}: …${everything.slice(Math.max(0, at - 200), at + value.length + 50)}…`);
    }
    expect(leaks).toEqual([]);
    // The failures happened and were told, masked.
    expect(everything).toContain('[REDACTED]');
    expect(everything).toMatch(/WRONGPASS|invalid username-password|NOAUTH/i);
  });
});
