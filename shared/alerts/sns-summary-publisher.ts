// The report summary's SNS edge: one Publish to the ticket topic, retried like the alerts (throttling,
// 5xx, network, KMS throttling) with full jitter. Meets the report cycle's SummarySink port; the cycle
// logs a summary that still fails.
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { withRetries, type RetryPolicy } from '../aws/retry.js';
import { rejectUnknownOptions } from '../common/options.js';
import type { SummarySink } from '../cycles/ports.js';
import { isRetryableSnsError } from './sns-publisher.js';

/** The SNS publish: 4 tries, backoff from 200 ms doubling (full jitter). */
export const REPORT_PUBLISH_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 1600 };

export interface SummaryPublisherOptions {
  topicArn: string;
  /** Should be built with `maxAttempts: 1`: this publisher owns the retries. */
  client: Pick<SNSClient, 'send'>;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

const KNOWN_OPTIONS = ['topicArn', 'client', 'retry', 'sleep'];

export function createSummaryPublisher(options: SummaryPublisherOptions): SummarySink {
  rejectUnknownOptions('createSummaryPublisher', options, KNOWN_OPTIONS);
  return {
    async publish(summary, signal) {
      const input = { TopicArn: options.topicArn, Subject: summary.subject, Message: summary.message, MessageStructure: 'json', MessageAttributes: summary.messageAttributes };
      const outcome = await withRetries(() => options.client.send(new PublishCommand(input), signal ? { abortSignal: signal } : {}), {
        policy: options.retry ?? REPORT_PUBLISH_RETRY,
        retryable: isRetryableSnsError,
        ...(options.sleep && { sleep: options.sleep }),
        ...(signal && { signal }),
      });
      return outcome.ok ? { ok: true } : { ok: false, error: outcome.error };
    },
  };
}
