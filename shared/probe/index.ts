// The prober contract as runners, cycles and commands use it: what goes into a probe and comes out, the
// lookup by check kind, and running many probes. Probers import the files they build on directly.
export type { Clock, ProbeDeps, Timers } from './deps.js';
export { FAILURE_CLASS_INFO, type FailureClass } from './failure-classes.js';
export { probeByKind, type ProbeByKind } from './registry.js';
export { runPaced } from './run-paced.js';
export { ipLiteralFamily, parseTarget, probeTargetFor, TargetParseError } from './target.js';
export type { LoginDetail, ProbeOptions, ProbeResult, ProbeTarget, ServerIdentity } from './types.js';
