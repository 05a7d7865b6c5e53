/**
 * In-process counters of what the bridge did, for the demo's screen, `status` and tests.
 * Plain maps: cheap on the hot path, read rarely.
 */
export class BridgeStats {
  readonly receivedByType = new Map<string, number>();
  readonly receivedBySeverity = new Map<string, number>();
  readonly deliveredByConnector = new Map<string, number>();
  readonly deadLetteredByConnector = new Map<string, number>();
  readonly retriesByConnector = new Map<string, number>();
  malformed = 0;
  duplicates = 0;
  readonly startedAt = Date.now();

  received(type: string, severity: string | undefined): void {
    bump(this.receivedByType, type);
    if (severity !== undefined) bump(this.receivedBySeverity, severity);
  }

  delivered(connector: string, count: number): void {
    bump(this.deliveredByConnector, connector, count);
  }

  deadLettered(connector: string): void {
    bump(this.deadLetteredByConnector, connector);
  }

  retried(connector: string): void {
    bump(this.retriesByConnector, connector);
  }

  get totalReceived(): number {
    return sum(this.receivedByType);
  }

  get totalDelivered(): number {
    return sum(this.deliveredByConnector);
  }
}

function bump(map: Map<string, number>, key: string, by = 1): void {
  map.set(key, (map.get(key) ?? 0) + by);
}

function sum(map: Map<string, number>): number {
  let total = 0;
  for (const n of map.values()) total += n;
  return total;
}
