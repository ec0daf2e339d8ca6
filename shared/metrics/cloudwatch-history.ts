// The evaluator's read side: probe history rebuilt from CloudWatch as ProbeRecords, with as few billed
// metrics as possible (GetMetricData costs $0.01 per 1,000 metrics requested, whatever the time range).
//
// Every evaluation requests:
//   * `ProbeFailed` Sum per target (1 metric per target): how many regions failed in each interval;
//   * `ProbesRun` SampleCount per probe shard that probes one of these targets (usually 1 per region,
//     shared by all targets): which ran;
//   * `ControlTime` Average per target and region, only for targets with a latency policy and only when
//     the caller asks (the evaluator does every run: the fold steps the latency policy each minute);
//   * `ProbeFailures` Sum per target, region and failure class, only for targets that failed somewhere
//     in the last DETAIL_WINDOW_MS: which regions failed and why, for the alert text and the runbook.
//     Only the classes the target's check kind can report (13 for a control probe, 20 for a login):
//     a class its prober never reports has no series to read, and each one requested is billed.
// A region "reported" a target in an interval when its heartbeat is there; it failed there when the
// failure detail says so. Where only the count is known (failures older than the detail window), the
// failing regions are taken in sorted order and get no class: counts, quorum and burn rates stay exact,
// only the names of those older failing regions are not.
//
// Duplicates. `ProbeFailed` Sum counts failing *reports*, not locations: a location whose points for a
// minute arrive twice (a retried or twice-delivered probe run, a PutMetricData stored twice) counts its
// failure twice, and one failing location of three reads as a quorum of two. Only a minute whose Sum
// reaches the target's quorum can be faked into a down one, so for targets with such a minute (real
// outages and fakes alike; 1-minute periods) the read also asks for `ProbeFailed` SampleCount, the
// reports (1 metric per such target). A minute with more reports than locations with a heartbeat, and a
// failure among them, is duplicated: for those targets the failure detail is read back to the first
// duplicated minute, with `ConnectTime` SampleCount per region, and the minute is rebuilt per location,
// where a duplicate does not change whether a location failed (history-rebuild.ts). Every extra metric
// is in metricsRequested.
//
// Identity. When the caller asks (`identity`: the evaluator every few minutes and on rebuilds, reports
// always), `ServerIdentity` Maximum per target (1 metric per target, in the summary's calls): the minutes
// a location published the gateway's identity fingerprint. The metric is sparse (metric-design.ts), so
// most minutes have no point; a value that cannot be a fingerprint is dropped here and counted.
import { GetMetricDataCommand, type GetMetricDataCommandOutput, type MetricDataQuery, type MetricDataResult } from '@aws-sdk/client-cloudwatch';
import { withRetries, type RetryPolicy } from '../aws/retry.js';
import { PptpMonitorError } from '../common/errors.js';
import { HOUR_MS, floorTo } from '../common/time.js';
import { locationsOf, type ResolvedConfig } from '../config/types.js';
import { heartbeatKey, type HistoryRead, type IdentityPoint, type ProbeShardMap } from '../cycles/ports.js';
import type { Logger } from '../log/logger.js';
import type { FailureClass } from '../probe/failure-classes.js';
import { failureClassesOfCheck } from '../probers/option-schemas.js';
import { isFingerprint } from '../sla/identity.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { duplicatedMinutes, NEVER_CONNECTED_CLASSES, rebuildBuckets, rebuildMinutes, seriesKey, type HistorySeries } from './history-rebuild.js';
import { Dimension, MetricName } from './metric-design.js';
import type { ReadPacer } from './read-pacer.js';

/** CloudWatch's limits for one GetMetricData call. */
export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** How far back failure classes and region names are fetched for failing targets, in ms. */
export const DETAIL_WINDOW_MS = HOUR_MS;
const PERIOD_S = 60;

