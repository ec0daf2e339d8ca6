// The notifier function's test bench, real parts throughout: the evaluator's SNS publisher (the real
// renderer and SNSClient) against the SNS fake, each Publish turned into the event SNS hands a `lambda`
// subscription; the destinations' service receivers; SSM and SQS wire fakes and dynalite, all driven by
// the real SDK clients; a clock the test moves (the SSM cache, the claims' leases).
import { randomUUID } from 'node:crypto';
import { SQSClient } from '@aws-sdk/client-sqs';
import { SSMClient } from '@aws-sdk/client-ssm';
import { createAlertPublisher } from '../../shared/alerts/sns-publisher.js';
import { renderContextFor } from '../../shared/alerts/render-context.js';
import { createSnsTopicSink } from '../../shared/alerts/sns-topic-sink.js';
import { createSqsDeadLetters } from '../../shared/alerts/sqs-dead-letters.js';
import { createSsmSecretReader } from '../../shared/alerts/ssm-secret-reader.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import type { Notification } from '../../shared/sla/notification.js';
import { createDynamoDbDeliveryLedger } from '../../shared/state/delivery-ledger.js';
import { createNotifyHandler, type NotifyContext, type NotifyReport } from '../../functions/notify-handler.js';
import { createStateTable, dynamoDbClient, startDynalite, type DynamoDbServer } from './dynamodb.js';
import { lambdaContext } from './lambda-context.js';
import { startAlertmanagerReceiver, startJsonReceiver, type WebhookReceiver } from './receivers/alertmanager.js';
import { startOpsgenie, type OpsgenieReceiver } from './receivers/opsgenie.js';
import { startPagerDuty, type PagerDutyReceiver } from './receivers/pagerduty.js';
import { startSlack, type SlackReceiver } from './receivers/slack.js';
import { startTeams, type TeamsReceiver } from './receivers/teams.js';
import { startSnsFake, type RecordedSnsRequest, type SnsFake } from './sns-fake.js';
import { startSqsFake, type SqsFake } from './sqs-fake.js';
import { startSsmFake, type SsmFake } from './ssm-fake.js';

export const REGION = 'eu-central-1';
export const TABLE = 'pptp-monitor-test-evaluator-state';
const CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' };
const MINUTE_MS = 60_000;
export const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);

/** The secrets as stored in SSM: each test checks that none of them shows up in a log line or a dead letter. */
export const SECRET = {
  routingKey: 'PDKEY0123456789abcdef0123456789x',
  genieKey: 'genie-api-key-5b8e0c9a',
  slackPath: '/services/T0001/B0001/slackSECRETpath42',
  teamsSig: 'teamsSIGNATUREsecret77',
  hmac: 'hmac-secret-value-31',
  amPath: '/alerts/amTOKENpath9',
  hookPath: '/hook/jsonTOKENpath8',
} as const;

/** SSM parameter names, as monitor.yml names them. */
export const PARAM = { pd: '/pm/pagerduty-key', og: '/pm/opsgenie-key', slack: '/pm/slack-url', teams: '/pm/teams-url', am: '/pm/am-url', hook: '/pm/hook-url', hmac: '/pm/hmac' } as const;

export interface Services {
  pd: PagerDutyReceiver;
  og: OpsgenieReceiver;
  slack: SlackReceiver;
  teams: TeamsReceiver;
  am: WebhookReceiver;
  hook: WebhookReceiver;
}

/** The AWS side, started once per file. */
export interface Aws {
  dynamo: DynamoDbServer;
  ssm: SsmFake;
  sqs: SqsFake;
  sns: SnsFake;
  queueUrl: string;
  topics: { page: string; ticket: string };
  close(): Promise<void>;
}

export async function startAws(): Promise<Aws> {
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
  const [dynamo, ssm, sqs, sns] = await Promise.all([startDynalite(), startSsmFake(), startSqsFake(), startSnsFake({ region: REGION })]);
  await createStateTable(dynamoDbClient(dynamo.endpoint), TABLE);
  const topics = { page: await sns.createTopic('pptp-monitor-test-page'), ticket: await sns.createTopic('pptp-monitor-test-ticket') };
  return { dynamo, ssm, sqs, sns, queueUrl: sqs.createQueue('pptp-monitor-test-notify-dlq'), topics, close: async () => void (await Promise.all([dynamo.close(), ssm.close(), sqs.close(), sns.close()])) };
}

