// The notifier function with real parts: the evaluator's Publish (real renderer and SNSClient, SNS fake)
// turned into the event SNS hands the Lambda, the handler as functions/notify.ts wires it, the real SSM,
// SQS and DynamoDB clients against wire fakes and dynalite, and receivers that check every request against
// its service's documented schema. Here: delivery to every destination, failures to the dead-letter queue
// without a secret, SSM secrets (rotation, access denied), and what else arrives on the topics.
// Redeliveries, retries and crashes: notify-function-retries.test.ts.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Receiver } from '../support/receivers/server.js';
import { startSlack, type SlackReceiver } from '../support/receivers/slack.js';
import {
  ALL_SECRETS,
  closeServices,
  deadLetters,
  firing,
  notifyBench,
  notifyConfig,
  PARAM,
  publishAsEvaluator,
  resolved,
  snsEvent,
  startAws,
  startServices,
  storeSecrets,
  type Aws,
  type Services,
} from '../support/notify-harness.js';

const MINUTE_MS = 60_000;
let aws: Aws;
let services: Services;
let namespace = 0;
const extra: Receiver[] = [];

beforeAll(async () => {
  aws = await startAws();
}, 30_000);
afterAll(async () => aws.close());
beforeEach(async () => {
  services = await startServices();
  storeSecrets(aws.ssm, services);
  namespace++;
});
afterEach(async () => {
  await closeServices(services);
  await Promise.all(extra.splice(0).map((r) => r.close()));
});

const bench = () => notifyBench(aws, notifyConfig(services, `NotifyFn${namespace}`));
const queued = (): number => aws.sqs.messages(aws.queueUrl).length;

function noSecretIn(text: string): void {
  for (const secret of ALL_SECRETS) expect(text, `a secret (${secret.slice(0, 4)}...) leaked`).not.toContain(secret);
}

describe('notifier function: delivery', () => {
  it('delivers a page to every destination and its resolve to the same incident, secrets read from SSM decrypted', async () => {
    // Prepare
    const b = bench();
    const dlqBefore = queued();
    const ssmBefore = aws.ssm.calls.length;
    // Act
    const opened = await b.invoke(await publishAsEvaluator(aws, b.config, firing));
    const closed = await b.invoke(await publishAsEvaluator(aws, b.config, resolved));
    // Assess
    for (const report of [opened, closed]) {
      expect(report.deliveries.map((d) => [d.destination, d.result])).toEqual([
        ['oncall', 'sent'],
        ['genie', 'sent'],
        ['chat', 'sent'],
        ['teams', 'sent'],
        ['am', 'sent'],
        ['hook', 'sent'],
      ]);
    }
    for (const r of Object.values(services) as Receiver[]) {
      expect(r.requests.map((q) => q.status < 300)).toEqual([true, true]);
      expect(r.requests.flatMap((q) => q.problems)).toEqual([]);
    }
    expect([...services.pd.incidents.events]).toEqual([[firing.dedupKey, ['trigger', 'resolve']]]);
    expect([...services.og.incidents.events]).toEqual([[firing.dedupKey, ['create', 'close']]]);
    // The owner comes from the packaged config, as the evaluator's render context has it.
    expect(JSON.stringify(services.pd.accepted[0])).toContain('netops@example.com');
        // One read per parameter (cached for the second invocation), each asking SSM to decrypt.
    expect(aws.ssm.calls.slice(ssmBefore).map((c) => c.input['Name']).sort()).toEqual(Object.values(PARAM).sort());
    expect(aws.ssm.calls.slice(ssmBefore).every((c) => c.input['WithDecryption'] === true)).toBe(true);
    expect(queued()).toBe(dlqBefore);
    noSecretIn(b.logs.join('\n'));
  });

  it('sends a ticket only to the destinations that take tickets', async () => {
    const b = bench();
    const report = await b.invoke(await publishAsEvaluator(aws, b.config, { ...firing, severity: 'ticket' }));
    expect(report.deliveries.map((d) => d.destination)).toEqual(['oncall', 'genie', 'chat', 'am', 'hook']);
    expect(services.teams.requests).toEqual([]);
  });
});

