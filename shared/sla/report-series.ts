// The report's series for the charts. In buckets of one hour (ranges up to 14 days) or one day, widened so
// that there are at most MAX_REPORT_BUCKETS (see reportBucketMs), over the whole range: per bucket the
// quorum and per-region availability, the nearest-rank p95 of connect and control time, and `notCovered`,
// the bucket's intervals outside the covered span (a chart shows them, and unknown ones, as no data,
// never as up or down). Per day (per bucket for ranges up to BURN_DOWN_BY_BUCKET_MAX_RANGE_MS, where a
// daily line would smear an hour's outage over the range) the error budget remaining (burn-down, against
// the same budget, so the last point equals errorBudgetRemaining), ending at the covered span's end.
import { nearestRank } from '../common/percentile.js';
import { DAY_MS } from '../common/time.js';
import type { ReportRange } from './report-coverage.js';
import { ratioPercent, type BucketTally } from './report-tally.js';

/** Longest range whose burn-down has a point per chart bucket (hour) rather than per day, in ms. */
export const BURN_DOWN_BY_BUCKET_MAX_RANGE_MS = 2 * DAY_MS;

export interface ReportBucket {
  startMs: number;
  /** Exclusive; the last bucket ends at `toMs`. */
  endMs: number;
  /** Quorum verdicts of the bucket's covered intervals; availability undefined when none was counted. */
  quorum: { availability: number | undefined; up: number; down: number; unknown: number; excluded: number };
  /** The bucket's intervals in the range but outside the covered span (before the first record, or not yet passed). */
  notCovered: number;
  /** Per region in the target's order: intervals reported ok and failed outside excluded maintenance. */
  regions: Array<{ region: string; availability: number | undefined; ok: number; failed: number }>;
  connectP95Ms: number | undefined;
  controlP95Ms: number | undefined;
}

export interface BurnDownPoint {
  /** The instant: `fromMs` for the first point, then each step's end (see burnDownStepMs; the last one the covered span's end). */
  atMs: number;
  /** Downtime minutes from `fromMs` to `atMs`. */
  consumedMinutes: number;
  /** 1 − consumed / the report's budget (errorBudget.budgetMinutes). */
  remaining: number;
}

/** The burn-down's step: the chart bucket for ranges up to BURN_DOWN_BY_BUCKET_MAX_RANGE_MS, else a day (or the bucket, if wider). */
export function burnDownStepMs(rangeMs: number, bucketMs: number): number {
  return rangeMs <= BURN_DOWN_BY_BUCKET_MAX_RANGE_MS ? bucketMs : Math.max(DAY_MS, bucketMs);
}

function p95(values: number[]): number | undefined {
  values.sort((a, b) => a - b);
  return nearestRank(values, 95);
}

/** The chart buckets from their tallies; `regions` in the target's order. */
export function reportBuckets(tallies: readonly BucketTally[], regions: readonly string[], range: ReportRange, bucketMs: number): ReportBucket[] {
  return tallies.map((tally, b) => ({
    startMs: range.fromMs + b * bucketMs,
    endMs: Math.min(range.toMs, range.fromMs + (b + 1) * bucketMs),
    quorum: { availability: ratioPercent(tally.up, tally.up + tally.down), up: tally.up, down: tally.down, unknown: tally.unknown, excluded: tally.excluded },
    notCovered: tally.notCovered,
    regions: regions.map((region, r) => {
      const ok = tally.regionOk[r]!;
      const failed = tally.regionFailed[r]!;
      return { region, availability: ratioPercent(ok, ok + failed), ok, failed };
    }),
    connectP95Ms: p95(tally.connectMs),
    controlP95Ms: p95(tally.controlMs),
  }));
}

/**
 * The burn-down from `fromMs` to `endMs` (the covered span's end: after it nothing is known, or nothing has
 * happened), one point per step of `stepMs` with its down minutes; `remainingOf` turns consumed minutes
 * into the budget fraction left.
 */
export function burnDown(downMinutesPerStep: readonly number[], range: ReportRange, stepMs: number, endMs: number, remainingOf: (consumedMinutes: number) => number): BurnDownPoint[] {
  const points: BurnDownPoint[] = [{ atMs: range.fromMs, consumedMinutes: 0, remaining: remainingOf(0) }];
  let consumed = 0;
  for (let d = 0; d < downMinutesPerStep.length && range.fromMs + d * stepMs < endMs; d++) {
    consumed += downMinutesPerStep[d]!;
    points.push({ atMs: Math.min(endMs, range.fromMs + (d + 1) * stepMs), consumedMinutes: consumed, remaining: remainingOf(consumed) });
  }
  return points;
}
