// The evaluator Lambda's wiring, as a factory: plan the run from the watermark, read the history from
// CloudWatch, evaluate every target with the pure SLA core, publish the notifications, and only then
// move the watermark. A run whose alerts did not all go out fails, and the next run sends them again
// with the same dedup keys.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import type { AlertPublisher, AlertPublishReport } from '../shared/alerts/sns-publisher.js';
import { renderContextFor } from '../shared/alerts/render-context.js';
import type { ResolvedConfig, ResolvedTarget } from '../shared/config/types.js';
import type { Logger } from '../shared/log/logger.js';
import { heartbeatKey, readHistory } from '../shared/metrics/cloudwatch-history.js';
import type { MetricPublisher } from '../shared/metrics/cloudwatch-publisher.js';
import { readWatermark, writeWatermark } from '../shared/metrics/watermark.js';
import { LATENCY_STEP_MS, planEvaluation, type EvaluationPlan } from '../shared/cycles/evaluation-window.js';
import { evaluatorShards } from '../shared/runners/lambda/evaluator-shards.js';
import { pickShard, scheduledMinute, type ScheduleEvent } from '../shared/runners/lambda/schedule-event.js';
import { probeShardMap } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { evaluateTarget } from '../shared/sla/evaluate.js';
import type { Notification } from '../shared/sla/notification.js';

/** History read per run: the SLA core's minimum lookback (3-day window + 24 h renotify) plus the 3-day window before it. */
export const HISTORY_MS = 8 * 86_400_000;
/** A probe shard whose heartbeat has been missing this long (the alarm's 3 periods, as long as no_data waits) is its alarm's to report. */
export const DEAD_PROBE_SHARD_AFTER_MS = 3 * 60_000;
/** Minimum lookback the SLA core walks; the history above covers it. */
export const LOOKBACK_MS = 4 * 86_400_000;

export interface EvaluateWiring {
  config: ResolvedConfig;
  cloudwatch: Pick<CloudWatchClient, 'send'>;
  /** Publishes the watermark (namespace-scoped PutMetricData). */
  metrics: MetricPublisher;
  alerts: AlertPublisher;
  log: Logger;
  now(): number;
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
}

/** Notifications of one target for a plan: latency only at its own instants (see evaluation-window.ts). */
export function notificationsFor(target: ResolvedTarget, records: Parameters<typeof evaluateTarget>[1], plan: EvaluationPlan): Notification[] {
  const others = evaluateTarget(target, records, { fromExclusive: plan.fromExclusive, toInclusive: plan.t }, { lookbackMs: LOOKBACK_MS }).filter((n) => n.policy !== 'latency');
  if (!plan.latency || !target.latency) return others;
  // latencyStepMs puts every latency transition on a 5-minute instant, the only ones this run has data for.
  const latency = evaluateTarget(target, records, { fromExclusive: plan.latencyFromExclusive, toInclusive: plan.latencyTo }, { lookbackMs: LOOKBACK_MS, latencyStepMs: LATENCY_STEP_MS }).filter(
    (n) => n.policy === 'latency',
  );
  return [...others, ...latency].sort((a, b) => a.at - b.at);
}

export type EvaluateEvent = ScheduleEvent;

/** This invocation's targets: its shard of the plan the deploy made from the same packaged config. */
export function evaluatorShardOf(config: ResolvedConfig, event: EvaluateEvent, plan: ResolvedTarget[][] = evaluatorShards(config)): { shard: number; config: ResolvedConfig } {
  const shard = pickShard(event, plan.length, { what: 'evaluator shard(s)', redeploy: 'the home region' });
  return { shard, config: { ...config, targets: plan[shard] ?? [] } };
}

export function createEvaluateHandler(wiring: EvaluateWiring): (event: EvaluateEvent, context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>) => Promise<EvaluateReport> {
  // Fixed for the container: the evaluator shards and, for the heartbeats, the probe shards of the whole config.
  const plan = evaluatorShards(wiring.config);
  const probeShards = probeShardMap(wiring.config);
  return async (event, context) => {
    const nowMs = wiring.now();
    const scheduled = scheduledMinute(event, nowMs);
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), Math.max(0, context.getRemainingTimeInMillis() - 2000));
    const { shard, config } = evaluatorShardOf(wiring.config, event, plan);
    const log = wiring.log.with({ requestId: context.awsRequestId, shard });
    try {
      const watermark = await readWatermark(wiring.cloudwatch, config.namespace, shard, nowMs, abort.signal);
      const plan = planEvaluation(scheduled, watermark);
      const base = { plan, targets: config.targets.length, records: 0, metricsRequested: 1, getMetricDataCalls: 1, notifications: [], publish: { sent: 0, retried: 0, failed: [] }, watermarkMoved: false };
      if (plan.fromExclusive >= plan.t) {
        log.info('evaluation skipped: already evaluated', { t: new Date(plan.t).toISOString(), watermark: watermark && new Date(watermark).toISOString() });
        return base;
      }
      const history = await readHistory(wiring.cloudwatch, config, { fromMs: plan.t - HISTORY_MS, toMs: plan.t, latency: plan.latency, probeShards }, abort.signal);
      // A probe shard that stopped is paged once by its "probes stopped reporting" alarm; its no_data
      // incidents, one per target it probes, would repeat that page for every one of them.
      const deadShards = new Set([...history.lastHeartbeat].filter(([, last]) => last === undefined || last < plan.t - DEAD_PROBE_SHARD_AFTER_MS).map(([key]) => key));
      const deadFor = (target: string, region: string): boolean => {
        const shard = probeShards.shardOf(target, region);
        return shard !== undefined && deadShards.has(heartbeatKey(region, shard));
      };
      const notifications: Notification[] = [];
      let records = 0;
      let coveredByAlarm = 0;
      for (const target of config.targets) {
        const list = history.records.get(target.name) ?? [];
        records += list.length;
        for (const n of notificationsFor(target, list, plan)) {
          if (n.policy === 'no_data' && n.regions.affected.length > 0 && n.regions.affected.every((r) => deadFor(n.target, r))) coveredByAlarm++;
          else notifications.push(n);
        }
      }
      const byName = new Map(config.targets.map((t) => [t.name, t]));
      const publish = await wiring.alerts.publish(notifications, (n) => renderContextFor(config, byName.get(n.target)), abort.signal);
      const watermarkMoved = publish.failed.length === 0 && (await writeWatermark(wiring.metrics, shard, plan.t, abort.signal));
      const report: EvaluateReport = {
        ...base,
        records,
        metricsRequested: 1 + history.metricsRequested,
        getMetricDataCalls: 1 + history.calls,
        notifications: notifications.map((n) => ({ target: n.target, policy: n.policy, severity: n.severity, status: n.status, dedupKey: n.dedupKey })),
        publish,
        watermarkMoved,
      };
      // GetMetricData is billed per metric requested: log the count so the cost is visible per run.
      (publish.failed.length > 0 ? log.error : log.info)('evaluation done', {
        t: new Date(plan.t).toISOString(),
        from: new Date(plan.fromExclusive).toISOString(),
        latency: plan.latency,
        metricsRequested: report.metricsRequested,
        getMetricDataCalls: report.getMetricDataCalls,
        records,
        deadProbeShards: [...deadShards],
        noDataCoveredByAlarm: coveredByAlarm,
        notifications: report.notifications,
        sent: publish.sent,
        failed: publish.failed,
        watermarkMoved,
      });
      if (publish.failed.length > 0) throw new Error(`${publish.failed.length} notification(s) not published; the next run re-sends them with the same dedup keys`);
      return report;
    } finally {
      clearTimeout(timer);
    }
  };
}
