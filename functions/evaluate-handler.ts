// The evaluator Lambda's wiring, as a factory so tests and the benchmark can hand it their own clients: this
// invocation's evaluator shard from the schedule event, its start in the minute (shards are spread over a
// few seconds, GetMetricData's 50 calls a second being the account's), the CloudWatch history with
// throttle-aware retries, the shard's state store (DynamoDB), the alert publisher, and the evaluate cycle
// (shared/cycles/evaluate-cycle.ts), which decides everything.
import type { Context } from 'aws-lambda';
import { abortableSleep } from '../shared/aws/retry.js';
import type { ResolvedConfig, ResolvedTarget } from '../shared/config/types.js';
import { runEvaluateCycle, type EvaluateReport as CycleReport } from '../shared/cycles/evaluate-cycle.js';
import type { AlertSink, EvaluatorStateStore } from '../shared/cycles/ports.js';
import type { Logger } from '../shared/log/logger.js';
import type { GetMetricDataClient } from '../shared/metrics/cloudwatch-history.js';
import { createCloudWatchHistory } from '../shared/metrics/cloudwatch-history-source.js';
import { EVALUATOR_READ_RETRY, evaluatorShards, evaluatorStartOffsetMs } from '../shared/runners/lambda/evaluator-shards.js';
import { probeShardMap } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { pickShard, scheduledMinute, type ScheduleEvent } from '../shared/runners/lambda/schedule-event.js';
import type { DeadlineContext } from './middleware/deadline.js';

export interface EvaluateWiring {
  config: ResolvedConfig;
  /** GetMetricData (the SDK client with its own retries off: throttles are retried here, within the deadline). */
  cloudwatch: GetMetricDataClient;
  /** The evaluator shards' state (DynamoDB through shared/state). */
  state: EvaluatorStateStore;
  alerts: AlertSink;
  log: Logger;
  now(): number;
  /** Waits (the start offset, the retries' backoff); tests and the benchmark pass their own clock's. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

export type EvaluateEvent = ScheduleEvent;
export type EvaluateReport = CycleReport;

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
  const sleep = wiring.sleep ?? abortableSleep;
  const retry = { policy: EVALUATOR_READ_RETRY, sleep, ...(wiring.random && { random: wiring.random }) };
  const history = createCloudWatchHistory({ client: wiring.cloudwatch, probeShards, log: wiring.log, retry });
  return async (event, context) => {
    const scheduledMs = scheduledMinute(event, wiring.now());
    const { shard, config } = evaluatorShardOf(wiring.config, event, plan);
    const log = wiring.log.with({ requestId: context.awsRequestId, shard });
    // The shard's slot in the minute (none when the invocation itself started late).
    const wait = scheduledMs + evaluatorStartOffsetMs(shard) - wiring.now();
    if (wait > 0) await sleep(wait, context.deadline);
    return runEvaluateCycle({ config, shard, shards: plan.length, scheduledMs, nowMs: wiring.now, probeShards }, { state: wiring.state, history, alerts: wiring.alerts, log }, context.deadline);
  };
}
