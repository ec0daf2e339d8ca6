// Condition functions of the four policies, evaluated at an instant t (a minute boundary) over a timeline.
// Only intervals complete at t count (start + interval ≤ t). Stateless: the incident state machine in
// incidents.ts decides what a condition means over time (firing, hysteresis, recovery).
//
// ERROR BUDGET, multi-window multi-burn-rate (SRE Workbook, ch. 5). SLO s% gives the budget rate
// b = 1 − s/100; the burn rate over a window is (bad / counted) / b, counting only up or down intervals
// that no maintenance window excludes.
//   page:   1h and 5m above 14.4×, or 6h and 30m above 6×
//   ticket: 1d and 2h above 3×,    or 3d and 6h above 1×
//
// LOW-SAMPLE GUARD. We have one verdict per interval, not thousands of requests, so a single bad interval
// is a big error rate. At 99.9% (b = 0.001) with one-minute intervals:
//   one bad interval in 1h  = 1/60   / 0.001 = 16.7× > 14.4  → the naive 1h/5m rule pages on every blip;
//   one bad interval in 6h  = 1/360  / 0.001 =  2.8×;  in 1d = 0.69×;  in 3d = 0.23×.
// With five-minute intervals a blip is worse: 1/12 / 0.001 = 83× over 1h. At 99.99% even the 3d window
// (4320 intervals) exceeds 1× with a single bad interval (2.3×). So a rule's LONG window must also hold
//   - at least MIN_BAD_INTERVALS = 3 bad intervals: two blips are coincidence, three within the window are
//     a pattern; 3 bad minutes in an hour is 5% errors, 3 bad five-minute intervals in an hour is 25%;
//   - at least MIN_COUNTED_FRACTION = 0.5 of the intervals it should hold counted: a window that is mostly
//     unknown (a probe outage), excluded (maintenance) or simply not there yet (a new target) would
//     otherwise extrapolate from a handful of intervals. The 1h rule works after 30 minutes of history, the
//     3d rule after 36 hours.
// The same counted fraction applies to the SHORT window. A short window also holds at least
// MIN_SHORT_WINDOW_INTERVALS = 2 intervals: for five-minute targets the 5m window becomes 10 minutes
// (one interval would make "still burning" mean "the last probe failed").
// The guard does not slow a real outage down: 3 consecutive bad minutes page at minute 3, like `down`.
//
// Windows are counted in intervals: the last n complete intervals at t, n = window / interval.
import type { ResolvedTarget } from '../config/types.js';
import type { BurnRate, IncidentSeverity as Severity } from './notification.js';
import type { IntervalTimeline } from './intervals.js';
import { nearestRank } from '../common/percentile.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../common/time.js';

/** Consecutive up intervals that resolve a down incident: one good interval in a flapping outage must not resolve and re-page. */
export const DOWN_RECOVERY_INTERVALS = 3;
/** Bad intervals a burn rule's long window must hold before the rule can fire (see LOW-SAMPLE GUARD). */
export const MIN_BAD_INTERVALS = 3;
/** Fraction of a window's expected intervals that must be counted (up or down, not excluded). */
export const MIN_COUNTED_FRACTION = 0.5;
/** Smallest short window, in intervals (matters for five-minute targets). */
export const MIN_SHORT_WINDOW_INTERVALS = 2;
/** Minutes an error-budget breach must stay false before it resolves, per severity. */
export const EB_RECOVERY_MINUTES: Readonly<Record<Severity, number>> = { page: 15, ticket: 60 };
/**
 * Rolling window of the latency p95, in minutes (widened to LATENCY_MIN_SAMPLES intervals for
 * five-minute targets: 15 minutes). "p95 above the objective" is always this window's p95, as a
 * Prometheus `histogram_quantile(0.95, ...[5m])` would be; `latency.for` says how long it must stay above.
 */
export const LATENCY_WINDOW_MINUTES = 5;
/** Control-time samples a location needs in the rolling window to count. */
export const LATENCY_MIN_SAMPLES = 3;
/**
 * Slow samples a location needs in the rolling window to count as slow. With a handful of samples the
 * nearest-rank p95 is the maximum, so one outlier would make the p95 "above": a location is slow only
 * when at least two samples of its window are, so one outlier never opens a ticket, whatever `for` says.
 */
