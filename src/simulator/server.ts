import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { adminRoutes } from './admin-endpoint.js';
import { ConnectionBudget } from './connection-budget.js';
import { HEARTBEAT_TYPE } from './event-types.js';
import { FaultScript } from './fault-script.js';
import { assumedFindingFields, findingNewData, statusChangedData } from './finding-events.js';
import { FindingRegistry } from './finding-registry.js';
import { EventGenerator } from './generator.js';
import { createIdFactory, createSequence, instanceTag } from './ids.js';
import { resolveOptions } from './options.js';
import { createProgressEndpoint } from './progress-endpoint.js';
import { progressEvents } from './progress-events.js';
import { ProgressHub } from './progress-hub.js';
import { Publisher } from './publisher.js';
import { createRandom } from './random.js';
import { FixedWindowLimit } from './rate-limit.js';
import { ReplayBuffer } from './replay-buffer.js';
import { createRouter } from './router.js';
import { ScanEngine } from './scan-engine.js';
import { scanStreamEvents } from './scan-stream-events.js';
import { isFinished, SCAN_STATUSES, type Scan, type ScanFinding, type ScanStatus } from './scan-types.js';
import { scansApiRoutes } from './scans-api.js';
import { startSteadyRate } from './steady-rate.js';
import { createStreamEndpoint } from './stream-endpoint.js';
import { StreamGate, type StreamRejections } from './stream-gate.js';
import { StreamHub } from './stream-hub.js';
import type { Simulator, SimulatorOptions } from './types.js';

/** Most generated events built at once, so `generate(1e6)` never holds a million objects. */
const GENERATE_CHUNK = 10_000;

/**
 * Starts a simulated S4E platform: the SSE stream as its document describes it, scans with their
 * progress streams and REST API, plus `/_sim/*` controls. Heartbeats are global, not per
 * connection: one timer publishes each heartbeat, with its own `evt-hb-…` id, to the replay buffer
 * and every stream (whatever its filters), so a heartbeat id is a valid `Last-Event-ID` and a
 * replay includes the heartbeats after it.
 */
