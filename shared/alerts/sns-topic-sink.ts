// Publishes a prepared message to an SNS topic of any region: the notifier's Amazon Q Developer
// destinations (destinations/chatbot.ts), whose chat channel reads the topic's raw message. One client per
// region, made on first use; throttling, 5xx and network errors retried with the shared backoff (the same
// test as the alert publisher's). Never throws for a failed publish: the outcome says why, log-safe.
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { DEFAULT_RETRY_POLICY, describeAwsError, withRetries, type RetryPolicy } from '../aws/retry.js';
import type { TopicSink } from '../cycles/notify-ports.js';
import type { Logger } from '../log/logger.js';
import { isRetryableSnsError } from './sns-publisher.js';

export interface SnsTopicSinkOptions {
  /** The client for a region; by default one with `maxAttempts: 1` (this sink owns the retries). */
  clientFor?: (region: string) => Pick<SNSClient, 'send'>;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: Pick<Logger, 'warn'>;
}

const regionOf = (topicArn: string): string | undefined => /^arn:aws:sns:([a-z0-9-]+):/.exec(topicArn)?.[1];

export function createSnsTopicSink(options: SnsTopicSinkOptions = {}): TopicSink {
  const clients = new Map<string, Pick<SNSClient, 'send'>>();
  const clientFor = (region: string): Pick<SNSClient, 'send'> => {
    let client = clients.get(region);
    if (client === undefined) {
      client = options.clientFor?.(region) ?? new SNSClient({ region, maxAttempts: 1 });
      clients.set(region, client);
    }
    return client;
  };
  return {
    async publish(topicArn, message, signal) {
      const region = regionOf(topicArn);
      if (region === undefined) return { ok: false, attempts: 0, error: `not an SNS topic ARN: ${topicArn}` };
      const client = clientFor(region);
      const outcome = await withRetries(() => client.send(new PublishCommand({ TopicArn: topicArn, Message: message }), signal ? { abortSignal: signal } : {}), {
        policy: options.retry ?? DEFAULT_RETRY_POLICY,
        retryable: isRetryableSnsError,
        ...(options.sleep && { sleep: options.sleep }),
        ...(signal && { signal }),
        onRetry: (attempt, delayMs, err) => options.log?.warn('SNS Publish to an Amazon Q topic failed, retrying', { topicArn, attempt, delayMs: Math.round(delayMs), error: describeAwsError(err) }),
      });
      return outcome.ok ? { ok: true, attempts: outcome.attempts } : { ok: false, attempts: outcome.attempts, error: describeAwsError(outcome.error) };
    },
  };
}
