import { loadConfig, type BridgeConfig } from '../../config/load.js';
import type { AuthFailure, CircuitState } from '../../delivery/circuit.js';
import type { LiveStatus } from '../../observability/live-status.js';
import { createLogger } from '../../observability/logger.js';
import { readStoreSnapshot, snapshotNames, type StoreSnapshot } from '../../observability/store-snapshot.js';
import type { SubscriptionState } from '../../source/types.js';
import { openStore } from '../../store/open.js';
import { formatAge, formatTable } from '../table.js';

export interface StatusOptions {
  readonly config: string;
  /** JSON on stdout, for scripts. */
  readonly json?: boolean;
  /** The running bridge's operations endpoint; default: the config's `server.listen`, on this host. */
  readonly endpoint?: string;
}

/** The operator's one-screen view (`--json` prints this object). Ages are ms. */
export interface StatusReport {
  /** Whether the running bridge answered; without it, states are unknown (the bridge may be down). */
  readonly bridge: { readonly endpoint?: string; readonly answered: boolean; readonly error?: string };
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
}

/** How long the running bridge may take to answer before it counts as not running, ms. */
const ENDPOINT_TIMEOUT_MS = 5_000;

/**
 * `status`: the running bridge's states and store figures from its endpoint; when it does not
 * answer, the figures straight from the store (the states are then unknown).
 */
export async function statusCommand(options: StatusOptions): Promise<void> {
  const config = loadConfig(options.config);
  const endpoint = options.endpoint ?? defaultEndpoint(config);
  const live = await fetchLive(endpoint);
  const snapshot = 'status' in live && live.status.store ? live.status.store : await readStore(config);
  const report = toReport(endpoint, live, snapshot);
  console.log(options.json ? JSON.stringify(report, null, 2) : renderStatus(report));
}

async function readStore(config: BridgeConfig): Promise<StoreSnapshot> {
  // Store warnings (Redis lost) go to stderr, so stdout stays the command's answer.
  const store = await openStore(config.store, createLogger({ level: 'warn', secrets: config.secrets, destination: process.stderr }));
  try {
    return await readStoreSnapshot(store, snapshotNames(config));
  } finally {
    await store.close();
  }
}

function toReport(endpoint: string | undefined, live: Live, snapshot: StoreSnapshot): StatusReport {
  const now = Date.now();
  const status = 'status' in live ? live.status : undefined;
  return {
    bridge: { endpoint, answered: status !== undefined, ...('error' in live && { error: live.error }) },
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
  };
}

function renderStatus(report: StatusReport): string {
  const { bridge } = report;
  const headline = bridge.answered
    ? `bridge: running (${bridge.endpoint})`
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
  return [headline, '', subscriptions, '', connectors].join('\n');
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

/** The config's listen address as seen from this host; undefined when the endpoint is off. */
function defaultEndpoint(config: BridgeConfig): string | undefined {
  if (!config.server.enabled) return undefined;
  const { host, port } = config.server.listen;
  const local = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '[::1]' : host.includes(':') ? `[${host}]` : host;
  return `http://${local}:${port}`;
}

type Live = { readonly status: LiveStatus } | { readonly error: string };

async function fetchLive(endpoint: string | undefined): Promise<Live> {
  if (endpoint === undefined) return { error: 'server.enabled is false' };
  try {
    const res = await fetch(new URL('/status', endpoint), { signal: AbortSignal.timeout(ENDPOINT_TIMEOUT_MS) });
    if (!res.ok) return { error: `HTTP ${res.status}` };
    return { status: (await res.json()) as LiveStatus };
  } catch (error) {
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    return { error: cause?.code ?? (error as Error).message };
  }
}
