// The notify cycle: one notification (as the evaluator published it) to every `notify:` destination that
// takes its severity, each delivery exactly once as far as a ledger can make it, nothing dropped silently.
// Runner-agnostic: the notifier Lambda passes DynamoDB, SSM and SQS adapters; tests may pass their own.
//
// Per destination, all at once (a slow one delays none):
//   1. claim the delivery in the ledger, keyed on the notification's identity (dedup key, severity,
//      status, `at`) and the destination: an SNS redelivery, a Lambda retry or the evaluator republishing
//      its outbox all find it settled (skip) or held by a live invocation (the invocation fails, so Lambda
//      retries it once that lease is over). The ledger unreachable: deliver anyway (a page twice beats none).
//   2. a firing or reminder whose incident's resolve already went to this destination is not sent (it
//      would reopen a closed PagerDuty incident or Opsgenie alert): settled 'superseded'.
//   3. read the destination's secrets (SSM, cached), format, deliver with retries (destinations/); an
//      Amazon Q Developer destination (`chatbot`) is its custom notification published to its SNS topic.
//   4. delivered: settled 'sent'. Failed for good (or a secret unreadable): one dead letter, then settled
//      'dead_lettered', and the invocation still succeeds, so a Lambda retry resends nothing that went out.
//      The dead letter itself failing: the claim is released and the invocation fails, for Lambda to retry.
import { boundedKey } from '../alerts/render-format.js';
import type { RenderContext } from '../alerts/render.js';
import { chatbotMessage, deliveryLine, readDestinations, type DestinationDelivery, type ReadyDestination, type SecretReader } from '../alerts/destinations/index.js';
import type { NotifyDestination, NotifyType } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { Notification } from '../sla/notification.js';
import { DEAD_LETTER_FORMAT, type DeadLetterSink, type DeliveryLedger, type SettledDelivery, type TopicSink } from './notify-ports.js';

export interface NotifyCycleInput {
  notification: Notification;
  context: RenderContext;
  sns: { messageId: string; topicArn: string };
  /** When the invocation can no longer be running, ms since the epoch (with slack for clocks): the claims' lease. */
  leaseUntilMs: number;
}

/** One destination's send, whatever its kind: log-safe fields and the line to log. */
interface Attempt {
  ok: boolean;
  host: string;
  status?: number;
  attempts: number;
  error?: string;
  retryAfterMs?: number;
  line: string;
}

export interface NotifyCyclePorts {
  /** `notify:` as configured (secrets named, not read). */
  destinations: readonly NotifyDestination[];
  secrets: SecretReader;
  ledger: DeliveryLedger;
  deadLetters: DeadLetterSink;
  /** Formats and delivers to one ready destination (createNotifier in the Lambda); never throws for a failed delivery. */
  deliver(d: ReadyDestination, n: Notification, ctx: RenderContext, signal?: AbortSignal): Promise<DestinationDelivery>;
  /** Publishes to the Amazon Q Developer topics of `chatbot` destinations; without it they are dead-lettered. */
  topics?: TopicSink;
  log: Logger;
  now(): number;
}

export type DestinationResult =
  | { destination: string; type: NotifyType; result: 'sent'; status?: number; attempts: number }
  | { destination: string; type: NotifyType; result: 'duplicate'; settled: SettledDelivery }
  | { destination: string; type: NotifyType; result: 'superseded' }
  | { destination: string; type: NotifyType; result: 'dead_lettered'; error: string }
  /** Held by another invocation, or its dead letter could not be stored: the invocation must be retried. */
  | { destination: string; type: NotifyType; result: 'retry'; reason: string };

export interface NotifyCycleReport {
  results: DestinationResult[];
  /** Set when Lambda must retry the invocation (the handler fails it): why, per destination. */
  retry?: string;
}

/**
 * The ledger key of delivering `n` to `destination`. A resolve is keyed without its `at`: an incident
 * resolves once, and a firing looks that key up to know it is too late (step 2). `at` is written as a
 * number: a hostile value could not be formatted as a date.
 */
export function deliveryKey(destination: string, n: Pick<Notification, 'severity' | 'status' | 'at' | 'dedupKey'>): string {
  const when = n.status === 'resolved' ? 'resolved' : `${n.status}@${n.at}`;
  // The dedup key last: it is the only part that may hold '#'.
  return `${destination}#${n.severity}#${when}#${boundedKey(n.dedupKey)}`;
}

/** Two deadlines: deliveries stop at the first; the ledger and the dead letters, which record what happened, at the second. */
export interface NotifyCycleSignals {
  delivery?: AbortSignal;
  record?: AbortSignal;
}