export const LATENCY_MIN_SLOW_SAMPLES = 2;
/** Default `latency.for`: minutes the p95 must stay above the objective before the ticket opens. */
export const LATENCY_DEFAULT_FOR_MINUTES = 15;
/** Minutes the latency condition must stay false before it resolves. */
export const LATENCY_RECOVERY_MINUTES = 15;
/** Latest intervals outside maintenance with no record from a region before it is blind. */
export const NO_DATA_INTERVALS = 3;
/** Latest intervals in which every region must report to resolve no_data. */
export const NO_DATA_RECOVERY_INTERVALS = 2;

export interface BurnWindowSpec {
  label: string;
  durationMs: number;
}

/** The seven windows, in the order burnRates lists them. */
export const BURN_WINDOWS: readonly BurnWindowSpec[] = [
  { label: '5m', durationMs: 5 * MINUTE_MS },
  { label: '30m', durationMs: 30 * MINUTE_MS },
  { label: '1h', durationMs: HOUR_MS },
  { label: '2h', durationMs: 2 * HOUR_MS },
  { label: '6h', durationMs: 6 * HOUR_MS },
  { label: '1d', durationMs: DAY_MS },
  { label: '3d', durationMs: 3 * DAY_MS },
];

/** The longest burn window, in ms: how far back of an instant the timeline must reach. */
export const LONGEST_BURN_WINDOW_MS = 3 * DAY_MS;

export interface BurnRule {
  severity: Severity;
  long: BurnWindowSpec;
  short: BurnWindowSpec;
  /** Burn rate both windows must exceed. */
  factor: number;
  /** For the notification, e.g. 'page: 1h and 5m burn above 14.4x'. */
  label: string;
}

function rule(severity: Severity, long: string, short: string, factor: number): BurnRule {
  const find = (label: string): BurnWindowSpec => BURN_WINDOWS.find((w) => w.label === label)!;
  return { severity, long: find(long), short: find(short), factor, label: `${severity}: ${long} and ${short} burn above ${factor}x` };
}

export const BURN_RULES: readonly BurnRule[] = [
  rule('page', '1h', '5m', 14.4),
  rule('page', '6h', '30m', 6),
  rule('ticket', '1d', '2h', 3),
  rule('ticket', '3d', '6h', 1),
];

/** The budget rate b = 1 − SLO. */
export function budgetRate(target: ResolvedTarget): number {
  return 1 - target.slo.availability / 100;
}

/** Intervals in a window; short windows hold at least MIN_SHORT_WINDOW_INTERVALS. */
export function windowIntervals(timeline: IntervalTimeline, window: BurnWindowSpec, role: 'long' | 'short'): number {
  const n = Math.max(1, Math.round(window.durationMs / timeline.stepMs));
  return role === 'short' ? Math.max(n, MIN_SHORT_WINDOW_INTERVALS) : n;
}

export interface WindowBurn extends BurnRate {
  /** Intervals the window should hold. */
  expectedIntervals: number;
  /** Index of the window's first interval. */
  fromIndex: number;
}

/** Burn over the last n complete intervals at t. */
export function burnOver(timeline: IntervalTimeline, t: number, n: number, label: string, rate: number): WindowBurn {
  const last = timeline.lastCompleteAt(t);
  const from = last - n + 1;
  const { counted, bad } = timeline.counts(from, last);
  return { window: label, rate: counted > 0 ? bad / counted / rate : 0, intervals: counted, badIntervals: bad, expectedIntervals: n, fromIndex: from };
}

/** All seven windows at t, short ones widened as the rules use them (the 5m window is 10 minutes for five-minute targets). */
export function burnRates(timeline: IntervalTimeline, t: number): BurnRate[] {
  const b = budgetRate(timeline.target);
  const shortLabels = new Set(BURN_RULES.map((r) => r.short.label));
  const longLabels = new Set(BURN_RULES.map((r) => r.long.label));
  return BURN_WINDOWS.map((w) => {
    const n = windowIntervals(timeline, w, shortLabels.has(w.label) && !longLabels.has(w.label) ? 'short' : 'long');
    const { window, rate, intervals, badIntervals } = burnOver(timeline, t, n, w.label, b);
    return { window, rate, intervals, badIntervals };
  });
}

