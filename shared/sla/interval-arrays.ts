// The typed arrays an IntervalTimeline (intervals.ts) is made of, built from the records pass by pass:
// records sorted by interval, maintenance flags, each region's status per interval, then the prefix sums
// and runs that make every window question O(1). Struct-of-arrays because a 90-day SLO window at
// one-minute intervals is 130k intervals. Index conventions: per (interval i, region r) arrays are
// indexed i * R + r; per-region prefix arrays r * (n + 1) + i.
import type { MaintenanceWindow } from '../config/types.js';
import { FAILURE_CLASSES } from '../probe/failure-classes.js';
import { MINUTE_MS } from '../common/time.js';
import { maintenanceMask } from './maintenance.js';
import type { ProbeRecord } from './probe-record.js';

/** A region's result in one interval. */
export const REGION_MISSING = 0;
export const REGION_OK = 1;
export const REGION_FAIL = 2;

/** An interval's verdict, as stored. */
export const VERDICT_UNKNOWN = 0;
export const VERDICT_UP = 1;
export const VERDICT_DOWN = 2;

/** Records ordered by interval (a counting sort): those of interval i are recs[offsets[i] .. offsets[i+1]); records outside the n intervals are left out. */
export function recordsByInterval(records: readonly ProbeRecord[], startMs: number, stepMs: number, n: number): { recs: ProbeRecord[]; offsets: Int32Array } {
  const indexOf = (record: ProbeRecord): number => Math.floor((record.intervalStart - startMs) / stepMs);
  const counts = new Int32Array(n + 1);
  for (const record of records) {
    const i = indexOf(record);
    if (i >= 0 && i < n) counts[i + 1]! += 1;
  }
  for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
  const offsets = counts.slice();
  const fill = counts.slice();
  const recs: ProbeRecord[] = new Array<ProbeRecord>(offsets[n] ?? 0);
  for (const record of records) {
    const i = indexOf(record);
    if (i >= 0 && i < n) recs[fill[i]!++] = record;
  }
  return { recs, offsets };
}

export interface IntervalMaintenance {
  /** Per minute from startMs to endMs inclusive (the evaluation instants): notifications suppressed. */
  minuteSuppress: Uint8Array;
  /** Per interval, by its start: suppressed, and excluded from the SLA. */
  suppressInterval: Uint8Array;
  excludedInterval: Uint8Array;
}

/** Maintenance over [startMs, endMs] for n intervals of `intervalMinutes` from startMs. */
export function intervalMaintenance(windows: readonly MaintenanceWindow[], startMs: number, endMs: number, n: number, intervalMinutes: number): IntervalMaintenance {
  const minutes = (endMs - startMs) / MINUTE_MS + 1;
  const mask = maintenanceMask(windows, startMs, minutes, MINUTE_MS);
  const suppressInterval = new Uint8Array(n);
  const excludedInterval = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    suppressInterval[i] = mask.suppressNotifications[i * intervalMinutes]!;
    excludedInterval[i] = mask.excludedFromSla[i * intervalMinutes]!;
  }
  return { minuteSuppress: mask.suppressNotifications, suppressInterval, excludedInterval };
}

export interface RegionStatuses {
  /** Per (interval, region): REGION_*. A region with several records counts as ok when any of them is. */
  regionStatus: Uint8Array;
  /** Per (interval, region): index in FAILURE_CLASSES of its first failed record's class, -1 none. */
  regionClass: Int8Array;
  /** Per interval: the latest record index (into recs) ≤ the interval with a server identity, or -1. */
  lastServerRec: Int32Array;
}

/** Each region's result per interval, from the sorted records; `regionIndex` maps a region to its index (< R). */
export function regionStatuses(recs: readonly ProbeRecord[], offsets: Int32Array, n: number, R: number, regionIndex: ReadonlyMap<string, number>): RegionStatuses {
  const regionStatus = new Uint8Array(n * R);
  const regionClass = new Int8Array(n * R).fill(-1);
  const lastServerRec = new Int32Array(n).fill(-1);
  for (let i = 0; i < n; i++) {
    let serverRec = -1;
    let serverRegion = R;
    for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
      const record = recs[k]!;
      const r = regionIndex.get(record.region)!;
      const cell = i * R + r;
      if (record.ok) {
        regionStatus[cell] = REGION_OK;
      } else if (regionStatus[cell] !== REGION_OK) {
        regionStatus[cell] = REGION_FAIL;
        if (regionClass[cell] === -1 && record.failureClass !== undefined) regionClass[cell] = FAILURE_CLASSES.indexOf(record.failureClass);
      }
      // Latest identity: the latest interval; within it, the first region in config order.
      if (record.server !== undefined && r < serverRegion) {
        serverRec = k;
        serverRegion = r;
      }
    }
    lastServerRec[i] = serverRec >= 0 ? serverRec : i > 0 ? lastServerRec[i - 1]! : -1;
  }
  return { regionStatus, regionClass, lastServerRec };
}

