// The SLA report of a period (`pptp-monitor report`, the monthly report Lambda): per target what the period
// was worth against its SLO, computed from the probe records alone. Pure: renderers (shared/report/) turn
// the value into Markdown, CSV, JSON or HTML; the CLI and the Lambda fetch records and write files.
//
// What the numbers mean (one definition each, the evaluator's wherever the evaluator has one) is written
// beside the code that computes it:
// - report-coverage.ts: the range's intervals and the covered span (monitored and passed);
// - report-tally.ts:    verdicts and availability, raw per-region availability, latency samples, failure classes;
// - report-budget.ts:   the error budget (the SLO window's allowance, the range's share beside it);
// - report-incidents.ts: incidents, their duration and MTTR;
// - report-series.ts:   the chart buckets and the burn-down;
// - report-verdict.ts:  met / missed against the SLO, and the previous period of the same length;
// - report-groups.ts:   gateway groups: the virtual address's availability, members' redundancy-lost time, failovers.
// Latency figures are nearest-rank p50/p95/p99 (shared/common/percentile.ts).
// `nowMs` is the instant the report is made; it defaults to the clock (Date.now()), the one impure read
// here, so that callers that do not pass it still never count the future. Tests pass it.
// Numbers are exact here; renderers round (availability to 3 decimals, see shared/report/format.ts).
import { groupsOf, type ResolvedConfig, type ResolvedTarget } from '../config/types.js';
import { nearestRank } from '../common/percentile.js';
import { DAY_MS, HOUR_MS } from '../common/time.js';
import { observationsOf, type IdentityObservation } from './groups/identity-events.js';
import type { ProbeRecord } from './probe-record.js';
import { remainingOf, reportErrorBudget, type ReportErrorBudget } from './report-budget.js';
import { rangeIntervals, type CoveredSpan, type RangeIntervals, type ReportRange } from './report-coverage.js';
import { groupReports, type GroupReport } from './report-groups.js';
import { reportIncidents, type ReportIncidents } from './report-incidents.js';
import { burnDown, burnDownStepMs, reportBuckets, type BurnDownPoint, type ReportBucket } from './report-series.js';
import { failureClassCounts, ratioPercent, tallyRange } from './report-tally.js';
import { previousPeriod, previousRange, sloVerdict, type PreviousPeriod, type SloVerdict } from './report-verdict.js';

// Callers name the range with the report they ask for.
export type { ReportRange } from './report-coverage.js';
export { previousRange, sloVerdict, type PreviousPeriod, type SloVerdict } from './report-verdict.js';
export type { GroupReport } from './report-groups.js';

/** How far before `fromMs` the report looks for the start of an incident open at `fromMs`, in ms. */
export const REPORT_LOOKBACK_MS = 7 * DAY_MS;
/** Longest range drawn in hourly buckets, in ms; longer ranges use daily buckets. */
export const HOURLY_BUCKETS_MAX_RANGE_MS = 14 * DAY_MS;
/** Most buckets a chart gets (a heat-strip cell must stay about a pixel wide on a 960 px chart). */
export const MAX_REPORT_BUCKETS = 800;

export interface ReportOptions {
  /** Rewrites each target before it is evaluated: `localView` for results of the local monitor. */
  view?: (target: ResolvedTarget) => ResolvedTarget;
  /** The instant the report is made, ms since the epoch: intervals not complete by then are not covered. Default: Date.now(). */
  nowMs?: number;
}

/** Nearest-rank percentiles in ms; undefined when there was no sample. */
export interface Percentiles {
  samples: number;
  p50: number | undefined;
  p95: number | undefined;
  p99: number | undefined;
}

