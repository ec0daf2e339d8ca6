// Probe records rebuilt from the CloudWatch series that readHistory (cloudwatch-history.ts) fetched. Pure:
// the series in, ProbeRecords out. At 1-minute periods the rebuild is exact in counts (which regions
// failed is exact within the failure-detail window), and a minute in which some location reported twice
// is rebuilt from the per-location series (rebuildDuplicatedMinute); 5-minute aggregates are turned back
// into intervals by the approximation described at rebuildBuckets.
import { MINUTE_MS, ceilTo } from '../common/time.js';
import type { ResolvedTarget } from '../config/types.js';
import { heartbeatKey, type ProbeShardMap } from '../cycles/ports.js';
import type { FailureClass } from '../probe/failure-classes.js';
import type { ProbeRecord } from '../sla/probe-record.js';

/**
 * Failure classes that end before a TCP connection exists: such a probe has no ConnectTime sample. Every
 * other class may have connected (connection_reset too, which can also come during the handshake), and
 * every ok probe did.
 */
export const NEVER_CONNECTED_CLASSES: ReadonlySet<string> = new Set<FailureClass>(['dns_failure', 'network_unreachable', 'connect_timeout', 'connect_refused']);

/** The series of one read, keyed by `seriesKey(target, region)` (heartbeats by heartbeatKey). */
export interface HistorySeries {
  /** ProbeFailed Sum per target: how many regions failed in each period. */
  failed: Map<string, Map<number, number>>;
  /** Heartbeats by heartbeatKey: the periods each probe shard ran in. */
  ran: Map<string, Set<number>>;
  /** Heartbeats by heartbeatKey: the minutes with more than one heartbeat point (skips marked, or a duplicate). */
  marked: Map<string, Set<number>>;
  /** ProbeSkipped per target and region (seriesKey): the minutes its shard ran but could not probe it. */
  skipped: Map<string, Set<number>>;
  shards: ProbeShardMap;
  control: Map<string, Map<number, number>>;
  connect: Map<string, Map<number, number>>;
  /** The first failure class seen per period (FAILURE_CLASSES order). */
  detail: Map<string, Map<number, FailureClass>>;
  /** Failed probes per period, summed over the classes (the failure detail's counts). */
  detailCounts: Map<string, Map<number, number>>;
  /** Of those, the probes whose class ends before a connection (NEVER_CONNECTED_CLASSES). */
  neverConnectedCounts: Map<string, Map<number, number>>;
  /** ProbeFailed SampleCount per target (reports from all regions), read only where a duplicate could fake a down minute. */
  reports: Map<string, Map<number, number>>;
  /** Per target, the minutes with more reports than reporting locations and a failure among them. */
  duplicated: Map<string, Set<number>>;
  /** ConnectTime SampleCount per target and region (probes that connected), read for targets with duplicated minutes. */
  connected: Map<string, Map<number, number>>;
}

export const seriesKey = (target: string, region: string): string => `${target}\u0000${region}`;

/** Whether the shard that probes `target` from `region` sent its heartbeat for `at`, and did not skip the target then. */
function ranAt(s: HistorySeries, target: string, region: string, at: number): boolean {
  const shard = s.shards.shardOf(target, region);
  return shard !== undefined && s.ran.get(heartbeatKey(region, shard))?.has(at) === true && s.skipped.get(seriesKey(target, region))?.has(at) !== true;
}

function withTimes(record: ProbeRecord, s: HistorySeries, region: string, at: number): ProbeRecord {
  const control = s.control.get(seriesKey(record.target, region))?.get(at);
  if (control !== undefined) record.controlMs = control;
  const connect = s.connect.get(seriesKey(record.target, region))?.get(at);
  if (connect !== undefined) record.connectMs = connect;
  return record;
}

/** Of `regions` (the target's, sorted), those whose probe shard sent its heartbeat for `at`: the locations that reported. */
function reportingRegions(t: ResolvedTarget, regions: readonly string[], s: HistorySeries, at: number): string[] {
  return regions.filter((r) => ranAt(s, t.name, r, at));
}

/**
 * The minutes of `t` that some location reported more than once (a retried or twice-delivered probe run, a
 * publish stored twice): more ProbeFailed samples than locations with a heartbeat, and a failure among
 * them. Only these can fake a failing location; a duplicate of ok reports changes no count that is used.
 */
export function duplicatedMinutes(t: ResolvedTarget, s: HistorySeries): Set<number> {
  const out = new Set<number>();
  const failed = s.failed.get(t.name);
  const regions = [...t.regions].sort();
  for (const [at, reports] of s.reports.get(t.name) ?? []) {
    if ((failed?.get(at) ?? 0) > 0 && Math.round(reports) > reportingRegions(t, regions, s, at).length) out.add(at);
  }
  return out;
}

/**
 * A duplicated minute, one record per reporting location from its own series, so that no location counts
 * twice: a location failed if it has a failure and no ok report, the timeline's rule that ok wins among
 * duplicate records (shared/sla/intervals.ts). Its ok reports are at least its ConnectTime samples minus
 * its failures that may have connected (every ok probe connected); when that is above zero, a fail/ok split
 * is ok. A split that cannot be proved so (only a connection_reset, which may or may not have connected,
 * against the ok report) stays failed.
 */
function rebuildDuplicatedMinute(t: ResolvedTarget, at: number, reporting: readonly string[], s: HistorySeries): ProbeRecord[] {
  return reporting.map((region) => {
    const key = seriesKey(t.name, region);
    const record: ProbeRecord = { target: t.name, region, intervalStart: at, ok: true };
    const failures = Math.round(s.detailCounts.get(key)?.get(at) ?? 0);
    if (failures > 0) {
      const mayHaveConnected = failures - Math.round(s.neverConnectedCounts.get(key)?.get(at) ?? 0);
      const provedOk = Math.round(s.connected.get(key)?.get(at) ?? 0) - mayHaveConnected;
      if (provedOk <= 0) {
        record.ok = false;
        const cls = s.detail.get(key)?.get(at);
        if (cls) record.failureClass = cls;
      }
    }
    return withTimes(record, s, region, at);
  });
}

/** 1-minute periods: one record per reporting region and interval. */
export function rebuildMinutes(t: ResolvedTarget, fromMs: number, toMs: number, s: HistorySeries): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  const stepMs = t.intervalMinutes * MINUTE_MS;
  const regions = [...t.regions].sort();
  const duplicated = s.duplicated.get(t.name);
  for (let at = ceilTo(fromMs, stepMs); at < toMs; at += stepMs) {
    const count = s.failed.get(t.name)?.get(at);
    // No ProbeFailed point: no region reported this target in this interval.
    if (count === undefined) continue;
    const reporting = reportingRegions(t, regions, s, at);
    if (duplicated?.has(at)) {
      out.push(...rebuildDuplicatedMinute(t, at, reporting, s));
      continue;
    }
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
