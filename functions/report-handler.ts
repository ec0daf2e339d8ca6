// The monthly report Lambda's wiring: the previous calendar month (or a range given in the event, for a
// manual run) read from CloudWatch, built by the pure report core, summarised to the ticket topic.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import { isRetryableSnsError } from '../shared/alerts/sns-publisher.js';
import type { ResolvedConfig } from '../shared/config/types.js';
import type { Logger } from '../shared/log/logger.js';
import { reportFromCloudWatch } from '../shared/monitor/report-sources.js';
import { reportSummary } from '../shared/report/report-summary.js';
import { previousCalendarMonth, type ReportRange } from '../shared/sla/report.js';

/** Tries of the SNS publish; backoff doubles from the base. */
export const REPORT_PUBLISH_ATTEMPTS = 4;
export const REPORT_PUBLISH_BACKOFF_MS = 200;

export interface ReportWiring {
  config: ResolvedConfig;
  cloudwatch: Pick<CloudWatchClient, 'send'>;
  sns: Pick<SNSClient, 'send'>;
  topicArn: string;
  log: Logger;
  now(): number;
  sleep?: (ms: number) => Promise<void>;
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
  const sleep = wiring.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  return async (event, context) => {
    const log = wiring.log.with({ requestId: context.awsRequestId });
    const range = rangeOf(event, wiring.now());
    const source = await reportFromCloudWatch(wiring.cloudwatch, wiring.config, range, wiring.now());
    const report = source.report;
    const summary = reportSummary(report, `pptp-monitor report --source cloudwatch --from ${new Date(range.fromMs).toISOString()} --to ${new Date(range.toMs).toISOString()} --format html`);
    let lastError: unknown;
    for (let attempt = 1; attempt <= REPORT_PUBLISH_ATTEMPTS; attempt++) {
      try {
        await wiring.sns.send(new PublishCommand({ TopicArn: wiring.topicArn, Subject: summary.subject, Message: summary.message, MessageStructure: 'json', MessageAttributes: summary.messageAttributes }));
        log.info('report published', { from: new Date(range.fromMs).toISOString(), to: new Date(range.toMs).toISOString(), targets: report.targets.length, belowSlo: summary.belowSlo, metricsRequested: source.metricsRequested });
        return { targets: report.targets.length, belowSlo: summary.belowSlo, metricsRequested: source.metricsRequested };
      } catch (err) {
        lastError = err;
        if (!isRetryableSnsError(err) || attempt === REPORT_PUBLISH_ATTEMPTS) break;
        await sleep(Math.random() * REPORT_PUBLISH_BACKOFF_MS * 2 ** (attempt - 1));
      }
    }
    // Nothing lost: the whole summary goes to the log, from where it can be re-sent.
    log.error('report publish failed; the summary follows', { error: lastError, subject: summary.subject, message: summary.message });
    throw new Error(`report publish failed: ${(lastError as Error).message}`);
  };
}
