// The notifier's resources in the home stack, only when monitor.yml has `notify:`: the function's
// subscriptions to the page and ticket topics (protocol `lambda`, each with the permission that lets that
// topic invoke it), its role (with sns:Publish on the topics of Amazon Q Developer destinations, which
// the user creates and connects to a chat channel), its dead-letter queue and the alarm that pages when
// anything lands there.
// The function itself is notifyFunction (functions.ts); the state table gets a TTL for its records.
import type { NotifyDestination, ResolvedConfig } from '../shared/config/types.js';
import { getAtt, ref, type CfnResource, type CfnString, type CloudWatchAlarm, type LambdaPermission, type SnsSubscription, type SqsQueue } from './cfn.js';
import { NOTIFIER_ROLE_ID, NOTIFY_FUNCTION_ID } from './functions.js';
import { notifierRole } from './iam.js';
import type { Naming } from './names.js';
import type { AlertKind } from './topics.js';

export const DEAD_LETTER_QUEUE_ID = 'NotifyDeadLetterQueue';
export const DEAD_LETTER_ALARM_ID = 'NotifyDeadLettersAlarm';
/** SQS's longest retention, in s (14 days): time to notice, read and replay a dead letter. */
export const DEAD_LETTER_RETENTION_S = 14 * 24 * 3600;
/** The dead-letter alarm's period, in s: SQS publishes its queue metrics once a minute. */
export const DEAD_LETTER_ALARM_PERIOD_S = 60;

const SNS_TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]+):\d{12}:/;

/** Logical ids of a topic's subscription and permission. */
export const subscriptionId = (kind: AlertKind): string => `Notify${kind === 'page' ? 'Page' : 'Ticket'}Subscription`;
export const permissionId = (kind: AlertKind): string => `Notify${kind === 'page' ? 'Page' : 'Ticket'}Permission`;

/** Every SSM parameter the destinations name, as written. */
export function ssmParametersOf(destinations: readonly NotifyDestination[]): string[] {
  const names: string[] = [];
  for (const d of destinations) {
    for (const value of Object.values(d)) {
      if (typeof value === 'object' && value !== null && 'ssm' in value && typeof value.ssm === 'string') names.push(value.ssm);
    }
  }
  return [...new Set(names)].sort();
}

export interface NotifierInput {
  names: Naming;
  topics: Record<AlertKind, CfnString>;
  stateTableArn: CfnString;
}

export function notifierResources(config: ResolvedConfig, input: NotifierInput): Record<string, CfnResource> {
  const { names } = input;
  const queueName = `${names.prefix}-notify-dead-letters`;
  const resources: Record<string, CfnResource> = {};
  resources[DEAD_LETTER_QUEUE_ID] = { Type: 'AWS::SQS::Queue', Properties: { QueueName: queueName, MessageRetentionPeriod: DEAD_LETTER_RETENTION_S, SqsManagedSseEnabled: true } } satisfies SqsQueue;

  // One subscription per topic: page and ticket may be the same topic, which must not deliver twice.
  const seen = new Set<string>();
  for (const kind of ['page', 'ticket'] as const) {
    const topicArn = input.topics[kind];
    const key = JSON.stringify(topicArn);
    if (seen.has(key)) continue;
    seen.add(key);
    // A ticket topic named by ARN may live in another region: the subscription is made there.
    const region = typeof topicArn === 'string' ? SNS_TOPIC_ARN.exec(topicArn)?.[1] : undefined;
    resources[permissionId(kind)] = {
      Type: 'AWS::Lambda::Permission',
      Properties: { Action: 'lambda:InvokeFunction', FunctionName: getAtt(NOTIFY_FUNCTION_ID, 'Arn'), Principal: 'sns.amazonaws.com', SourceArn: topicArn },
    } satisfies LambdaPermission;
    resources[subscriptionId(kind)] = {
      Type: 'AWS::SNS::Subscription',
      // SNS invokes the function from the first message on: the permission must be there before.
      DependsOn: [permissionId(kind)],
      Properties: { TopicArn: topicArn, Protocol: 'lambda', Endpoint: getAtt(NOTIFY_FUNCTION_ID, 'Arn'), ...(region !== undefined && region !== config.homeRegion && { Region: region }) },
    } satisfies SnsSubscription;
  }

  resources[NOTIFIER_ROLE_ID] = notifierRole({
    roleName: names.roleName('notifier'),
    namespace: config.namespace,
    homeRegion: config.homeRegion,
    stateTableArn: input.stateTableArn,
    deadLetterQueueArn: getAtt(DEAD_LETTER_QUEUE_ID, 'Arn'),
    parameters: ssmParametersOf(config.notify ?? []),
    chatTopics: (config.notify ?? []).flatMap((d) => (d.type === 'chatbot' ? [d.topic] : [])),
    logGroupArn: names.logGroupArn('notify'),
  });

  resources[DEAD_LETTER_ALARM_ID] = {
    Type: 'AWS::CloudWatch::Alarm',
    Properties: {
      AlarmName: `${names.prefix}-notify-dead-letters`,
      AlarmDescription:
        `A page or ticket could not be delivered to a notify: destination (PagerDuty, Opsgenie, Slack, Teams or a webhook): ` +
        `the notifier put it in the SQS queue ${queueName}, kept 14 days. The topics' email and SMS subscribers got it. ` +
        `Read the queue (each message names the destination and the error, and holds the notification), fix the destination, ` +
        `send what is still relevant by hand, and delete the messages: the alarm stays on while any are left. See "On-call destinations" in the README.`,
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: getAtt(DEAD_LETTER_QUEUE_ID, 'QueueName') }],
      Statistic: 'Maximum',
      Period: DEAD_LETTER_ALARM_PERIOD_S,
      EvaluationPeriods: 1,
      DatapointsToAlarm: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      // An idle queue may publish nothing: no data is no dead letter.
      TreatMissingData: 'notBreaching',
      AlarmActions: [input.topics.page],
      OKActions: [input.topics.page],
    },
  } satisfies CloudWatchAlarm;
  return resources;
}

/** The queue's URL (Ref) and ARN, for the function's environment and OnFailure destination. */
export const deadLetterQueue = { url: ref(DEAD_LETTER_QUEUE_ID), arn: getAtt(DEAD_LETTER_QUEUE_ID, 'Arn') };
