import { TIER_CONNECTIONS, type Tier } from '../../config/schema.js';
import { startSimulator } from '../../simulator/index.js';

interface SimulateOptions {
  host: string;
  port: number;
  apiKey: string[];
  rate: number;
  tier: Tier;
  heartbeat: number;
  replayWindow: number;
  assumedFields: boolean;
}

export async function simulateCommand(options: SimulateOptions): Promise<void> {
  const simulator = await startSimulator({
    host: options.host,
    port: options.port,
    apiKeys: options.apiKey,
    rate: options.rate,
    maxConnections: TIER_CONNECTIONS[options.tier],
    heartbeatIntervalMs: options.heartbeat,
    replayWindowMs: options.replayWindow,
    assumedFields: options.assumedFields,
  });
  console.log(
    `S4E simulator on ${simulator.url}/api/events/stream (${options.rate} events/s, ${options.tier} tier)\n` +
      `inject events: curl -X POST ${simulator.url}/_sim/events -d '[{"type":"finding.new","data":{"finding_id":"f-1","title":"SQL Injection","severity":"critical"}}]'`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void simulator.close().then(resolve);
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}
