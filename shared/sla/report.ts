// The SLA report of a period (`pptp-monitor report`, the monthly report Lambda): per target what the period
// was worth against its SLO, computed from the probe records alone. Pure: renderers (shared/report/) turn
// the value into Markdown, CSV, JSON or HTML; the CLI and the Lambda fetch records and write files.
//
// What the numbers mean (one definition each, the evaluator's wherever the evaluator has one):
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
// - Verdicts come from buildTimeline: quorum, maintenance, duplicates, exactly as the policies see them.
//   availability = up / (up + down) over the *counted* intervals: covered, not excluded by a maintenance
//   window (countsAgainstSla false) and not unknown. Unknown intervals (fewer than `quorum` regions
//   reported) are neither good nor bad, as in the burn rates; they are reported as `unknownMinutes` so a
//   report with a blind week says so instead of hiding it.
//   covered.minutes = countedMinutes + unknownMinutes + maintenanceMinutesExcluded.
// - Raw per-region availability: intervals the region reported ok / intervals it reported, over the
//   intervals not excluded by maintenance, with no quorum. A region with several records in one interval
//   counts once, ok when any record is ok (the timeline's rule, so raw and quorum numbers agree about what
//   a region saw).
// - ERROR BUDGET, the status page's definition: the SLO window's allowance, (1 − SLO/100) × slo.windowDays
//   (43.2 min at 99.9% over 30 days), whatever the range. Downtime = counted down intervals × interval
//   minutes; consumed = downtime; errorBudgetRemaining = 1 − consumed / budget. Beside it the range's
//   share of the allowance, (1 − SLO/100) × countedMinutes (0.06 min for a counted hour): downtime within
//   the share is exactly availability ≥ SLO. So a one-hour range with 12 minutes down has used 27.8% of
//   the 30-day budget (72.2% left) and 200× its share; it is not "−19900% left". A range whose share
//   exceeds the allowance (a 31-day month against a 30-day window) is measured against its share instead
//   (basis 'range'), so a long range never gets less than its share. Negative when overspent; undefined
//   when nothing was counted (no data: nothing to say about a budget).
// - Incidents: maximal runs of counted down intervals; runs separated by fewer than DOWN_RECOVERY_INTERVALS
//   consecutive up intervals are one incident, because that is when the `down` policy resolves (an unknown
//   interval or an excluded down one breaks the up run and does not end the incident: nobody saw the
//   gateway come back). Duration = from the first down interval's start to the last one's end, clipped to
//   the range; MTTR = mean of those clipped durations. An incident whose run began before `fromMs` is
//   flagged `startedBefore` (seen up to REPORT_LOOKBACK_MS back, so pass records from that far back), one
//   not resolved by the covered span's end (fewer than DOWN_RECOVERY_INTERVALS up intervals after its last
//   down one) is `ongoing`. A month-boundary outage thus shows in both months, each with its share of the minutes.
// - Latency: nearest-rank p50/p95/p99 of every finite connectMs / controlMs in the range, failed probes
//   included (a connect time measured before a control timeout is a real connect time), intervals excluded
//   by maintenance left out, like everything else in the report (work on the gateway is allowed to be slow).
// - Failure classes: failed records per class in the counted-or-unknown intervals (not excluded), every
//   region, no quorum: what the probes saw. A failed record without a class counts as 'unclassified'.
// - Series for the charts, in buckets of one hour (ranges up to 14 days) or one day, widened so that there
//   are at most MAX_REPORT_BUCKETS, over the whole range: per bucket the quorum and per-region availability,
//   the p95 of connect and control time, and `notCovered`, the bucket's intervals outside the covered span
//   (a chart shows them, and unknown ones, as no data, never as up or down); per day (per bucket for ranges
//   up to BURN_DOWN_BY_BUCKET_MAX_RANGE_MS, where a daily line would smear an hour's outage over the range)
//   the error budget remaining (burn-down, against the same budget, so the last point equals
//   errorBudgetRemaining), ending at the covered span's end.
// `nowMs` is the instant the report is made; it defaults to the clock (Date.now()), the one impure read
// here, so that callers that do not pass it still never count the future. Tests pass it.
// Numbers are exact here; renderers round (availability to 3 decimals, see shared/report/format.ts).
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import { FAILURE_CLASSES, type FailureClass } from '../probe/failure-classes.js';
import { dominantFailureClass } from './runbooks.js';
import { buildTimeline, type IntervalTimeline } from './intervals.js';
import { maintenanceMask } from './maintenance.js';
import { nearestRank } from '../common/percentile.js';
import { DOWN_RECOVERY_INTERVALS, budgetRate } from './policies.js';
import type { ProbeRecord } from './probe-record.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, ceilTo } from '../common/time.js';

