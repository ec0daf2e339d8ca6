// The evaluator's read side: probe history rebuilt from CloudWatch as ProbeRecords, with as few billed
// metrics as possible (GetMetricData costs $0.01 per 1,000 metrics requested, whatever the time range).
//
// Every evaluation requests:
//   * `ProbeFailed` Sum per target (1 metric per target): how many regions failed in each interval;
//   * `ProbesRun` SampleCount per probe shard (usually 1 per region, shared by all targets): which ran;
//   * `ControlTime` Average per target and region, only for targets with a latency policy and only when
//     the caller asks (the evaluator does on every fifth minute, where the latency policy is evaluated);
//   * `ProbeFailures` Sum per target, region and failure class, only for targets that failed somewhere
//     in the last DETAIL_WINDOW_MS: which regions failed and why, for the alert text and the runbook.
// A region "reported" a target in an interval when its heartbeat is there; it failed there when the
// failure detail says so. Where only the count is known (failures older than the detail window), the
// failing regions are taken in sorted order and get no class: counts, quorum and burn rates stay exact,
// only the names of those older failing regions are not.
import { GetMetricDataCommand, type CloudWatchClient, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import { FAILURE_CLASSES, type FailureClass } from '../probe/failure-classes.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { probeShardMap, type ProbeShardMap } from '../runners/lambda/probe-lambda-sizing.js';
import { Dimension, MetricName } from './metric-design.js';
import { MINUTE_MS } from '../common/time.js';

/** CloudWatch's limits for one GetMetricData call. */
export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** How far back failure classes and region names are fetched for failing targets, in ms. */
export const DETAIL_WINDOW_MS = 60 * 60_000;
const PERIOD_S = 60;

export interface HistoryRequest {
  fromMs: number;
  toMs: number;
  /** Fetch ControlTime for targets with a latency policy. */
  latency: boolean;
  /** Reports: ConnectTime and ControlTime for every target and region, and failure detail for the whole range. */
  full?: boolean;
  /**
   * 60 (default) or 300. CloudWatch keeps 1-minute points for 15 days and 5-minute aggregates for 63;
   * older ranges can only be read at 300 s, where each 5-minute bucket is turned back into intervals by
   * an approximation (see rebuild): exact for outages that hit the quorum of regions at the same time.
   */
  periodS?: 60 | 300;
  /** The probe shards of the *whole* config (the heartbeat is per shard); by default planned from `config`. */
  probeShards?: ProbeShardMap;
}

export interface HistoryResult {
  records: Map<string, ProbeRecord[]>;
  /** Per probe shard (`heartbeatKey(region, shard)`), the last interval its heartbeat covers, if any. */
  lastHeartbeat: Map<string, number | undefined>;
  /** Metrics requested (what GetMetricData bills), and calls made. */
  metricsRequested: number;
  calls: number;
}

interface PlannedQuery {
  query: MetricDataQuery;
  points: number;
  apply(result: MetricDataResult): void;
}

export class HistoryReadError extends Error {
  override name = 'HistoryReadError';
}

const dims = (pairs: Record<string, string>): Array<{ Name: string; Value: string }> => Object.entries(pairs).map(([Name, Value]) => ({ Name, Value }));

/** Validates one result at the edge: equal-length arrays of dates and finite numbers. */
function series(result: MetricDataResult): Array<[number, number]> {
  const ts = result.Timestamps ?? [];
  const vs = result.Values ?? [];
  if (ts.length !== vs.length) throw new HistoryReadError(`GetMetricData result ${result.Id ?? '?'}: ${ts.length} timestamps but ${vs.length} values`);
  const out: Array<[number, number]> = [];
  for (let i = 0; i < ts.length; i++) {
    const t = ts[i];
    const v = vs[i];
    if (!(t instanceof Date) || !Number.isFinite(t.getTime()) || typeof v !== 'number' || !Number.isFinite(v)) {
      throw new HistoryReadError(`GetMetricData result ${result.Id ?? '?'}: point ${i} is not a time and a number`);
    }
    out.push([t.getTime(), v]);
  }
  return out;
}

/** Groups queries into calls under both per-call limits. */
export function batchQueries<T extends { points: number }>(queries: readonly T[]): T[][] {
  const calls: T[][] = [];
  let current: T[] = [];
  let points = 0;
  for (const q of queries) {
    if (current.length > 0 && (current.length >= MAX_QUERIES_PER_CALL || points + q.points > MAX_DATAPOINTS_PER_CALL)) {
      calls.push(current);
      current = [];
      points = 0;
    }
    current.push(q);
    points += q.points;
  }
  if (current.length > 0) calls.push(current);
  return calls;
}

export async function readHistory(
  client: Pick<CloudWatchClient, 'send'>,
  config: ResolvedConfig,
  request: HistoryRequest,
  signal?: AbortSignal,
): Promise<HistoryResult> {
  const periodS = request.periodS ?? PERIOD_S;
  const bucketMs = periodS * 1000;
  const fromMs = Math.floor(request.fromMs / bucketMs) * bucketMs;
  const toMs = Math.floor(request.toMs / bucketMs) * bucketMs;
  const connect = new Map<string, Map<number, number>>();
  const failed = new Map<string, Map<number, number>>();
  const ran = new Map<string, Set<number>>();
  const control = new Map<string, Map<number, number>>();
  const detail = new Map<string, Map<number, FailureClass>>();
  /** Failed probes per target and region per period, summed over the classes (the failure detail's counts). */
  const detailCounts = new Map<string, Map<number, number>>();
  const key = (...parts: string[]): string => parts.join('\u0000');
  let metricsRequested = 0;
  let calls = 0;
  let nextId = 0;

  const stat = (name: string, dimensions: Record<string, string>, statName: string, from: number, apply: (points: Array<[number, number]>) => void): PlannedQuery => ({
    query: {
      Id: `q${nextId++}`,
      MetricStat: { Metric: { Namespace: config.namespace, MetricName: name, Dimensions: dims(dimensions) }, Period: periodS, Stat: statName },
      ReturnData: true,
    },
    points: Math.ceil((toMs - from) / bucketMs),
    apply: (result) => apply(series(result)),
  });

  async function run(planned: PlannedQuery[], from: number): Promise<void> {
    for (const batch of batchQueries(planned)) {
      const byId = new Map(batch.map((p) => [p.query.Id, p]));
      const out = await client.send(
        new GetMetricDataCommand({ MetricDataQueries: batch.map((p) => p.query), StartTime: new Date(from), EndTime: new Date(toMs), ScanBy: 'TimestampAscending' }),
        signal ? { abortSignal: signal } : {},
      );
      calls++;
      metricsRequested += batch.length;
      for (const result of out.MetricDataResults ?? []) {
        const planned = byId.get(result.Id);
        if (!planned) throw new HistoryReadError(`GetMetricData returned an unknown query id ${String(result.Id)}`);
        if (result.StatusCode !== undefined && result.StatusCode !== 'Complete') {
          throw new HistoryReadError(`GetMetricData query ${String(result.Id)} came back ${result.StatusCode}: the call was too large to answer in one page`);
        }
        planned.apply(result);
      }
    }
  }

  // Phase 1: one metric per target, one per region, ControlTime for latency targets when asked.
  const phase1: PlannedQuery[] = [];
  for (const t of config.targets) {
    const perTarget = new Map<number, number>();
    failed.set(t.name, perTarget);
    phase1.push(stat(MetricName.ProbeFailed, { [Dimension.Target]: t.name }, 'Sum', fromMs, (pts) => pts.forEach(([at, v]) => perTarget.set(at, v))));
    if (request.full || (request.latency && t.latency)) {
      for (const region of t.regions) {
        const perRegion = new Map<number, number>();
        control.set(key(t.name, region), perRegion);
        phase1.push(stat(MetricName.ControlTime, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region }, 'Average', fromMs, (pts) => pts.forEach(([at, v]) => perRegion.set(at, v))));
      }
    }
    if (request.full) {
      for (const region of t.regions) {
        const perRegion = new Map<number, number>();
        connect.set(key(t.name, region), perRegion);
        phase1.push(stat(MetricName.ConnectTime, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region }, 'Average', fromMs, (pts) => pts.forEach(([at, v]) => perRegion.set(at, v))));
      }
    }
  }
  const shards = request.probeShards ?? probeShardMap(config);
  for (const region of config.regions) {
    for (let shard = 0; shard < shards.shardCount(region); shard++) {
      const perShard = new Set<number>();
      ran.set(heartbeatKey(region, shard), perShard);
      phase1.push(
        stat(MetricName.ProbesRun, { [Dimension.ProbeRegion]: region, [Dimension.Shard]: String(shard) }, 'SampleCount', fromMs, (pts) => pts.forEach(([at, v]) => v > 0 && perShard.add(at))),
      );
    }
  }
  await run(phase1, fromMs);

  // Phase 2: failure detail, only for targets that failed somewhere recently.
  const detailFrom = request.full ? fromMs : Math.max(fromMs, Math.floor((toMs - DETAIL_WINDOW_MS) / bucketMs) * bucketMs);
  const phase2: PlannedQuery[] = [];
  for (const t of config.targets) {
    const recent = [...(failed.get(t.name) ?? new Map<number, number>())].some(([at, v]) => at >= detailFrom && v > 0);
    if (!recent) continue;
    for (const region of t.regions) {
      const perRegion = new Map<number, FailureClass>();
      const counts = new Map<number, number>();
      detail.set(key(t.name, region), perRegion);
      detailCounts.set(key(t.name, region), counts);
      for (const cls of FAILURE_CLASSES) {
        phase2.push(
          stat(MetricName.ProbeFailures, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region, [Dimension.FailureClass]: cls }, 'Sum', detailFrom, (pts) =>
            pts.forEach(([at, v]) => {
              if (!(v > 0)) return;
              if (!perRegion.has(at)) perRegion.set(at, cls);
              counts.set(at, (counts.get(at) ?? 0) + v);
            }),
          ),
        );
      }
    }
  }
  if (phase2.length > 0) await run(phase2, detailFrom);

  const records = new Map<string, ProbeRecord[]>();
  for (const t of config.targets) {
    const series = { failedCounts: failed.get(t.name), ran, control, connect, detail, detailCounts, key, shards };
    records.set(t.name, periodS === PERIOD_S ? rebuild(t, fromMs, toMs, series) : rebuildBuckets(t, fromMs, toMs, bucketMs, series));
  }
  const lastHeartbeat = new Map<string, number | undefined>();
  for (const [region, times] of ran) lastHeartbeat.set(region, times.size > 0 ? Math.max(...times) : undefined);
  return { records, lastHeartbeat, metricsRequested, calls };
}

