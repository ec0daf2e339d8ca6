// The pure SLA core: maintenance windows, interval verdicts, policy conditions, incidents and the evaluator.
export * from './time.js';
export * from './maintenance.js';
export * from './intervals.js';
export * from './policies.js';
export * from './incidents.js';
export * from './evaluate.js';
export type * from './probe-record.js';
export type * from './notification.js';