/** How far before `fromMs` the report looks for the start of an incident open at `fromMs`, in ms. */
export const REPORT_LOOKBACK_MS = 7 * DAY_MS;
/** Longest range drawn in hourly buckets, in ms; longer ranges use daily buckets. */
export const HOURLY_BUCKETS_MAX_RANGE_MS = 14 * DAY_MS;
/** Longest range whose burn-down has a point per chart bucket (hour) rather than per day, in ms. */
export const BURN_DOWN_BY_BUCKET_MAX_RANGE_MS = 2 * DAY_MS;
/** Most buckets a chart gets (a heat-strip cell must stay about a pixel wide on a 960 px chart). */
export const MAX_REPORT_BUCKETS = 800;
/** Key under which failed records without a failure class are counted. */
export const UNCLASSIFIED = 'unclassified';

export interface ReportRange {
  /** First instant of the period, ms since the epoch (inclusive). */
  fromMs: number;
  /** End of the period, ms since the epoch (exclusive). */
  toMs: number;
}

export interface ReportOptions {
  /** Rewrites each target before it is evaluated: `localView` for results of the local monitor. */
  view?: (target: ResolvedTarget) => ResolvedTarget;
  /** The instant the report is made, ms since the epoch: intervals not complete by then are not covered. Default: Date.now(). */
  nowMs?: number;
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

/** Nearest-rank percentiles in ms; undefined when there was no sample. */
export interface Percentiles {
  samples: number;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
}

export interface ReportIncident {
  /** Start of the first down interval, or `fromMs` when the incident began before the range (ms). */
  startMs: number;
  /** End of the last down interval in the range (ms). */
  endMs: number;
  /** endMs − startMs in minutes: what MTTR averages. */
  durationMinutes: number;
  /** Counted down minutes inside the incident (less than the duration when up or unknown intervals interrupt it). */
  downMinutes: number;
  /** The incident's run began before `fromMs`. */
  startedBefore: boolean;
  /** Not resolved by `toMs`. */
  ongoing: boolean;
  /** Regions with a failed probe in the incident's down intervals, in config order. */
  failingRegions: string[];
  /** The class with most failed probes in those intervals. */
  dominantFailureClass: FailureClass | undefined;
}

export interface RegionAvailability {
  region: string;
  /** Raw availability in percent (no quorum), undefined when the region never reported. */
  availability: number | undefined;
  /** Intervals the region reported in, outside excluded maintenance. */
  intervals: number;
  failedIntervals: number;
}

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

/** What the error budget is measured against: the SLO window's allowance, or the range's share when that is larger. */
export type BudgetBasis = 'slo-window' | 'range';

export interface TargetReport {
  target: string;
  owner: string | undefined;
  tags: Record<string, string>;
  /** Regions and quorum the verdicts used (after the view). */
  regions: string[];
  quorum: number;
  intervalMinutes: number;
  /** SLO availability, percent. */
  slo: number;
  /** Quorum availability in percent; undefined when nothing was counted. */
  availability: number | undefined;
  /** Minutes of the range's intervals, covered or not. */
  rangeMinutes: number;
  /** What the report covered; undefined when nothing: no data in this range. */
  covered: CoveredSpan | undefined;
  countedMinutes: number;
  upMinutes: number;
  downtimeMinutes: number;
  unknownMinutes: number;
  maintenanceMinutesExcluded: number;
  errorBudget: {
    /** The budget `remaining` is a share of: windowAllowanceMinutes, or rangeShareMinutes when larger (see basis). */
    budgetMinutes: number;
    basis: BudgetBasis;
    /** The SLO window, days. */
    windowDays: number;
    /** The SLO window's allowance: (1 − SLO/100) × windowDays days, minutes (43.2 at 99.9% over 30 days). */
    windowAllowanceMinutes: number;
    /** This range's share of the allowance: (1 − SLO/100) × countedMinutes. Downtime within it ⇔ availability ≥ SLO. */
    rangeShareMinutes: number;
    /** Downtime minutes. */
    consumedMinutes: number;
    /** budget − consumed (negative when overspent). */
    remainingMinutes: number;
    /** Fraction of the budget left: 1 − consumed / budget; undefined when nothing was counted. */
    remaining: number | undefined;
  };
  incidents: {
    count: number;
    /** Longest clipped duration, minutes (0 without incidents). */
    longestMinutes: number;
    /** Mean clipped duration, minutes; undefined without incidents. */
    mttrMinutes: number | undefined;
    list: ReportIncident[];
  };
  latency: { connectMs: Percentiles; controlMs: Percentiles };
  /** Failed records per class, in taxonomy order, 'unclassified' last; classes not seen are absent. */
  failureClasses: Record<string, number>;
  regionAvailability: RegionAvailability[];
  series: { buckets: ReportBucket[]; burnDown: BurnDownPoint[] };
}

export interface SlaReport {
  fromMs: number;
  toMs: number;
  /** Width of a chart bucket, ms. */
  bucketMs: number;
  targets: TargetReport[];
}

/** The previous calendar month (UTC) before `nowMs`: the CLI's default range. */
export function previousCalendarMonth(nowMs: number): ReportRange {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return { fromMs: Date.UTC(year, month - 1, 1), toMs: Date.UTC(year, month, 1) };
}

/** Bucket width for a range: hours up to 14 days, days beyond, widened to stay within MAX_REPORT_BUCKETS. */
export function reportBucketMs(rangeMs: number): number {
  const base = rangeMs <= HOURLY_BUCKETS_MAX_RANGE_MS ? HOUR_MS : DAY_MS;
  const buckets = Math.ceil(rangeMs / base);
  return base * Math.max(1, Math.ceil(buckets / MAX_REPORT_BUCKETS));
}

/** The burn-down's step: the chart bucket for ranges up to BURN_DOWN_BY_BUCKET_MAX_RANGE_MS, else a day (or the bucket, if wider). */
export function burnDownStepMs(rangeMs: number, bucketMs: number): number {
  return rangeMs <= BURN_DOWN_BY_BUCKET_MAX_RANGE_MS ? bucketMs : Math.max(DAY_MS, bucketMs);
}

/**
 * The report of every configured target over [fromMs, toMs). `recordsByTarget` holds each target's records
 * (records of other targets or regions are ignored); a target with none gets a report of unknown time.
 */
export function buildReport(config: ResolvedConfig, recordsByTarget: ReadonlyMap<string, readonly ProbeRecord[]>, range: ReportRange, options: ReportOptions = {}): SlaReport {
  if (!Number.isFinite(range.fromMs) || !Number.isFinite(range.toMs) || range.toMs <= range.fromMs) {
    const show = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
    throw new RangeError(`report range must have from < to, got ${show(range.fromMs)} .. ${show(range.toMs)}`);
  }
  const bucketMs = reportBucketMs(range.toMs - range.fromMs);
  const nowMs = options.nowMs ?? Date.now();
  const targets = config.targets.map((configured) => {
    const target = options.view !== undefined ? options.view(configured) : configured;
    return reportTarget(target, recordsByTarget.get(configured.name) ?? [], range, bucketMs, nowMs);
  });
  return { fromMs: range.fromMs, toMs: range.toMs, bucketMs, targets };
}

/** Mutable per-bucket tallies while walking the intervals. */
interface BucketTally {
  notCovered: number;
  up: number;
  down: number;
  unknown: number;
  excluded: number;
  regionOk: number[];
  regionFailed: number[];
  connectMs: number[];
  controlMs: number[];
}

function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  return { samples: values.length, p50: nearestRank(values, 50), p95: nearestRank(values, 95), p99: nearestRank(values, 99) };
}