export interface RegionAvailability {
  region: string;
  /** Raw availability in percent (no quorum), undefined when the region never reported. */
  availability: number | undefined;
  /** Intervals the region reported in, outside excluded maintenance. */
  intervals: number;
  failedIntervals: number;
}

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
  /** `met` when availability ≥ SLO, `missed` below, `no data` when nothing was counted (report-verdict.ts). */
  verdict: SloVerdict;
  /** The period of the same length just before this one, counted the same way (report-verdict.ts). */
  previous: PreviousPeriod;
  /** Minutes of the range's intervals, covered or not. */
  rangeMinutes: number;
  /** What the report covered; undefined when nothing: no data in this range. */
  covered: CoveredSpan | undefined;
  countedMinutes: number;
  upMinutes: number;
  downtimeMinutes: number;
  unknownMinutes: number;
  maintenanceMinutesExcluded: number;
  errorBudget: ReportErrorBudget;
  incidents: ReportIncidents;
  latency: { connectMs: Percentiles; controlMs: Percentiles };
  /** Failed records per class, in taxonomy order, 'unclassified' last; classes not seen are absent. */
  failureClasses: Record<string, number>;
  regionAvailability: RegionAvailability[];
  series: { buckets: ReportBucket[]; burnDown: BurnDownPoint[] };
  /**
   * The counted down intervals (what downtimeMinutes sums: covered, outside excluded maintenance, quorum
   * verdict down) as ascending, disjoint [startMs, endMs) spans. Not rendered per target: a group's
   * report (report-groups.ts) sets a member's down time against its virtual address's with them.
   */
  downSpans: DownSpan[];
}

/** A span of time, ms since the epoch: [startMs, endMs). */
export interface DownSpan {
  startMs: number;
  endMs: number;
}

export interface SlaReport {
  fromMs: number;
  toMs: number;
  /** Width of a chart bucket, ms. */
  bucketMs: number;
  targets: TargetReport[];
  /** Only when the config has gateway groups (report-groups.ts), so reports of configs without any are unchanged. */
  groups?: GroupReport[];
}

/** The previous calendar month (UTC) before `nowMs`: the CLI's default range. */
export function previousCalendarMonth(nowMs: number): ReportRange {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return { fromMs: Date.UTC(year, month - 1, 1), toMs: Date.UTC(year, month, 1) };
}

/**
 * The last 30 days up to `nowMs` (the default SLO window): the local workflow's default, so a report made
 * right after `npm start` shows what was recorded, whatever the day of the month.
 */
export function lastThirtyDays(nowMs: number): ReportRange {
  return { fromMs: nowMs - 30 * DAY_MS, toMs: nowMs };
}

/**
 * Where a report of `range` needs records from: the previous period's start (its availability is shown
 * beside this one's), or REPORT_LOOKBACK_MS before the range when that is earlier (a range shorter than
 * the look-back). Reading less is allowed: what is missing is reported as not covered.
 */
export function reportRecordsFromMs(range: ReportRange): number {
  return Math.min(previousRange(range).fromMs, range.fromMs - REPORT_LOOKBACK_MS);
}

/** Bucket width for a range: hours up to 14 days, days beyond, widened to stay within MAX_REPORT_BUCKETS. */
export function reportBucketMs(rangeMs: number): number {
  const base = rangeMs <= HOURLY_BUCKETS_MAX_RANGE_MS ? HOUR_MS : DAY_MS;
  const buckets = Math.ceil(rangeMs / base);
  return base * Math.max(1, Math.ceil(buckets / MAX_REPORT_BUCKETS));
}

/**
 * The report of every configured target over [fromMs, toMs). `recordsByTarget` holds each target's records
 * from reportRecordsFromMs(range) (records of other targets or regions are ignored); a target with none
 * gets a report of no data.
 */
export function buildReport(config: ResolvedConfig, recordsByTarget: ReadonlyMap<string, readonly ProbeRecord[]>, range: ReportRange, options: ReportOptions = {}): SlaReport {
  if (!Number.isFinite(range.fromMs) || !Number.isFinite(range.toMs) || range.toMs <= range.fromMs) {
    const show = (ms: number): string => (Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms));
    throw new RangeError(`report range must have from < to, got ${show(range.fromMs)} .. ${show(range.toMs)}`);
  }
  const bucketMs = reportBucketMs(range.toMs - range.fromMs);
  const nowMs = options.nowMs ?? Date.now();
  const viewed = config.targets.map((configured) => (options.view !== undefined ? options.view(configured) : configured));
  const targets = viewed.map((target, i) => reportTarget(target, recordsByTarget.get(config.targets[i]!.name) ?? [], range, bucketMs, nowMs));
  const report: SlaReport = { fromMs: range.fromMs, toMs: range.toMs, bucketMs, targets };
  const groups = groupsOf(config);
  if (groups.length === 0) return report;
  // Local records carry the SCCRP identity (`server`): who answered is read from them, from the same
  // start as everything else, so a caller that read further back gets the same events.
  const fromMs = reportRecordsFromMs(range);
  const observations: IdentityObservation[] = [];
  for (const group of groups) {
    for (const name of [group.name, ...group.members]) {
      observations.push(...observationsOf((recordsByTarget.get(name) ?? []).filter((r) => r.intervalStart >= fromMs)));
    }
  }
  return { ...report, groups: groupReports({ targets: viewed, groups }, targets, observations, range) };
}

