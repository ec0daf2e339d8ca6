// The Lambda functions, in osls's `functions:` syntax. The probe function gets one schedule per shard of
// its region, from the same plan the handler recomputes from the packaged config.
import type { ResolvedConfig } from '../shared/config/types.js';
import { evaluatorShards } from '../shared/runners/lambda/evaluator-shards.js';
import { reportSchedule, reportShards } from '../shared/runners/lambda/report-shards.js';
import { PROBE_LAMBDA_MEMORY_MB, PROBE_LAMBDA_TIMEOUT_S, PROBE_MAX_EVENT_AGE_S, regionShards } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { NOTIFY_ENV, NOTIFY_LAMBDA_MEMORY_MB, NOTIFY_LAMBDA_TIMEOUT_S } from '../shared/runners/lambda/notifier-sizing.js';
import type { CfnString, InputTransformer, ScheduleEvent, ServerlessFunction } from './cfn.js';
import type { Naming } from './names.js';

/**
 * Evaluator memory, sized to its largest shard: a run that rebuilds a target's state holds 8 days of its
 * 3-region minutes (~4 MiB per target while it is replayed; the rebuild budget caps how many at once), a
 * run that steps holds only the shard's fold states (a few KB per target). 256 MB + 8 MB per target, at
 * most 1 GB, as before: a first deploy of a small fleet rebuilds every target in its first run.
 */
export const EVALUATOR_LAMBDA_BASE_MEMORY_MB = 256;
export const EVALUATOR_LAMBDA_MEMORY_PER_TARGET_MB = 8;
export const EVALUATOR_LAMBDA_MAX_MEMORY_MB = 1024;

export function evaluatorMemoryMb(largestShardTargets: number): number {
  return Math.min(EVALUATOR_LAMBDA_MAX_MEMORY_MB, EVALUATOR_LAMBDA_BASE_MEMORY_MB + EVALUATOR_LAMBDA_MEMORY_PER_TARGET_MB * largestShardTargets);
}
/** Evaluator timeout: like the probes, done before the next 1-minute run starts (OUTBOX_LEASE_MS relies on it). */
export const EVALUATOR_LAMBDA_TIMEOUT_S = 50;

export const PROBE_ROLE_ID = 'ProbeRole';
export const EVALUATOR_ROLE_ID = 'EvaluatorRole';
export const REPORT_ROLE_ID = 'ReportRole';
export const NOTIFIER_ROLE_ID = 'NotifierRole';
/** osls's logical id of the notifier function (`<Key>LambdaFunction`), which its subscriptions and permissions name. */
export const NOTIFY_FUNCTION_ID = 'NotifyLambdaFunction';
/**
 * The report reads a month of metrics for the targets of its shard at a pace of REPORT_POINTS_PER_SECOND:
 * about 13 minutes for a full shard with the previous period (shared/runners/lambda/report-shards.ts); Lambda's maximum.
 */
export const REPORT_LAMBDA_TIMEOUT_S = 900;
export const REPORT_LAMBDA_MEMORY_MB = 1024;
/** 06:00 UTC on the 1st for the first report shard (the previous month is complete and ingested), the others 15 minutes apart. */
export const REPORT_SCHEDULE = reportSchedule(0);
/** Environment variable with the topic the monthly summary goes to. */
export const REPORT_TOPIC_ENV = 'REPORT_TOPIC_ARN';

