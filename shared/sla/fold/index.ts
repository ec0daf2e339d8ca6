// The SLA core as a fold (see step.ts): per target a small JSON state stepped by the records of the
// intervals that completed, giving exactly the stateless evaluateTarget's notifications.
export { FOLD_SCHEMA_VERSION, LATENCY_TOP_SAMPLES, emptyFoldState, type FoldOptions, type FoldState } from './state.js';
export { foldFingerprint } from './plan.js';
export { stepFold, type FoldStepResult } from './step.js';
export { foldStateFits, type FoldFit } from './fits.js';
export { foldStatus } from './status.js';
export { decodeFoldState, encodeFoldState, parseFoldState, serializeFoldState, type FoldStateJson } from './codec.js';
export { FoldStateError, type FoldStateErrorCode } from './errors.js';