function enoughCounted(burn: WindowBurn): boolean {
  return burn.intervals >= MIN_COUNTED_FRACTION * burn.expectedIntervals;
}

export interface RuleCheck {
  rule: BurnRule;
  long: WindowBurn;
  short: WindowBurn;
  /** The long window exceeds the factor and passes the guard: enough to keep a firing rule breached. */
  longExceeds: boolean;
  /** Long and short both exceed (with the guard): the rule fires. */
  fires: boolean;
}

export function checkBurnRule(timeline: IntervalTimeline, t: number, burnRule: BurnRule): RuleCheck {
  const b = budgetRate(timeline.target);
  const long = burnOver(timeline, t, windowIntervals(timeline, burnRule.long, 'long'), burnRule.long.label, b);
  const short = burnOver(timeline, t, windowIntervals(timeline, burnRule.short, 'short'), burnRule.short.label, b);
  const longExceeds = long.badIntervals >= MIN_BAD_INTERVALS && enoughCounted(long) && long.rate > burnRule.factor;
  const fires = longExceeds && enoughCounted(short) && short.rate > burnRule.factor;
  return { rule: burnRule, long, short, longExceeds, fires };
}

export interface DownCheck {
  fires: boolean;
  /** Consecutive down intervals (outside maintenance) ending at the last complete interval. */
  runIntervals: number;
}

/** down: the last `down.for` complete intervals are all down; an unknown or maintenance interval breaks the run. */
export function checkDown(timeline: IntervalTimeline, t: number): DownCheck {
  const last = timeline.lastCompleteAt(t);
  const run = timeline.downRunAt(last);
  return { fires: run >= timeline.target.down.for, runIntervals: run };
}

/**
 * Where the outage that contains interval i began, as the SLA report counts incidents: bad intervals
 * separated by fewer than DOWN_RECOVERY_INTERVALS up intervals are one incident (an unknown interval
 * breaks the up run: nobody saw the gateway come back). So a blip a minute before the run that pages is
 * the incident's start on the pager as in the report. A scan: called once, when an incident opens.
 */
export function outageStartIndex(timeline: IntervalTimeline, i: number): number {
  let start = i;
  let ups = 0;
  for (let j = i - 1; j >= 0 && ups < DOWN_RECOVERY_INTERVALS; j--) {
    if (timeline.isBad(j)) {
      start = j;
      ups = 0;
    } else if (timeline.verdict(j) === 'up') ups++;
    else ups = 0;
  }
  return start;
}

/** The end of the last bad interval at or before the last interval complete at t (not before fromMs), or undefined. */
export function lastBadIntervalEnd(timeline: IntervalTimeline, t: number, fromMs: number): number | undefined {
  for (let j = timeline.lastCompleteAt(t); j >= 0 && timeline.startOf(j) >= fromMs; j--) {
    if (timeline.isBad(j)) return timeline.startOf(j) + timeline.stepMs;
  }
  return undefined;
}

/** down resolves once the last DOWN_RECOVERY_INTERVALS complete intervals were up. */
export function downRecovered(timeline: IntervalTimeline, t: number): boolean {
  return timeline.upRunAt(timeline.lastCompleteAt(t)) >= DOWN_RECOVERY_INTERVALS;
}

/** The rolling latency window in intervals: 5 minutes, but never fewer intervals than samples a location needs. */
export function latencyWindowIntervals(timeline: IntervalTimeline): number {
  return Math.max(Math.ceil((LATENCY_WINDOW_MINUTES * MINUTE_MS) / timeline.stepMs), LATENCY_MIN_SAMPLES);
}

