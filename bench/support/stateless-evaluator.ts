// The evaluator as it was before issue 13 (the "before" path of bench/evaluator-bench.ts): stateless
// except for a watermark in CloudWatch (EvaluatedUntil{Shard}, one point per run), it re-reads 8 days of
// 1-minute history for every target of its shard at every run and walks 4 days of minutes through the SLA
// core (evaluateTarget) to decide the minute. Kept here, unchanged in what it reads and decides, only so
// the benchmark can measure it against the fold (shared/cycles/evaluate-cycle.ts) on the same history; the
// deployed evaluator no longer uses it. One difference: `slaMs` is measured around the SLA walk.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { GetMetricDataCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import { renderContextFor } from '../../shared/alerts/render-context.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, floorTo } from '../../shared/common/time.js';
import type { ResolvedConfig, ResolvedTarget } from '../../shared/config/types.js';
import { DEAD_PROBE_SHARD_AFTER_MS } from '../../shared/cycles/evaluate-cycle.js';
import { HISTORY_MS, INGESTION_LAG_MS, LOOKBACK_MS, MAX_CATCH_UP_MS } from '../../shared/cycles/evaluation-window.js';
import { heartbeatKey, type AlertPublishReport, type AlertSink, type HistoryRead, type HistorySource, type ProbeShardMap } from '../../shared/cycles/ports.js';
import type { Logger } from '../../shared/log/logger.js';
import { createCloudWatchHistory } from '../../shared/metrics/cloudwatch-history-source.js';
import { Dimension } from '../../shared/metrics/metric-design.js';
import { evaluatorShards } from '../../shared/runners/lambda/evaluator-shards.js';
import { probeShardMap } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import { pickShard, scheduledMinute, type ScheduleEvent } from '../../shared/runners/lambda/schedule-event.js';
import { evaluateTarget, type EvaluationWindow } from '../../shared/sla/evaluate.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';

/** The watermark's metric (gone from the deployed metric design with the watermark). */
const EVALUATED_UNTIL = 'EvaluatedUntil';

/** The evaluator's only state: the last instant whose notifications were all published, per evaluator shard. */
export interface WatermarkStore {
  read(shard: number, nowMs: number, signal?: AbortSignal): Promise<number | undefined>;
  /** Whether the new watermark was stored. */
  write(shard: number, t: number, signal?: AbortSignal): Promise<boolean>;
}

// ---------------------------------------------------------------- which instants a run evaluates (was evaluation-window.ts)
/** The latency policy needs ControlTime per region, a billed metric each: it is evaluated every 5 minutes. */
export const LATENCY_STEP_MS = 5 * MINUTE_MS;

export interface EvaluationPlan {
  /** The evaluation instant: the scheduled minute minus the ingestion lag. */
  t: number;
  /** Instants in (fromExclusive, t] are evaluated; empty when fromExclusive >= t (already done). */
  fromExclusive: number;
  /** Instants at which the latency policy is evaluated in this run: (latencyFromExclusive, latencyTo]. */
  latencyFromExclusive: number;
  latencyTo: number;
  /** Whether this run evaluates latency at all (fetches ControlTime). */
  latency: boolean;
}

export function planEvaluation(scheduledMs: number, watermarkMs: number | undefined): EvaluationPlan {
  const t = floorTo(scheduledMs, MINUTE_MS) - INGESTION_LAG_MS;
  const from = watermarkMs === undefined ? t - MINUTE_MS : Math.max(floorTo(watermarkMs, MINUTE_MS), t - MAX_CATCH_UP_MS);
  // Latency instants are the multiples of 5 minutes; consecutive runs' latency windows tile like theirs.
  const latencyFromExclusive = floorTo(from, LATENCY_STEP_MS);
  const latencyTo = floorTo(t, LATENCY_STEP_MS);
  return { t, fromExclusive: Math.min(from, t), latencyFromExclusive, latencyTo, latency: latencyTo > latencyFromExclusive && from < t };
}

// ---------------------------------------------------------------- the watermark (was shared/metrics/watermark.ts)