export interface HistoryRequest {
  fromMs: number;
  toMs: number;
  /** Fetch ControlTime for targets with a latency policy. */
  latency: boolean;
  /** Fetch ServerIdentity Maximum for every target (HistoryRead.identities). */
  identity?: boolean;
  /**
   * With `identity`: read the identities from this earlier instant (the evaluator reads them every few
   * minutes). The call's range reaches back to it, but only the identities are kept from before `fromMs`:
   * the other series are trimmed before anything is planned from them (no failure detail is read again
   * for minutes already folded).
   */
  identityFromMs?: number;
  /** With `identity`: only these targets' identities (default every target's). */
  identityTargets?: readonly string[];
  /** Reports: ConnectTime and ControlTime for every target and region, and failure detail for the whole range. */
  full?: boolean;
  /**
   * 60 (default) or 300. CloudWatch keeps 1-minute points for 15 days and 5-minute aggregates for 63;
   * older ranges can only be read at 300 s, where each 5-minute bucket is turned back into intervals by
   * an approximation (see history-rebuild.ts): exact for outages that hit the quorum of regions at the same time.
   */
  periodS?: 60 | 300;
  /**
   * The probe shards of the *whole* config, as deployed (the heartbeat is per shard): the caller's, because
   * `config` may hold a batch of the targets, whose own plan would differ.
   */
  probeShards: ProbeShardMap;
  /** Where a read that found duplicated minutes says so (one WARN line per read). */
  log?: Pick<Logger, 'warn'>;
  /**
   * Retries of a call that CloudWatch throttled (or that failed with a 5xx or network error), with full
   * jitter: GetMetricData's quotas are the account's, shared by every evaluator shard, the report and the
   * dashboards, so a throttled call waits and tries again rather than failing the run. Without it, a
   * throttled call fails the read (the client's own retries aside).
   */
  retry?: HistoryRetry;
  /** Waits before each call until its points fit the pace (a long read, such as a month's report). */
  pace?: ReadPacer;
}