export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const config = resolveOptions(options);
  const tag = instanceTag();
  const nextFindingId = createSequence('f-', tag);
  const findings = new FindingRegistry();
  const generator = new EventGenerator(createRandom(config.seed), config.types, { assumedFields: config.assumedFields, findings, nextFindingId: () => nextFindingId() });
  const buffer = new ReplayBuffer({ windowMs: config.replayWindowMs, maxEvents: config.replayMaxEvents });
  const hub = new StreamHub();
  const publisher = new Publisher(createIdFactory(tag), buffer, hub);
  const progress = new ProgressHub(config.progressKeepaliveMs);
  const engine = new ScanEngine({
    // Its own sequence, so scans starting at their own pace leave the generator's draws alone.
    random: createRandom(config.seed === undefined ? undefined : config.seed + 1),
    nextScanId: createSequence('sc-', tag),
    nextFindingId,
    durationMs: config.scanDurationMs,
    queueMs: config.scanQueueMs,
    // The event stream and the progress stream learn of each change together, so they agree.
    observer: (scan, change) => {
      publisher.publish(scanStreamEvents(scan, change, config.assumedFields));
      progress.send(scan.id, progressEvents(scan, change), change.kind === 'status' && isFinished(scan.status));
    },
  });
  const apiKeys = new Set(config.apiKeys);
  const budget = new ConnectionBudget(config.maxConnections);
  const rejected: StreamRejections = { unauthorized: 0, tooMany: 0 };
  const gate = new StreamGate(apiKeys, budget, rejected);
  const lastEventIds: string[] = [];
  const apiAnswers = new Map<number, number>();
  const faults = new FaultScript();

  const generate = (count: number, type?: string): string[] => {
    const ids: string[] = [];
    for (let done = 0; done < count; done += GENERATE_CHUNK) {
      const events = generator.batch(Math.min(GENERATE_CHUNK, count - done), new Date().toISOString(), type);
      for (const id of publisher.publish(events)) ids.push(id);
    }
    return ids;
  };

  /** A person triaging the finding: the Scans API shows its new status and the stream tells it. */
  const setFindingStatus = (id: string, status: string): string => {
    const tracked = findings.get(id);
    const scanned = engine.findFinding(id);
    if (scanned === undefined && tracked === undefined) throw new RangeError(`unknown finding: ${id}`);
    if (typeof status !== 'string' || status === '') throw new TypeError('status must be a non-empty string');
    const old = scanned ? engine.setFindingStatus(id, status) : tracked!.status;
    if (tracked) tracked.status = status;
    const assumed = scanned
      ? findingFieldsOf(scanned.scan, scanned.finding)
      : (({ finding_id: _id, ...fields }) => fields)(tracked!.data);
    const data = statusChangedData(id, old, status, config.assumedFields ? { ...assumed, timestamp: new Date().toISOString() } : undefined);
    return publisher.publish([{ type: 'finding.status_changed', data, assetId: scanned?.scan.assetId ?? tracked!.assetId }])[0]!;
  };

  const simulator: Omit<Simulator, 'url' | 'close'> = {
    inject: (events) => publisher.publish(events),
    generate,
    dropConnections: () => {
      hub.dropAll();
      progress.dropAll();
    },
    stats: () => ({
      sent: hub.sent,
      sentByType: hub.sentByType(),
      connections: budget.open,
      progressConnections: budget.openOf('progress'),
      maxConnections: budget.peak,
      rejected: { ...rejected },
      lastEventIds: [...lastEventIds],
      scans: scanCounts(engine.list().map((scan) => scan.status)),
      apiRequests: Object.fromEntries(apiAnswers),
    }),
    published: () => publisher.published(),
    startScan: (scanOptions) => engine.start(scanOptions).id,
    scans: () => structuredClone([...engine.list()]),
    completeScan: (id) => engine.complete(id),
    failScan: (id, error) => engine.fail(id, error),
    setFindingStatus,
  };

  const limit = config.apiRateLimit > 0 ? new FixedWindowLimit(config.apiRateLimit, config.apiRateWindowMs) : undefined;
  const route = createRouter([
    { method: 'GET', path: '/api/events/stream', handle: createStreamEndpoint({ gate, retryMs: config.retryMs, buffer, hub, lastEventIds }) },
    { method: 'GET', path: '/api/scans/:id/progress/stream', handle: createProgressEndpoint({ gate, engine, hub: progress }) },
    ...scansApiRoutes({ apiKeys, engine, limit, answers: apiAnswers, assumedFields: config.assumedFields }),
    ...adminRoutes({ simulator, engine, progress, faults }),
  ]);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    if (!url.pathname.startsWith('/_sim/') && faults.intercept(res, url.pathname)) return;
    void route(req, res, url);
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
  const scanTimer = config.scanIntervalMs > 0 ? setInterval(() => engine.start(), config.scanIntervalMs).unref() : undefined;

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
        clearInterval(scanTimer);
        engine.close();
        server.close(() => resolve());
        hub.dropAll();
        progress.close();
        server.closeAllConnections();
      })),
  };
}

/** A scanned finding's fields as its finding.new carried them, with the assumed ones, but its id. */
function findingFieldsOf(scan: Scan, finding: ScanFinding): Record<string, unknown> {
  const asset = { id: scan.assetId, name: scan.assetName };
  const { finding_id: _id, ...documented } = findingNewData(finding.id, finding, asset);
  return { ...documented, ...assumedFindingFields(finding, finding.url, asset, scan.id) };
}

function scanCounts(statuses: readonly ScanStatus[]): Record<ScanStatus, number> {
  const counts = Object.fromEntries(SCAN_STATUSES.map((status) => [status, 0])) as Record<ScanStatus, number>;
  for (const status of statuses) counts[status] += 1;
  return counts;
}
