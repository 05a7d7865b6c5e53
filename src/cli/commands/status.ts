import { existsSync } from 'node:fs';
import { loadConfig, type BridgeConfig } from '../../config/load.js';
import type { AuthFailure, CircuitState } from '../../delivery/circuit.js';
import type { Gap } from '../../observability/gaps.js';
import type { LiveStatus } from '../../observability/live-status.js';
import { readStoreSnapshot, snapshotNames, type StoreSnapshot } from '../../observability/store-snapshot.js';
import type { SubscriptionState } from '../../source/types.js';
import { BridgeClient, BridgeRequestError } from '../../ops/client.js';
import { localSocketPath } from '../../ops/local-socket.js';
import { openStore } from '../../store/open.js';
import { cliLogger } from '../cli-logger.js';
import { defaultEndpoint } from '../endpoint.js';
import { formatAge, formatTable } from '../table.js';
import { gapTable } from './gaps.js';

export interface StatusOptions {
  readonly config: string;
  /** JSON on stdout, for scripts. */
  readonly json?: boolean;
  /** The running bridge's operations endpoint; default: the config's `server.listen`, on this host. */
  readonly endpoint?: string;
}

/** The operator's one-screen view (`--json` prints this object). Ages are ms. */
export interface StatusReport {
  /**
   * Whether the running bridge answered (`endpoint`: where it was asked) and, when it did, what
   * its /readyz says; without it, states are unknown (the bridge may be down).
   */
  readonly bridge: { readonly endpoint?: string; readonly answered: boolean; readonly error?: string; readonly ready?: boolean; readonly problems?: readonly string[] };
  readonly subscriptions: readonly {
    readonly name: string;
    readonly state?: SubscriptionState;
    readonly checkpoint?: { readonly id: string; readonly at: number; readonly ageMs: number };
  }[];
  readonly connectors: readonly {
    readonly name: string;
    readonly circuit?: CircuitState;
    /** Set while the destination refuses the connector's credentials. */
    readonly authFailed?: AuthFailure;
    readonly backlog: number;
    readonly oldestAgeMs: number;
    readonly deadLetters: number;
  }[];
  /** Open gaps: times when events may have been missed, until acknowledged (`gaps ack`). */
  readonly gaps: readonly Gap[];
}

/** How long the running bridge may take to answer before it counts as not running, ms. */
const ENDPOINT_TIMEOUT_MS = 5_000;

/**
 * `status`: the running bridge's states and store figures from its endpoint; when it does not
 * answer, the figures straight from the store (the states are then unknown).
 */
export async function statusCommand(options: StatusOptions): Promise<void> {
  const config = loadConfig(options.config);
  const live = await fetchLive(candidates(config, options.endpoint));
  const snapshot = 'status' in live && live.status.store ? live.status.store : await readStore(config);
  const report = toReport(live, snapshot);
  console.log(options.json ? JSON.stringify(report, null, 2) : renderStatus(report));
}

async function readStore(config: BridgeConfig): Promise<StoreSnapshot> {
  // Store warnings (Redis lost) go to stderr, so stdout stays the command's answer.
  const store = await openStore(config.store, cliLogger(config.secrets));
  try {
    return await readStoreSnapshot(store, snapshotNames(config));
  } finally {
    await store.close();
  }
}

function toReport(live: Live, snapshot: StoreSnapshot): StatusReport {
  const now = Date.now();
  const status = 'status' in live ? live.status : undefined;
  return {
    bridge: {
      ...(live.endpoint !== undefined && { endpoint: live.endpoint }),
      answered: status !== undefined,
      ...('error' in live && { error: live.error }),
      ...(status && { ready: status.readiness.ready, problems: status.readiness.problems }),
    },
    subscriptions: snapshot.subscriptions.map(({ name, checkpoint }) => ({
      name,
      ...(status?.subscriptions[name] && { state: status.subscriptions[name] }),
      ...(checkpoint && { checkpoint: { ...checkpoint, ageMs: Math.max(0, now - checkpoint.at) } }),
    })),
    connectors: snapshot.connectors.map(({ name, backlog, deadLetters }) => ({
      name,
      ...(status?.circuits[name] && { circuit: status.circuits[name] }),
      ...(status?.authFailures?.[name] && { authFailed: status.authFailures[name] }),
      backlog: backlog.count,
      oldestAgeMs: backlog.oldestAgeMs,
      deadLetters,
    })),
    gaps: snapshot.gaps,
  };
}

