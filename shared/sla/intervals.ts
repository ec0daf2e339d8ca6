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
import { maintenanceMask } from './maintenance.js';
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

const VERDICT_UNKNOWN = 0;
const VERDICT_UP = 1;
const VERDICT_DOWN = 2;
const VERDICTS: readonly Verdict[] = ['unknown', 'up', 'down'];

const REGION_MISSING = 0;
const REGION_OK = 1;
const REGION_FAIL = 2;

export interface TimelineRange {
  /** First interval start wanted (floored to the interval). The timeline starts later when the target's first record is later. */
  fromMs: number;
  /** Last instant looked at: intervals complete by then (start + interval ≤ toMs) are kept. */
  toMs: number;
}

/**
 * The intervals of one target from `startMs` (interval-aligned) with n = `length` intervals, plus a
 * minute-resolution maintenance mask over [startMs, endMs] for the evaluation instants. Arrays are
 * struct-of-arrays (typed) because a 90-day SLO window at one-minute intervals is 130k intervals.
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

  /** Records in the range, ordered by interval; those of interval i are recs[recOffset[i] .. recOffset[i+1]). */
  private readonly recs: ProbeRecord[];
  private readonly recOffset: Int32Array;
  /** Per (interval, region): REGION_* status, and failure class index (-1 none). Index i * R + r. */
  private readonly regionStatus: Uint8Array;
  private readonly regionClass: Int8Array;
  private readonly verdicts: Uint8Array;
  private readonly suppressInterval: Uint8Array;
  private readonly excludedInterval: Uint8Array;
  private readonly minuteSuppress: Uint8Array;
  /** Prefix counts over intervals [0, i): bad (down and counted), counted (up or down, not excluded). */
  private readonly badPrefix: Int32Array;
  private readonly countedPrefix: Int32Array;
  /** Runs ending at interval i: down and not in any maintenance; up; every region reported. */
  private readonly downRun: Int32Array;
  private readonly upRun: Int32Array;
  private readonly allReportedRun: Int32Array;
  /** Latest interval ≤ i that is not in maintenance, or -1. */
  private readonly prevNonMaintenance: Int32Array;
  /** Per (interval, region): latest interval ≤ i where the region reported, or -1. Index i * R + r. */
  private readonly lastSeen: Int32Array;
  /** Latest record index (into recs) ≤ interval i with a server identity, or -1. */
  private readonly lastServerRec: Int32Array;
  /** Per region, prefix counts of control-time samples and of samples above the latency threshold, outside maintenance. Index r * (n + 1) + i. */
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

    // Counting sort of the records by interval index.
    const indexOf = (record: ProbeRecord): number => Math.floor((record.intervalStart - startMs) / stepMs);
    const counts = new Int32Array(n + 1);
    for (const record of mine) {
      const i = indexOf(record);
      if (i >= 0 && i < n) counts[i + 1]! += 1;
    }
    for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
    this.recOffset = counts.slice();
    const fill = counts.slice();
    const recs: ProbeRecord[] = new Array<ProbeRecord>(this.recOffset[n] ?? 0);
    for (const record of mine) {
      const i = indexOf(record);
      if (i >= 0 && i < n) recs[fill[i]!++] = record;
    }
    this.recs = recs;

    // Maintenance: minute mask over every instant from startMs to endMs inclusive; intervals use their start.
    const minutes = (this.endMs - startMs) / MINUTE_MS + 1;
    const mask = maintenanceMask(target.maintenance, startMs, minutes, MINUTE_MS);
    this.minuteSuppress = mask.suppressNotifications;
    this.suppressInterval = new Uint8Array(n);
    this.excludedInterval = new Uint8Array(n);
    const minutesPerStep = target.intervalMinutes;
    for (let i = 0; i < n; i++) {
      this.suppressInterval[i] = mask.suppressNotifications[i * minutesPerStep]!;
      this.excludedInterval[i] = mask.excludedFromSla[i * minutesPerStep]!;
    }

    // Per-region status and class, then the verdict.
    this.regionStatus = new Uint8Array(n * R);
    this.regionClass = new Int8Array(n * R).fill(-1);
    this.verdicts = new Uint8Array(n);
    this.lastServerRec = new Int32Array(n).fill(-1);
    for (let i = 0; i < n; i++) {
      let serverRec = -1;
      let serverRegion = R;
      for (let k = this.recOffset[i]!; k < this.recOffset[i + 1]!; k++) {
        const record = recs[k]!;
        const r = regionIndex.get(record.region)!;
        const cell = i * R + r;
        if (record.ok) {
          this.regionStatus[cell] = REGION_OK;
        } else if (this.regionStatus[cell] !== REGION_OK) {
          this.regionStatus[cell] = REGION_FAIL;
          if (this.regionClass[cell] === -1 && record.failureClass !== undefined) this.regionClass[cell] = FAILURE_CLASSES.indexOf(record.failureClass);
        }
        // Latest identity: the latest interval; within it, the first region in config order.
        if (record.server !== undefined && r < serverRegion) {
          serverRec = k;
          serverRegion = r;
        }
      }
      let reporting = 0;
      let failing = 0;
      for (let r = 0; r < R; r++) {
        const status = this.regionStatus[i * R + r]!;
        if (status !== REGION_MISSING) reporting++;
        if (status === REGION_FAIL) failing++;
      }
      const verdict = verdictOf(reporting, failing, target.quorum);
      this.verdicts[i] = verdict === 'down' ? VERDICT_DOWN : verdict === 'up' ? VERDICT_UP : VERDICT_UNKNOWN;
      this.lastServerRec[i] = serverRec >= 0 ? serverRec : i > 0 ? this.lastServerRec[i - 1]! : -1;
    }

    // Prefix sums and runs.
    this.badPrefix = new Int32Array(n + 1);
    this.countedPrefix = new Int32Array(n + 1);
    this.downRun = new Int32Array(n);
    this.upRun = new Int32Array(n);
    this.allReportedRun = new Int32Array(n);
    this.prevNonMaintenance = new Int32Array(n);
    this.lastSeen = new Int32Array(n * R);
    for (let i = 0; i < n; i++) {
      const verdict = this.verdicts[i]!;
      const counted = verdict !== VERDICT_UNKNOWN && this.excludedInterval[i] === 0;
      this.countedPrefix[i + 1] = this.countedPrefix[i]! + (counted ? 1 : 0);
      this.badPrefix[i + 1] = this.badPrefix[i]! + (counted && verdict === VERDICT_DOWN ? 1 : 0);
      const previous = (array: Int32Array): number => (i > 0 ? array[i - 1]! : 0);
      // An interval in any maintenance window breaks a down run: a reboot that overruns its window by a
      // minute must not page, so the run has to be built again from intervals after the window.
      this.downRun[i] = verdict === VERDICT_DOWN && this.suppressInterval[i] === 0 ? previous(this.downRun) + 1 : 0;
      this.upRun[i] = verdict === VERDICT_UP ? previous(this.upRun) + 1 : 0;
      let everyRegion = true;
      for (let r = 0; r < R; r++) {
        const seen = this.regionStatus[i * R + r] !== REGION_MISSING;
        if (!seen) everyRegion = false;
        this.lastSeen[i * R + r] = seen ? i : i > 0 ? this.lastSeen[(i - 1) * R + r]! : -1;
      }
      this.allReportedRun[i] = everyRegion ? previous(this.allReportedRun) + 1 : 0;
      this.prevNonMaintenance[i] = this.suppressInterval[i] === 0 ? i : i > 0 ? this.prevNonMaintenance[i - 1]! : -1;
    }

    // Latency samples (only when the target has a latency objective). Maintenance intervals are left out:
    // work on the gateway is allowed to be slow, and counting it would fire right after the window.
    const thresholdMs = target.latency?.controlP95Ms;
    this.sampleCountPrefix = new Int32Array(thresholdMs === undefined ? 0 : R * (n + 1));
    this.slowCountPrefix = new Int32Array(thresholdMs === undefined ? 0 : R * (n + 1));
    if (thresholdMs !== undefined) {
      const samples = new Int32Array(R);
      const slow = new Int32Array(R);
      for (let i = 0; i < n; i++) {
        samples.fill(0);
        slow.fill(0);
        if (this.suppressInterval[i] === 0) {
          for (let k = this.recOffset[i]!; k < this.recOffset[i + 1]!; k++) {
            const record = recs[k]!;
            if (record.controlMs === undefined || !Number.isFinite(record.controlMs)) continue;
            const r = regionIndex.get(record.region)!;
            samples[r]! += 1;
            if (record.controlMs > thresholdMs) slow[r]! += 1;
          }
        }
        for (let r = 0; r < R; r++) {
          const base = r * (n + 1);
          this.sampleCountPrefix[base + i + 1] = this.sampleCountPrefix[base + i]! + samples[r]!;
          this.slowCountPrefix[base + i + 1] = this.slowCountPrefix[base + i]! + slow[r]!;
        }
      }
    }
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