function p95(values: number[]): number | undefined {
  values.sort((a, b) => a - b);
  return nearestRank(values, 95);
}

const ratioPercent = (good: number, total: number): number | undefined => (total > 0 ? (100 * good) / total : undefined);

/** The report of one (already viewed) target. Exported for callers that report a single target. */
export function reportTarget(
  target: ResolvedTarget,
  records: readonly ProbeRecord[],
  range: ReportRange,
  bucketMs: number = reportBucketMs(range.toMs - range.fromMs),
  nowMs: number = Date.now(),
): TargetReport {
  const stepMs = target.intervalMinutes * MINUTE_MS;
  const stepMinutes = target.intervalMinutes;
  const R = target.regions.length;
  // The range's intervals: k = 0 .. count-1 start at firstStart + k·step.
  const firstStart = ceilTo(range.fromMs, stepMs);
  const count = Math.max(0, Math.floor((range.toMs - firstStart) / stepMs));
  const timeline = buildTimeline(target, records, { fromMs: firstStart - REPORT_LOOKBACK_MS, toMs: range.toMs });
  // Timeline index of interval k is offset + k; negative before the target's first record (no data there).
  const offset = (firstStart - timeline.startMs) / stepMs;
  // The timeline's own mask starts where its data does; the report needs maintenance for the whole range.
  const excluded = maintenanceMask(target.maintenance, firstStart, count, stepMs).excludedFromSla;
  // The covered intervals k = coveredFirst .. coveredEnd − 1: from the first record's interval (the timeline
  // starts there when the record is later than its requested start) to the last one complete at now.
  const coveredFirst = timeline.firstRecordMs === undefined ? count : Math.min(count, Math.max(0, Math.ceil((timeline.firstRecordMs - firstStart) / stepMs)));
  const coveredEnd = Math.max(coveredFirst, Math.min(count, Math.floor((nowMs - firstStart) / stepMs)));
  const covered: CoveredSpan | undefined =
    coveredEnd > coveredFirst ? { fromMs: firstStart + coveredFirst * stepMs, toMs: firstStart + coveredEnd * stepMs, minutes: (coveredEnd - coveredFirst) * stepMinutes } : undefined;

  const bucketCount = Math.max(1, Math.ceil((range.toMs - range.fromMs) / bucketMs));
  const tallies: BucketTally[] = Array.from({ length: bucketCount }, () => ({
    notCovered: 0,
    up: 0,
    down: 0,
    unknown: 0,
    excluded: 0,
    regionOk: new Array<number>(R).fill(0),
    regionFailed: new Array<number>(R).fill(0),
    connectMs: [],
    controlMs: [],
  }));
  const burnStepMs = burnDownStepMs(range.toMs - range.fromMs, bucketMs);
  const burnSteps = Math.max(1, Math.ceil((range.toMs - range.fromMs) / burnStepMs));
  const downMinutesPerStep = new Array<number>(burnSteps).fill(0);

  let up = 0;
  let down = 0;
  let unknown = 0;
  let excludedIntervals = 0;
  const regionReported = new Array<number>(R).fill(0);
  const regionFailed = new Array<number>(R).fill(0);
  const connectMs: number[] = [];
  const controlMs: number[] = [];
  const classCounts = new Map<string, number>();

  for (let k = 0; k < count; k++) {
    const start = firstStart + k * stepMs;
    const i = offset + k;
    const inTimeline = i >= 0 && i < timeline.length;
    const tally = tallies[Math.min(bucketCount - 1, Math.floor((start - range.fromMs) / bucketMs))]!;
    if (k < coveredFirst || k >= coveredEnd) {
      tally.notCovered++;
      continue;
    }
    if (excluded[k] === 1) {
      excludedIntervals++;
      tally.excluded++;
      continue;
    }
    const verdict = inTimeline ? timeline.verdict(i) : 'unknown';
    if (verdict === 'up') {
      up++;
      tally.up++;
    } else if (verdict === 'down') {
      down++;
      tally.down++;
      downMinutesPerStep[Math.min(burnSteps - 1, Math.floor((start - range.fromMs) / burnStepMs))]! += stepMinutes;
    } else {
      unknown++;
      tally.unknown++;
    }
    if (!inTimeline) continue;
    for (let r = 0; r < R; r++) {
      if (!timeline.reported(r, i)) continue;
      regionReported[r]! += 1;
      if (timeline.failed(r, i)) {
        regionFailed[r]! += 1;
        tally.regionFailed[r]! += 1;
      } else {
        tally.regionOk[r]! += 1;
      }
    }
    for (const record of timeline.recordsOf(i)) {
      if (record.connectMs !== undefined && Number.isFinite(record.connectMs)) {
        connectMs.push(record.connectMs);
        tally.connectMs.push(record.connectMs);
      }
      if (record.controlMs !== undefined && Number.isFinite(record.controlMs)) {
        controlMs.push(record.controlMs);
        tally.controlMs.push(record.controlMs);
      }
      if (!record.ok) {
        const key = record.failureClass ?? UNCLASSIFIED;
        classCounts.set(key, (classCounts.get(key) ?? 0) + 1);
      }
    }
  }

  const countedMinutes = (up + down) * stepMinutes;
  const downtimeMinutes = down * stepMinutes;
  const rate = budgetRate(target);
  const windowAllowanceMinutes = (rate * target.slo.windowDays * DAY_MS) / MINUTE_MS;
  const rangeShareMinutes = rate * countedMinutes;
  const basis: BudgetBasis = rangeShareMinutes > windowAllowanceMinutes ? 'range' : 'slo-window';
  const budgetMinutes = basis === 'range' ? rangeShareMinutes : windowAllowanceMinutes;
  // The config keeps the SLO below 100%, so the budget is never 0.
  const remainingOf = (consumed: number): number => 1 - consumed / budgetMinutes;

  const failureClasses: Record<string, number> = {};
  for (const cls of [...FAILURE_CLASSES, UNCLASSIFIED]) {
    const n = classCounts.get(cls);
    if (n !== undefined) failureClasses[cls] = n;
  }

  const incidentList = findIncidents(timeline, offset, coveredEnd);
  const durations = incidentList.map((incident) => incident.durationMinutes);

  const buckets: ReportBucket[] = tallies.map((tally, b) => ({
    startMs: range.fromMs + b * bucketMs,
    endMs: Math.min(range.toMs, range.fromMs + (b + 1) * bucketMs),
    quorum: { availability: ratioPercent(tally.up, tally.up + tally.down), up: tally.up, down: tally.down, unknown: tally.unknown, excluded: tally.excluded },
    notCovered: tally.notCovered,
    regions: target.regions.map((region, r) => {
      const ok = tally.regionOk[r]!;
      const failed = tally.regionFailed[r]!;
      return { region, availability: ratioPercent(ok, ok + failed), ok, failed };
    }),
    connectP95Ms: p95(tally.connectMs),
    controlP95Ms: p95(tally.controlMs),
  }));

  // The burn-down ends where the covered span does: after it nothing is known (or nothing has happened).
  const burnDown: BurnDownPoint[] = [{ atMs: range.fromMs, consumedMinutes: 0, remaining: remainingOf(0) }];
  let consumed = 0;
  const burnEnd = covered?.toMs ?? range.fromMs;
  for (let d = 0; d < burnSteps && range.fromMs + d * burnStepMs < burnEnd; d++) {
    consumed += downMinutesPerStep[d]!;
    burnDown.push({ atMs: Math.min(burnEnd, range.fromMs + (d + 1) * burnStepMs), consumedMinutes: consumed, remaining: remainingOf(consumed) });
  }

  return {
    target: target.name,
    owner: target.owner,
    tags: { ...target.tags },
    regions: [...target.regions],
    quorum: target.quorum,
    intervalMinutes: stepMinutes,
    slo: target.slo.availability,
    availability: ratioPercent(up, up + down),
    rangeMinutes: count * stepMinutes,
    covered,
    countedMinutes,
    upMinutes: up * stepMinutes,
    downtimeMinutes,
    unknownMinutes: unknown * stepMinutes,
    maintenanceMinutesExcluded: excludedIntervals * stepMinutes,
    errorBudget: {
      budgetMinutes,
      basis,
      windowDays: target.slo.windowDays,
      windowAllowanceMinutes,
      rangeShareMinutes,
      consumedMinutes: downtimeMinutes,
      remainingMinutes: budgetMinutes - downtimeMinutes,
      remaining: countedMinutes > 0 ? remainingOf(downtimeMinutes) : undefined,
    },
    incidents: {
      count: incidentList.length,
      longestMinutes: durations.length > 0 ? Math.max(...durations) : 0,
      mttrMinutes: durations.length > 0 ? durations.reduce((a, b) => a + b, 0) / durations.length : undefined,
      list: incidentList,
    },
    latency: { connectMs: percentiles(connectMs), controlMs: percentiles(controlMs) },
    failureClasses,
    regionAvailability: target.regions.map((region, r) => ({
      region,
      availability: ratioPercent(regionReported[r]! - regionFailed[r]!, regionReported[r]!),
      intervals: regionReported[r]!,
      failedIntervals: regionFailed[r]!,
    })),
    series: { buckets, burnDown },
  };
}

