// One target through the SLA fold (shared/sla/fold), the way every runner drives it: backtest replays a
// history from the empty state, the local monitor steps its states minute by minute and rebuilds a lost
// one from its stored history, the Lambda evaluator steps per-shard states it keeps in DynamoDB. The fold
// is the stateless walk's equal (its tests), so what a runner gets here is evaluateTarget's answer without
// re-walking days of history every minute.
//
// A runner owes notifications only from some instant on (what came before was told by an earlier run, or
// lies before the window it was asked about): the steps up to that instant are taken quietly, their
// notifications dropped, and only the rest returned. Pure: no clock, no I/O.
import { MINUTE_MS, floorTo } from '../common/time.js';
import type { ResolvedTarget } from '../config/types.js';
import type { EvaluationWindow } from '../sla/evaluate.js';
import { emptyFoldState, stepFold, type FoldState } from '../sla/fold/index.js';
import type { Notification } from '../sla/notification.js';
import type { ProbeRecord } from '../sla/probe-record.js';

export interface AdvanceOptions {
  /** Notifications due at or before this instant are dropped (already told, or before the window asked for). */
  quietThrough: number;
  /** The instant to step to (floored to the minute). */
  toInclusive: number;
  /** The runner's clock, when it evaluates an interval before the interval ends (the local monitor). */
  nowMs?: number;
}

export interface Advanced {
  state: FoldState;
  /** Due in (max(state.t, quietThrough), toInclusive], in evaluateTarget's order. */
  notifications: Notification[];
}

/**
 * Steps `state` (undefined: the empty state, a replay from the target's first record) to `toInclusive`,
 * folding `records`. The records may overlap what was folded before: the fold drops those.
 */
export function advanceTarget(target: ResolvedTarget, state: FoldState | undefined, records: readonly ProbeRecord[], options: AdvanceOptions): Advanced {
  let current = state ?? emptyFoldState(target);
  const quiet = Math.min(floorTo(options.quietThrough, MINUTE_MS), floorTo(options.toInclusive, MINUTE_MS));
  if (current.t === null || current.t < quiet) current = stepFold(target, current, records, quiet).state;
  const step = stepFold(target, current, records, options.toInclusive, options.nowMs === undefined ? undefined : { nowMs: options.nowMs });
  return { state: step.state, notifications: step.notifications };
}

/** evaluateTarget over `window`, by the fold: a replay from the empty state (backtest). */
export function replayWindow(target: ResolvedTarget, records: readonly ProbeRecord[], window: EvaluationWindow, options: { nowMs?: number } = {}): Notification[] {
  return advanceTarget(target, undefined, records, { quietThrough: window.fromExclusive, toInclusive: window.toInclusive, ...options }).notifications;
}

/**
 * The tail of `records` (sorted by interval start) that a state stepped to `t` may still fold: intervals
 * ending after t. Saves a runner that keeps days of history from handing all of it to every step.
 */
export function recordsAfter(records: readonly ProbeRecord[], t: number | null, stepMs: number): readonly ProbeRecord[] {
  if (t === null) return records;
  let i = records.length;
  while (i > 0 && records[i - 1]!.intervalStart + stepMs > t) i--;
  return i === 0 ? records : records.slice(i);
}
