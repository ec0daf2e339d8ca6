// The notifier's dead-letter queue: one SQS message per delivery that failed for good (or per message on
// a topic that claims to be ours and cannot be read), so nothing the notifier gave up on is dropped
// silently; an alarm on the queue pages by the page topic's email and SMS. The body is built by the
// caller from log-safe parts only (the notification, the destination's name, type and host, the outcome):
// never a secret, a webhook URL or a request body. Throttling, 5xx and network errors are retried with
// the shared backoff; a send that still fails throws, for the caller to fail the invocation (Lambda then
// retries it). The client is injectable.
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { DEFAULT_RETRY_POLICY, describeAwsError, withRetries, type RetryPolicy } from '../aws/retry.js';
import { PptpMonitorError } from '../common/errors.js';
import { rejectUnknownOptions } from '../common/options.js';
import type { DeadLetter, DeadLetterSink } from '../cycles/notify-ports.js';
import type { Logger } from '../log/logger.js';

/** SQS's largest message body, in bytes (256 KiB; larger bodies need the extended client, which we avoid). */
export const SQS_MESSAGE_MAX_BYTES = 256 * 1024;

export class DeadLetterError extends PptpMonitorError<'dead_letter_failed'> {
  override readonly name = 'DeadLetterError';
  constructor(message: string, options?: { cause?: unknown }) {
    super('dead_letter_failed', message, options);
  }
}

export interface SqsDeadLettersOptions {
  queueUrl: string;
  /** Built for `region` with `maxAttempts: 1` when omitted: this sink owns the retries. */
  client?: Pick<SQSClient, 'send'>;
  region?: string;
  retry?: RetryPolicy;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  log?: Pick<Logger, 'warn'>;
}

const OPTION_NAMES = ['queueUrl', 'client', 'region', 'retry', 'sleep', 'log'] as const;

export function createSqsDeadLetters(options: SqsDeadLettersOptions): DeadLetterSink {
  rejectUnknownOptions('createSqsDeadLetters', options, OPTION_NAMES);
  if (!options.queueUrl) throw new TypeError('createSqsDeadLetters: queueUrl is required');
  const client = options.client ?? new SQSClient({ ...(options.region && { region: options.region }), maxAttempts: 1 });
  return {
    async send(letter: DeadLetter, signal?: AbortSignal): Promise<void> {
      const body = JSON.stringify(letter);
      // Bounded by construction (the notification is at most LAMBDA_PAYLOAD_MAX_BYTES); checked so that a
      // bug shows as a named error rather than SQS's InvalidParameterValue.
      if (Buffer.byteLength(body) > SQS_MESSAGE_MAX_BYTES) throw new DeadLetterError(`dead letter for ${letter.destination?.name ?? 'the message'} is ${Buffer.byteLength(body)} bytes, over SQS's ${SQS_MESSAGE_MAX_BYTES}`);
      const outcome = await withRetries(() => client.send(new SendMessageCommand({ QueueUrl: options.queueUrl, MessageBody: body }), signal ? { abortSignal: signal } : {}), {
        policy: options.retry ?? DEFAULT_RETRY_POLICY,
        ...(options.sleep && { sleep: options.sleep }),
        ...(signal && { signal }),
        onRetry: (attempt, delayMs, err) => options.log?.warn('SQS SendMessage to the dead-letter queue failed, retrying', { attempt, delayMs: Math.round(delayMs), error: describeAwsError(err) }),
      });
      if (!outcome.ok) throw new DeadLetterError(`SendMessage to the dead-letter queue failed after ${outcome.attempts} attempt(s): ${describeAwsError(outcome.error)}`, { cause: outcome.error });
    },
  };
}
