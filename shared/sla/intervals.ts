// A target's probe records bucketed into probe intervals, with a verdict per interval and prefix sums so
// that every window question the policies ask ("how many bad intervals in the last hour") is O(1).
//
// Verdict of one interval, from the regions that reported in it:
// - down:    at least `quorum` regions failed. One region failing alone never makes an interval down (the
//            config resolves quorum to a majority, ≥ 2 whenever there are ≥ 2 regions), so a probe region
//            with a bad path to the gateway cannot page anybody or spend the budget.
// - up:      fewer than `quorum` failed and at least `quorum` reported. We deliberately do not require that
//            the silent regions could not have tipped it (reporting − failing ≥ regions − quorum + 1): a
//            missing report is far more often a probe-side problem than a gateway one, and the no_data
//            policy pages on silent regions by itself.
// - unknown: fewer than `quorum` reports: too few to tell either way. Never counted good or bad.
// A region with several records for one interval (at-least-once delivery) counts as ok when any of them
// is ok: one successful handshake proves the gateway answered that region.
// Records of other targets, or from regions not in the target's list, are ignored (a local monitor passes a
// target whose `regions` are its own names, e.g. ['local'], with quorum 1).
import type { ResolvedTarget } from '../config/types.js';
import { FAILURE_CLASSES, type FailureClass } from '../probe/failure-classes.js';
import {
  REGION_FAIL,
  REGION_MISSING,
  VERDICT_DOWN,
  VERDICT_UNKNOWN,
  VERDICT_UP,
  intervalMaintenance,
  latencyPrefixes,
  recordsByInterval,
  regionStatuses,
  runsAndPrefixes,
} from './interval-arrays.js';
import type { ProbeRecord } from './probe-record.js';
import { MINUTE_MS, floorTo } from '../common/time.js';

export type Verdict = 'up' | 'down' | 'unknown';

export interface IntervalState {
  /** Interval start, ms since the epoch. */
  start: number;
  verdict: Verdict;
  /** Regions with at least one record, and those of them that failed (in the target's region order). */
  reporting: string[];
  failing: string[];
  /** Failure class per failing region (from its first failed record). */
  failureClassByRegion: Partial<Record<string, FailureClass>>;
  /** Control-connection times per region, from every record that reached that phase. */
  controlMsByRegion: Record<string, number[]>;
  maintenance: { suppressNotifications: boolean; excludedFromSla: boolean };
}

export function verdictOf(reporting: number, failing: number, quorum: number): Verdict {
  if (failing >= quorum) return 'down';
  if (reporting >= quorum) return 'up';
  return 'unknown';
}

const VERDICTS: readonly Verdict[] = ['unknown', 'up', 'down'];

/** The verdict (VERDICT_*) of each of n intervals from its regions' statuses. */
function intervalVerdicts(regionStatus: Uint8Array, n: number, R: number, quorum: number): Uint8Array {
  const verdicts = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    let reporting = 0;
    let failing = 0;
    for (let r = 0; r < R; r++) {
      const status = regionStatus[i * R + r]!;
      if (status !== REGION_MISSING) reporting++;
      if (status === REGION_FAIL) failing++;
    }
    const verdict = verdictOf(reporting, failing, quorum);
    verdicts[i] = verdict === 'down' ? VERDICT_DOWN : verdict === 'up' ? VERDICT_UP : VERDICT_UNKNOWN;
  }
  return verdicts;
}

export interface TimelineRange {
  /** First interval start wanted (floored to the interval). The timeline starts later when the target's first record is later. */
  fromMs: number;
  /** Last instant looked at: intervals complete by then (start + interval ≤ toMs) are kept. */
  toMs: number;
}

/**
 * The intervals of one target from `startMs` (interval-aligned) with n = `length` intervals, plus a
 * minute-resolution maintenance mask over [startMs, endMs] for the evaluation instants. The data are
 * typed arrays built by interval-arrays.ts; this class answers the questions the policies ask of them.
 */
export class IntervalTimeline {
  readonly target: ResolvedTarget;
  readonly regions: readonly string[];
  readonly stepMs: number;
  readonly startMs: number;
  /** Last instant covered (the minute mask includes it). */
  readonly endMs: number;
  readonly length: number;
  /** Interval start of the target's earliest record among all records given (also those outside the range); undefined when none. */
  readonly firstRecordMs: number | undefined;
  /** Index of the interval holding the first record, clamped to [0, length]. */
  readonly firstRecordIndex: number;