/** How far back the watermark is looked for: the evaluator never catches up further than this anyway. */
export const WATERMARK_LOOKBACK_MS = 2 * HOUR_MS;

export interface WatermarkStoreOptions {
  /** Reads the watermark (GetMetricData) and writes it (PutMetricData). */
  client: Pick<CloudWatchClient, 'send'>;
  namespace: string;
  /** Bench only: a prefix of the Shard dimension, so that two runs over the same minutes keep separate watermarks. */
  label?: string;
}

export function createCloudWatchWatermarks(options: WatermarkStoreOptions): WatermarkStore {
  return {
    async read(shard, nowMs, signal) {
      const end = floorTo(nowMs, MINUTE_MS) + MINUTE_MS;
      const out = await options.client.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            { Id: 'w', MetricStat: { Metric: { Namespace: options.namespace, MetricName: EVALUATED_UNTIL, Dimensions: [{ Name: Dimension.Shard, Value: `${options.label ?? ''}${shard}` }] }, Period: 60, Stat: 'SampleCount' }, ReturnData: true },
          ],
          StartTime: new Date(end - WATERMARK_LOOKBACK_MS),
          EndTime: new Date(end),
          ScanBy: 'TimestampDescending',
        }),
        signal ? { abortSignal: signal } : {},
      );
      const times = (out.MetricDataResults?.[0]?.Timestamps ?? []).map((d) => (d instanceof Date ? d.getTime() : Number.NaN)).filter(Number.isFinite);
      return times.length > 0 ? Math.max(...times) : undefined;
    },
    async write(shard, t, signal) {
      const datum = { MetricName: EVALUATED_UNTIL, Dimensions: [{ Name: Dimension.Shard, Value: `${options.label ?? ''}${shard}` }], Timestamp: new Date(t), Value: 1, Unit: 'Count' as const };
      await options.client.send(new PutMetricDataCommand({ Namespace: options.namespace, MetricData: [datum] }), signal ? { abortSignal: signal } : {});
      return true;
    },
  };
}

// ---------------------------------------------------------------- the cycle (was shared/cycles/evaluate-cycle.ts)

/**
 * Where the latency policy is evaluated. Unset: with the other policies, every minute (the local monitor,
 * backtest). The Lambda evaluator reads ControlTime only every fifth minute, so it evaluates latency
 * only at those instants (`stepMs`) in its own window, or not at all in a run that read none ('none').
 */
export type LatencyInstants = (EvaluationWindow & { stepMs: number }) | 'none';

export interface TargetWindowOptions {
  /** The runner's clock, when it evaluates an interval before the interval ends (the local monitor). */
  nowMs?: number;
  latency?: LatencyInstants;
}

/** A target's notifications for the instants of `window`: the one evaluation every runner uses. */
export function evaluateTargetWindow(target: ResolvedTarget, records: readonly ProbeRecord[], window: EvaluationWindow, options: TargetWindowOptions = {}): Notification[] {
  const base = { lookbackMs: LOOKBACK_MS, ...(options.nowMs !== undefined && { nowMs: options.nowMs }) };
  if (options.latency === undefined) return evaluateTarget(target, records, window, base);
  const others = evaluateTarget(target, records, window, base).filter((n) => n.policy !== 'latency');
  if (options.latency === 'none' || !target.latency) return others;
  // latencyStepMs puts every latency transition on a step instant, the only ones the caller has data for.
  const { stepMs, ...latencyWindow } = options.latency;
  const latency = evaluateTarget(target, records, latencyWindow, { ...base, latencyStepMs: stepMs }).filter((n) => n.policy === 'latency');
  return [...others, ...latency].sort((a, b) => a.at - b.at);
}

/** The latency instants of an evaluator run (see evaluation-window.ts). */
export function latencyInstantsOf(plan: EvaluationPlan): LatencyInstants {
  return plan.latency ? { fromExclusive: plan.latencyFromExclusive, toInclusive: plan.latencyTo, stepMs: LATENCY_STEP_MS } : 'none';
}

