export { startSimulator } from './server.js';
export { EVENT_TYPES, HEARTBEAT_TYPE, type EventType } from './event-types.js';
export type { InjectedEvent, Simulator, SimulatorOptions, SimulatorStats } from './types.js';
export type { Scan, ScanFinding, ScanStage, ScanStatus, StartScanOptions } from './scan-types.js';
