// The alert publisher with the real SNSClient over HTTP against serverless-offline-sns (behind the test proxy of
// test/support/sns-fake.ts): alerts land on the right topic's subscribers with subject and attributes, a pager's
// severity filter works, retries happen on the wire, and an alert that cannot be sent ends up whole in the log.
import { PublishCommand } from '@aws-sdk/client-sns';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { renderAlert, type HttpsAlertBody, type RenderContext } from '../../shared/alerts/render.js';
import { createAlertPublisher, type AlertPublisher } from '../../shared/alerts/sns-publisher.js';
import type { Notification } from '../../shared/sla/notification.js';
import { startSnsFake, type SnsDelivery, type SnsFake } from '../support/sns-fake.js';

const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const T0_ISO = '2026-11-24T10:00:00.000Z';
const REGIONS = ['eu-west-1', 'us-east-1', 'ap-southeast-2'];
const context = (_n: Notification): RenderContext => ({
  runbookBaseUrl: 'https://runbooks.example.com/pptp/',
  dashboardUrl: 'https://dashboards.example.com/hq-gw',
  target: { owner: 'netops', tags: { site: 'hq' } },
});

const pageAlert: Notification = {
  status: 'firing',
  severity: 'page',
  target: 'hq-gw',
  policy: 'down',
  startsAt: T0_MS,
  at: T0_MS + 12 * 60_000,
  dedupKey: `hq-gw/down/${T0_ISO}`,
  regions: { all: REGIONS, affected: REGIONS },
  failureClasses: { connect_timeout: 36 },
  dominantFailureClass: 'connect_timeout',
  slo: 99.9,
  errorBudgetRemaining: 0.5,
  downIntervals: 12,
};

const ticketAlert: Notification = {
  status: 'firing',
  severity: 'ticket',
  target: 'branch-gw',
  policy: 'latency',
  startsAt: T0_MS,
  at: T0_MS + 20 * 60_000,
  dedupKey: `branch-gw/latency/${T0_ISO}`,
  regions: { all: REGIONS, affected: ['eu-west-1', 'us-east-1'] },
  failureClasses: {},
  slo: 99.9,
  errorBudgetRemaining: 0.9,
  latency: { thresholdMs: 250, p95ByRegion: { 'eu-west-1': 412, 'us-east-1': 300, 'ap-southeast-2': 100 } },
};

const FAST_RETRY = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

function parsedMessage(delivery: SnsDelivery): { keys: string[]; https: HttpsAlertBody } {
  const outer = JSON.parse(delivery.envelope!.Message) as Record<string, string>;
  return { keys: Object.keys(outer).sort(), https: JSON.parse(outer['https']!) as HttpsAlertBody };
}

