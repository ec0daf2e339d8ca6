// The evaluator Lambda's wiring, as a factory so tests can hand it their own clients: this invocation's
// evaluator shard from the schedule event, the CloudWatch adapters for history and watermark, the alert
// publisher, and the evaluate cycle (shared/cycles/evaluate-cycle.ts), which decides everything.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { Context } from 'aws-lambda';
import type { ResolvedConfig, ResolvedTarget } from '../shared/config/types.js';
import { runEvaluateCycle, type EvaluateReport } from '../shared/cycles/evaluate-cycle.js';
import type { AlertSink, MetricSink } from '../shared/cycles/ports.js';
import type { Logger } from '../shared/log/logger.js';
import { createCloudWatchHistory } from '../shared/metrics/cloudwatch-history-source.js';
import { createCloudWatchWatermarks } from '../shared/metrics/watermark.js';
import { evaluatorShards } from '../shared/runners/lambda/evaluator-shards.js';
import { probeShardMap } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { pickShard, scheduledMinute, type ScheduleEvent } from '../shared/runners/lambda/schedule-event.js';
import type { DeadlineContext } from './middleware/deadline.js';

export interface EvaluateWiring {
  config: ResolvedConfig;
  cloudwatch: Pick<CloudWatchClient, 'send'>;
  /** Publishes the watermark (namespace-scoped PutMetricData). */
  metrics: MetricSink;
  alerts: AlertSink;
  log: Logger;
  now(): number;
}

export type EvaluateEvent = ScheduleEvent;

/** The Lambda context as the handler uses it; `deadline` comes from the deadline middleware. */
export type EvaluateContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'> & DeadlineContext>;

/** This invocation's targets: its shard of the plan the deploy made from the same packaged config. */
export function evaluatorShardOf(config: ResolvedConfig, event: EvaluateEvent, plan: ResolvedTarget[][] = evaluatorShards(config)): { shard: number; config: ResolvedConfig } {
  const shard = pickShard(event, plan.length, { what: 'evaluator shard(s)', redeploy: 'the home region' });
  return { shard, config: { ...config, targets: plan[shard] ?? [] } };
}

export function createEvaluateHandler(wiring: EvaluateWiring): (event: EvaluateEvent, context: EvaluateContext) => Promise<EvaluateReport> {
  // Fixed for the container: the evaluator shards and, for the heartbeats, the probe shards of the whole config.
  const plan = evaluatorShards(wiring.config);
  const probeShards = probeShardMap(wiring.config);
  const history = createCloudWatchHistory({ client: wiring.cloudwatch, probeShards, log: wiring.log });
  const watermarks = createCloudWatchWatermarks({ client: wiring.cloudwatch, publisher: wiring.metrics, namespace: wiring.config.namespace });
  return async (event, context) => {
    const nowMs = wiring.now();
    const scheduledMs = scheduledMinute(event, nowMs);
    const { shard, config } = evaluatorShardOf(wiring.config, event, plan);
    const log = wiring.log.with({ requestId: context.awsRequestId, shard });
    return runEvaluateCycle({ config, shard, scheduledMs, nowMs, probeShards }, { watermarks, history, alerts: wiring.alerts, log }, context.deadline);
  };
}
