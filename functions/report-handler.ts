// The monthly report Lambda's wiring: the previous calendar month (or a range given in the event, for a
// manual run) read from CloudWatch, built by the pure report core, summarised to the ticket topic.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { isRetryableSnsError } from '../shared/alerts/sns-publisher.js';
import { withRetries, type RetryPolicy } from '../shared/aws/retry.js';
import type { ResolvedConfig } from '../shared/config/types.js';
import type { Logger } from '../shared/log/logger.js';
import { reportFromCloudWatch } from '../shared/cycles/report-sources.js';
import { reportSummary } from '../shared/report/report-summary.js';
import { previousCalendarMonth, type ReportRange } from '../shared/sla/report.js';

/** The SNS publish: 4 tries, backoff from 200 ms doubling (full jitter). */
export const REPORT_PUBLISH_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 1600 };

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

export function createReportHandler(wiring: ReportWiring): (event: ReportEvent, context: Partial<Pick<Context, 'awsRequestId'>>) => Promise<{ targets: number; belowSlo: string[]; metricsRequested: number }> {
  return async (event, context) => {
    const log = wiring.log.with({ requestId: context.awsRequestId });
    const range = rangeOf(event, wiring.now());
    const source = await reportFromCloudWatch(wiring.cloudwatch, wiring.config, range, wiring.now());
    const report = source.report;
    const summary = reportSummary(report, `pptp-monitor report --source cloudwatch --from ${new Date(range.fromMs).toISOString()} --to ${new Date(range.toMs).toISOString()} --format html`);
    const outcome = await withRetries(
      () => wiring.sns.send(new PublishCommand({ TopicArn: wiring.topicArn, Subject: summary.subject, Message: summary.message, MessageStructure: 'json', MessageAttributes: summary.messageAttributes })),
      { policy: REPORT_PUBLISH_RETRY, retryable: isRetryableSnsError, ...(wiring.sleep && { sleep: wiring.sleep }) },
    );
    if (outcome.ok) {
      log.info('report published', { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), targets: report.targets.length, belowSlo: summary.belowSlo, metricsRequested: source.metricsRequested });
      return { targets: report.targets.length, belowSlo: summary.belowSlo, metricsRequested: source.metricsRequested };
    }
    const lastError = outcome.error;
    // Nothing lost: the whole summary goes to the log, from where it can be re-sent.
    log.error('report publish failed; the summary follows', { error: lastError, subject: summary.subject, message: summary.message });
    throw new Error(`report publish failed: ${(lastError as Error).message}`);
  };
}
