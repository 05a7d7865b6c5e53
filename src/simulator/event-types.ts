/** The keepalive type; sent on its own timer, never generated. */
export const HEARTBEAT_TYPE = 'heartbeat';

/**
 * Each non-heartbeat type's share of a realistic stream, in percent: progress updates and new
 * findings dominate, system alerts are rare.
 */
const WEIGHTS = {
  'scan.created': 5,
  'scan.progress': 30,
  'scan.completed': 4,
  'scan.failed': 1,
  'finding.new': 30,
  'finding.status_changed': 12,
  'action.triggered': 6,
  'action.completed': 6,
  'playbook.started': 2.5,
  'playbook.completed': 2.5,
  'system.alert': 1,
} as const;

export type EventType = keyof typeof WEIGHTS;

/** The 11 event types the platform documents besides `heartbeat`. */
export const EVENT_TYPES = Object.keys(WEIGHTS) as readonly EventType[];

export function isEventType(value: string): value is EventType {
  return Object.hasOwn(WEIGHTS, value);
}

export function typeWeight(type: EventType): number {
  return WEIGHTS[type];
}