/** Notifications of one target for an evaluator run: latency only at its own instants. */
export function notificationsFor(target: ResolvedTarget, records: readonly ProbeRecord[], plan: EvaluationPlan): Notification[] {
  return evaluateTargetWindow(target, records, { fromExclusive: plan.fromExclusive, toInclusive: plan.t }, { latency: latencyInstantsOf(plan) });
}

export interface EvaluateReport {
  plan: EvaluationPlan;
  targets: number;
  records: number;
  metricsRequested: number;
  getMetricDataCalls: number;
  notifications: Array<Pick<Notification, 'target' | 'policy' | 'severity' | 'status' | 'dedupKey'>>;
  publish: AlertPublishReport;
  watermarkMoved: boolean;
  /** The SLA walk of the run (synchronous: wall time is CPU time), in ms. */
  slaMs?: number;
}

export interface EvaluateCycleInput {
  /** The config with this run's targets (one evaluator shard). */
  config: ResolvedConfig;
  /** The evaluator shard: whose watermark. */
  shard: number;
  /** The scheduled minute of the run, in ms. */
  scheduledMs: number;
  nowMs: number;
  /** The probe shards of the whole config: whose heartbeat says a target was probed from a region. */
  probeShards: ProbeShardMap;
}

export interface EvaluatePorts {
  watermarks: WatermarkStore;
  history: HistorySource;
  alerts: AlertSink;
  log: Logger;
}

/** What a run decided from the history: the notifications to send, and those a dead shard's alarm covers. */
interface Judgement {
  notifications: Notification[];
  records: number;
  deadShards: string[];
  coveredByAlarm: number;
}

/**
 * A probe shard that stopped is paged once by its "probes stopped reporting" alarm; its no_data incidents,
 * one per target it probes, would repeat that page for every one of them. So a no_data is left to the
 * alarm only when every region it names is a dead shard's: a target also blind in a live region pages.
 */