  // The arrays, built in interval-arrays.ts (see there for what each holds).
  private readonly recs: ProbeRecord[];
  private readonly recOffset: Int32Array;
  private readonly regionStatus: Uint8Array;
  private readonly regionClass: Int8Array;
  private readonly verdicts: Uint8Array;
  private readonly suppressInterval: Uint8Array;
  private readonly excludedInterval: Uint8Array;
  private readonly minuteSuppress: Uint8Array;
  private readonly badPrefix: Int32Array;
  private readonly countedPrefix: Int32Array;
  private readonly downRun: Int32Array;
  private readonly upRun: Int32Array;
  private readonly allReportedRun: Int32Array;
  private readonly prevNonMaintenance: Int32Array;
  private readonly lastSeen: Int32Array;
  private readonly lastServerRec: Int32Array;
  private readonly sampleCountPrefix: Int32Array;
  private readonly slowCountPrefix: Int32Array;

  constructor(target: ResolvedTarget, records: readonly ProbeRecord[], range: TimelineRange) {
    this.target = target;
    this.regions = target.regions;
    const R = this.regions.length;
    const stepMs = target.intervalMinutes * MINUTE_MS;
    this.stepMs = stepMs;
    const regionIndex = new Map<string, number>(this.regions.map((region, i) => [region, i]));

    const mine: ProbeRecord[] = [];
    let firstRecordMs = Number.POSITIVE_INFINITY;
    for (const record of records) {
      if (record.target !== target.name || !regionIndex.has(record.region)) continue;
      mine.push(record);
      if (record.intervalStart < firstRecordMs) firstRecordMs = record.intervalStart;
    }
    this.firstRecordMs = Number.isFinite(firstRecordMs) ? floorTo(firstRecordMs, stepMs) : undefined;

    // Before the first record nothing is known, so the timeline need not start earlier.
    const wantedStart = floorTo(range.fromMs, stepMs);
    const startMs = this.firstRecordMs !== undefined && this.firstRecordMs > wantedStart ? Math.min(this.firstRecordMs, floorTo(range.toMs, stepMs)) : wantedStart;
    this.startMs = startMs;
    this.endMs = Math.max(floorTo(range.toMs, MINUTE_MS), startMs);
    const n = Math.max(0, Math.floor((this.endMs - startMs) / stepMs));
    this.length = n;
    this.firstRecordIndex = this.firstRecordMs === undefined ? n : Math.min(n, Math.max(0, (this.firstRecordMs - startMs) / stepMs));

    ({ recs: this.recs, offsets: this.recOffset } = recordsByInterval(mine, startMs, stepMs, n));
    ({ minuteSuppress: this.minuteSuppress, suppressInterval: this.suppressInterval, excludedInterval: this.excludedInterval } = intervalMaintenance(
      target.maintenance,
      startMs,
      this.endMs,
      n,
      target.intervalMinutes,
    ));
    ({ regionStatus: this.regionStatus, regionClass: this.regionClass, lastServerRec: this.lastServerRec } = regionStatuses(this.recs, this.recOffset, n, R, regionIndex));
    this.verdicts = intervalVerdicts(this.regionStatus, n, R, target.quorum);
    ({
      badPrefix: this.badPrefix,
      countedPrefix: this.countedPrefix,
      downRun: this.downRun,
      upRun: this.upRun,
      allReportedRun: this.allReportedRun,
      prevNonMaintenance: this.prevNonMaintenance,
      lastSeen: this.lastSeen,
    } = runsAndPrefixes(this.verdicts, this.regionStatus, this.suppressInterval, this.excludedInterval, n, R));
    // Latency samples only when the target has a latency objective.
    ({ sampleCountPrefix: this.sampleCountPrefix, slowCountPrefix: this.slowCountPrefix } = latencyPrefixes(
      this.recs,
      this.recOffset,
      this.suppressInterval,
      n,
      R,
      regionIndex,
      target.latency?.controlP95Ms,
    ));
  }

  /** Start of interval i. */
  startOf(i: number): number {
    return this.startMs + i * this.stepMs;
  }

  /** The last interval complete at instant t (start + interval ≤ t), or -1; at most length - 1. */
  lastCompleteAt(t: number): number {
    return Math.min(this.length - 1, Math.floor((t - this.startMs) / this.stepMs) - 1);
  }

  verdict(i: number): Verdict {
    return VERDICTS[this.verdicts[i] ?? VERDICT_UNKNOWN]!;
  }

  isBad(i: number): boolean {
    return this.verdicts[i] === VERDICT_DOWN && this.excludedInterval[i] === 0;
  }

  inMaintenance(i: number): boolean {
    return this.suppressInterval[i] === 1;
  }

  excludedFromSla(i: number): boolean {
    return this.excludedInterval[i] === 1;
  }

  /** Whether notifications are suppressed at instant t (a minute boundary inside the timeline). */
  suppressedAt(t: number): boolean {
    return this.minuteSuppress[Math.floor((t - this.startMs) / MINUTE_MS)] === 1;
  }

  /** Counted and bad intervals among indices [from, to], clamped to the timeline. */
  counts(from: number, to: number): { counted: number; bad: number } {
    const a = Math.max(0, from);
    const b = Math.min(this.length - 1, to) + 1;
    if (b <= a) return { counted: 0, bad: 0 };
    return { counted: this.countedPrefix[b]! - this.countedPrefix[a]!, bad: this.badPrefix[b]! - this.badPrefix[a]! };
  }