export interface RunsAndPrefixes {
  /** Prefix counts over intervals [0, i): bad (down and counted), counted (up or down, not excluded). */
  badPrefix: Int32Array;
  countedPrefix: Int32Array;
  /** Runs ending at interval i: down and not in any maintenance; up; every region reported. */
  downRun: Int32Array;
  upRun: Int32Array;
  allReportedRun: Int32Array;
  /** Latest interval ≤ i that is not in maintenance, or -1. */
  prevNonMaintenance: Int32Array;
  /** Per (interval, region): latest interval ≤ i where the region reported, or -1. */
  lastSeen: Int32Array;
}

/** Prefix sums and runs over the verdicts (VERDICT_*) and region statuses of n intervals and R regions. */
export function runsAndPrefixes(verdicts: Uint8Array, regionStatus: Uint8Array, suppressInterval: Uint8Array, excludedInterval: Uint8Array, n: number, R: number): RunsAndPrefixes {
  const badPrefix = new Int32Array(n + 1);
  const countedPrefix = new Int32Array(n + 1);
  const downRun = new Int32Array(n);
  const upRun = new Int32Array(n);
  const allReportedRun = new Int32Array(n);
  const prevNonMaintenance = new Int32Array(n);
  const lastSeen = new Int32Array(n * R);
  for (let i = 0; i < n; i++) {
    const verdict = verdicts[i]!;
    const counted = verdict !== VERDICT_UNKNOWN && excludedInterval[i] === 0;
    countedPrefix[i + 1] = countedPrefix[i]! + (counted ? 1 : 0);
    badPrefix[i + 1] = badPrefix[i]! + (counted && verdict === VERDICT_DOWN ? 1 : 0);
    const previous = (array: Int32Array): number => (i > 0 ? array[i - 1]! : 0);
    // An interval in any maintenance window breaks a down run: a reboot that overruns its window by a
    // minute must not page, so the run has to be built again from intervals after the window.
    downRun[i] = verdict === VERDICT_DOWN && suppressInterval[i] === 0 ? previous(downRun) + 1 : 0;
    upRun[i] = verdict === VERDICT_UP ? previous(upRun) + 1 : 0;
    let everyRegion = true;
    for (let r = 0; r < R; r++) {
      const seen = regionStatus[i * R + r] !== REGION_MISSING;
      if (!seen) everyRegion = false;
      lastSeen[i * R + r] = seen ? i : i > 0 ? lastSeen[(i - 1) * R + r]! : -1;
    }
    allReportedRun[i] = everyRegion ? previous(allReportedRun) + 1 : 0;
    prevNonMaintenance[i] = suppressInterval[i] === 0 ? i : i > 0 ? prevNonMaintenance[i - 1]! : -1;
  }
  return { badPrefix, countedPrefix, downRun, upRun, allReportedRun, prevNonMaintenance, lastSeen };
}

/**
 * Per region, prefix counts of control-time samples and of samples above `thresholdMs`, outside
 * maintenance (work on the gateway is allowed to be slow, and counting it would fire right after the
 * window). Empty arrays when the target has no latency objective.
 */
export function latencyPrefixes(
  recs: readonly ProbeRecord[],
  offsets: Int32Array,
  suppressInterval: Uint8Array,
  n: number,
  R: number,
  regionIndex: ReadonlyMap<string, number>,
  thresholdMs: number | undefined,
): { sampleCountPrefix: Int32Array; slowCountPrefix: Int32Array } {
  const sampleCountPrefix = new Int32Array(thresholdMs === undefined ? 0 : R * (n + 1));
  const slowCountPrefix = new Int32Array(thresholdMs === undefined ? 0 : R * (n + 1));
  if (thresholdMs === undefined) return { sampleCountPrefix, slowCountPrefix };
  const samples = new Int32Array(R);
  const slow = new Int32Array(R);
  for (let i = 0; i < n; i++) {
    samples.fill(0);
    slow.fill(0);
    if (suppressInterval[i] === 0) {
      for (let k = offsets[i]!; k < offsets[i + 1]!; k++) {
        const record = recs[k]!;
        if (record.controlMs === undefined || !Number.isFinite(record.controlMs)) continue;
        const r = regionIndex.get(record.region)!;
        samples[r]! += 1;
        if (record.controlMs > thresholdMs) slow[r]! += 1;
      }
    }
    for (let r = 0; r < R; r++) {
      const base = r * (n + 1);
      sampleCountPrefix[base + i + 1] = sampleCountPrefix[base + i]! + samples[r]!;
      slowCountPrefix[base + i + 1] = slowCountPrefix[base + i]! + slow[r]!;
    }
  }
  return { sampleCountPrefix, slowCountPrefix };
}