/** `latency.for` in intervals (at least one). */
export function latencyForIntervals(timeline: IntervalTimeline): number {
  const forMinutes = timeline.target.latency?.forMinutes ?? LATENCY_DEFAULT_FOR_MINUTES;
  return Math.max(1, Math.ceil((forMinutes * MINUTE_MS) / timeline.stepMs));
}

/**
 * Whether location r is slow at the instant that ends interval i: its rolling-window p95 is above the
 * objective, with enough samples and at least LATENCY_MIN_SLOW_SAMPLES slow ones. The nearest-rank p95
 * of n samples is above the threshold exactly when more than n − ceil(0.95·n) samples are, so the check
 * needs only counts (prefix sums), never a sort.
 */
export function locationSlowAt(timeline: IntervalTimeline, r: number, i: number): boolean {
  const { samples, slow } = timeline.latencySamples(r, i - latencyWindowIntervals(timeline) + 1, i);
  if (samples < LATENCY_MIN_SAMPLES) return false;
  return slow >= Math.max(LATENCY_MIN_SLOW_SAMPLES, samples - Math.ceil(0.95 * samples) + 1);
}

/** Locations slow at the instant that ends interval i. */
export function slowLocationsAt(timeline: IntervalTimeline, i: number): number[] {
  const slow: number[] = [];
  if (timeline.target.latency === undefined || i < 0) return slow;
  for (let r = 0; r < timeline.regions.length; r++) if (locationSlowAt(timeline, r, i)) slow.push(r);
  return slow;
}

export interface LatencyCheck {
  /** The p95 has stayed above the objective in ≥ quorum locations for `latency.for`. */
  fires: boolean;
  /** It is above in ≥ quorum locations now (keeps an open incident open). */
  holds: boolean;
  /** Locations slow now. */
  slowRegions: number[];
  /** Start of the first slow interval of the current stretch (when it holds). */
  stretchStartMs: number | undefined;
}

/**
 * latency: degraded when, at every instant of a stretch, ≥ quorum locations were slow (locationSlowAt),
 * and the stretch, from its first slow sample to now, covers `latency.for`. The stretch starts at the
 * first slow sample (in a location slow at the stretch's first instant) inside that instant's window: the
 * moment the slowness began, not the window's edge. The scan back is bounded by `for` + one window.
 */
export function checkLatency(timeline: IntervalTimeline, t: number): LatencyCheck {
  const last = timeline.lastCompleteAt(t);
  const slowRegions = slowLocationsAt(timeline, last);
  const quorum = timeline.target.quorum;
  if (slowRegions.length < quorum || slowRegions.length === 0) return { fires: false, holds: false, slowRegions, stretchStartMs: undefined };
  const window = latencyWindowIntervals(timeline);
  const needed = latencyForIntervals(timeline);
  let first = last;
  let firstSlow = slowRegions;
  for (let i = last - 1; i >= 0 && last - i <= needed + window; i--) {
    const slow = slowLocationsAt(timeline, i);
    if (slow.length < quorum) break;
    first = i;
    firstSlow = slow;
  }
  let start = first;
  for (let j = Math.max(0, first - window + 1); j <= first; j++) {
    if (firstSlow.some((r) => timeline.latencySamples(r, j, j).slow > 0)) {
      start = j;
      break;
    }
  }
  return { fires: last + 1 - start >= needed, holds: true, slowRegions, stretchStartMs: timeline.startOf(start) };
}

/** The end of the latest interval ≤ i in which some location had a slow sample (the last slow probe), or undefined. */
export function lastSlowIntervalEnd(timeline: IntervalTimeline, i: number, notBeforeMs: number): number | undefined {
  for (let j = Math.min(i, timeline.length - 1); j >= 0 && timeline.startOf(j) >= notBeforeMs; j--) {
    for (let r = 0; r < timeline.regions.length; r++) {
      if (timeline.latencySamples(r, j, j).slow > 0) return timeline.startOf(j) + timeline.stepMs;
    }
  }
  return undefined;
}

/**
 * p95 of control time per location over [fromMs, toMs) (the incident's own span: the evidence of this
 * incident only), for locations with at least one sample there. Sorts: for notifications only.
 */