export async function startServices(): Promise<Services> {
  const [pd, og, slack, teams, am, hook] = await Promise.all([
    startPagerDuty(SECRET.routingKey),
    startOpsgenie(SECRET.genieKey),
    startSlack(SECRET.slackPath),
    startTeams('/workflows/abc/triggers/manual/paths/invoke', SECRET.teamsSig),
    startAlertmanagerReceiver(SECRET.amPath, SECRET.hmac),
    startJsonReceiver(SECRET.hookPath, SECRET.hmac),
  ]);
  return { pd, og, slack, teams, am, hook };
}

export const closeServices = async (s: Services): Promise<void> => void (await Promise.all(Object.values(s).map((r: { close(): Promise<void> }) => r.close())));

/** Stores every destination's secret in the SSM fake (the URLs point at the receivers). */
export function storeSecrets(ssm: SsmFake, s: Services): void {
  ssm.put(PARAM.pd, SECRET.routingKey);
  ssm.put(PARAM.og, SECRET.genieKey);
  ssm.put(PARAM.slack, s.slack.url);
  ssm.put(PARAM.teams, s.teams.url);
  ssm.put(PARAM.am, s.am.url);
  ssm.put(PARAM.hook, s.hook.url);
  ssm.put(PARAM.hmac, SECRET.hmac);
}

/** Every value a leak check looks for (the URLs' secret parts included). */
export const ALL_SECRETS: readonly string[] = Object.values(SECRET);

/** monitor.yml with one target and the six destinations, secrets in SSM; `namespace` keeps tests' ledgers apart. */
export function notifyConfig(s: Services, namespace: string, moreDestinations = ''): ResolvedConfig {
  const yaml = `
version: 1
namespace: ${namespace}
homeRegion: ${REGION}
runbookBaseUrl: https://runbooks.example.com/pptp/
targets:
  - { name: hq-gw, host: vpn.hq.example.com, regions: [eu-west-1, us-east-1], owner: netops@example.com }
notify:
  - { name: oncall, type: pagerduty, routingKey: { ssm: ${PARAM.pd} }, endpoint: '${s.pd.base}/v2/enqueue' }
  - { name: genie, type: opsgenie, apiKey: { ssm: ${PARAM.og} }, endpoint: '${s.og.base}' }
  - { name: chat, type: slack, webhookUrl: { ssm: ${PARAM.slack} } }
  - { name: teams, type: teams, webhookUrl: { ssm: ${PARAM.teams} }, severities: [page] }
  - { name: am, type: alertmanager, url: { ssm: ${PARAM.am} }, hmacSecret: { ssm: ${PARAM.hmac} } }
  - { name: hook, type: json, url: { ssm: ${PARAM.hook} }, hmacSecret: { ssm: ${PARAM.hmac} } }
${moreDestinations}`;
  const result = parseConfig(yaml, 'notify-test.yml');
  if (!result.ok) throw new Error(`test config invalid: ${JSON.stringify(result.errors)}`);
  return result.config;
}

export const firing: Notification = {
  status: 'firing',
  severity: 'page',
  target: 'hq-gw',
  policy: 'down',
  startsAt: T0_MS,
  at: T0_MS + 3 * MINUTE_MS,
  dedupKey: `hq-gw/down/${new Date(T0_MS).toISOString()}`,
  regions: { all: ['eu-west-1', 'us-east-1'], affected: ['eu-west-1', 'us-east-1'] },
  failureClasses: { connect_timeout: 6 },
  dominantFailureClass: 'connect_timeout',
  slo: 99.9,
  errorBudgetRemaining: 0.8,
  downIntervals: 3,
};
export const resolved: Notification = { ...firing, status: 'resolved', endsAt: T0_MS + 30 * MINUTE_MS, at: T0_MS + 33 * MINUTE_MS };

