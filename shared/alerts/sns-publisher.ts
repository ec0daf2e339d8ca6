// The SNS edge: renders each Notification, publishes it to the page or ticket topic by severity, retries
// throttling, 5xx and network errors with exponential backoff and full jitter (shared/aws/retry.ts, the
// same policy and retryable test as the CloudWatch publisher, so both edges classify errors alike), and
// writes every alert that still fails to the log as one ERROR line carrying the whole rendered alert, so
// an operator can resend it by hand and nothing is lost. Never throws for a failed publish: the report
// says what failed and the caller decides. The client is injectable. Meets the cycles' AlertSink port.
import { PublishCommand, SNSClient, type PublishCommandInput } from '@aws-sdk/client-sns';
import { DEFAULT_RETRY_POLICY, describeAwsError, isRetryable, withRetries, type RetryPolicy } from '../aws/retry.js';
import type { AlertPublishReport, AlertSink } from '../cycles/ports.js';
import type { PublisherLog } from '../metrics/cloudwatch-publisher.js';
import type { Notification, Severity } from '../sla/notification.js';
import { renderAlert, type RenderContext, type RenderedAlert } from './render.js';
import { boundedKey } from './render-format.js';

export interface AlertPublisherOptions {
  /** Topic ARNs by severity; they may be the same topic (subscribers then filter on the `severity` attribute). */
  topics: { page: string; ticket: string };
  region: string;
  /**
   * Built with `maxAttempts: 1` when omitted: this publisher owns the retries. A client passed in should
   * be built the same way, or SDK retries multiply ours.
   */
  client?: Pick<SNSClient, 'send'>;
  retry?: RetryPolicy;
  log?: PublisherLog;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** One at a time, in order (an evaluation emits a handful; order keeps logs readable). */
export type AlertPublisher = AlertSink;

// SNS-specific addition to the shared test: an encrypted topic's KMS key being throttled is a 400 whose
// name the generic throttling list does not know, yet it clears on retry like any throttling.
const SNS_RETRYABLE_NAMES = new Set(['KMSThrottlingException']);

export function isRetryableSnsError(err: unknown): boolean {
  const name = typeof err === 'object' && err !== null && 'name' in err && typeof err.name === 'string' ? err.name : '';
  return isRetryable(err) || SNS_RETRYABLE_NAMES.has(name);
}

export function createAlertPublisher(options: AlertPublisherOptions): AlertPublisher {
  const client = options.client ?? new SNSClient({ region: options.region, maxAttempts: 1 });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const log = options.log ?? { write: (line: string) => process.stdout.write(`${line}\n`) };
  // An event (info) is not an incident: it goes to the ticket topic, its severity attribute set for filter policies.
  const topicFor = (severity: Severity): string => options.topics[severity === 'info' ? 'ticket' : severity];

  async function publishOne(n: Notification, context: (n: Notification) => RenderContext, report: AlertPublishReport, signal?: AbortSignal): Promise<void> {
    const topicArn = topicFor(n.severity);
    let alert: RenderedAlert;
    try {
      alert = renderAlert(n, context(n));
    } catch (err) {
      // A rendering bug must not lose the page either: log the notification itself, which has everything.
      const error = describeAwsError(err);
      log.write(JSON.stringify({ level: 'ERROR', message: 'Alert could not be rendered; the notification follows', dedupKey: n.dedupKey, topicArn, error, notification: n }));
      report.failed.push({ dedupKey: n.dedupKey, status: n.status, error });
      return;
    }
    const input: PublishCommandInput = {
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.message,
      MessageStructure: 'json',
      MessageAttributes: { ...alert.messageAttributes },
    };
    const outcome = await withRetries(() => client.send(new PublishCommand(input), signal ? { abortSignal: signal } : {}), {
      policy: retry,
      retryable: isRetryableSnsError,
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.random && { random: options.random }),
      ...(signal && { signal }),
      onRetry: (attempt, delay, err) =>
        log.write(JSON.stringify({ level: 'WARN', message: 'SNS Publish failed, retrying', dedupKey: boundedKey(n.dedupKey), attempt, delayMs: Math.round(delay), error: describeAwsError(err) })),
    });
    const retried = outcome.attempts > 1;
    if (outcome.ok) {
      report.sent++;
      if (retried) report.retried++;
      return;
    }
    const lastError = outcome.error;
    const error = describeAwsError(lastError);
    if (retried) report.retried++;
    log.write(
      JSON.stringify({
        level: 'ERROR',
        message: 'SNS Publish failed for good; the full alert follows so it can be sent by hand',
        dedupKey: n.dedupKey,
        status: n.status,
        severity: n.severity,
        topicArn,
        error,
        // Exactly the Publish input, so `aws sns publish` (or a replay script) can resend it as is.
        alert: { TopicArn: topicArn, Subject: alert.subject, MessageStructure: 'json', MessageAttributes: alert.messageAttributes, Message: alert.message },
      }),
    );
    report.failed.push({ dedupKey: n.dedupKey, status: n.status, error });
  }

  return {
    async publish(notifications, context, signal) {
      const report: AlertPublishReport = { sent: 0, retried: 0, failed: [] };
      // Even after an abort the rest are attempted: the SDK rejects at once, and each lands in the ERROR log.
      for (const n of notifications) await publishOne(n, context, report, signal);
      return report;
    },
  };
}