  /** First bad interval among [from, to], or -1 (a scan: used when building a notification only). */
  firstBad(from: number, to: number): number {
    const a = Math.max(0, from);
    const b = Math.min(this.length - 1, to);
    if (b < a || this.badPrefix[b + 1] === this.badPrefix[a]) return -1;
    for (let i = a; i <= b; i++) if (this.isBad(i)) return i;
    return -1;
  }

  /** Consecutive intervals ending at i that are down and outside maintenance. */
  downRunAt(i: number): number {
    return i >= 0 ? (this.downRun[i] ?? 0) : 0;
  }

  /** Consecutive up intervals ending at i. */
  upRunAt(i: number): number {
    return i >= 0 ? (this.upRun[i] ?? 0) : 0;
  }

  /** Consecutive intervals ending at i in which every region reported. */
  allReportedRunAt(i: number): number {
    return i >= 0 ? (this.allReportedRun[i] ?? 0) : 0;
  }

  /** The latest interval ≤ i outside maintenance, or -1. */
  previousOutsideMaintenance(i: number): number {
    return i >= 0 ? (this.prevNonMaintenance[i] ?? -1) : -1;
  }

  /** Whether region r (index in `regions`) has a record in interval i. */
  reported(r: number, i: number): boolean {
    return this.regionStatus[i * this.regions.length + r] !== REGION_MISSING;
  }

  failed(r: number, i: number): boolean {
    return this.regionStatus[i * this.regions.length + r] === REGION_FAIL;
  }

  /** The latest interval ≤ i where region r reported, or -1. */
  lastReported(r: number, i: number): number {
    return i >= 0 ? this.lastSeen[i * this.regions.length + r]! : -1;
  }

  /** Control-time samples and those above the latency threshold for region r over intervals [from, to]. */
  latencySamples(r: number, from: number, to: number): { samples: number; slow: number } {
    const a = Math.max(0, from);
    const b = Math.min(this.length - 1, to) + 1;
    if (b <= a || this.sampleCountPrefix.length === 0) return { samples: 0, slow: 0 };
    const base = r * (this.length + 1);
    return {
      samples: this.sampleCountPrefix[base + b]! - this.sampleCountPrefix[base + a]!,
      slow: this.slowCountPrefix[base + b]! - this.slowCountPrefix[base + a]!,
    };
  }

  /** The records of interval i. */
  recordsOf(i: number): readonly ProbeRecord[] {
    if (i < 0 || i >= this.length) return [];
    return this.recs.slice(this.recOffset[i]!, this.recOffset[i + 1]!);
  }

  /** The latest server identity announced in an interval ≤ i. */
  lastServerAt(i: number): ProbeRecord['server'] {
    if (i < 0) return undefined;
    const k = this.lastServerRec[Math.min(i, this.length - 1)] ?? -1;
    return k >= 0 ? this.recs[k]!.server : undefined;
  }

  /** Interval i as a plain object (for reports, status pages and tests; the policies use the arrays). */
  state(i: number): IntervalState {
    const R = this.regions.length;
    const reporting: string[] = [];
    const failing: string[] = [];
    const failureClassByRegion: Partial<Record<string, FailureClass>> = {};
    const controlMsByRegion: Record<string, number[]> = {};
    for (let r = 0; r < R; r++) {
      const region = this.regions[r]!;
      const status = this.regionStatus[i * R + r];
      if (status === REGION_MISSING) continue;
      reporting.push(region);
      if (status === REGION_FAIL) {
        failing.push(region);
        const cls = this.regionClass[i * R + r]!;
        if (cls >= 0) failureClassByRegion[region] = FAILURE_CLASSES[cls]!;
      }
    }
    for (const record of this.recordsOf(i)) {
      if (record.controlMs === undefined) continue;
      (controlMsByRegion[record.region] ??= []).push(record.controlMs);
    }
    return {
      start: this.startOf(i),
      verdict: this.verdict(i),
      reporting,
      failing,
      failureClassByRegion,
      controlMsByRegion,
      maintenance: { suppressNotifications: this.inMaintenance(i), excludedFromSla: this.excludedFromSla(i) },
    };
  }
}

export function buildTimeline(target: ResolvedTarget, records: readonly ProbeRecord[], range: TimelineRange): IntervalTimeline {
  return new IntervalTimeline(target, records, range);
}

/** The states of the target's intervals complete by `toMs`, from `fromMs` (or the first record, if later). */
export function intervalStates(target: ResolvedTarget, records: readonly ProbeRecord[], fromMs: number, toMs: number): IntervalState[] {
  const timeline = buildTimeline(target, records, { fromMs, toMs });
  return Array.from({ length: timeline.length }, (_, i) => timeline.state(i));
}