/** The key of one probe shard's heartbeat. */
export const heartbeatKey = (region: string, shard: number): string => `${region}#${shard}`;

interface Series {
  failedCounts: Map<number, number> | undefined;
  /** Heartbeats by heartbeatKey. */
  ran: Map<string, Set<number>>;
  shards: ProbeShardMap;
  control: Map<string, Map<number, number>>;
  connect: Map<string, Map<number, number>>;
  detail: Map<string, Map<number, FailureClass>>;
  detailCounts: Map<string, Map<number, number>>;
  key: (...parts: string[]) => string;
}

/** Whether the shard that probes `target` from `region` sent its heartbeat for `at`. */
function ranAt(s: Series, target: string, region: string, at: number): boolean {
  const shard = s.shards.shardOf(target, region);
  return shard !== undefined && s.ran.get(heartbeatKey(region, shard))?.has(at) === true;
}

function withTimes(record: ProbeRecord, s: Series, region: string, at: number): ProbeRecord {
  const control = s.control.get(s.key(record.target, region))?.get(at);
  if (control !== undefined) record.controlMs = control;
  const connect = s.connect.get(s.key(record.target, region))?.get(at);
  if (connect !== undefined) record.connectMs = connect;
  return record;
}

function rebuild(t: ResolvedTarget, fromMs: number, toMs: number, s: Series): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  const stepMs = t.intervalMinutes * MINUTE_MS;
  const regions = [...t.regions].sort();
  for (let at = Math.ceil(fromMs / stepMs) * stepMs; at < toMs; at += stepMs) {
    const count = s.failedCounts?.get(at);
    // No ProbeFailed point: no region reported this target in this interval.
    if (count === undefined) continue;
    const reporting = regions.filter((r) => ranAt(s, t.name, r, at));
    const known = new Map<string, FailureClass>();
    for (const r of reporting) {
      const cls = s.detail.get(s.key(t.name, r))?.get(at);
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
function rebuildBuckets(t: ResolvedTarget, fromMs: number, toMs: number, bucketMs: number, s: Series): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  const stepMs = t.intervalMinutes * MINUTE_MS;
  const perBucket = Math.max(1, Math.round(bucketMs / stepMs));
  const regions = [...t.regions].sort();
  for (let bucket = fromMs; bucket < toMs; bucket += bucketMs) {
    const count = s.failedCounts?.get(bucket);
    if (count === undefined) continue;
    const reporting = regions.filter((r) => ranAt(s, t.name, r, bucket));
    if (reporting.length === 0) continue;
    const classOf = (r: string): FailureClass | undefined => s.detail.get(s.key(t.name, r))?.get(bucket);
    const failingIntervals = regionFailures(t, s, reporting, Math.round(count), perBucket, bucket);
    for (let i = 0; i < perBucket; i++) {
      const at = bucket + i * stepMs;
      if (at < fromMs || at >= toMs || at % stepMs !== 0) continue;
      reporting.forEach((region, index) => {
        const record: ProbeRecord = { target: t.name, region, intervalStart: at, ok: !failingIntervals[index]!.has(i) };
        const cls = classOf(region);
        if (!record.ok && cls) record.failureClass = cls;
        out.push(withTimes(record, s, region, bucket));
      });
    }
  }
  return out;
}

/** Per reporting region, the indices of the bucket's intervals in which it is rebuilt as failed (see rebuildBuckets). */
function regionFailures(t: ResolvedTarget, s: Series, reporting: readonly string[], total: number, perBucket: number, bucket: number): Array<Set<number>> {
  const sets = reporting.map(() => new Set<number>());
  // The detail is sparse (a region without failures has no point), but read for every region or none.
  const perRegion = reporting.map((r) => s.detailCounts.get(s.key(t.name, r)));
  if (perRegion.every((m) => m !== undefined)) {
    const counts = perRegion.map((m) => Math.round(m!.get(bucket) ?? 0));
    if (counts.reduce((a, c) => a + c, 0) >= total) {
      counts.forEach((c, r) => {
        for (let i = 0; i < Math.min(perBucket, c); i++) sets[r]!.add(i);
      });
      return sets;
    }
  }
  // No per-region detail: failures in every region together first, then one region at a time.
  let left = total;
  for (let i = 0; i < perBucket && left > 0; i++) {
    const together = left >= reporting.length ? reporting.length : 1;
    for (let r = 0; r < together; r++) sets[(r + i) % reporting.length]!.add(i);
    left -= together;
  }
  return sets;
}
