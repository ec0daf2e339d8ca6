export * from './errors.js';
export * from './faults.js';
export * from './gateway-simulator.js';
export * from './gateway-pair.js';
export * from './pair-simulator.js';
export { DEFAULT_FIRMWARE_REVISION, IDLE_TIMEOUT_MS, MAX_CALLS_PER_CONNECTION, MAX_PENDING_TIMERS, MAX_WRITE_BACKLOG_BYTES } from './simulated-connection.js';
