// Probe records rebuilt from the CloudWatch series that readHistory (cloudwatch-history.ts) fetched. Pure:
// the series in, ProbeRecords out. At 1-minute periods the rebuild is exact in counts (which regions
// failed is exact within the failure-detail window); 5-minute aggregates are turned back into intervals by
// the approximation described at rebuildBuckets.
import { MINUTE_MS, ceilTo } from '../common/time.js';
import type { ResolvedTarget } from '../config/types.js';
import { heartbeatKey, type ProbeShardMap } from '../cycles/ports.js';
import type { FailureClass } from '../probe/failure-classes.js';
import type { ProbeRecord } from '../sla/probe-record.js';

/** The series of one read, keyed by `seriesKey(target, region)` (heartbeats by heartbeatKey). */
export interface HistorySeries {
  /** ProbeFailed Sum per target: how many regions failed in each period. */
  failed: Map<string, Map<number, number>>;
  /** Heartbeats by heartbeatKey: the periods each probe shard ran in. */
  ran: Map<string, Set<number>>;
  shards: ProbeShardMap;
  control: Map<string, Map<number, number>>;
  connect: Map<string, Map<number, number>>;
  /** The first failure class seen per period (FAILURE_CLASSES order). */
  detail: Map<string, Map<number, FailureClass>>;
  /** Failed probes per period, summed over the classes (the failure detail's counts). */
  detailCounts: Map<string, Map<number, number>>;
}

export const seriesKey = (target: string, region: string): string => `${target}\u0000${region}`;

/** Whether the shard that probes `target` from `region` sent its heartbeat for `at`. */
function ranAt(s: HistorySeries, target: string, region: string, at: number): boolean {
  const shard = s.shards.shardOf(target, region);
  return shard !== undefined && s.ran.get(heartbeatKey(region, shard))?.has(at) === true;
}

function withTimes(record: ProbeRecord, s: HistorySeries, region: string, at: number): ProbeRecord {
  const control = s.control.get(seriesKey(record.target, region))?.get(at);
  if (control !== undefined) record.controlMs = control;
  const connect = s.connect.get(seriesKey(record.target, region))?.get(at);
  if (connect !== undefined) record.connectMs = connect;
  return record;
}

/** 1-minute periods: one record per reporting region and interval. */
export function rebuildMinutes(t: ResolvedTarget, fromMs: number, toMs: number, s: HistorySeries): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  const stepMs = t.intervalMinutes * MINUTE_MS;
  const regions = [...t.regions].sort();
  for (let at = ceilTo(fromMs, stepMs); at < toMs; at += stepMs) {
    const count = s.failed.get(t.name)?.get(at);
    // No ProbeFailed point: no region reported this target in this interval.
    if (count === undefined) continue;
    const reporting = regions.filter((r) => ranAt(s, t.name, r, at));
    const known = new Map<string, FailureClass>();
    for (const r of reporting) {
      const cls = s.detail.get(seriesKey(t.name, r))?.get(at);
      if (cls) known.set(r, cls);
    }
    let unnamed = Math.max(0, Math.round(count) - known.size);
    for (const region of reporting) {
      const record: ProbeRecord = { target: t.name, region, intervalStart: at, ok: true };
      const cls = known.get(region);
      if (cls) {
        record.ok = false;
        record.failureClass = cls;
      } else if (unnamed > 0) {
        record.ok = false;
        unnamed--;
      }
      out.push(withTimes(record, s, region, at));
    }
  }
  return out;
}

/**
 * 5-minute aggregates back into intervals. A bucket holds k intervals (5 for 1-minute targets) from the
 * regions whose heartbeat is in it. Where the failure detail gives each region's failed probes c_r in the
 * bucket (reports read it for the whole range), region r is taken to fail in the bucket's first c_r
 * intervals: real outages hit the regions together, so an interval is down when at least `quorum` regions
 * have c_r above its index, i.e. the bucket holds as many down intervals as the quorum-th largest c_r.
 * That is exact when failures coincide across regions, and never overstated: a region failing alone, however
 * often, never makes a down interval, and an outage in more regions than the quorum is not counted twice.
 * Without the detail (the evaluator's short-detail mode) only the bucket's total F is known: the first
 * floor(F / regions reporting) intervals are down in every region, the rest spread one per interval (single
 * failures, never down). Classes come from the detail; times are the bucket's averages.
 */
export function rebuildBuckets(t: ResolvedTarget, fromMs: number, toMs: number, bucketMs: number, s: HistorySeries): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  const stepMs = t.intervalMinutes * MINUTE_MS;
  const perBucket = Math.max(1, Math.round(bucketMs / stepMs));
  const regions = [...t.regions].sort();
  for (let bucket = fromMs; bucket < toMs; bucket += bucketMs) {
    const count = s.failed.get(t.name)?.get(bucket);
    if (count === undefined) continue;
    const reporting = regions.filter((r) => ranAt(s, t.name, r, bucket));
    if (reporting.length === 0) continue;
    const classOf = (r: string): FailureClass | undefined => s.detail.get(seriesKey(t.name, r))?.get(bucket);
    const failingIntervals = regionFailures(t, s, reporting, Math.round(count), perBucket, bucket);
    for (let i = 0; i < perBucket; i++) {
      const at = bucket + i * stepMs;
      if (at < fromMs || at >= toMs || at % stepMs !== 0) continue;
      reporting.forEach((region, index) => {
        const record: ProbeRecord = { target: t.name, region, intervalStart: at, ok: failingIntervals[index]?.has(i) !== true };
        const cls = classOf(region);
        if (!record.ok && cls) record.failureClass = cls;
        out.push(withTimes(record, s, region, bucket));
      });
    }
  }
  return out;
}

/** Per reporting region, the indices of the bucket's intervals in which it is rebuilt as failed (see rebuildBuckets). */
function regionFailures(t: ResolvedTarget, s: HistorySeries, reporting: readonly string[], total: number, perBucket: number, bucket: number): Array<Set<number>> {
  const sets = reporting.map(() => new Set<number>());
  // The detail is sparse (a region without failures has no point), but read for every region or none.
  const perRegion = reporting.map((r) => s.detailCounts.get(seriesKey(t.name, r))).filter((m): m is Map<number, number> => m !== undefined);
  if (perRegion.length === reporting.length) {
    const counts = perRegion.map((m) => Math.round(m.get(bucket) ?? 0));
    if (counts.reduce((a, c) => a + c, 0) >= total) {
      counts.forEach((c, r) => {
        for (let i = 0; i < Math.min(perBucket, c); i++) sets[r]?.add(i);
      });
      return sets;
    }
  }
  // No per-region detail: failures in every region together first, then one region at a time.
  let left = total;
  for (let i = 0; i < perBucket && left > 0; i++) {
    const together = left >= reporting.length ? reporting.length : 1;
    for (let r = 0; r < together; r++) sets[(r + i) % reporting.length]?.add(i);
    left -= together;
  }
  return sets;
}
