import type { RawConfig } from '../config/schema.js';
import { demandOf } from '../planner/plan.js';

type BudgetInputs = Pick<RawConfig, 'source' | 'subscriptions' | 'subscriptionsPlanned' | 'scanProgress' | 'routes' | 'coordination' | 'backfill'>;

/** How the tier's connections are spent, across every replica together. */
export interface ConnectionBudget {
  readonly tier: string;
  /** The tier's limit of concurrent SSE connections. */
  readonly max: number;
  /** One per subscription, each held by one replica. */
  readonly subscriptions: number;
  /** Progress streams at once (0 when scans are not followed): what the subscriptions leave, capped by max_streams. */
  readonly progressSlots: number;
}

export function connectionBudget(config: BudgetInputs): ConnectionBudget {
  const { tier, maxConnections } = config.source;
  const spare = Math.max(0, maxConnections - config.subscriptions.length);
  const progressSlots = config.scanProgress ? Math.min(spare, config.scanProgress.maxStreams ?? spare) : 0;
  return { tier, max: maxConnections, subscriptions: config.subscriptions.length, progressSlots };
}

/**
 * The connection plan in words, for `validate`, the start log and the README: the subscriptions
 * (derived or given) with what each carries, and how the tier's budget is spent.
 */
export function describeBudget(config: BudgetInputs): string[] {
  const budget = connectionBudget(config);
  const lines: string[] = [];
  if (config.subscriptionsPlanned) {
    const demand = demandOf(config.routes, config.scanProgress ? ['scan.created'] : [], config.source.extraEventTypes);
    lines.push(`subscriptions planned from the routes (none given): ${budget.subscriptions} connection${budget.subscriptions === 1 ? ' carries' : 's carry'} what ${demand.routes.length} delivering route${demand.routes.length === 1 ? '' : 's'} need`);
    if (demand.unmatchedGlobs.length > 0) lines.push(`  patterns matching no documented event type (ignored for the plan): ${demand.unmatchedGlobs.join(', ')}`);
  }
  for (const s of config.subscriptions) {
    lines.push(`subscription ${s.name}: ${s.events?.join(', ') ?? 'all events'}${s.assetId ? ` on asset ${s.assetId}` : ''}${config.subscriptionsPlanned ? ' (asset filters applied by the routes)' : ''}`);
  }
  const progress = config.scanProgress
    ? `${budget.progressSlots} for scan progress streams (follow ${config.scanProgress.follow === 'all' ? 'all scans' : config.scanProgress.follow.join(', ')}; more scans wait in a queue)`
    : 'none for scan progress streams (scan_progress not set)';
  const spare = budget.max - budget.subscriptions - budget.progressSlots;
  lines.push(
    `budget: ${budget.tier} tier, ${budget.max} connections across all replicas: ${budget.subscriptions} for subscriptions, ${progress}${spare > 0 ? `, ${spare} spare` : ''}`,
  );
  lines.push(
    `replicas: any number on one Redis; each subscription is held by one of them (lease ${Math.round(config.coordination.leaseMs / 1000)} s), so replicas never add connections`,
  );
  lines.push(`gap backfill: ${config.backfill.enabled ? 'on (Scans API, when a checkpoint is older than the replay buffer)' : 'off'}`);
  return lines;
}
