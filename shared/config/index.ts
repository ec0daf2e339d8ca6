export { parseCron, type CronParseResult, type CronSchedule } from './cron.js';
export { formatConfigError } from './format.js';
export { loadConfig, parseConfig } from './load.js';
export { AWS_REGIONS, isAwsRegion, type AwsRegion } from './regions.js';
export { defaultQuorum } from './resolve.js';
export { CONFIG_DEFAULTS, DEFAULT_RUNBOOK_BASE_URL, LIMITS, TARGET_NAME } from './rules.js';
export { targetsForRegion } from './targets.js';
export type * from './types.js';
