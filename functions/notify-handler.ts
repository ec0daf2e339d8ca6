// The notifier Lambda's wiring, as a factory so tests can hand it their own clients: the SNS event checked
// at the edge, each record's `lambda` entry (the notification the evaluator published) checked field by
// field, its render context from the packaged config (as the evaluator built it), the claims' lease from
// the invocation's deadline, and the notify cycle (shared/cycles/notify-cycle.ts), which decides the rest.
//
// What else arrives on the page and ticket topics is not ours to deliver: the probes-stopped and
// dead-letter alarms (CloudWatch's JSON, meant for the topic's email and SMS subscribers; forwarding the
// dead-letter alarm here could loop) and messages published by hand (the README's test publish). They are
// logged and left. A message that claims to be ours but does not check out is a dead letter.
import type { Context } from 'aws-lambda';
import { createNotifier, type SecretReader } from '../shared/alerts/destinations/index.js';
import type { DeliverOptions } from '../shared/alerts/destinations/deliver.js';
import { renderContextFor } from '../shared/alerts/render-context.js';
import { looksLikeLambdaPayload, parseLambdaPayload } from '../shared/alerts/render-lambda.js';
import type { ResolvedConfig } from '../shared/config/types.js';
import { runNotifyCycle, type DestinationResult, type NotifyCyclePorts } from '../shared/cycles/notify-cycle.js';
import { DEAD_LETTER_FORMAT, type DeadLetterSink, type DeliveryLedger, type TopicSink } from '../shared/cycles/notify-ports.js';
import type { Logger } from '../shared/log/logger.js';
import { NOTIFIER_DELIVERY_POLICY, NOTIFY_LEASE_SLACK_MS } from '../shared/runners/lambda/notifier-sizing.js';
import type { DeadlineContext } from './middleware/deadline.js';
import { isRecord as isFields } from '../shared/common/is-record.js';

/** Characters of an unreadable message kept in its dead letter: enough to recognise it, bounded. */
export const UNREADABLE_EXCERPT_CHARS = 2000;

export interface NotifyWiring {
  config: Pick<ResolvedConfig, 'notify' | 'targets' | 'runbookBaseUrl' | 'dashboardBaseUrl'>;
  secrets: SecretReader;
  ledger: DeliveryLedger;
  deadLetters: DeadLetterSink;
  /** Publishes to the SNS topics of Amazon Q Developer (`chatbot`) destinations. */
  topics?: TopicSink;
  log: Logger;
  now(): number;
  /** Passed to deliver() for every destination (tests: their fetch, sleep and policy). */
  deliver?: Omit<DeliverOptions, 'secrets' | 'signal'>;
}

/** One SNS record as Lambda delivers it (the fields we use). */
export interface SnsRecord {
  messageId: string;
  topicArn: string;
  subject: string | undefined;
  message: string;
}

export interface NotifyReport {
  records: number;
  /** Per destination and record, what happened. */
  deliveries: DestinationResult[];
  /** Records that were not ours to deliver (alarms, messages published by hand). */
  ignored: number;
  /** Records that claimed to be ours and were not readable: dead letters. */
  unreadable: number;
}

/** The Lambda context as the handler uses it: `deadline` (deliveries) and `recordDeadline` (ledger, dead letters) come from middleware. */
export type NotifyContext = Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'> & DeadlineContext & { recordDeadline: AbortSignal }>;

export class NotifyEventError extends Error {
  override readonly name = 'NotifyEventError';
}

/** The records of an SNS event, checked: anything else is not an SNS delivery and fails the invocation. */
export function snsRecords(event: unknown): SnsRecord[] {
  const records = isFields(event) ? event['Records'] : undefined;
  if (!Array.isArray(records) || records.length === 0) throw new NotifyEventError('event: not an SNS event (no Records)');
  return records.map((record: unknown, i): SnsRecord => {
    const sns = isFields(record) && record['EventSource'] === 'aws:sns' ? record['Sns'] : undefined;
    if (!isFields(sns)) throw new NotifyEventError(`event.Records[${i}]: not an SNS record (EventSource aws:sns with Sns)`);
    const { MessageId: messageId, TopicArn: topicArn, Message: message, Subject: subject } = sns;
    if (typeof messageId !== 'string' || typeof topicArn !== 'string' || typeof message !== 'string') throw new NotifyEventError(`event.Records[${i}].Sns: MessageId, TopicArn and Message must be strings`);
    return { messageId, topicArn, message, subject: typeof subject === 'string' ? subject : undefined };
  });
}