/**
 * Lambda's retries of a failed or timed-out asynchronous invocation, per function (AWS retries twice by
 * default, about 1 and 2 minutes later), and how long an event may wait in Lambda's queue.
 *
 * - probe: never retried, events dropped after 60 s. A retry probes again for the same scheduled minute
 *   and publishes a second set of points for it (the first run's points are in CloudWatch, or in the log
 *   as EMF); a late run measures another minute than the one it files under. The handler also refuses an
 *   event older than its minute (EventBridge's own redelivery is not bounded by these settings).
 * - evaluate: never retried, events dropped after 60 s. Every run steps its shard's state from where the
 *   last claimed run left it, so the next scheduled run, a minute later, makes up a failed or dropped one
 *   (notifications up to 60 minutes back); a retry or a late event would only run beside it, and the
 *   state's conditional writes would make it give up (it sends nothing) or find nothing left to do.
 * - report: retried twice, events kept for the default 6 h. It runs once a month, so a failed run
 *   (GetMetricData throttled by the evaluators' reads, an SNS error) would otherwise wait a month or a
 *   human. A retry builds the same report (the range comes from the event's `time`); it sends the summary a
 *   second time only if the first run failed after publishing, and then to a ticket topic.
 * - notify: retried twice, events kept 1 h, then sent to the dead-letter queue (its OnFailure destination,
 *   notifyFunction). The handler fails an invocation only when something is left to do: a delivery held by
 *   another invocation that may still be running, a dead letter SQS would not take, a crash. Every delivery
 *   is claimed and recorded in the state table, so a retry (about 1, then 2 minutes later, after the failed
 *   invocation's lease) sends only what did not go out. An hour bounds how late a page may still arrive
 *   when Lambda's queue is backed up (throttling): older, it is a dead letter, and the dead-letter alarm
 *   pages by email and SMS instead of PagerDuty opening an incident for an outage long over.
 */
export const ASYNC_INVOKE = {
  probe: { maximumRetryAttempts: 0, maximumEventAge: PROBE_MAX_EVENT_AGE_S },
  evaluate: { maximumRetryAttempts: 0, maximumEventAge: 60 },
  report: { maximumRetryAttempts: 2, maximumEventAge: 6 * 3600 },
  notify: { maximumRetryAttempts: 2, maximumEventAge: 3600 },
} as const satisfies Record<string, Pick<ServerlessFunction, 'maximumRetryAttempts' | 'maximumEventAge'>>;

/** Environment variables through which the evaluator learns the topics only the deployed stack knows. */
export const EVALUATOR_ENV = { pageTopicArn: 'PAGE_TOPIC_ARN', ticketTopicArn: 'TICKET_TOPIC_ARN', stateTableName: 'STATE_TABLE_NAME' } as const;

// Every minute even where all targets are on 5 minutes: the handler probes the due ones (isDue), and a
// single schedule keeps the shard plan independent of intervals.
const EVERY_MINUTE = 'rate(1 minute)';
const HANDLER = 'index.handler';
// No NODE_OPTIONS=--enable-source-maps: the artifacts ship no source maps (see lambda-artifacts.ts), so
// the flag would only cost start-up time.

/**
 * The input of shard `shard`'s schedule: the event's scheduled `time` plus the constant shard numbers.
 * A constant `input` would replace the whole event, and with it the minute the handler files results
 * under. The numbers are written into the template as JSON; only the time is a placeholder, quoted
 * because it is a string (see InputTransformer).
 */
export function probeScheduleInput(shard: number, shards: number): InputTransformer {
  return {
    inputPathsMap: { time: '$.time' },
    inputTemplate: `{"time": "<time>", "shard": ${JSON.stringify(shard)}, "shards": ${JSON.stringify(shards)}}`,
  };
}

const plural = (n: number, noun: string): string => `${n} ${noun}${n === 1 ? '' : 's'}`;

/** The probe function of `region`, or undefined when no target is probed from there. */
export function probeFunction(config: ResolvedConfig, region: string, names: Naming, artifact: string): ServerlessFunction | undefined {
  const shards = regionShards(config, region);
  if (shards.length === 0) return undefined;
  const targets = shards.reduce((n, shard) => n + shard.length, 0);
  return {
    name: names.functionName('probe'),
    description: `PPTP probes from ${region}: ${plural(targets, 'target')} in ${plural(shards.length, 'shard')}, one scheduled invocation per shard`,
    handler: HANDLER,
    package: { artifact },
    memorySize: PROBE_LAMBDA_MEMORY_MB,
    timeout: PROBE_LAMBDA_TIMEOUT_S,
    role: PROBE_ROLE_ID,
    ...ASYNC_INVOKE.probe,
    events: shards.map((_, shard): ScheduleEvent => ({ schedule: { rate: [EVERY_MINUTE], inputTransformer: probeScheduleInput(shard, shards.length) } })),
  };
}