function judge(input: EvaluateCycleInput, plan: EvaluationPlan, history: HistoryRead): Judgement {
  const dead = new Set([...history.lastHeartbeat].filter(([, last]) => last === undefined || last < plan.t - DEAD_PROBE_SHARD_AFTER_MS).map(([key]) => key));
  const deadFor = (target: string, region: string): boolean => {
    const shard = input.probeShards.shardOf(target, region);
    return shard !== undefined && dead.has(heartbeatKey(region, shard));
  };
  const judgement: Judgement = { notifications: [], records: 0, deadShards: [...dead], coveredByAlarm: 0 };
  for (const target of input.config.targets) {
    const list = history.records.get(target.name) ?? [];
    judgement.records += list.length;
    for (const n of notificationsFor(target, list, plan)) {
      if (n.policy === 'no_data' && n.regions.affected.length > 0 && n.regions.affected.every((r) => deadFor(n.target, r))) judgement.coveredByAlarm++;
      else judgement.notifications.push(n);
    }
  }
  return judgement;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** One evaluator run over (watermark, t]. Throws when a notification was not published, after logging the run. */
export async function runStatelessCycle(input: EvaluateCycleInput, ports: EvaluatePorts, signal?: AbortSignal): Promise<EvaluateReport> {
  const { config, shard } = input;
  const log = ports.log;
  const watermark = await ports.watermarks.read(shard, input.nowMs, signal);
  const plan = planEvaluation(input.scheduledMs, watermark);
  // The watermark read is one metric in one GetMetricData call.
  const base: EvaluateReport = { plan, targets: config.targets.length, records: 0, metricsRequested: 1, getMetricDataCalls: 1, notifications: [], publish: { sent: 0, retried: 0, failed: [] }, watermarkMoved: false };
  if (plan.fromExclusive >= plan.t) {
    log.info('evaluation skipped: already evaluated', { t: iso(plan.t), watermark: watermark && iso(watermark) });
    return base;
  }
  const history = await ports.history.recent(config, { fromMs: plan.t - HISTORY_MS, toMs: plan.t, latency: plan.latency }, signal);
  const slaStart = performance.now();
  const judged = judge(input, plan, history);
  const slaMs = performance.now() - slaStart;
  const byName = new Map(config.targets.map((t) => [t.name, t]));
  const publish = await ports.alerts.publish(judged.notifications, (n) => renderContextFor(config, byName.get(n.target)), signal);
  const watermarkMoved = publish.failed.length === 0 && (await ports.watermarks.write(shard, plan.t, signal));
  const report: EvaluateReport = {
    ...base,
    records: judged.records,
    metricsRequested: 1 + history.metricsRequested,
    getMetricDataCalls: 1 + history.calls,
    notifications: judged.notifications.map((n) => ({ target: n.target, policy: n.policy, severity: n.severity, status: n.status, dedupKey: n.dedupKey })),
    publish,
    watermarkMoved,
    slaMs,
  };
  logRun(log, report, judged);
  if (publish.failed.length > 0) throw new Error(`${publish.failed.length} notification(s) not published; the next run re-sends them with the same dedup keys`);
  return report;
}

/** GetMetricData is billed per metric requested: the count is logged so the cost is visible per run. */
function logRun(log: Logger, report: EvaluateReport, judged: Judgement): void {
  const { plan, publish } = report;
  (publish.failed.length > 0 ? log.error : log.info)('evaluation done', {
    t: iso(plan.t),
    from: iso(plan.fromExclusive),
    latency: plan.latency,
    metricsRequested: report.metricsRequested,
    getMetricDataCalls: report.getMetricDataCalls,
    records: judged.records,
    deadProbeShards: judged.deadShards,
    noDataCoveredByAlarm: judged.coveredByAlarm,
    notifications: report.notifications,
    sent: publish.sent,
    failed: publish.failed,
    watermarkMoved: report.watermarkMoved,
  });
}

// ---------------------------------------------------------------- the handler (was functions/evaluate-handler.ts)

export interface StatelessWiring {
  /** Bench only: the watermark's label (see WatermarkStoreOptions.label). */
  watermarkLabel?: string;
  config: ResolvedConfig;
  cloudwatch: Pick<CloudWatchClient, 'send'>;
  alerts: AlertSink;
  log: Logger;
  now(): number;
}


/** The Lambda context as the handler uses it; `deadline` comes from the deadline middleware. */
type EvaluateContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'> & { deadline: AbortSignal }>;

/** This invocation's targets: its shard of the plan the deploy made from the same packaged config. */
function evaluatorShardOf(config: ResolvedConfig, event: ScheduleEvent, plan: ResolvedTarget[][] = evaluatorShards(config)): { shard: number; config: ResolvedConfig } {
  const shard = pickShard(event, plan.length, { what: 'evaluator shard(s)', redeploy: 'the home region' });
  return { shard, config: { ...config, targets: plan[shard] ?? [] } };
}

export function createStatelessHandler(wiring: StatelessWiring): (event: ScheduleEvent, context: EvaluateContext) => Promise<EvaluateReport> {
  // Fixed for the container: the evaluator shards and, for the heartbeats, the probe shards of the whole config.
  const plan = evaluatorShards(wiring.config);
  const probeShards = probeShardMap(wiring.config);
  const history = createCloudWatchHistory({ client: wiring.cloudwatch, probeShards, log: wiring.log });
  const watermarks = createCloudWatchWatermarks({ client: wiring.cloudwatch, namespace: wiring.config.namespace, ...(wiring.watermarkLabel !== undefined && { label: wiring.watermarkLabel }) });
  return async (event, context) => {
    const nowMs = wiring.now();
    const scheduledMs = scheduledMinute(event, nowMs);
    const { shard, config } = evaluatorShardOf(wiring.config, event, plan);
    const log = wiring.log.with({ requestId: context.awsRequestId, shard });
    return runStatelessCycle({ config, shard, scheduledMs, nowMs, probeShards }, { watermarks, history, alerts: wiring.alerts, log }, context.deadline);
  };
}