export function latencyP95ByRegion(timeline: IntervalTimeline, fromMs: number, toMs: number): Record<string, number> {
  const from = Math.max(0, Math.floor((fromMs - timeline.startMs) / timeline.stepMs));
  const last = Math.min(timeline.length - 1, Math.ceil((toMs - timeline.startMs) / timeline.stepMs) - 1);
  const samples = new Map<string, number[]>();
  for (let i = from; i <= last; i++) {
    if (timeline.inMaintenance(i)) continue;
    for (const record of timeline.recordsOf(i)) {
      if (record.controlMs === undefined || !Number.isFinite(record.controlMs)) continue;
      let list = samples.get(record.region);
      if (list === undefined) samples.set(record.region, (list = []));
      list.push(record.controlMs);
    }
  }
  const result: Record<string, number> = {};
  for (const region of timeline.regions) {
    const list = samples.get(region);
    if (list === undefined || list.length === 0) continue;
    list.sort((a, b) => a - b);
    result[region] = nearestRank(list, 95)!;
  }
  return result;
}

export interface NoDataCheck {
  fires: boolean;
  /** Indices of the blind regions. */
  blindRegions: number[];
  /** The first interval after the earliest blind region's last record (never before the target's first record). */
  startsAtMs: number | undefined;
}

/**
 * no_data: some region has no record in the last NO_DATA_INTERVALS complete intervals outside maintenance.
 * Times before the target's first record do not count, so a fresh deployment does not page.
 */
export function checkNoData(timeline: IntervalTimeline, t: number): NoDataCheck {
  const none: NoDataCheck = { fires: false, blindRegions: [], startsAtMs: undefined };
  const last = timeline.lastCompleteAt(t);
  const considered: number[] = [];
  for (let i = timeline.previousOutsideMaintenance(last); i >= 0 && considered.length < NO_DATA_INTERVALS; i = timeline.previousOutsideMaintenance(i - 1)) {
    considered.push(i);
  }
  if (considered.length < NO_DATA_INTERVALS || considered[NO_DATA_INTERVALS - 1]! < timeline.firstRecordIndex) return none;
  const blindRegions: number[] = [];
  let startIndex = Number.POSITIVE_INFINITY;
  for (let r = 0; r < timeline.regions.length; r++) {
    if (considered.some((i) => timeline.reported(r, i))) continue;
    blindRegions.push(r);
    startIndex = Math.min(startIndex, Math.max(timeline.lastReported(r, last) + 1, timeline.firstRecordIndex));
  }
  if (blindRegions.length === 0) return none;
  return { fires: true, blindRegions, startsAtMs: timeline.startOf(startIndex) };
}

/** no_data resolves when every region reported in each of the last NO_DATA_RECOVERY_INTERVALS complete intervals. */
export function noDataRecovered(timeline: IntervalTimeline, t: number): boolean {
  return timeline.allReportedRunAt(timeline.lastCompleteAt(t)) >= NO_DATA_RECOVERY_INTERVALS;
}

/**
 * The share of the SLO window's error budget still left at t: 1 − bad intervals / ((1 − SLO) × the
 * window's intervals). The budget is the whole window's allowance even when less history exists (a new
 * target that was down 4 minutes has spent 4 of its 43.2 budget minutes at 99.9% over 30 days, not
 * "500× its budget"); negative when overspent.
 */
export function errorBudgetRemaining(timeline: IntervalTimeline, t: number): number {
  const last = timeline.lastCompleteAt(t);
  const n = Math.round((timeline.target.slo.windowDays * DAY_MS) / timeline.stepMs);
  const { bad } = timeline.counts(last - n + 1, last);
  return 1 - bad / (n * budgetRate(timeline.target));
}

/** Availability in percent over the SLO window before t, or undefined when nothing counted. */
export function availability(timeline: IntervalTimeline, t: number): number | undefined {
  const last = timeline.lastCompleteAt(t);
  const n = Math.round((timeline.target.slo.windowDays * DAY_MS) / timeline.stepMs);
  const { counted, bad } = timeline.counts(last - n + 1, last);
  return counted > 0 ? 100 * (1 - bad / counted) : undefined;
}