export interface HistoryRetry {
  policy: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The one GetMetricData call the read side makes: what CloudWatchClient and a throttle-aware wrapper both meet. */
export interface GetMetricDataClient {
  send(command: GetMetricDataCommand, options?: { abortSignal?: AbortSignal }): Promise<GetMetricDataCommandOutput>;
}

/** What readHistory answers: everything HistoryRead has, identities only when asked. */
export type HistoryResult = Required<Omit<HistoryRead, 'usedFiveMinuteData' | 'identities' | 'identitiesDropped'>> & Pick<HistoryRead, 'identities' | 'identitiesDropped'>;

interface PlannedQuery {
  query: MetricDataQuery;
  /** The query's StartTime: calls are made per StartTime. */
  from: number;
  points: number;
  apply(result: MetricDataResult): void;
}

export type HistoryReadErrorCode = 'malformed_result' | 'unknown_query_id' | 'incomplete_result';

/** GetMetricData answered something the rebuild cannot use. */
export class HistoryReadError extends PptpMonitorError<HistoryReadErrorCode> {
  override name = 'HistoryReadError';
}

const dims = (pairs: Record<string, string>): Array<{ Name: string; Value: string }> => Object.entries(pairs).map(([Name, Value]) => ({ Name, Value }));

const notAPoint = (result: MetricDataResult, i: number): HistoryReadError =>
  new HistoryReadError('malformed_result', `GetMetricData result ${result.Id ?? '?'}: point ${i} is not a time and a number`);

/** Validates one result's shape at the edge: equal-length arrays, every timestamp a valid date. Values unchecked. */
function timedValues(result: MetricDataResult): Array<[number, unknown]> {
  const ts = result.Timestamps ?? [];
  const vs: readonly unknown[] = result.Values ?? [];
  if (ts.length !== vs.length) throw new HistoryReadError('malformed_result', `GetMetricData result ${result.Id ?? '?'}: ${ts.length} timestamps but ${vs.length} values`);
  return ts.map((t, i) => {
    if (!(t instanceof Date) || !Number.isFinite(t.getTime())) throw notAPoint(result, i);
    return [t.getTime(), vs[i]];
  });
}

/** Validates one result at the edge: equal-length arrays of dates and finite numbers. */
function series(result: MetricDataResult): Array<[number, number]> {
  return timedValues(result).map(([at, v], i) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw notAPoint(result, i);
    return [at, v];
  });
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

/** One read in progress: its period, its range on the period grid, what it has requested so far. */
interface Read {
  client: GetMetricDataClient;
  retry: HistoryRetry | undefined;
  pace: ReadPacer | undefined;
  namespace: string;
  signal: AbortSignal | undefined;
  periodS: number;
  bucketMs: number;
  fromMs: number;
  toMs: number;
  metricsRequested: number;
  calls: number;
  /** Calls repeated after a throttle or a transient error. */
  retries: number;
  nextId: number;
}

/** One query of the read, with what to do with its result. */
function query(read: Read, name: string, dimensions: Record<string, string>, statName: string, from: number, apply: (result: MetricDataResult) => void): PlannedQuery {
  return {
    query: {
      Id: `q${read.nextId++}`,
      MetricStat: { Metric: { Namespace: read.namespace, MetricName: name, Dimensions: dims(dimensions) }, Period: read.periodS, Stat: statName },
      ReturnData: true,
    },
    from,
    points: Math.ceil((read.toMs - from) / read.bucketMs),
    apply,
  };
}

/** One query of the read, with what to do with its points (checked by `series`). */
const stat = (read: Read, name: string, dimensions: Record<string, string>, statName: string, from: number, apply: (points: Array<[number, number]>) => void): PlannedQuery =>
  query(read, name, dimensions, statName, from, (result) => apply(series(result)));

/** Sends the planned queries: one series of calls per StartTime. */
async function run(read: Read, planned: readonly PlannedQuery[]): Promise<void> {
  const byFrom = new Map<number, PlannedQuery[]>();
  for (const p of planned) {
    const group = byFrom.get(p.from);
    if (group) group.push(p);
    else byFrom.set(p.from, [p]);
  }
  for (const [from, queries] of byFrom) await runFrom(read, queries, from);
}

async function runFrom(read: Read, planned: readonly PlannedQuery[], from: number): Promise<void> {
  for (const batch of batchQueries(planned)) {
    const byId = new Map(batch.map((p) => [p.query.Id, p]));
    await read.pace?.take(batch.reduce((n, p) => n + p.points, 0), read.signal);
    const command = new GetMetricDataCommand({ MetricDataQueries: batch.map((p) => p.query), StartTime: new Date(from), EndTime: new Date(read.toMs), ScanBy: 'TimestampAscending' });
    const send = (): Promise<GetMetricDataCommandOutput> => read.client.send(command, read.signal ? { abortSignal: read.signal } : {});
    let out: GetMetricDataCommandOutput;
    if (read.retry === undefined) out = await send();
    else {
      const { policy, sleep, random } = read.retry;
      const outcome = await withRetries(send, { policy, ...(sleep && { sleep }), ...(random && { random }), ...(read.signal && { signal: read.signal }), onRetry: () => void read.retries++ });
      if (!outcome.ok) throw outcome.error;
      out = outcome.value;
    }
    read.calls++;
    read.metricsRequested += batch.length;
    for (const result of out.MetricDataResults ?? []) {
      const planned = byId.get(result.Id);
      if (!planned) throw new HistoryReadError('unknown_query_id', `GetMetricData returned an unknown query id ${String(result.Id)}`);
      if (result.StatusCode !== undefined && result.StatusCode !== 'Complete') {
        throw new HistoryReadError('incomplete_result', `GetMetricData query ${String(result.Id)} came back ${result.StatusCode}: the call was too large to answer in one page`);
      }
      planned.apply(result);
    }
  }
}

/** A time series per period, filled in by a query. */
const into = (target: Map<number, number>) => (points: Array<[number, number]>): void => points.forEach(([at, v]) => target.set(at, v));

/** Phase 1: one metric per target, one per probe shard, ControlTime for latency targets when asked (every time for reports). */
function planSummary(read: Read, config: ResolvedConfig, request: HistoryRequest, s: HistorySeries): PlannedQuery[] {
  const planned: PlannedQuery[] = [];
  for (const t of config.targets) {
    const perTarget = new Map<number, number>();
    s.failed.set(t.name, perTarget);
    planned.push(stat(read, MetricName.ProbeFailed, { [Dimension.Target]: t.name }, 'Sum', read.fromMs, into(perTarget)));
    const times: Array<[MetricName, Map<string, Map<number, number>>]> = [];
    if (request.full || (request.latency && t.latency)) times.push([MetricName.ControlTime, s.control]);
    if (request.full) times.push([MetricName.ConnectTime, s.connect]);
    for (const [metricName, byRegion] of times) {
      for (const region of t.regions) {
        const perRegion = new Map<number, number>();
        byRegion.set(seriesKey(t.name, region), perRegion);
        planned.push(stat(read, metricName, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region }, 'Average', read.fromMs, into(perRegion)));
      }
    }
  }
  // Only the probe shards that probe these targets: a batch of a large fleet (an evaluator shard, a rebuild
  // of a few targets over 8 days) does not read the heartbeats of the dozens of probe shards it does not use.
  // Every location, agents too: an agent is one probe shard of its own location.
  for (const region of locationsOf(config)) {
    const probing = new Set(config.targets.map((t) => s.shards.shardOf(t.name, region)).filter((n): n is number => n !== undefined));
    for (const shard of [...probing].sort((a, b) => a - b)) {
      const perShard = new Set<number>();
      const marked = new Set<number>();
      s.ran.set(heartbeatKey(region, shard), perShard);
      s.marked.set(heartbeatKey(region, shard), marked);
      planned.push(
        stat(read, MetricName.ProbesRun, { [Dimension.ProbeRegion]: region, [Dimension.Shard]: String(shard) }, 'SampleCount', read.fromMs, (pts) =>
          pts.forEach(([at, v]) => {
            if (v > 0) perShard.add(at);
            if (v > 1) marked.add(at);
          }),
        ),
      );
    }
  }
  return planned;
}

