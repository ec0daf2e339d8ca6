// The page and ticket SNS topics of the home region. monitor.yml names each as an existing topic's ARN
// (used as given, never created: someone else owns its subscriptions), a topic name (created here), or
// leaves it out (created here under a name of our own).
import type { ResolvedConfig } from '../shared/config/types.js';
import { ref, type CfnString, type SnsTopic } from './cfn.js';
import { StackConfigError } from './errors.js';

export type AlertKind = 'page' | 'ticket';

export const TOPIC_LOGICAL_IDS: Readonly<Record<AlertKind, string>> = { page: 'PageTopic', ticket: 'TicketTopic' };

// The schema (shared/config/schema.ts) admits only this ARN form; the groups are region and account.
const SNS_TOPIC_ARN = /^arn:aws:sns:([a-z0-9-]+):(\d{12}):[A-Za-z0-9_-]+$/;

export interface AlertTopics {
  /** The topics this stack creates, by logical id. */
  resources: Record<string, SnsTopic>;
  /** How alarms, policies and outputs name each topic: the ARN as configured, or a Ref to ours. */
  arns: Record<AlertKind, CfnString>;
}

export function alertTopics(config: ResolvedConfig, prefix: string): AlertTopics {
  const resources: Record<string, SnsTopic> = {};
  const createdByName = new Map<string, CfnString>();
  const arnOf = (kind: AlertKind): CfnString => {
    const setting = config.alerts[kind];
    const arn = setting === undefined ? undefined : SNS_TOPIC_ARN.exec(setting);
    if (arn) {
      // CloudWatch alarms can notify only a topic in their own region, and the page topic receives
      // the probes-stopped alarms of the home region.
      if (kind === 'page' && arn[1] !== config.homeRegion) {
        throw new StackConfigError(
          'topic_in_other_region',
          `alerts.page: the topic ${setting} is in ${arn[1]}, but CloudWatch alarms can notify only a topic in their own region, the home region ${config.homeRegion}: use a topic in ${config.homeRegion}, or a topic name to have one created there`,
        );
      }
      return arn[0];
    }
    const topicName = setting ?? `${prefix}-${kind}`;
    // The same name for both kinds means one topic: creating it twice would fail the deploy.
    const existing = createdByName.get(topicName);
    if (existing !== undefined) return existing;
    const logicalId = TOPIC_LOGICAL_IDS[kind];
    resources[logicalId] = { Type: 'AWS::SNS::Topic', Properties: { TopicName: topicName } };
    createdByName.set(topicName, ref(logicalId));
    return ref(logicalId);
  };
  const page = arnOf('page');
  const ticket = arnOf('ticket');
  return { resources, arns: { page, ticket } };
}
