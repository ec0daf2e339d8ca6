// The monthly report Lambda's wiring: the range from the event (the previous calendar month of the
// scheduled time, or `{ from, to }` for a manual run), CloudWatch as the history, the ticket topic as the
// sink, and the report cycle (shared/cycles/report-cycle.ts) for everything else.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { createSummaryPublisher } from '../shared/alerts/sns-summary-publisher.js';
import type { ResolvedConfig } from '../shared/config/types.js';
import { runReportCycle, type ReportRun } from '../shared/cycles/report-cycle.js';
import type { Logger } from '../shared/log/logger.js';
import { createCloudWatchHistory } from '../shared/metrics/cloudwatch-history-source.js';
import { probeShardMap } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { previousCalendarMonth, type ReportRange } from '../shared/sla/report.js';
import type { DeadlineContext } from './middleware/deadline.js';

export interface ReportWiring {
  config: ResolvedConfig;
  cloudwatch: Pick<CloudWatchClient, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  topicArn: string;
  log: Logger;
  now(): number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/** Scheduled events carry `time`; a manual invocation may give `{ from, to }` (ISO) instead. */
export interface ReportEvent {
  time?: string;
  from?: string;
  to?: string;
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
  const history = createCloudWatchHistory({ client: wiring.cloudwatch, probeShards: probeShardMap(wiring.config), log: wiring.log });
  const summaries = createSummaryPublisher({ topicArn: wiring.topicArn, client: wiring.sns, ...(wiring.sleep && { sleep: wiring.sleep }) });
  return async (event, context) => {
    const log = wiring.log.with({ requestId: context.awsRequestId });
    const range = rangeOf(event, wiring.now());
    return runReportCycle({ config: wiring.config, range, nowMs: wiring.now() }, { history, summaries, log }, context.deadline);
  };
}