/** A CloudWatch alarm's state change as SNS carries it (the probes-stopped and dead-letter alarms). */
function isAlarmMessage(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return isFields(v) && typeof v['AlarmName'] === 'string' && typeof v['NewStateValue'] === 'string';
  } catch {
    return false;
  }
}

export function createNotifyHandler(wiring: NotifyWiring): (event: unknown, context: NotifyContext) => Promise<NotifyReport> {
  const destinations = wiring.config.notify ?? [];
  const targets = new Map(wiring.config.targets.map((t) => [t.name, t]));
  // deliver() writes one JSON line per retry (destination, host, status, wait): into our log, as fields.
  const retryLine = (line: string): void => {
    const fields: unknown = JSON.parse(line);
    wiring.log.warn('delivery failed, retrying', isFields(fields) ? fields : {});
  };
  const deliver: NotifyCyclePorts['deliver'] = async (d, n, ctx, signal) => {
    const notifier = createNotifier({ destinations: [d], deliver: { policy: NOTIFIER_DELIVERY_POLICY, log: retryLine, ...wiring.deliver } });
    const [outcome] = await notifier.notify(n, ctx, signal ? { signal } : {});
    if (outcome === undefined) throw new Error(`destination ${d.name} does not take ${n.severity} notifications`);
    return outcome;
  };

  return async (event, context) => {
    const records = snsRecords(event);
    const log = wiring.log.with({ requestId: context.awsRequestId });
    const report: NotifyReport = { records: records.length, deliveries: [], ignored: 0, unreadable: 0 };
    const retries: string[] = [];
    for (const record of records) {
      const where = { snsMessageId: record.messageId, topicArn: record.topicArn };
      const parsed = parseLambdaPayload(record.message);
      if (!parsed.ok) {
        if (!looksLikeLambdaPayload(record.message)) {
          report.ignored++;
          if (isAlarmMessage(record.message)) log.info('CloudWatch alarm on the topic: left to its email and SMS subscribers', where);
          else log.warn('message on the topic is not a pptp-monitor notification: not delivered', { ...where, subject: record.subject });
          continue;
        }
        report.unreadable++;
        log.error('notification on the topic is unreadable: to the dead-letter queue', { ...where, problem: parsed.problem });
        try {
          await wiring.deadLetters.send(
            { format: DEAD_LETTER_FORMAT, reason: 'unreadable_message', at: new Date(wiring.now()).toISOString(), sns: { messageId: record.messageId, topicArn: record.topicArn }, problem: parsed.problem, excerpt: record.message.slice(0, UNREADABLE_EXCERPT_CHARS) },
            context.recordDeadline,
          );
        } catch (err) {
          log.error('dead letter could not be stored', { ...where, error: err });
          retries.push(`${record.messageId}: unreadable, and its dead letter could not be stored`);
        }
        continue;
      }
      const { notification, form } = parsed.payload;
      if (form !== 'full') log.warn(`notification arrived in its ${form} form (hostile sizes): free text and lists are shortened`, { ...where, dedupKey: notification.dedupKey.slice(0, 256) });
      const cycle = await runNotifyCycle(
        {
          notification,
          context: renderContextFor(wiring.config, targets.get(notification.target)),
          sns: { messageId: record.messageId, topicArn: record.topicArn },
          // Past the moment this invocation can still be running, whatever happens to it.
          leaseUntilMs: wiring.now() + context.getRemainingTimeInMillis() + NOTIFY_LEASE_SLACK_MS,
        },
        { destinations, secrets: wiring.secrets, ledger: wiring.ledger, deadLetters: wiring.deadLetters, deliver, ...(wiring.topics && { topics: wiring.topics }), log, now: wiring.now },
        { ...(context.deadline && { delivery: context.deadline }), ...(context.recordDeadline && { record: context.recordDeadline }) },
      );
      report.deliveries.push(...cycle.results);
      if (cycle.retry !== undefined) retries.push(cycle.retry);
    }
    // Failing the invocation is how Lambda is asked to retry it (MaximumRetryAttempts), and after the last
    // retry it lands in the dead-letter queue (the OnFailure destination). Deliveries that went out are
    // recorded and are not sent again by the retry.
    if (retries.length > 0) throw new Error(`notifier: to be retried: ${retries.join('; ')}`);
    return report;
  };
}
