export * from './batch.js';
export * from './datums.js';
export * from './emf.js';
export * from './metric-design.js';
