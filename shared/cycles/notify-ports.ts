// The ports of the notify cycle (notify-cycle.ts): a ledger of deliveries that makes each (notification,
// destination) pair go out once across SNS redeliveries and Lambda retries, and a dead-letter sink for what
// could not be delivered. The cycle imports these, never an SDK; the adapters are shared/state/delivery-
// ledger.ts (DynamoDB) and shared/alerts/sqs-dead-letters.ts (SQS).
import type { NotifyType } from '../config/types.js';
import type { Notification } from '../sla/notification.js';

/** How a settled delivery ended: delivered, handed to the dead-letter queue, or skipped because its incident had resolved. */
export type SettledDelivery = 'sent' | 'dead_lettered' | 'superseded';

export type ClaimResult =
  /** This invocation owns the delivery until the lease it asked for; `token` settles or releases it. */
  | { state: 'claimed'; token: string }
  /** Another invocation finished it: nothing to do. */
  | { state: 'done'; settled: SettledDelivery }
  /** Another invocation holds it and may still be running: try again once that lease is over. */
  | { state: 'busy'; leaseUntilMs: number };

export interface DeliveryLedger {
  /**
   * Takes the delivery `key` for this invocation until `leaseUntilMs` (ms since the epoch, past the moment
   * the invocation can no longer be running), unless it is settled or held by a lease not yet over.
   */
  claim(key: string, claim: { leaseUntilMs: number; messageId: string }, signal?: AbortSignal): Promise<ClaimResult>;
  /** Records how a claimed delivery ended; only the holder of `token` can. */
  settle(key: string, token: string, settled: SettledDelivery, signal?: AbortSignal): Promise<void>;
  /** Gives a claimed delivery up (its lease ends now), so a retry of the invocation takes it again. */
  release(key: string, token: string, signal?: AbortSignal): Promise<void>;
  /** Whether `key` was delivered ('sent'). */
  wasSent(key: string, signal?: AbortSignal): Promise<boolean>;
}

/** Format tag of a dead letter's body; bump on an incompatible change. */
export const DEAD_LETTER_FORMAT = 'pptp-monitor/dead-letter@1';

/** What a dead letter says about the delivery that failed: log-safe fields only, never a secret or a request body. */
export interface DeadLetterOutcome {
  host: string;
  /** The last HTTP status received, when a try got an answer. */
  status?: number;
  attempts: number;
  error: string;
  /** The service asked to be retried after this long (ms), more than the notifier waits. */
  retryAfterMs?: number;
}

export interface DeadLetter {
  format: typeof DEAD_LETTER_FORMAT;
  /** `delivery_failed`: one destination; `unreadable_message`: an SNS message claiming to be ours that is not a valid notification. */
  reason: 'delivery_failed' | 'unreadable_message';
  /** When the notifier gave up, ISO 8601. */
  at: string;
  sns: { messageId: string; topicArn: string };
  destination?: { name: string; type: NotifyType };
  outcome?: DeadLetterOutcome;
  /** The notification as received: everything needed to send it again by hand or by replaying the SNS message. */
  notification?: Notification;
  /** unreadable_message: what is wrong with it, and the start of the text. */
  problem?: string;
  excerpt?: string;
}

export interface DeadLetterSink {
  /** Stores one dead letter; throws when it cannot (the caller fails the invocation so Lambda retries it). */
  send(letter: DeadLetter, signal?: AbortSignal): Promise<void>;
}

/** How a publish to an SNS topic went (an Amazon Q Developer destination): log-safe. */
export interface TopicPublishOutcome {
  ok: boolean;
  attempts: number;
  error?: string;
}

export interface TopicSink {
  /** Publishes `message` as is to `topicArn`, with retries; never throws for a failed publish. */
  publish(topicArn: string, message: string, signal?: AbortSignal): Promise<TopicPublishOutcome>;
}
