export * from './deps.js';
export * from './failure-classes.js';
export * from './probe.js';
export * from './run-paced.js';
export * from './target.js';
export * from './types.js';