function renderStatus(report: StatusReport): string {
  const { bridge } = report;
  const headline = bridge.answered
    ? `bridge: running (${bridge.endpoint}), ${bridge.ready ? 'ready' : `NOT READY:${bridge.problems!.map((p) => `\n  - ${p}`).join('')}`}`
    : `bridge: not answering${bridge.endpoint ? ` at ${bridge.endpoint}` : ''}${bridge.error ? ` (${bridge.error})` : ''}; states unknown`;
  const unknown = bridge.answered ? '-' : '?';
  const subscriptions = formatTable([
    ['SUBSCRIPTION', 'STATE', 'CHECKPOINT', 'AGE'],
    ...report.subscriptions.map((s) => [s.name, s.state ? describeState(s.state) : unknown, s.checkpoint?.id ?? 'none', s.checkpoint ? formatAge(s.checkpoint.ageMs) : '-']),
  ]);
  const connectors = formatTable([
    ['CONNECTOR', 'CIRCUIT', 'BACKLOG', 'OLDEST', 'DEAD LETTERS'],
    ...report.connectors.map((c) => [c.name, describeCircuit(c, unknown), String(c.backlog), c.backlog > 0 ? formatAge(c.oldestAgeMs) : '-', String(c.deadLetters)]),
  ]);
  const gaps = report.gaps.length === 0 ? [] : ['', gapTable(report.gaps), 'events in these windows may have been missed: `s4e-bridge gaps ack` once dealt with'];
  return [headline, '', subscriptions, '', connectors, ...gaps].join('\n');
}

function describeCircuit({ circuit, authFailed }: StatusReport['connectors'][number], unknown: string): string {
  if (authFailed) return `AUTH_FAILED for ${formatAge(Math.max(0, Date.now() - authFailed.since))}: ${authFailed.reason}`;
  return circuit ?? unknown;
}

function describeState(state: SubscriptionState): string {
  switch (state.state) {
    case 'connecting':
      return `connecting (attempt ${state.attempt})`;
    case 'connected':
      return 'connected';
    case 'reconnecting':
      return `reconnecting in ${formatAge(state.delayMs)}: ${state.reason}`;
    case 'stopped':
      return `${state.fatal ? 'STOPPED' : 'stopped'}: ${state.reason}`;
  }
}

type Live = ({ readonly status: LiveStatus } | { readonly error: string }) & { readonly endpoint?: string };

/**
 * Where to ask the running bridge: `--endpoint`, else its endpoint on this host and, for the
 * embedded store, its local socket (which answers even with server.listen elsewhere).
 */
function candidates(config: BridgeConfig, endpoint: string | undefined): BridgeClient[] {
  if (endpoint !== undefined) return [new BridgeClient({ url: endpoint }, ENDPOINT_TIMEOUT_MS)];
  const url = defaultEndpoint(config);
  const socket = localSocketPath(config.store);
  return [
    ...(url === undefined ? [] : [new BridgeClient({ url }, ENDPOINT_TIMEOUT_MS)]),
    ...(socket !== undefined && existsSync(socket) ? [new BridgeClient({ socket }, ENDPOINT_TIMEOUT_MS)] : []),
  ];
}

async function fetchLive(clients: readonly BridgeClient[]): Promise<Live> {
  if (clients.length === 0) return { error: 'server.enabled is false' };
  let failed: Live | undefined;
  for (const client of clients) {
    try {
      return { status: await client.get<LiveStatus>('/status'), endpoint: client.where };
    } catch (error) {
      if (!(error instanceof BridgeRequestError)) throw error;
      failed ??= { error: error.message, endpoint: client.where };
    }
  }
  return failed!;
}
