export * from './errors.js';
export * from './faults.js';
export * from './gateway-simulator.js';
export { IDLE_TIMEOUT_MS, MAX_CALLS_PER_CONNECTION, MAX_PENDING_TIMERS, MAX_WRITE_BACKLOG_BYTES } from './simulated-connection.js';
