// One walk over a report's intervals that counts everything the report is made of, for the whole range and
// per chart bucket at once. What is counted:
// - Verdicts come from buildTimeline: quorum, maintenance, duplicates, exactly as the policies see them.
//   availability = up / (up + down) over the *counted* intervals: covered, not excluded by a maintenance
//   window (countsAgainstSla false) and not unknown. Unknown intervals (fewer than `quorum` regions
//   reported) are neither good nor bad, as in the burn rates; they are reported as `unknownMinutes` so a
//   report with a blind week says so instead of hiding it.
// - Raw per-region availability: intervals the region reported ok / intervals it reported, over the
//   intervals not excluded by maintenance, with no quorum. A region with several records in one interval
//   counts once, ok when any record is ok (the timeline's rule, so raw and quorum numbers agree about what
//   a region saw).
// - Latency: every finite connectMs / controlMs in the range, failed probes included (a connect time
//   measured before a control timeout is a real connect time), intervals excluded by maintenance left out,
//   like everything else in the report (work on the gateway is allowed to be slow).
// - Failure classes: failed records per class in the counted-or-unknown intervals (not excluded), every
//   region, no quorum: what the probes saw. A failed record without a class counts as 'unclassified'.
import { FAILURE_CLASSES } from '../probe/failure-classes.js';
import type { IntervalTimeline } from './intervals.js';
import type { RangeIntervals, ReportRange } from './report-coverage.js';

/** Key under which failed records without a failure class are counted. */
export const UNCLASSIFIED = 'unclassified';

/** What one chart bucket holds (mutable while walking). */
export interface BucketTally {
  /** Intervals in the range but outside the covered span. */
  notCovered: number;
  up: number;
  down: number;
  unknown: number;
  excluded: number;
  /** Per region in the target's order: intervals it reported ok, and failed, outside excluded maintenance. */
  regionOk: number[];
  regionFailed: number[];
  connectMs: number[];
  controlMs: number[];
}

/** What the whole covered range holds, and its buckets and burn-down steps. */
export interface RangeTally {
  up: number;
  down: number;
  unknown: number;
  /** Covered intervals excluded by maintenance. */
  excluded: number;
  /** Per region in the target's order: intervals it reported in, and those it failed. */
  regionReported: number[];
  regionFailed: number[];
  connectMs: number[];
  controlMs: number[];
  /** Failed records per class, UNCLASSIFIED for those without one. */
  classCounts: Map<string, number>;
  buckets: BucketTally[];
  /** Down minutes per burn-down step. */
  downMinutesPerStep: number[];
}

/** Percent of `good` in `total`; undefined when there is nothing to divide by. */
export const ratioPercent = (good: number, total: number): number | undefined => (total > 0 ? (100 * good) / total : undefined);

function emptyBucket(regionCount: number): BucketTally {
  return {
    notCovered: 0,
    up: 0,
    down: 0,
    unknown: 0,
    excluded: 0,
    regionOk: new Array<number>(regionCount).fill(0),
    regionFailed: new Array<number>(regionCount).fill(0),
    connectMs: [],
    controlMs: [],
  };
}

/** Walks the range's intervals once, into `bucketMs` chart buckets and `burnStepMs` burn-down steps. */
export function tallyRange(intervals: RangeIntervals, range: ReportRange, bucketMs: number, burnStepMs: number): RangeTally {
  const { timeline, offset, excluded, coveredFirst, coveredEnd, stepMs, stepMinutes, firstStartMs, count } = intervals;
  const R = timeline.regions.length;
  const bucketCount = Math.max(1, Math.ceil((range.toMs - range.fromMs) / bucketMs));
  const burnSteps = Math.max(1, Math.ceil((range.toMs - range.fromMs) / burnStepMs));
  const total: RangeTally = {
    up: 0,
    down: 0,
    unknown: 0,
    excluded: 0,
    regionReported: new Array<number>(R).fill(0),
    regionFailed: new Array<number>(R).fill(0),
    connectMs: [],
    controlMs: [],
    classCounts: new Map(),
    buckets: Array.from({ length: bucketCount }, () => emptyBucket(R)),
    downMinutesPerStep: new Array<number>(burnSteps).fill(0),
  };
  for (let k = 0; k < count; k++) {
    const start = firstStartMs + k * stepMs;
    const i = offset + k;
    const inTimeline = i >= 0 && i < timeline.length;
    const bucket = total.buckets[Math.min(bucketCount - 1, Math.floor((start - range.fromMs) / bucketMs))]!;
    if (k < coveredFirst || k >= coveredEnd) {
      bucket.notCovered++;
      continue;
    }
    if (excluded[k] === 1) {
      total.excluded++;
      bucket.excluded++;
      continue;
    }
    const verdict = inTimeline ? timeline.verdict(i) : 'unknown';
    if (verdict === 'up') {
      total.up++;
      bucket.up++;
    } else if (verdict === 'down') {
      total.down++;
      bucket.down++;
      total.downMinutesPerStep[Math.min(burnSteps - 1, Math.floor((start - range.fromMs) / burnStepMs))]! += stepMinutes;
    } else {
      total.unknown++;
      bucket.unknown++;
    }
    if (inTimeline) tallyInterval(timeline, i, total, bucket);
  }
  return total;
}

/** Region results, latency samples and failure classes of timeline interval i, into the range and its bucket. */
function tallyInterval(timeline: IntervalTimeline, i: number, total: RangeTally, bucket: BucketTally): void {
  for (let r = 0; r < timeline.regions.length; r++) {
    if (!timeline.reported(r, i)) continue;
    total.regionReported[r]! += 1;
    if (timeline.failed(r, i)) {
      total.regionFailed[r]! += 1;
      bucket.regionFailed[r]! += 1;
    } else {
      bucket.regionOk[r]! += 1;
    }
  }
  for (const record of timeline.recordsOf(i)) {
    if (record.connectMs !== undefined && Number.isFinite(record.connectMs)) {
      total.connectMs.push(record.connectMs);
      bucket.connectMs.push(record.connectMs);
    }
    if (record.controlMs !== undefined && Number.isFinite(record.controlMs)) {
      total.controlMs.push(record.controlMs);
      bucket.controlMs.push(record.controlMs);
    }
    if (!record.ok) {
      const key = record.failureClass ?? UNCLASSIFIED;
      total.classCounts.set(key, (total.classCounts.get(key) ?? 0) + 1);
    }
  }
}

/** Failed records per class, in taxonomy order, 'unclassified' last; classes not seen are absent. */
export function failureClassCounts(classCounts: ReadonlyMap<string, number>): Record<string, number> {
  const failureClasses: Record<string, number> = {};
  for (const cls of [...FAILURE_CLASSES, UNCLASSIFIED]) {
    const n = classCounts.get(cls);
    if (n !== undefined) failureClasses[cls] = n;
  }
  return failureClasses;
}