export async function runNotifyCycle(input: NotifyCycleInput, ports: NotifyCyclePorts, signals: NotifyCycleSignals = {}): Promise<NotifyCycleReport> {
  const signal = signals.record;
  const n = input.notification;
  const log = ports.log.with({ dedupKey: boundedKey(n.dedupKey), status: n.status, severity: n.severity, snsMessageId: input.sns.messageId });
  const taking = ports.destinations.filter((d) => d.severities.includes(n.severity));

  async function one(d: NotifyDestination): Promise<DestinationResult> {
    const base = { destination: d.name, type: d.type };
    const key = deliveryKey(d.name, n);
    let token: string | undefined;
    try {
      const claim = await ports.ledger.claim(key, { leaseUntilMs: input.leaseUntilMs, messageId: input.sns.messageId }, signal);
      if (claim.state === 'done') {
        log.info('already handled by an earlier invocation: not sent again', { destination: d.name, settled: claim.settled });
        return { ...base, result: 'duplicate', settled: claim.settled };
      }
      if (claim.state === 'busy') return { ...base, result: 'retry', reason: `${d.name}: in flight in another invocation until ${new Date(claim.leaseUntilMs).toISOString()}` };
      token = claim.token;
    } catch (err) {
      log.warn('delivery ledger unavailable: delivering without a record, so a redelivery may send it again', { destination: d.name, error: err });
    }
    const settle = async (settled: SettledDelivery): Promise<void> => {
      if (token === undefined) return;
      try {
        await ports.ledger.settle(key, token, settled, signal);
      } catch (err) {
        // Delivered or dead-lettered already: a failed record only risks a resend after the lease.
        log.error('delivery record could not be written: a redelivery after its lease may send it again', { destination: d.name, settled, error: err });
      }
    };

    if (n.status !== 'resolved' && (await resolvedAlready(d.name))) {
      log.info('its incident was resolved at this destination already: not sent (it would reopen it)', { destination: d.name });
      await settle('superseded');
      return { ...base, result: 'superseded' };
    }

    const attempt = await send(d);
    if (attempt.ok) {
      log.info(`notify: ${attempt.line}`, { destination: d.name });
      await settle('sent');
      return { ...base, result: 'sent', ...(attempt.status !== undefined && { status: attempt.status }), attempts: attempt.attempts };
    }
    const error = attempt.error ?? 'unknown error';
    // Names the destination, host and parameter; never a value (deliver() and the secret reader redact).
    log.error(`notify: ${attempt.line}; to the dead-letter queue`, { destination: d.name, error });
    try {
      await ports.deadLetters.send(
        {
          format: DEAD_LETTER_FORMAT,
          reason: 'delivery_failed',
          at: new Date(ports.now()).toISOString(),
          sns: input.sns,
          destination: { name: d.name, type: d.type },
          outcome: {
            host: attempt.host,
            ...(attempt.status !== undefined && { status: attempt.status }),
            attempts: attempt.attempts,
            error,
            ...(attempt.retryAfterMs !== undefined && { retryAfterMs: attempt.retryAfterMs }),
          },
          notification: n,
        },
        signal,
      );
    } catch (err) {
      log.error('dead letter could not be stored: the invocation fails so that Lambda retries it', { destination: d.name, error: err });
      if (token !== undefined) await ports.ledger.release(key, token, signal).catch((e: unknown) => log.warn('delivery claim could not be released: a retry takes it over once its lease is over', { destination: d.name, error: e }));
      return { ...base, result: 'retry', reason: `${d.name}: failed, and its dead letter could not be stored` };
    }
    await settle('dead_lettered');
    return { ...base, result: 'dead_lettered', error };
  }

  /** Step 3: an Amazon Q topic is published to; any other destination gets its HTTP request with its secrets. */
  async function send(d: NotifyDestination): Promise<Attempt> {
    if (d.type === 'chatbot') {
      if (ports.topics === undefined) return { ok: false, host: '(not sent)', attempts: 0, error: 'no SNS publisher for Amazon Q topics in this runner', line: `${d.name} (chatbot): not sent` };
      const published = await ports.topics.publish(d.topic, JSON.stringify(chatbotMessage(n, input.context)), signals.delivery);
      const host = `sns:${d.topic.split(':').slice(3).join(':')}`;
      const tries = `${published.attempts} attempt${published.attempts === 1 ? '' : 's'}`;
      return { ...published, host, line: published.ok ? `${d.name} (chatbot, ${host}): published, ${tries}` : `${d.name} (chatbot, ${host}): failed, ${tries}: ${published.error ?? 'unknown error'}` };
    }
    const { ready, problems } = await readDestinations([d], ports.secrets);
    const delivery: DestinationDelivery | undefined = ready[0] !== undefined ? await ports.deliver(ready[0], n, input.context, signals.delivery) : undefined;
    if (delivery === undefined) return { ok: false, host: '(not sent)', attempts: 0, error: problems.join('; '), line: `${d.name} (${d.type}): a secret could not be read` };
    return { ...delivery, line: deliveryLine(delivery) };
  }

  async function resolvedAlready(destination: string): Promise<boolean> {
    try {
      return await ports.ledger.wasSent(deliveryKey(destination, { ...n, status: 'resolved' }), signal);
    } catch {
      return false;
    }
  }

  // A bug in a step above must not take the other destinations down, nor end the invocation as if it had
  // succeeded: that destination asks for a retry (its claim runs out with its lease).
  const guarded = (d: NotifyDestination): Promise<DestinationResult> =>
    one(d).catch((err: unknown): DestinationResult => {
      log.error('delivery failed unexpectedly: the invocation fails so that Lambda retries it', { destination: d.name, error: err });
      return { destination: d.name, type: d.type, result: 'retry', reason: `${d.name}: ${err instanceof Error ? err.name : 'error'}` };
    });
  const results = await Promise.all(taking.map(guarded));
  const retries = results.flatMap((r) => (r.result === 'retry' ? [r.reason] : []));
  return { results, ...(retries.length > 0 && { retry: retries.join('; ') }) };
}
