// What the CLI, the package step and the tests use of shared/config. The Lambdas import the files they
// need directly (packaged.ts, probe-config.ts, types.ts), which keeps zod and yaml out of their bundles.
export { parseCron } from './cron.js';
export { formatConfigError } from './format.js';
export { loadConfig, parseConfig, type ParseOptions } from './load.js';
export { DEFAULT_RUNBOOK_BASE_URL } from './rules.js';
export { targetsForRegion } from './targets.js';
export type * from './types.js';