/** The identities read, per target, and the values dropped because they cannot be fingerprints. */
interface IdentitySeries {
  byTarget: Map<string, IdentityPoint[]>;
  dropped: number;
}

/**
 * With the summary, when asked: ServerIdentity Maximum per target. Its values are checked here, not by
 * `series`: one that is not a fingerprint (someone else's point under our name, a value CloudWatch
 * mangled) is dropped and counted rather than failing the whole read, which the probe records need.
 */
function planIdentities(read: Read, config: ResolvedConfig, out: IdentitySeries, only?: readonly string[]): PlannedQuery[] {
  const wanted = only === undefined ? undefined : new Set(only);
  return config.targets.filter((t) => wanted === undefined || wanted.has(t.name)).map((t) => {
    const points: IdentityPoint[] = [];
    out.byTarget.set(t.name, points);
    return query(read, MetricName.ServerIdentity, { [Dimension.Target]: t.name }, 'Maximum', read.fromMs, (result) => {
      for (const [intervalStart, fingerprint] of timedValues(result)) {
        if (typeof fingerprint === 'number' && isFingerprint(fingerprint)) points.push({ intervalStart, fingerprint });
        else out.dropped++;
      }
      points.sort((a, b) => a.intervalStart - b.intervalStart);
    });
  });
}

/**
 * Phase 2, where a duplicate could fake a down minute: `ProbeFailed` SampleCount (the reports) for the
 * targets with a minute whose failing reports reach their quorum.
 */
/**
 * Phase 1b, only where a heartbeat is marked (a shard skipped targets at its deadline, or ran twice):
 * ProbeSkipped per target and region of those shards, so a skipped target is not taken as reported.
 */
