// Which intervals a report's range holds, and which of them it covers.
//
// - The range is [fromMs, toMs). An interval belongs to it when it starts at or after `fromMs` and is
//   complete by `toMs` (start + interval ≤ toMs), as the evaluator only counts complete intervals: a record
//   at exactly `toMs` belongs to the next period, one at `fromMs` to this one. rangeMinutes counts them all.
// - COVERED SPAN. A report only covers time that was monitored and has passed: the range's intervals from
//   the one holding the target's first record (within the records given, which reach REPORT_LOOKBACK_MS
//   before `fromMs`) up to the last one complete at `nowMs`. Minutes before the first record and minutes
//   that have not happened are neither unknown nor counted; the report says what it covered (`covered`:
//   from, to, minutes). A range with no covered interval (no record at all, or a range wholly in the
//   future) has `covered` undefined: "no data in this range", never 100% of anything. A monitor that
//   stops after its first record leaves the rest of the span *unknown* (the time passed; nobody looked).
//   covered.minutes = countedMinutes + unknownMinutes + maintenanceMinutesExcluded.
import type { ResolvedTarget } from '../config/types.js';
import { MINUTE_MS, ceilTo } from '../common/time.js';
import { buildTimeline, type IntervalTimeline } from './intervals.js';
import { maintenanceMask } from './maintenance.js';
import type { ProbeRecord } from './probe-record.js';

export interface ReportRange {
  /** First instant of the period, ms since the epoch (inclusive). */
  fromMs: number;
  /** End of the period, ms since the epoch (exclusive). */
  toMs: number;
}

/** The part of a range a report covers: monitored (at or after the first record) and passed (complete by now). */
export interface CoveredSpan {
  /** Start of the first covered interval, ms since the epoch. */
  fromMs: number;
  /** End of the last covered interval (exclusive), ms since the epoch. */
  toMs: number;
  /** toMs − fromMs in minutes: countedMinutes + unknownMinutes + maintenanceMinutesExcluded. */
  minutes: number;
}

/** The range's intervals k = 0 .. count − 1, starting at firstStartMs + k·stepMs, and the covered ones among them. */
export interface RangeIntervals {
  stepMs: number;
  stepMinutes: number;
  /** Start of the range's first interval: `fromMs` rounded up to the interval. */
  firstStartMs: number;
  count: number;
  /** The target's timeline from the look-back before the range; interval k is its index `offset + k`. */
  timeline: IntervalTimeline;
  /** Negative when the target's first record is after the range's start (no data there). */
  offset: number;
  /** 1 where interval k starts in a maintenance window that does not count against the SLA. */
  excluded: Uint8Array;
  /** The covered intervals are k = coveredFirst .. coveredEnd − 1 (none when equal). */
  coveredFirst: number;
  coveredEnd: number;
  covered: CoveredSpan | undefined;
}

/** The intervals of `range` for one target, its timeline reaching `lookbackMs` before the range, and what is covered at `nowMs`. */
export function rangeIntervals(target: ResolvedTarget, records: readonly ProbeRecord[], range: ReportRange, nowMs: number, lookbackMs: number): RangeIntervals {
  const stepMs = target.intervalMinutes * MINUTE_MS;
  const stepMinutes = target.intervalMinutes;
  const firstStartMs = ceilTo(range.fromMs, stepMs);
  const count = Math.max(0, Math.floor((range.toMs - firstStartMs) / stepMs));
  const timeline = buildTimeline(target, records, { fromMs: firstStartMs - lookbackMs, toMs: range.toMs });
  const offset = (firstStartMs - timeline.startMs) / stepMs;
  // The timeline's own mask starts where its data does; the report needs maintenance for the whole range.
  const excluded = maintenanceMask(target.maintenance, firstStartMs, count, stepMs).excludedFromSla;
  // From the first record's interval (the timeline starts there when the record is later than its
  // requested start) to the last one complete at now.
  const coveredFirst = timeline.firstRecordMs === undefined ? count : Math.min(count, Math.max(0, Math.ceil((timeline.firstRecordMs - firstStartMs) / stepMs)));
  const coveredEnd = Math.max(coveredFirst, Math.min(count, Math.floor((nowMs - firstStartMs) / stepMs)));
  const covered: CoveredSpan | undefined =
    coveredEnd > coveredFirst ? { fromMs: firstStartMs + coveredFirst * stepMs, toMs: firstStartMs + coveredEnd * stepMs, minutes: (coveredEnd - coveredFirst) * stepMinutes } : undefined;
  return { stepMs, stepMinutes, firstStartMs, count, timeline, offset, excluded, coveredFirst, coveredEnd, covered };
}
