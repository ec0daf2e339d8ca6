// How the notifier Lambda is sized and timed: shared by the deploy step (timeout, memory, asynchronous
// invocation) and the handler (its deadlines, the claims' lease, how long a service may ask us to wait).
import { DEFAULT_DELIVERY_POLICY, type DeliveryPolicy } from '../../alerts/destinations/deliver.js';

/**
 * Lambda timeout of the notifier, in s. A delivery that keeps failing takes at most 4 tries of 5 s plus
 * backoff (~27 s) or a Retry-After of NOTIFIER_DELIVERY_POLICY.maxRetryAfterMs per retry; every destination
 * is delivered at once, so 60 s holds the slowest with room for the dead letters and the ledger.
 */
export const NOTIFY_LAMBDA_TIMEOUT_S = 60;
/** Environment variables through which the notifier learns what only the deployed stack knows (set by infra/functions.ts). */
export const NOTIFY_ENV = { stateTableName: 'STATE_TABLE_NAME', deadLetterQueueUrl: 'DEAD_LETTER_QUEUE_URL' } as const;

/** arm64 memory, in MB: a handful of HTTPS requests and three SDK clients; CPU scales with memory, start-up is what counts. */
export const NOTIFY_LAMBDA_MEMORY_MB = 256;
/**
 * Deliveries stop this long before the Lambda deadline, in ms: a try does not start, and a wait does not
 * last, past it (what is cut short goes to the dead-letter queue). The time left is for the dead letters
 * and the ledger's writes, each with its retries.
 */
export const NOTIFY_DELIVERY_MARGIN_MS = 10_000;
/** The ledger's writes and the dead letters stop this long before the Lambda deadline, in ms, so the invocation still logs and answers. */
export const NOTIFY_RECORD_MARGIN_MS = 2_000;
/**
 * Added to the invocation's own deadline for the lease of its claims, in ms: covers clock differences
 * between Lambda hosts, so a retry never takes over a delivery its first invocation may still be making.
 */
export const NOTIFY_LEASE_SLACK_MS = 5_000;

/**
 * The destinations' delivery policy in Lambda: the local monitor's, but a service asking to wait more than
 * 20 s (a 429 with a long Retry-After) is not waited for: that delivery goes to the dead-letter queue with
 * the wait it asked for, rather than holding the invocation (and every other destination's record) open.
 */
export const NOTIFIER_DELIVERY_POLICY: DeliveryPolicy = { ...DEFAULT_DELIVERY_POLICY, maxRetryAfterMs: 20_000 };
