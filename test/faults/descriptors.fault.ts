import { mkdtempSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startHecReceiver, type HecReceiver } from '../../src/demo/hec-receiver.js';
import { startSimulator, type Simulator } from '../../src/simulator/index.js';
import { runCli, writeConfig, type BridgeProcess } from '../helpers/bridge-process.js';
import { everythingToHecYaml } from '../helpers/config-yaml.js';
import { produce, sleep, until } from '../helpers/fault-rig.js';
import { endpointOf } from '../ops.helpers.js';

/** The bridge's descriptor limit, soft and hard: nothing can raise it. */
const NOFILE = Number(process.env.FAULT_DESCRIPTORS_NOFILE ?? 1_024);
/** Idle connections the attacker keeps open (or keeps trying to) on the operations port. */
const IDLE = Number(process.env.FAULT_DESCRIPTORS_IDLE ?? 1_100);
const EVENTS = Number(process.env.FAULT_DESCRIPTORS_EVENTS ?? 20_000);
const RATE = Number(process.env.FAULT_DESCRIPTORS_RATE ?? 2_000);
/** server.max_connections; set it above NOFILE to see what the cap prevents. */
const CAP = Number(process.env.FAULT_DESCRIPTORS_CAP ?? 64);

const API_KEY = 'fault-fd-api-key-4e1b9c';
const HEC_TOKEN = 'fault-fd-hec-token-a8d2f3';

let cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

/**
 * Clients that connect to `port` and say nothing: `count` of them, each connecting again a
 * second after the bridge closes it, as a scanner or a stuck client pool would.
 */
function idleFlood(port: number, count: number) {
  const sockets = new Set<Socket>();
  let stopped = false;
  let opened = 0;
  let closedByServer = 0;
  const open = () => {
    if (stopped) return;
    const socket = connect(port, '127.0.0.1');
    sockets.add(socket);
    opened += 1;
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      if (stopped) return;
      closedByServer += 1;
      setTimeout(open, 1_000);
    });
  };
  for (let i = 0; i < count; i++) open();
  return {
    get stats() {
      return { opened, closedByServer, open: sockets.size };
    },
    stop() {
      stopped = true;
      for (const s of sockets) s.destroy();
    },
  };
}

it(`under a ${NOFILE}-descriptor limit, ${IDLE} idle connections to the operations port do not stop ingest or delivery`, async () => {
  const simulator: Simulator = await startSimulator({ apiKeys: [API_KEY], heartbeatIntervalMs: 1_000 });
  const hec: HecReceiver = await startHecReceiver({ token: HEC_TOKEN, retain: 1_000_000 });
  cleanup.push(() => simulator.close(), () => hec.close());
  const config = writeConfig(`source:
  base_url: ${simulator.url}
  api_key: ${API_KEY}
  reconnect: { initial_delay: 100ms, max_delay: 1s }
store:
  path: ${join(mkdtempSync(join(tmpdir(), 's4e-fault-fd-')), 'data')}
server:
  listen: 127.0.0.1:0
  max_connections: ${CAP}
subscriptions:
  - name: all
${everythingToHecYaml({ url: hec.url, token: HEC_TOKEN, batch: '{ max_events: 500, max_delay: 20ms }' })}`);
  // prlimit sets soft and hard alike: the bridge cannot raise it, as under `ulimit -n 1024`.
  const bridge: BridgeProcess = runCli(['run', '--config', config], {}, { wrapper: ['prlimit', `--nofile=${NOFILE}:${NOFILE}`] });
  cleanup.push(async () => {
    bridge.child.kill('SIGKILL');
    await bridge.exited;
  });
  const endpoint = await endpointOf(bridge);
  await until(() => simulator.stats().connections === 1, 20_000, 'the bridge to connect');

  const flood = idleFlood(Number(new URL(endpoint).port), IDLE);
  cleanup.push(async () => flood.stop());
  await sleep(2_000); // the flood is in place before the first event
  const published = await produce(simulator, EVENTS, RATE);
  const publishedAt = Date.now();
  let duringAttack = 0;
  try {
    await until(() => new Set(hec.received().map((e) => e.event.id)).size >= published.length, 60_000, 'every event at HEC during the attack');
  } finally {
    duringAttack = new Set(hec.received().map((e) => e.event.id)).size;
    const lagMs = Date.now() - publishedAt;
    const attack = flood.stats;
    flood.stop();
    const emfile = bridge.output.filter((l) => l.includes('EMFILE')).length;
    const capped = bridge.output.filter((l) => l.includes('at its connection limit')).length;
    console.log(
      `[faults] descriptors: nofile ${NOFILE}, server.max_connections ${CAP}; ${IDLE} idle connections kept on the operations port ` +
        `(${attack.opened} opened, ${attack.closedByServer} closed by the bridge, ${attack.open} open at the end); ` +
        `${published.length} events published at ${RATE}/s, ${duringAttack} at HEC during the attack, the last ${lagMs} ms after the last was published; ` +
        `${emfile} EMFILE lines, ${capped} connection-limit warnings`,
    );
  }
  expect(duringAttack).toBe(published.length);
  // Once the flood is gone the endpoint answers again.
  const health = await fetch(`${endpoint}/healthz`);
  expect(health.status).toBe(200);
  expect(bridge.output.filter((l) => l.includes('EMFILE'))).toEqual([]);
});
