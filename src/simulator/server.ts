import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdminEndpoint } from './admin-endpoint.js';
import { HEARTBEAT_TYPE } from './event-types.js';
import { EventGenerator } from './generator.js';
import { sendJson } from './http-util.js';
import { createIdFactory } from './ids.js';
import { resolveOptions } from './options.js';
import { Publisher } from './publisher.js';
import { createRandom } from './random.js';
import { ReplayBuffer } from './replay-buffer.js';
import { startSteadyRate } from './steady-rate.js';
import { createStreamEndpoint, type StreamEndpointCounters } from './stream-endpoint.js';
import { StreamHub } from './stream-hub.js';
import type { Simulator, SimulatorOptions } from './types.js';

const STREAM_PATH = '/api/events/stream';
/** Most generated events built at once, so `generate(1e6)` never holds a million objects. */
const GENERATE_CHUNK = 10_000;

/**
 * Starts a simulated S4E platform: the SSE stream as its document describes it, plus `/_sim/*`
 * controls. Heartbeats are global, not per connection: one timer publishes each heartbeat, with
 * its own `evt-hb-…` id, to the replay buffer and every stream (whatever its filters), so a
 * heartbeat id is a valid `Last-Event-ID` and a replay includes the heartbeats after it.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const config = resolveOptions(options);
  const generator = new EventGenerator(createRandom(config.seed), config.types);
  const buffer = new ReplayBuffer({ windowMs: config.replayWindowMs, maxEvents: config.replayMaxEvents });
  const hub = new StreamHub();
  const publisher = new Publisher(createIdFactory(), buffer, hub);
  const counters: StreamEndpointCounters = { rejected: { unauthorized: 0, tooMany: 0 }, lastEventIds: [] };

  const generate = (count: number, type?: string): string[] => {
    const ids: string[] = [];
    for (let done = 0; done < count; done += GENERATE_CHUNK) {
      const events = generator.batch(Math.min(GENERATE_CHUNK, count - done), new Date().toISOString(), type);
      for (const id of publisher.publish(events)) ids.push(id);
    }
    return ids;
  };

  const simulator: Omit<Simulator, 'url' | 'close'> = {
    inject: (events) => publisher.publish(events),
    generate,
    dropConnections: () => hub.dropAll(),
    stats: () => ({
      sent: hub.sent,
      sentByType: hub.sentByType(),
      connections: hub.connections,
      maxConnections: hub.peakConnections,
      rejected: { ...counters.rejected },
      lastEventIds: [...counters.lastEventIds],
    }),
    published: () => publisher.published(),
  };

  const stream = createStreamEndpoint(
    { apiKeys: new Set(config.apiKeys), maxConnections: config.maxConnections, retryMs: config.retryMs, buffer, hub },
    counters,
  );
  const admin = createAdminEndpoint(simulator);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (url.pathname === STREAM_PATH) {
      if (req.method === 'GET') stream(req, res, url);
      else sendJson(res, 405, { error: 'method_not_allowed' }, { allow: 'GET' });
    } else {
      void admin(req, res, url);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  const stopRate = config.rate > 0 ? startSteadyRate(config.rate, (count) => generate(count)) : undefined;
  const heartbeat =
    config.heartbeatIntervalMs > 0
      ? setInterval(
          () => publisher.publish([{ type: HEARTBEAT_TYPE, data: { timestamp: new Date().toISOString() } }]),
          config.heartbeatIntervalMs,
        ).unref()
      : undefined;

  const { port } = server.address() as AddressInfo;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let closing: Promise<void> | undefined;
  return {
    ...simulator,
    url: `http://${host}:${port}`,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        stopRate?.();
        clearInterval(heartbeat);
        server.close(() => resolve());
        hub.dropAll();
        server.closeAllConnections();
      })),
  };
}