describe('notifier function: failures go to the dead-letter queue', () => {
  it('dead-letters a destination that refuses the request, with the notification and no secret, and delivers the others', async () => {
    // Prepare: Slack refuses (400 is not retried); Opsgenie asks to wait 30 s: the local monitor would (up to
    // 60 s), the notifier waits up to 20 s only.
    const b = bench();
    services.slack.failNext({ status: 400, body: `invalid_payload for ${services.slack.url}` });
    services.og.failNext({ status: 429, headers: { 'retry-after': '30' }, body: 'rate limited' });
    const before = queued();
    // Act
    const report = await b.invoke(await publishAsEvaluator(aws, b.config, firing));
    // Assess
    expect(report.deliveries.map((d) => [d.destination, d.result])).toEqual([
      ['oncall', 'sent'],
      ['genie', 'dead_lettered'],
      ['chat', 'dead_lettered'],
      ['teams', 'sent'],
      ['am', 'sent'],
      ['hook', 'sent'],
    ]);
    const letters = deadLetters(aws).slice(before);
    expect(letters.map((l) => [l['reason'], l['destination']])).toEqual([
      ['delivery_failed', { name: 'genie', type: 'opsgenie' }],
      ['delivery_failed', { name: 'chat', type: 'slack' }],
    ]);
    expect(letters[0]?.['outcome']).toMatchObject({ status: 429, attempts: 1, retryAfterMs: 30_000 });
    expect(letters[1]?.['outcome']).toMatchObject({ status: 400, attempts: 1, host: new URL(services.slack.url).host });
    expect(letters[1]?.['notification']).toEqual(firing);
    expect(letters[1]?.['sns']).toMatchObject({ topicArn: aws.topics.page });
    noSecretIn(aws.sqs.messages(aws.queueUrl).join('\n'));
    noSecretIn(b.logs.join('\n'));
    expect(b.logs.filter((l) => l.includes('"level":"ERROR"')).map((l) => (JSON.parse(l) as { destination: string }).destination)).toEqual(['genie', 'chat']);
  });

  it('dead-letters a destination whose SSM parameter the role may not read, logging the parameter and never a value', async () => {
    // Prepare
    aws.ssm.deny(PARAM.og);
    const b = bench();
    const before = queued();
    // Act
    const report = await b.invoke(await publishAsEvaluator(aws, b.config, firing));
    // Assess
    expect(report.deliveries.find((d) => d.destination === 'genie')).toMatchObject({ result: 'dead_lettered' });
    expect(report.deliveries.filter((d) => d.result === 'sent')).toHaveLength(5);
    expect(services.og.requests).toEqual([]);
    const [letter] = deadLetters(aws).slice(before);
    expect(letter?.['outcome']).toMatchObject({ host: '(not sent)', attempts: 0 });
    expect(String((letter?.['outcome'] as { error: string }).error)).toMatch(new RegExp(`apiKey is \\{ ssm: ${PARAM.og} \\}.*AccessDeniedException`));
    const errors = b.logs.filter((l) => l.includes('"level":"ERROR"'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain(PARAM.og);
    expect(errors[0]).toContain('AccessDeniedException');
    noSecretIn(b.logs.join('\n'));
    noSecretIn(aws.sqs.messages(aws.queueUrl).join('\n'));
  });
});

describe('notifier function: secrets from SSM', () => {
  it('keeps a value for 5 minutes, then reads the rotated one', async () => {
    // Prepare: a second Slack webhook stands for the URL Slack issues when the old one is revoked.
    const rotated: SlackReceiver = await startSlack('/services/T0001/B0002/rotatedSECRET');
    extra.push(rotated);
    const b = bench();
    const ssmBefore = aws.ssm.calls.length;
    const next = (minutes: number) => ({ ...firing, status: 'reminder' as const, at: firing.at + minutes * MINUTE_MS });
    // Act: first use reads the parameter; the rotation lands; a reminder within the TTL, another after it.
    await b.invoke(await publishAsEvaluator(aws, b.config, firing));
    aws.ssm.put(PARAM.slack, rotated.url);
    b.clock.advance(4 * MINUTE_MS);
    await b.invoke(await publishAsEvaluator(aws, b.config, next(4)));
    b.clock.advance(2 * MINUTE_MS);
    await b.invoke(await publishAsEvaluator(aws, b.config, next(6)));
    // Assess
    expect(services.slack.requests.map((r) => r.status)).toEqual([200, 200]);
    expect(rotated.requests.map((r) => r.status)).toEqual([200]);
    expect(aws.ssm.calls.slice(ssmBefore).filter((c) => c.input['Name'] === PARAM.slack)).toHaveLength(2);
  });
});

describe('notifier function: Amazon Q Developer in chat applications', () => {
  it('publishes its custom notification to the channel\'s topic, firing and resolve in one thread, once each', async () => {
    // Prepare: the topic a Slack or Teams channel is configured with, played by an http subscriber.
    const topic = await aws.sns.createTopic(`pptp-monitor-test-amazon-q-${namespace}`);
    await aws.sns.subscribeHttp(topic, `amazonq${namespace}`);
    const b = notifyBench(aws, notifyConfig(services, `NotifyFn${namespace}`, `  - { name: q-chat, type: chatbot, topic: '${topic}', severities: [page] }\n`));
    const event = await publishAsEvaluator(aws, b.config, firing);
    // Act: the page, its redelivery, its resolve.
    const first = await b.invoke(event);
    const again = await b.invoke(event);
    await b.invoke(await publishAsEvaluator(aws, b.config, resolved));
    // Assess
    expect(first.deliveries.find((d) => d.destination === 'q-chat')).toMatchObject({ result: 'sent', attempts: 1 });
    expect(again.deliveries.find((d) => d.destination === 'q-chat')).toMatchObject({ result: 'duplicate' });
    expect(aws.sns.requests.filter((r) => r.action === 'Publish' && r.params['TopicArn'] === topic)).toHaveLength(2);
    const received = (await aws.sns.waitForDeliveries(`amazonq${namespace}`, 2)).map((d) => JSON.parse(d.envelope?.Message ?? '{}') as { version: string; source: string; content: { title: string }; metadata: { threadId: string } });
    expect(received.map((m) => [m.version, m.source, m.metadata.threadId])).toEqual([
      ['1.0', 'custom', firing.dedupKey],
      ['1.0', 'custom', firing.dedupKey],
    ]);
    expect(received.map((m) => m.content.title.slice(0, 12))).toEqual(['🚨 [PAGE] hq', '✅ [RESOLVED]']);
    expect(b.logs.join('\n')).toContain(`q-chat (chatbot, sns:eu-central-1:123456789012:pptp-monitor-test-amazon-q-${namespace}): published, 1 attempt`);
  });
});

describe('notifier function: what else arrives on the topics', () => {
  it('leaves CloudWatch alarms and messages published by hand to the email and SMS subscribers, and dead-letters a broken notification', async () => {
    // Prepare
    const b = bench();
    const alarm = JSON.stringify({ AlarmName: 'pptp-monitor-test-probes-stopped-eu-west-1', NewStateValue: 'ALARM', OldStateValue: 'OK', Trigger: {} });
    const broken = JSON.stringify({ format: 'pptp-monitor/notification@1', form: 'full', notification: { ...firing, severity: 'sev1' } });
    const before = queued();
    // Act
    const reports = [
      await b.invoke(snsEvent({ topicArn: aws.topics.page, message: alarm, subject: 'ALARM: probes stopped' })),
      await b.invoke(snsEvent({ topicArn: aws.topics.page, message: 'test page: please ignore', subject: '[TEST] pptp-monitor' })),
      await b.invoke(snsEvent({ topicArn: aws.topics.ticket, message: broken, messageId: 'broken-1' })),
    ];
    // Assess
    expect(reports.map((r) => [r.ignored, r.unreadable, r.deliveries.length])).toEqual([
      [1, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
    ]);
    for (const r of Object.values(services) as Receiver[]) expect(r.requests).toEqual([]);
    expect(deadLetters(aws).slice(before)).toMatchObject([{ reason: 'unreadable_message', sns: { messageId: 'broken-1', topicArn: aws.topics.ticket }, problem: 'notification.severity: must be one of page, ticket, info' }]);
    expect(b.logs.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['INFO', 'WARN', 'ERROR']);
  });

  it('fails an invocation that is not an SNS delivery (Lambda retries it, then it lands in the dead-letter queue)', async () => {
    await expect(bench().invoke({ time: '2026-11-24T10:00:00Z' })).rejects.toThrow('event: not an SNS event (no Records)');
  });
});
