// A period against its SLO, and the period before it for comparison.
//
// - VERDICT. `met` when the period's availability is at or above the SLO, `missed` below it, `no data` when
//   nothing was counted (no record, or every covered interval unknown or excluded). The comparison is on
//   the exact availability, not the rounded one a renderer prints: 99.8996% against 99.9% is missed even
//   though it prints 99.900 (the same rule as the monthly summary's "below SLO").
// - PREVIOUS PERIOD. The range of the same length immediately before this one ([from − length, from)),
//   counted with the same rules (coverage, maintenance, quorum, unknown) from the records the report was
//   given: its availability, verdict, downtime and what it covered. A calendar month is compared with the
//   same number of days before it, not with the calendar month before (February would be 3 days shorter
//   than the 31 days of March: availability is a ratio, but downtime minutes would not compare). Incidents
//   are not counted for it: the comparison is the SLO's, and incidents would need their own look-back.
//   Callers read records from `reportRecordsFromMs(range)`; records that start later leave the start of
//   the previous period uncovered, and the report says so (`covered`), never guessing.
import type { ResolvedTarget } from '../config/types.js';
import type { ProbeRecord } from './probe-record.js';
import { rangeIntervals, type CoveredSpan, type ReportRange } from './report-coverage.js';
import { ratioPercent, tallyRange } from './report-tally.js';

/** A period's availability against the SLO: see the file's opening. */
export type SloVerdict = 'met' | 'missed' | 'no data';

export interface PreviousPeriod {
  /** First instant of the previous period (inclusive): `fromMs` minus the range's length. */
  fromMs: number;
  /** End of the previous period (exclusive): this range's `fromMs`. */
  toMs: number;
  /** What of it was covered; undefined when nothing (no record that far back). */
  covered: CoveredSpan | undefined;
  /** Quorum availability in percent; undefined when nothing was counted. */
  availability: number | undefined;
  verdict: SloVerdict;
  countedMinutes: number;
  downtimeMinutes: number;
}

/** `met` at or above the SLO, `missed` below it, `no data` without a counted interval. */
export function sloVerdict(availability: number | undefined, slo: number): SloVerdict {
  if (availability === undefined) return 'no data';
  return availability >= slo ? 'met' : 'missed';
}

/** The range of the same length immediately before `range`. */
export function previousRange(range: ReportRange): ReportRange {
  return { fromMs: range.fromMs - (range.toMs - range.fromMs), toMs: range.fromMs };
}

/** The previous period of one (already viewed) target, from the records given, at `nowMs`. */
export function previousPeriod(target: ResolvedTarget, records: readonly ProbeRecord[], range: ReportRange, nowMs: number): PreviousPeriod {
  const previous = previousRange(range);
  // No look-back: only verdicts are counted, and an interval's verdict needs only its own records.
  const intervals = rangeIntervals(target, records, previous, nowMs, 0);
  const length = previous.toMs - previous.fromMs;
  const tally = tallyRange(intervals, previous, length, length);
  const availability = ratioPercent(tally.up, tally.up + tally.down);
  return {
    fromMs: previous.fromMs,
    toMs: previous.toMs,
    covered: intervals.covered,
    availability,
    verdict: sloVerdict(availability, target.slo.availability),
    countedMinutes: (tally.up + tally.down) * intervals.stepMinutes,
    downtimeMinutes: tally.down * intervals.stepMinutes,
  };
}