function planSkips(read: Read, config: ResolvedConfig, s: HistorySeries): PlannedQuery[] {
  const planned: PlannedQuery[] = [];
  for (const t of config.targets) {
    for (const region of t.regions) {
      const shard = s.shards.shardOf(t.name, region);
      if (shard === undefined || (s.marked.get(heartbeatKey(region, shard))?.size ?? 0) === 0) continue;
      const minutes = new Set<number>();
      s.skipped.set(seriesKey(t.name, region), minutes);
      planned.push(stat(read, MetricName.ProbeSkipped, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region }, 'Sum', read.fromMs, (pts) => pts.forEach(([at, v]) => v > 0 && minutes.add(at))));
    }
  }
  return planned;
}

function planReports(read: Read, config: ResolvedConfig, s: HistorySeries): PlannedQuery[] {
  const planned: PlannedQuery[] = [];
  for (const t of config.targets) {
    const atRisk = [...(s.failed.get(t.name) ?? new Map<number, number>())].some(([, v]) => Math.round(v) >= t.quorum);
    if (!atRisk) continue;
    const perTarget = new Map<number, number>();
    s.reports.set(t.name, perTarget);
    planned.push(stat(read, MetricName.ProbeFailed, { [Dimension.Target]: t.name }, 'SampleCount', read.fromMs, into(perTarget)));
  }
  return planned;
}

/**
 * Phase 3: failure detail per region and class for targets that failed somewhere since `detailFrom`, and
 * for targets with duplicated minutes from the first of them, with ConnectTime SampleCount per region.
 */
function planDetail(read: Read, config: ResolvedConfig, detailFrom: number, s: HistorySeries): PlannedQuery[] {
  const planned: PlannedQuery[] = [];
  for (const t of config.targets) {
    const recent = [...(s.failed.get(t.name) ?? new Map<number, number>())].some(([at, v]) => at >= detailFrom && v > 0);
    const duplicated = s.duplicated.get(t.name);
    const firstDuplicated = duplicated && duplicated.size > 0 ? Math.min(...duplicated) : undefined;
    if (!recent && firstDuplicated === undefined) continue;
    const from = Math.min(recent ? detailFrom : Infinity, firstDuplicated ?? Infinity);
    for (const region of t.regions) {
      const perRegion = new Map<number, FailureClass>();
      const counts = new Map<number, number>();
      const neverConnected = new Map<number, number>();
      s.detail.set(seriesKey(t.name, region), perRegion);
      s.detailCounts.set(seriesKey(t.name, region), counts);
      s.neverConnectedCounts.set(seriesKey(t.name, region), neverConnected);
      if (firstDuplicated !== undefined) {
        const connected = new Map<number, number>();
        s.connected.set(seriesKey(t.name, region), connected);
        planned.push(stat(read, MetricName.ConnectTime, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region }, 'SampleCount', firstDuplicated, into(connected)));
      }
      // In taxonomy order, so the first class seen in a minute is the same one the evaluator's tally picks.
      for (const cls of failureClassesOfCheck(t.check)) {
        const dimensions = { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region, [Dimension.FailureClass]: cls };
        planned.push(
          stat(read, MetricName.ProbeFailures, dimensions, 'Sum', from, (pts) =>
            pts.forEach(([at, v]) => {
              if (!(v > 0)) return;
              if (!perRegion.has(at)) perRegion.set(at, cls);
              counts.set(at, (counts.get(at) ?? 0) + v);
              if (NEVER_CONNECTED_CLASSES.has(cls)) neverConnected.set(at, (neverConnected.get(at) ?? 0) + v);
            }),
          ),
        );
      }
    }
  }
  return planned;
}

/** Most targets named in the duplicates log line. */
const DUPLICATES_LOGGED = 20;