/**
 * Incidents with a down interval in the covered range (timeline indices offset .. offset + count − 1, count
 * ending at the covered span's end). The walk starts at the timeline's first interval (up to
 * REPORT_LOOKBACK_MS before the range) so an incident open at `fromMs` is recognised, and stops at the
 * covered end: whether it resolved later is not this report's.
 */
function findIncidents(timeline: IntervalTimeline, offset: number, count: number): ReportIncident[] {
  const last = Math.min(timeline.length - 1, offset + count - 1);
  const rangeFirst = Math.max(0, offset);
  const runs: Array<{ firstBad: number; lastBad: number; resolved: boolean }> = [];
  let open: { firstBad: number; lastBad: number; resolved: boolean } | undefined;
  let upRun = 0;
  for (let i = 0; i <= last; i++) {
    if (timeline.isBad(i)) {
      if (open === undefined) {
        open = { firstBad: i, lastBad: i, resolved: false };
        runs.push(open);
      }
      open.lastBad = i;
      upRun = 0;
    } else if (timeline.verdict(i) === 'up') {
      // Up counts whatever the maintenance, as the down policy's recovery does.
      upRun++;
      if (open !== undefined && upRun >= DOWN_RECOVERY_INTERVALS) {
        open.resolved = true;
        open = undefined;
      }
    } else {
      upRun = 0;
    }
  }

  const stepMs = timeline.stepMs;
  const stepMinutes = stepMs / MINUTE_MS;
  return runs
    .filter((run) => run.lastBad >= rangeFirst)
    .map((run) => {
      const first = Math.max(run.firstBad, rangeFirst);
      const startMs = timeline.startOf(first);
      const endMs = timeline.startOf(run.lastBad) + stepMs;
      const classes: Partial<Record<FailureClass, number>> = {};
      const failing = new Set<string>();
      for (let i = first; i <= run.lastBad; i++) {
        if (!timeline.isBad(i)) continue;
        for (const record of timeline.recordsOf(i)) {
          if (record.ok) continue;
          failing.add(record.region);
          if (record.failureClass !== undefined) classes[record.failureClass] = (classes[record.failureClass] ?? 0) + 1;
        }
      }
      return {
        startMs,
        endMs,
        durationMinutes: (endMs - startMs) / MINUTE_MS,
        downMinutes: timeline.counts(first, run.lastBad).bad * stepMinutes,
        startedBefore: run.firstBad < rangeFirst,
        ongoing: !run.resolved,
        failingRegions: timeline.regions.filter((region) => failing.has(region)),
        dominantFailureClass: dominantFailureClass(classes),
      };
    });
}
