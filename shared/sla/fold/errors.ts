// Errors of the SLA fold. A stored state that cannot be used is data, not a crash: the caller logs the
// code and rebuilds the state from history (a replay from the empty state is exactly what the stored
// state would have been, see step.ts).
import { PptpMonitorError } from '../../common/errors.js';

export type FoldStateErrorCode =
  /** Not JSON, or JSON that is not a fold state of this schema (a field missing, of the wrong type or out of range). */
  | 'fold_state_corrupt'
  /** A fold state of another schema version: rebuild it. */
  | 'fold_state_version'
  /** The state was built for another target configuration (regions, quorum, SLO, latency, maintenance, interval) or other options: rebuild it. */
  | 'fold_state_mismatch';

export class FoldStateError extends PptpMonitorError<FoldStateErrorCode> {}