function logDuplicates(log: Pick<Logger, 'warn'> | undefined, duplicated: ReadonlyMap<string, ReadonlySet<number>>): void {
  const iso = (ms: number): string => new Date(ms).toISOString();
  const targets = [...duplicated].slice(0, DUPLICATES_LOGGED).map(([target, minutes]) => ({ target, minutes: minutes.size, first: iso(Math.min(...minutes)), last: iso(Math.max(...minutes)) }));
  log?.warn('duplicate probe reports: minutes with more reports than reporting locations, decided per location', { targets: duplicated.size, duplicated: targets });
}

export async function readHistory(client: GetMetricDataClient, config: ResolvedConfig, request: HistoryRequest, signal?: AbortSignal): Promise<HistoryResult> {
  const periodS = request.periodS ?? PERIOD_S;
  const bucketMs = periodS * 1000;
  const read: Read = { client, retry: request.retry, pace: request.pace, namespace: config.namespace, signal, periodS, bucketMs, fromMs: floorTo(request.fromMs, bucketMs), toMs: floorTo(request.toMs, bucketMs), metricsRequested: 0, calls: 0, retries: 0, nextId: 0 };
  const { fromMs, toMs } = read;
  const s: HistorySeries = {
    failed: new Map(),
    ran: new Map(),
    marked: new Map(),
    skipped: new Map(),
    shards: request.probeShards,
    control: new Map(),
    connect: new Map(),
    detail: new Map(),
    detailCounts: new Map(),
    neverConnectedCounts: new Map(),
    reports: new Map(),
    duplicated: new Map(),
    connected: new Map(),
  };
  const identities: IdentitySeries = { byTarget: new Map(), dropped: 0 };
  const identitiesFrom = request.identity && request.identityFromMs !== undefined ? Math.min(fromMs, floorTo(request.identityFromMs, bucketMs)) : fromMs;
  read.fromMs = identitiesFrom;
  await run(read, [...planSummary(read, config, request, s), ...(request.identity ? planIdentities(read, config, identities, request.identityTargets) : [])]);
  read.fromMs = fromMs;
  if (identitiesFrom < fromMs) {
    for (const byKey of [s.failed, s.control, s.connect]) for (const series of byKey.values()) for (const at of [...series.keys()]) if (at < fromMs) series.delete(at);
    for (const minutes of s.marked.values()) for (const at of [...minutes]) if (at < fromMs) minutes.delete(at);
  }
  if (identities.dropped > 0) request.log?.warn('ServerIdentity values that cannot be identity fingerprints dropped', { dropped: identities.dropped });
  // 5-minute aggregates mix a bucket's minutes: duplicates and skips are not told apart there (see rebuildBuckets).
  if (periodS === PERIOD_S) {
    await run(read, planSkips(read, config, s));
    await run(read, planReports(read, config, s));
    for (const t of config.targets) {
      const minutes = duplicatedMinutes(t, s);
      if (minutes.size > 0) s.duplicated.set(t.name, minutes);
    }
    if (s.duplicated.size > 0) logDuplicates(request.log, s.duplicated);
  }
  const detailFrom = request.full ? fromMs : Math.max(fromMs, floorTo(toMs - DETAIL_WINDOW_MS, bucketMs));
  await run(read, planDetail(read, config, detailFrom, s));

  const records = new Map<string, ProbeRecord[]>();
  for (const t of config.targets) records.set(t.name, periodS === PERIOD_S ? rebuildMinutes(t, fromMs, toMs, s) : rebuildBuckets(t, fromMs, toMs, bucketMs, s));
  const lastHeartbeat = new Map<string, number | undefined>();
  for (const [key, times] of s.ran) lastHeartbeat.set(key, times.size > 0 ? Math.max(...times) : undefined);
  const identityRead = request.identity ? { identities: identities.byTarget, identitiesDropped: identities.dropped } : {};
  return { records, lastHeartbeat, metricsRequested: read.metricsRequested, calls: read.calls, retries: read.retries, ...identityRead };
}
