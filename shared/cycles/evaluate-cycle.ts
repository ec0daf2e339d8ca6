// The evaluate use-case: every decision the evaluator makes, for every runner. One function evaluates a
// target's window (the Lambda evaluator, the local monitor and backtest all call evaluateTargetWindow);
// the watermark cycle around it (runEvaluateCycle) is the deployed evaluator's: plan the run from the
// watermark, read the history, leave what a dead probe shard explains to that shard's alarm, publish, and
// only then move the watermark. A run whose alerts did not all go out fails, and the next run sends them
// again with the same dedup keys. Talks to the world through ports only.
import { renderContextFor } from '../alerts/render-context.js';
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { evaluateTarget, type EvaluationWindow } from '../sla/evaluate.js';
import type { Notification } from '../sla/notification.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { MINUTE_MS } from '../common/time.js';
import { HISTORY_MS, LATENCY_STEP_MS, LOOKBACK_MS, planEvaluation, type EvaluationPlan } from './evaluation-window.js';
import { heartbeatKey, type AlertPublishReport, type AlertSink, type HistoryRead, type HistorySource, type ProbeShardMap, type WatermarkStore } from './ports.js';

/** A probe shard whose heartbeat has been missing this long (the alarm's 3 periods, as long as no_data waits) is its alarm's to report. */
export const DEAD_PROBE_SHARD_AFTER_MS = 3 * MINUTE_MS;

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
export async function runEvaluateCycle(input: EvaluateCycleInput, ports: EvaluatePorts, signal?: AbortSignal): Promise<EvaluateReport> {
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
  const judged = judge(input, plan, history);
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
