// The monthly report Lambda's wiring: the range from the event (the previous calendar month of the
// scheduled time, or `{ from, to }` for a manual run), this invocation's report shard (`shard`/`shards`
// from its schedule; one shard unless the fleet is large: shared/runners/lambda/report-shards.ts),
// CloudWatch as the history (paced, throttles retried), the ticket topic as the sink, and the report cycle
// (shared/cycles/report-cycle.ts) for everything else.
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { createSummaryPublisher } from '../shared/alerts/sns-summary-publisher.js';
import type { ResolvedConfig } from '../shared/config/types.js';
import { runReportCycle, type ReportRun } from '../shared/cycles/report-cycle.js';
import type { Logger } from '../shared/log/logger.js';
import type { GetMetricDataClient } from '../shared/metrics/cloudwatch-history.js';
import { createCloudWatchHistory } from '../shared/metrics/cloudwatch-history-source.js';
import { createReadPacer } from '../shared/metrics/read-pacer.js';
import { probeShardMap } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { REPORT_POINTS_PER_SECOND, REPORT_READ_RETRY, reportShards } from '../shared/runners/lambda/report-shards.js';
import { pickShard } from '../shared/runners/lambda/schedule-event.js';
import { previousCalendarMonth, type ReportRange } from '../shared/sla/report.js';
import type { DeadlineContext } from './middleware/deadline.js';

export interface ReportWiring {
  config: ResolvedConfig;
  cloudwatch: GetMetricDataClient;
  sns: Pick<SNSClient, 'send'>;
  topicArn: string;
  log: Logger;
  now(): number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Scheduled events carry `time` and the report shard; a manual invocation may give `{ from, to }` (ISO) instead of `time`. */
export interface ReportEvent {
  time?: string;
  from?: string;
  to?: string;
  shard?: number;
  shards?: number;
}

export function rangeOf(event: ReportEvent, nowMs: number): ReportRange {
  if (event.from !== undefined || event.to !== undefined) {
    const fromMs = Date.parse(event.from ?? '');
    const toMs = Date.parse(event.to ?? '');
    if (!Number.isFinite(fromMs) || !Number.isFinite(toMs) || fromMs >= toMs) throw new Error(`event: from and to must be ISO times with from < to, got ${JSON.stringify({ from: event.from, to: event.to })}`);
    return { fromMs, toMs };
  }
  const scheduled = Date.parse(event.time ?? '');
  return previousCalendarMonth(Number.isFinite(scheduled) ? scheduled : nowMs);
}

export type ReportContext = Partial<Pick<Context, 'awsRequestId'> & DeadlineContext>;

export function createReportHandler(wiring: ReportWiring): (event: ReportEvent, context: ReportContext) => Promise<ReportRun> {
  // The probe shards of the whole config, as deployed: the heartbeats of the history are read per shard.
  const sleep = wiring.sleep ? { sleep: wiring.sleep } : {};
  const pace = createReadPacer({ pointsPerSecond: REPORT_POINTS_PER_SECOND, now: wiring.now, ...sleep });
  const history = createCloudWatchHistory({ client: wiring.cloudwatch, probeShards: probeShardMap(wiring.config), log: wiring.log, retry: { policy: REPORT_READ_RETRY, ...sleep }, pace });
  const plan = reportShards(wiring.config);
  const summaries = createSummaryPublisher({ topicArn: wiring.topicArn, client: wiring.sns, ...(wiring.sleep && { sleep: wiring.sleep }) });
  return async (event, context) => {
    const shard = pickShard(event, plan.length, { what: 'report shard(s)', redeploy: 'the home region (or give "shard" and "shards" in a manual event)' });
    const log = wiring.log.with({ requestId: context.awsRequestId, ...(plan.length > 1 && { shard }) });
    const range = rangeOf(event, wiring.now());
    const config = { ...wiring.config, targets: plan[shard] ?? [] };
    return runReportCycle({ config, range, nowMs: wiring.now(), ...(plan.length > 1 && { part: { shard, shards: plan.length } }) }, { history, summaries, log }, context.deadline);
  };
}