/** A clock the test moves: starts at the real time (leases are compared with it, and dynalite's writes are real). */
export interface TestClock {
  now(): number;
  advance(ms: number): void;
}
export function testClock(): TestClock {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

export interface Bench {
  invoke(event: unknown, options?: { remainingMs?: number; requestId?: string }): Promise<NotifyReport>;
  logs: string[];
  clock: TestClock;
  config: ResolvedConfig;
}

/** The handler as functions/notify.ts wires it, with the real clients pointed at the fakes, and no real waits between retries. */
export function notifyBench(aws: Aws, config: ResolvedConfig, clock: TestClock = testClock()): Bench {
  const logs: string[] = [];
  const log = createJsonLogger({ service: 'pptp-monitor-notify', write: (line) => void logs.push(line), now: clock.now });
  const instant = async (): Promise<void> => undefined;
  const handler = createNotifyHandler({
    config,
    secrets: createSsmSecretReader({ client: new SSMClient({ endpoint: aws.ssm.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 }), now: clock.now, sleep: instant, log }).read,
    ledger: createDynamoDbDeliveryLedger({ tableName: TABLE, namespace: config.namespace, client: dynamoDbClient(aws.dynamo.endpoint), now: clock.now, sleep: instant, log }),
    deadLetters: createSqsDeadLetters({ queueUrl: aws.queueUrl, client: new SQSClient({ endpoint: aws.sqs.endpoint, region: REGION, credentials: CREDENTIALS, maxAttempts: 1 }), sleep: instant, log }),
    topics: createSnsTopicSink({ clientFor: () => aws.sns.client(), sleep: instant, log }),
    log,
    now: clock.now,
    deliver: { sleep: instant },
  });
  return {
    invoke: (event, options = {}) => handler(event, lambdaContext(options.remainingMs ?? 60_000, { requestId: options.requestId ?? randomUUID(), functionName: 'notify' }) as NotifyContext),
    logs,
    clock,
    config,
  };
}

/** What SNS hands a Lambda subscription for one recorded Publish: the `lambda` entry of a json structure (else `default`), in its envelope. */
export function lambdaEvent(publish: RecordedSnsRequest, messageId: string = randomUUID()): unknown {
  const p = publish.params;
  const topicArn = p['TopicArn'] ?? '';
  const raw = p['Message'] ?? '';
  const structured = p['MessageStructure'] === 'json' ? (JSON.parse(raw) as Record<string, string>) : undefined;
  const attributes: Record<string, { Type: string; Value: string }> = {};
  for (let i = 1; p[`MessageAttributes.entry.${i}.Name`] !== undefined; i++) {
    attributes[p[`MessageAttributes.entry.${i}.Name`] ?? ''] = { Type: p[`MessageAttributes.entry.${i}.Value.DataType`] ?? 'String', Value: p[`MessageAttributes.entry.${i}.Value.StringValue`] ?? '' };
  }
  return snsEvent({ topicArn, messageId, message: structured ? structured['lambda'] ?? structured['default'] ?? '' : raw, ...(p['Subject'] !== undefined && { subject: p['Subject'] }), attributes });
}

/** An SNS event as Lambda delivers it (the shape of the Lambda Developer Guide's example). */
export function snsEvent(e: { topicArn: string; message: string; messageId?: string; subject?: string; attributes?: Record<string, { Type: string; Value: string }> }): unknown {
  return {
    Records: [
      {
        EventVersion: '1.0',
        EventSubscriptionArn: `${e.topicArn}:21be56ed-a058-49f5-8c98-aedd2564c486`,
        EventSource: 'aws:sns',
        Sns: {
          SignatureVersion: '1',
          Timestamp: new Date().toISOString(),
          Signature: 'EXAMPLE',
          SigningCertUrl: `https://sns.${REGION}.amazonaws.com/SimpleNotificationService-example.pem`,
          MessageId: e.messageId ?? randomUUID(),
          Message: e.message,
          MessageAttributes: e.attributes ?? {},
          Type: 'Notification',
          UnsubscribeUrl: `https://sns.${REGION}.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${e.topicArn}:21be56ed`,
          TopicArn: e.topicArn,
          Subject: e.subject ?? null,
        },
      },
    ],
  };
}

/** Publishes `n` as the evaluator does (real publisher and SNSClient, the SNS fake) and returns the event SNS gives the notifier. */
export async function publishAsEvaluator(aws: Aws, config: ResolvedConfig, n: Notification): Promise<unknown> {
  const publisher = createAlertPublisher({ topics: aws.topics, region: REGION, client: aws.sns.client() });
  const before = aws.sns.requests.length;
  const report = await publisher.publish([n], (x) => renderContextFor(config, config.targets.find((t) => t.name === x.target)));
  if (report.sent !== 1) throw new Error(`publish failed: ${JSON.stringify(report.failed)}`);
  const publish = aws.sns.requests.slice(before).find((r) => r.action === 'Publish');
  if (publish === undefined) throw new Error('no Publish recorded');
  return lambdaEvent(publish);
}

/** Every dead letter in the queue so far, parsed. */
export function deadLetters(aws: Aws): Array<Record<string, unknown>> {
  return aws.sqs.messages(aws.queueUrl).map((body) => JSON.parse(body) as Record<string, unknown>);
}