describe('createAlertPublisher with the real SNSClient against serverless-offline-sns', () => {
  let fake: SnsFake;
  let pageTopic: string;
  let ticketTopic: string;
  let sharedTopic: string;
  let lines: string[];
  let publisher: AlertPublisher;

  beforeAll(async () => {
    fake = await startSnsFake();
    pageTopic = await fake.createTopic('pptp-monitor-page');
    ticketTopic = await fake.createTopic('pptp-monitor-ticket');
    await fake.subscribeHttp(pageTopic, 'pager');
    await fake.subscribeHttp(ticketTopic, 'tickets');
    // infra/topics.ts allows page and ticket to be one topic: then the pager filters on the severity attribute.
    sharedTopic = await fake.createTopic('pptp-monitor-alerts');
    await fake.subscribeHttp(sharedTopic, 'pager-filtered', { filterPolicy: { severity: ['page'] } });
    await fake.subscribeHttp(sharedTopic, 'everything');
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    lines = [];
    publisher = createAlertPublisher({
      topics: { page: pageTopic, ticket: ticketTopic },
      region: fake.region,
      client: fake.client(),
      retry: FAST_RETRY,
      log: { write: (l) => lines.push(l) },
    });
  });

  it('delivers a page and a ticket to their own topics with subject, attributes and every protocol body', async () => {
    // Act
    const report = await publisher.publish([pageAlert, ticketAlert], context);
    const [page] = await fake.waitForDeliveries('pager', 1);
    const [ticket] = await fake.waitForDeliveries('tickets', 1);

    // Assess: the report and the wire
    expect(report).toEqual({ sent: 2, retried: 0, failed: [] });
    const publishes = fake.requests.filter((r) => r.action === 'Publish');
    expect(publishes.map((r) => [r.params['TopicArn'], r.params['MessageStructure'], r.status])).toEqual([
      [pageTopic, 'json', 200],
      [ticketTopic, 'json', 200],
    ]);
    const wireAttributes = Object.entries(publishes[0]!.params).filter(([k]) => k.startsWith('MessageAttributes.'));
    expect(Object.fromEntries(wireAttributes)).toMatchObject({
      'MessageAttributes.entry.1.Name': 'severity',
      'MessageAttributes.entry.1.Value.DataType': 'String',
      'MessageAttributes.entry.1.Value.StringValue': 'page',
    });

    // Assess: what the subscribers got. serverless-offline-sns posts the WHOLE json structure as Message (real SNS would
    // post only `https` to an https subscriber, `default` to an http one), so every body can be checked here.
    expect(page!.envelope).toMatchObject({
      Type: 'Notification',
      TopicArn: pageTopic,
      Subject: '[PAGE] hq-gw DOWN in 3/3 regions: connect_timeout',
      MessageStructure: 'json',
      MessageAttributes: {
        severity: { Type: 'String', Value: 'page' },
        status: { Type: 'String', Value: 'firing' },
        target: { Type: 'String', Value: 'hq-gw' },
        policy: { Type: 'String', Value: 'down' },
      },
    });
    const pageBody = parsedMessage(page!);
    expect(pageBody.keys).toEqual(['default', 'email', 'https', 'lambda', 'sms']);
    expect(pageBody.https).toMatchObject({
      status: 'firing',
      severity: 'page',
      dedupKey: pageAlert.dedupKey,
      runbook_url: 'https://runbooks.example.com/pptp/connect_timeout.md',
    });
    expect(JSON.parse(page!.envelope!.Message)).toEqual(JSON.parse(renderAlert(pageAlert, context(pageAlert)).message));

    expect(ticket!.envelope).toMatchObject({
      TopicArn: ticketTopic,
      Subject: '[TICKET] branch-gw SLOW: p95 control 412 ms > 250 ms in 2/3 regions',
      MessageAttributes: { severity: { Type: 'String', Value: 'ticket' }, policy: { Type: 'String', Value: 'latency' } },
    });
    expect(parsedMessage(ticket!).https).toMatchObject({ severity: 'ticket', policy: 'latency', runbook_url: 'https://runbooks.example.com/pptp/latency.md' });
    // Nothing crossed over (both Publish calls were answered, so their deliveries were already sent).
    expect(fake.deliveries.map((d) => d.subscriber).sort()).toEqual(['pager', 'tickets']);
  });

  it('lets a pager subscription on a shared topic filter on severity = page', async () => {
    const shared = createAlertPublisher({ topics: { page: sharedTopic, ticket: sharedTopic }, region: fake.region, client: fake.client(), retry: FAST_RETRY });
    const report = await shared.publish([ticketAlert, pageAlert], context);
    const everything = await fake.waitForDeliveries('everything', 2);
    const [paged] = await fake.waitForDeliveries('pager-filtered', 1);

    expect(report.sent).toBe(2);
    expect(everything.map((d) => d.envelope!.MessageAttributes['severity']!.Value)).toEqual(expect.arrayContaining(['page', 'ticket']));
    expect(paged!.envelope!.Subject).toBe('[PAGE] hq-gw DOWN in 3/3 regions: connect_timeout');
    // The filter decision is made while Publish is handled: the ticket was kept from the pager, not just late.
    expect(fake.filteredOut).toEqual([expect.stringMatching(/\/pager-filtered$/)]);
    expect(fake.deliveries.filter((d) => d.subscriber === 'pager-filtered')).toHaveLength(1);
  });

  it('retries through two injected 503s and a throttle on the wire, then delivers once', async () => {
    fake.failNext(2, 'unavailable');
    const report = await publisher.publish([pageAlert], context);
    await fake.waitForDeliveries('pager', 1);

    expect(report).toEqual({ sent: 1, retried: 1, failed: [] });
    expect(fake.requests.map((r) => r.status)).toEqual([503, 503, 200]);
    const warnings = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toMatchObject({ level: 'WARN', message: 'SNS Publish failed, retrying', attempt: 1, dedupKey: pageAlert.dedupKey });
    expect(warnings[0]!['error']).toMatch(/ServiceUnavailable \(HTTP 503\)/);

    // 429 Throttled (ThrottledException) and a dropped connection are retried as well.
    fake.reset();
    fake.failNext(1, 'throttled');
    fake.failNext(1, 'reset');
    expect(await publisher.publish([ticketAlert], context)).toEqual({ sent: 1, retried: 1, failed: [] });
    expect(fake.requests.map((r) => r.status)).toEqual([429, 0, 200]);
  });

  it('logs the full alert as one ERROR line when Publish keeps failing, reports it, throws nothing, and goes on', async () => {
    fake.failNext(FAST_RETRY.attempts, 'unavailable');
    const report = await publisher.publish([pageAlert, ticketAlert], context);
    await fake.waitForDeliveries('tickets', 1);

    expect(report.sent).toBe(1);
    expect(report.retried).toBe(1);
    expect(report.failed).toEqual([{ dedupKey: pageAlert.dedupKey, status: 'firing', error: expect.stringMatching(/ServiceUnavailable \(HTTP 503\)/) }]);
    const errors = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['level'] === 'ERROR');
    expect(errors).toHaveLength(1);
    const rendered = renderAlert(pageAlert, context(pageAlert));
    expect(errors[0]).toMatchObject({
      dedupKey: pageAlert.dedupKey,
      severity: 'page',
      topicArn: pageTopic,
      alert: { TopicArn: pageTopic, Subject: rendered.subject, MessageStructure: 'json', Message: rendered.message, MessageAttributes: rendered.messageAttributes },
    });
    expect(fake.deliveries.filter((d) => d.subscriber === 'pager')).toHaveLength(0);
  });

  it('does not retry what SNS rejects (a topic that does not exist)', async () => {
    const missing = 'arn:aws:sns:eu-west-1:123456789012:no-such-topic';
    const lost = createAlertPublisher({ topics: { page: missing, ticket: missing }, region: fake.region, client: fake.client(), retry: FAST_RETRY, log: { write: (l) => lines.push(l) } });
    const report = await lost.publish([pageAlert], context);

    expect(report).toEqual({ sent: 0, retried: 0, failed: [{ dedupKey: pageAlert.dedupKey, status: 'firing', error: expect.stringMatching(/^NotFoundException \(HTTP 404\)/) }] });
    expect(fake.requests.map((r) => [r.status, r.errorCode])).toEqual([[404, 'NotFound']]);
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['ERROR']);
  });

  it('gets a notification with a very long target name and every failure class past the SNS limits', async () => {
    const target = `site-${'x'.repeat(400)}`;
    const huge: Notification = {
      ...pageAlert,
      target,
      dedupKey: `${target}/down/${T0_ISO}`,
      failureClasses: { dns_failure: 1, connect_timeout: 2, connect_refused: 3, connection_reset: 4, connection_closed: 5, control_timeout: 6, protocol_error: 7, control_rejected: 8, echo_timeout: 9, echo_rejected: 10, call_rejected: 11, call_dropped: 12, network_unreachable: 13 },
    };
    const report = await publisher.publish([huge], context);
    const [delivered] = await fake.waitForDeliveries('pager', 1);

    expect(report).toEqual({ sent: 1, retried: 0, failed: [] });
    expect(delivered!.envelope!.Subject).toHaveLength(100);
    expect(Object.keys(parsedMessage(delivered!).https.failureClasses)).toHaveLength(13);
  });
});