export function evaluateFunction(config: ResolvedConfig, names: Naming, artifact: string, topics: { page: CfnString; ticket: CfnString }, stateTable: CfnString): ServerlessFunction {
  const plan = evaluatorShards(config);
  const shards = plan.length;
  return {
    name: names.functionName('evaluate'),
    description: 'PPTP monitor evaluator: SLOs, quorum and alerts from the probe metrics, every minute',
    handler: HANDLER,
    package: { artifact },
    memorySize: evaluatorMemoryMb(Math.max(0, ...plan.map((shard) => shard.length))),
    timeout: EVALUATOR_LAMBDA_TIMEOUT_S,
    role: EVALUATOR_ROLE_ID,
    environment: { [EVALUATOR_ENV.pageTopicArn]: topics.page, [EVALUATOR_ENV.ticketTopicArn]: topics.ticket, [EVALUATOR_ENV.stateTableName]: stateTable },
    ...ASYNC_INVOKE.evaluate,
    // One schedule per shard of targets (see shared/runners/lambda/evaluator-shards.ts), carrying the time too.
    events: Array.from({ length: shards }, (_, shard): ScheduleEvent => ({ schedule: { rate: [EVERY_MINUTE], inputTransformer: probeScheduleInput(shard, shards) } })),
  };
}

export function reportFunction(config: ResolvedConfig, names: Naming, artifact: string, topic: CfnString): ServerlessFunction {
  const shards = reportShards(config).length;
  return {
    name: names.functionName('report'),
    description: 'PPTP monitor monthly SLA report: previous calendar month from CloudWatch, summary to the ticket topic',
    handler: HANDLER,
    package: { artifact },
    memorySize: REPORT_LAMBDA_MEMORY_MB,
    timeout: REPORT_LAMBDA_TIMEOUT_S,
    role: REPORT_ROLE_ID,
    environment: { [REPORT_TOPIC_ENV]: topic },
    ...ASYNC_INVOKE.report,
    // One schedule per report shard, carrying the time and the shard like the probe and evaluator schedules.
    events: Array.from({ length: shards }, (_, shard): ScheduleEvent => ({ schedule: { rate: [reportSchedule(shard)], inputTransformer: probeScheduleInput(shard, shards) } })),
  };
}

/**
 * The notifier: invoked by its SNS subscriptions (infra/notifier.ts), so no schedule. An invocation that
 * fails for good goes to the same dead-letter queue as a delivery that does, as Lambda's own record (the
 * SNS event and the error), so both kinds of loss raise the same alarm.
 */
export function notifyFunction(names: Naming, artifact: string, stateTable: CfnString, deadLetterQueue: { url: CfnString; arn: CfnString }): ServerlessFunction {
  return {
    name: names.functionName('notify'),
    description: 'PPTP monitor notifier: delivers each page and ticket to the notify: destinations (PagerDuty, Opsgenie, Slack, Teams, webhooks)',
    handler: HANDLER,
    package: { artifact },
    memorySize: NOTIFY_LAMBDA_MEMORY_MB,
    timeout: NOTIFY_LAMBDA_TIMEOUT_S,
    role: NOTIFIER_ROLE_ID,
    environment: { [NOTIFY_ENV.stateTableName]: stateTable, [NOTIFY_ENV.deadLetterQueueUrl]: deadLetterQueue.url },
    ...ASYNC_INVOKE.notify,
    destinations: { onFailure: { type: 'sqs', arn: deadLetterQueue.arn } },
    events: [],
  };
}
