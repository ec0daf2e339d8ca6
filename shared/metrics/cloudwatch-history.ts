// The evaluator's read side: probe history rebuilt from CloudWatch as ProbeRecords, with as few billed
// metrics as possible (GetMetricData costs $0.01 per 1,000 metrics requested, whatever the time range).
//
// Every evaluation requests:
//   * `ProbeFailed` Sum per target (1 metric per target): how many regions failed in each interval;
//   * `ProbesRun` SampleCount per probe region (1 per region, shared by all targets): which regions ran;
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
import { Dimension, MetricName } from './metric-design.js';

/** CloudWatch's limits for one GetMetricData call. */
export const MAX_QUERIES_PER_CALL = 500;
export const MAX_DATAPOINTS_PER_CALL = 100_800;
/** How far back failure classes and region names are fetched for failing targets, in ms. */
export const DETAIL_WINDOW_MS = 60 * 60_000;
const PERIOD_S = 60;
const MINUTE_MS = 60_000;

export interface HistoryRequest {
  fromMs: number;
  toMs: number;
  /** Fetch ControlTime for targets with a latency policy. */
  latency: boolean;
}

export interface HistoryResult {
  records: Map<string, ProbeRecord[]>;
  /** Per probe region, the last interval its heartbeat (ProbesRun) covers, if any in the range. */
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
  const fromMs = Math.floor(request.fromMs / MINUTE_MS) * MINUTE_MS;
  const toMs = Math.floor(request.toMs / MINUTE_MS) * MINUTE_MS;
  const failed = new Map<string, Map<number, number>>();
  const ran = new Map<string, Set<number>>();
  const control = new Map<string, Map<number, number>>();
  const detail = new Map<string, Map<number, FailureClass>>();
  const key = (...parts: string[]): string => parts.join('\u0000');
  let metricsRequested = 0;
  let calls = 0;
  let nextId = 0;

  const stat = (name: string, dimensions: Record<string, string>, statName: string, from: number, apply: (points: Array<[number, number]>) => void): PlannedQuery => ({
    query: {
      Id: `q${nextId++}`,
      MetricStat: { Metric: { Namespace: config.namespace, MetricName: name, Dimensions: dims(dimensions) }, Period: PERIOD_S, Stat: statName },
      ReturnData: true,
    },
    points: Math.ceil((toMs - from) / MINUTE_MS),
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
    if (request.latency && t.latency) {
      for (const region of t.regions) {
        const perRegion = new Map<number, number>();
        control.set(key(t.name, region), perRegion);
        phase1.push(stat(MetricName.ControlTime, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region }, 'Average', fromMs, (pts) => pts.forEach(([at, v]) => perRegion.set(at, v))));
      }
    }
  }
  for (const region of config.regions) {
    const perRegion = new Set<number>();
    ran.set(region, perRegion);
    phase1.push(stat(MetricName.ProbesRun, { [Dimension.ProbeRegion]: region }, 'SampleCount', fromMs, (pts) => pts.forEach(([at, v]) => v > 0 && perRegion.add(at))));
  }
  await run(phase1, fromMs);

  // Phase 2: failure detail, only for targets that failed somewhere recently.
  const detailFrom = Math.max(fromMs, toMs - DETAIL_WINDOW_MS);
  const phase2: PlannedQuery[] = [];
  for (const t of config.targets) {
    const recent = [...(failed.get(t.name) ?? new Map<number, number>())].some(([at, v]) => at >= detailFrom && v > 0);
    if (!recent) continue;
    for (const region of t.regions) {
      const perRegion = new Map<number, FailureClass>();
      detail.set(key(t.name, region), perRegion);
      for (const cls of FAILURE_CLASSES) {
        phase2.push(
          stat(MetricName.ProbeFailures, { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: region, [Dimension.FailureClass]: cls }, 'Sum', detailFrom, (pts) =>
            pts.forEach(([at, v]) => v > 0 && !perRegion.has(at) && perRegion.set(at, cls)),
          ),
        );
      }
    }
  }
  if (phase2.length > 0) await run(phase2, detailFrom);

  const records = new Map<string, ProbeRecord[]>();
  for (const t of config.targets) records.set(t.name, rebuild(t, fromMs, toMs, failed.get(t.name), ran, control, detail, key));
  const lastHeartbeat = new Map<string, number | undefined>();
  for (const [region, times] of ran) lastHeartbeat.set(region, times.size > 0 ? Math.max(...times) : undefined);
  return { records, lastHeartbeat, metricsRequested, calls };
}

function rebuild(
  t: ResolvedTarget,
  fromMs: number,
  toMs: number,
  failedCounts: Map<number, number> | undefined,
  ran: Map<string, Set<number>>,
  control: Map<string, Map<number, number>>,
  detail: Map<string, Map<number, FailureClass>>,
  key: (...parts: string[]) => string,
): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  const stepMs = t.intervalMinutes * MINUTE_MS;
  const regions = [...t.regions].sort();
  for (let at = Math.ceil(fromMs / stepMs) * stepMs; at < toMs; at += stepMs) {
    const count = failedCounts?.get(at);
    // No ProbeFailed point: no region reported this target in this interval.
    if (count === undefined) continue;
    const reporting = regions.filter((r) => ran.get(r)?.has(at));
    const known = new Map<string, FailureClass>();
    for (const r of reporting) {
      const cls = detail.get(key(t.name, r))?.get(at);
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
      const ms = control.get(key(t.name, region))?.get(at);
      if (ms !== undefined) record.controlMs = ms;
      out.push(record);
    }
  }
  return out;
}