describe('the SNS fake enforces the Publish limits serverless-offline-sns skips', () => {
  let fake: SnsFake;
  let topic: string;
  beforeAll(async () => {
    fake = await startSnsFake();
    topic = await fake.createTopic('limits');
  });
  afterAll(async () => {
    await fake.close();
  });

  // Without these the renderer's subject and size rules would be untested on the wire: the plugin accepts anything.
  it.each<[string, { Subject?: string; Message: string; MessageStructure?: string }, RegExp]>([
    ['a 101-character subject', { Subject: 's'.repeat(101), Message: 'm' }, /Invalid parameter: Subject/],
    ['a subject with a line break', { Subject: 'two\nlines', Message: 'm' }, /Invalid parameter: Subject/],
    ['a subject with non-ASCII', { Subject: 'caf\u00e9 down', Message: 'm' }, /Invalid parameter: Subject/],
    ['a message over 256 KiB', { Message: 'm'.repeat(256 * 1024 + 1) }, /Message too long/],
    ['a json structure without default', { Message: JSON.stringify({ email: 'x' }), MessageStructure: 'json' }, /No default entry/],
  ])('rejects %s as InvalidParameter', async (_name, input, message) => {
    const client = fake.client();
    await expect(client.send(new PublishCommand({ TopicArn: topic, ...input }))).rejects.toMatchObject({
      name: 'InvalidParameterException',
      $metadata: { httpStatusCode: 400 },
      message: expect.stringMatching(message),
    });
    client.destroy();
  });
});

describe('serverless-offline-sns as shipped (no attribute shim)', () => {
  let fake: SnsFake;
  afterEach(async () => {
    await fake.close();
  });

  // A canary: if a plugin upgrade starts keeping attributes with MessageStructure json, this fails and the shim in
  // test/support/sns-fake.ts can go.
  it('drops message attributes with MessageStructure json, so a FilterPolicy subscriber gets nothing', async () => {
    fake = await startSnsFake({ jsonStructureAttributes: 'drop' });
    const topic = await fake.createTopic('alerts');
    await fake.subscribeHttp(topic, 'pager-filtered', { filterPolicy: { severity: ['page'] } });
    await fake.subscribeHttp(topic, 'everything');
    const publisher = createAlertPublisher({ topics: { page: topic, ticket: topic }, region: fake.region, client: fake.client(), retry: FAST_RETRY });

    expect((await publisher.publish([pageAlert], context)).sent).toBe(1);
    const [delivered] = await fake.waitForDeliveries('everything', 1);

    expect(delivered!.envelope!.MessageAttributes).toEqual({});
    expect(fake.filteredOut).toEqual([expect.stringMatching(/\/pager-filtered$/)]);
  });
});