function percentiles(values: number[]): Percentiles {
  values.sort((a, b) => a - b);
  return { samples: values.length, p50: nearestRank(values, 50), p95: nearestRank(values, 95), p99: nearestRank(values, 99) };
}

/** The report of one (already viewed) target. Exported for callers that report a single target. */
export function reportTarget(
  target: ResolvedTarget,
  records: readonly ProbeRecord[],
  range: ReportRange,
  bucketMs: number = reportBucketMs(range.toMs - range.fromMs),
  nowMs: number = Date.now(),
): TargetReport {
  const intervals = rangeIntervals(target, records, range, nowMs, REPORT_LOOKBACK_MS);
  const burnStepMs = burnDownStepMs(range.toMs - range.fromMs, bucketMs);
  const tally = tallyRange(intervals, range, bucketMs, burnStepMs);
  const { stepMinutes, covered } = intervals;
  const countedMinutes = (tally.up + tally.down) * stepMinutes;
  const downtimeMinutes = tally.down * stepMinutes;
  const errorBudget = reportErrorBudget(target, countedMinutes, downtimeMinutes);
  const burnEndMs = covered?.toMs ?? range.fromMs;
  const availability = ratioPercent(tally.up, tally.up + tally.down);
  return {
    target: target.name,
    owner: target.owner,
    tags: { ...target.tags },
    regions: [...target.regions],
    quorum: target.quorum,
    intervalMinutes: stepMinutes,
    slo: target.slo.availability,
    availability,
    verdict: sloVerdict(availability, target.slo.availability),
    previous: previousPeriod(target, records, range, nowMs),
    rangeMinutes: intervals.count * stepMinutes,
    covered,
    countedMinutes,
    upMinutes: tally.up * stepMinutes,
    downtimeMinutes,
    unknownMinutes: tally.unknown * stepMinutes,
    maintenanceMinutesExcluded: tally.excluded * stepMinutes,
    errorBudget,
    incidents: reportIncidents(intervals.timeline, intervals.offset, intervals.coveredEnd, target.runbookBaseUrl),
    latency: { connectMs: percentiles(tally.connectMs), controlMs: percentiles(tally.controlMs) },
    failureClasses: failureClassCounts(tally.classCounts),
    regionAvailability: target.regions.map((region, r) => ({
      region,
      availability: ratioPercent(tally.regionReported[r]! - tally.regionFailed[r]!, tally.regionReported[r]!),
      intervals: tally.regionReported[r]!,
      failedIntervals: tally.regionFailed[r]!,
    })),
    series: {
      buckets: reportBuckets(tally.buckets, target.regions, range, bucketMs),
      burnDown: burnDown(tally.downMinutesPerStep, range, burnStepMs, burnEndMs, (consumed) => remainingOf(errorBudget.budgetMinutes, consumed)),
    },
    downSpans: downSpansOf(intervals),
  };
}

/** The counted down intervals as merged spans: the intervals tallyRange counts as down, by the same tests. */
function downSpansOf(intervals: RangeIntervals): DownSpan[] {
  const { timeline, offset, excluded, coveredFirst, coveredEnd, stepMs, firstStartMs } = intervals;
  const spans: DownSpan[] = [];
  for (let k = coveredFirst; k < coveredEnd; k++) {
    const i = offset + k;
    if (excluded[k] === 1 || i < 0 || i >= timeline.length || timeline.verdict(i) !== 'down') continue;
    const startMs = firstStartMs + k * stepMs;
    const last = spans[spans.length - 1];
    if (last !== undefined && last.endMs === startMs) last.endMs = startMs + stepMs;
    else spans.push({ startMs, endMs: startMs + stepMs });
  }
  return spans;
}
