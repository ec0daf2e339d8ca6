// Drives the SLA fold the way a runner would, for the tests that compare it with the stateless walk: one
// step per minute with the records of the intervals that completed in it (plus, to exercise what a step
// may be given, the previous minute's records again, which it must drop as already folded, and the
// records of intervals still running, which it must leave for later), the state serialised to JSON and
// parsed back between steps so that nothing outside the stored state can carry over.
import type { ResolvedTarget } from '../../shared/config/types.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import type { TargetStatus } from '../../shared/sla/evaluate.js';
import { emptyFoldState, foldStatus, parseFoldState, serializeFoldState, stepFold, type FoldOptions, type FoldState } from '../../shared/sla/fold/index.js';

const MIN = 60_000;

export interface ReplayOptions {
  /** Serialise and parse the state between steps (default true). */
  roundTrip?: boolean;
  /** Pass already-folded and not-yet-due records too (default true). */
  overlap?: boolean;
  /** Called after each step with the state at that minute. */
  onStep?: (t: number, state: FoldState) => void;
}

export interface Replay {
  notifications: Notification[];
  state: FoldState;
  /** Largest serialised state seen, in bytes. */
  maxStateBytes: number;
  records: { folded: number; early: number; late: number; ignored: number };
}

/** Steps the fold every minute in (fromExclusive, toInclusive], from the empty state. */
export function replayByMinute(target: ResolvedTarget, records: readonly ProbeRecord[], fromExclusive: number, toInclusive: number, foldOptions?: FoldOptions, options: ReplayOptions = {}): Replay {
  const stepMs = target.intervalMinutes * MIN;
  // Records by the minute their interval completes, in the order given (it decides first classes and servers).
  const byEnd = new Map<number, ProbeRecord[]>();
  for (const record of records) {
    const end = Math.floor(record.intervalStart / stepMs) * stepMs + stepMs;
    let list = byEnd.get(end);
    if (list === undefined) byEnd.set(end, (list = []));
    list.push(record);
  }
  const roundTrip = options.roundTrip ?? true;
  const overlap = options.overlap ?? true;
  let state = emptyFoldState(target, foldOptions);
  const notifications: Notification[] = [];
  const total = { folded: 0, early: 0, late: 0, ignored: 0 };
  let maxStateBytes = 0;
  for (let t = Math.floor(fromExclusive / MIN) * MIN + MIN; t <= toInclusive; t += MIN) {
    const given = overlap ? [...(byEnd.get(t - MIN) ?? []), ...(byEnd.get(t) ?? []), ...(byEnd.get(t + stepMs) ?? [])] : (byEnd.get(t) ?? []);
    const step = stepFold(target, state, given, t, foldOptions);
    notifications.push(...step.notifications);
    for (const key of Object.keys(total) as Array<keyof typeof total>) total[key] += step.records[key];
    if (roundTrip) {
      const text = serializeFoldState(step.state);
      maxStateBytes = Math.max(maxStateBytes, text.length);
      state = parseFoldState(text);
    } else state = step.state;
    options.onStep?.(t, state);
  }
  return { notifications, state, maxStateBytes, records: total };
}

/** foldStatus of a replay's state at t (the state after stepping t). */
export function statusOf(target: ResolvedTarget, state: FoldState, foldOptions?: FoldOptions): TargetStatus | undefined {
  return foldStatus(target, state, foldOptions);
}
