// createAlertPublisher without a network: topic choice, the exact Publish input, the backoff schedule, which
// errors are retried, and that nothing is thrown or lost (render failures and aborts included).
import { InvalidParameterException, KMSThrottlingException, PublishCommand, SNSClient, ThrottledException } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { renderAlert, type RenderContext } from '../../shared/alerts/render.js';
import { createAlertPublisher, isRetryableSnsError, type AlertPublisherOptions } from '../../shared/alerts/sns-publisher.js';
import type { Notification } from '../../shared/sla/notification.js';

const TOPICS = { page: 'arn:aws:sns:eu-west-1:123456789012:page', ticket: 'arn:aws:sns:eu-west-1:123456789012:ticket' };
const T0_MS = Date.UTC(2026, 10, 24, 10, 0, 0);
const context = (): RenderContext => ({ runbookBaseUrl: 'https://runbooks.example.com/' });

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    status: 'firing',
    severity: 'page',
    target: 'hq-gw',
    policy: 'down',
    startsAt: T0_MS,
    at: T0_MS + 5 * 60_000,
    dedupKey: 'hq-gw/down/2026-11-24T10:00:00.000Z',
    regions: { all: ['eu-west-1'], affected: ['eu-west-1'] },
    failureClasses: { connect_refused: 5 },
    dominantFailureClass: 'connect_refused',
    slo: 99.5,
    errorBudgetRemaining: 0.7,
    ...overrides,
  };
}

const throttled = (): ThrottledException => new ThrottledException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 429 } });
const internal = (): Error => Object.assign(new Error('We encountered an internal error'), { name: 'InternalErrorException', $fault: 'server', $metadata: { httpStatusCode: 500 } });

describe('createAlertPublisher', () => {
  const sns = mockClient(SNSClient);
  afterEach(() => sns.reset());

  function setup(overrides: Partial<AlertPublisherOptions> = {}): { lines: string[]; sleeps: number[]; options: AlertPublisherOptions } {
    const lines: string[] = [];
    const sleeps: number[] = [];
    const options: AlertPublisherOptions = {
      topics: TOPICS,
      region: 'eu-west-1',
      client: new SNSClient({ region: 'eu-west-1', maxAttempts: 1 }),
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 250 },
      log: { write: (l) => lines.push(l) },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      ...overrides,
    };
    return { lines, sleeps, options };
  }

  it('publishes each notification to its severity topic with the rendered subject, message and attributes', async () => {
    // Prepare
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
    const { options } = setup();
    const page = notification();
    const ticket = notification({ severity: 'ticket', policy: 'latency', dedupKey: 'hq-gw/latency/x', latency: { thresholdMs: 250, p95ByRegion: { 'eu-west-1': 400 } } });
    // Act
    const report = await createAlertPublisher(options).publish([page, ticket], context);
    // Assess
    expect(report).toEqual({ sent: 2, retried: 0, failed: [] });
    const inputs = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    const rendered = renderAlert(page, context());
    expect(inputs[0]).toEqual({
      TopicArn: TOPICS.page,
      Subject: rendered.subject,
      Message: rendered.message,
      MessageStructure: 'json',
      MessageAttributes: rendered.messageAttributes,
    });
    expect(inputs[1]).toMatchObject({ TopicArn: TOPICS.ticket, MessageAttributes: { severity: { DataType: 'String', StringValue: 'ticket' } } });
  });

  it('backs off exponentially with full jitter up to the cap', async () => {
    sns.on(PublishCommand).rejectsOnce(throttled()).rejectsOnce(internal()).rejectsOnce(throttled()).resolves({ MessageId: 'm' });
    const { options, sleeps, lines } = setup();
    const report = await createAlertPublisher(options).publish([notification()], context);
    expect(report).toEqual({ sent: 1, retried: 1, failed: [] });
    // caps 100, 200, min(400, 250) = 250 ms, each times random() = 0.5
    expect(sleeps).toEqual([50, 100, 125]);
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['WARN', 'WARN', 'WARN']);
  });

  it('gives up after the last attempt, logs the whole alert once and reports it', async () => {
    sns.on(PublishCommand).rejects(throttled());
    const { options, lines } = setup();
    const n = notification();
    const report = await createAlertPublisher(options).publish([n], context);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(4);
    expect(report).toEqual({ sent: 0, retried: 1, failed: [{ dedupKey: n.dedupKey, status: 'firing', error: 'ThrottledException (HTTP 429): Rate exceeded' }] });
    const error = JSON.parse(lines.at(-1)!) as Record<string, unknown>;
    expect(error).toMatchObject({ level: 'ERROR', dedupKey: n.dedupKey, topicArn: TOPICS.page, alert: { Message: renderAlert(n, context()).message } });
  });

  it('does not retry a rejected request', async () => {
    sns.on(PublishCommand).rejects(new InvalidParameterException({ message: 'Invalid parameter: Subject', $metadata: { httpStatusCode: 400 } }));
    const { options, sleeps } = setup();
    const report = await createAlertPublisher(options).publish([notification()], context);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect(report.failed[0]?.error).toBe('InvalidParameterException (HTTP 400): Invalid parameter: Subject');
  });

  it('treats KMS throttling of an encrypted topic as retryable', () => {
    expect(isRetryableSnsError(new KMSThrottlingException({ message: 'slow down', $metadata: { httpStatusCode: 400 } }))).toBe(true);
    expect(isRetryableSnsError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableSnsError(new InvalidParameterException({ message: 'x', $metadata: {} }))).toBe(false);
  });

  it('stops retrying once the signal has fired, and still logs and reports the alert', async () => {
    sns.on(PublishCommand).rejects(internal());
    const { options, sleeps, lines } = setup();
    const controller = new AbortController();
    controller.abort();
    const report = await createAlertPublisher(options).publish([notification()], context, controller.signal);
    expect(sleeps).toEqual([]);
    expect(report.failed).toHaveLength(1);
    expect(lines.map((l) => (JSON.parse(l) as { level: string }).level)).toEqual(['ERROR']);
  });

  it('logs the notification itself when rendering fails, and publishes the others', async () => {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const { options, lines } = setup();
    const broken = notification({ dedupKey: 'broken' });
    const ctx = (n: Notification): RenderContext => {
      if (n.dedupKey === 'broken') throw new TypeError('no context for this target');
      return context();
    };
    const report = await createAlertPublisher(options).publish([broken, notification()], ctx);
    expect(report).toEqual({ sent: 1, retried: 0, failed: [{ dedupKey: 'broken', status: 'firing', error: 'TypeError: no context for this target' }] });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'ERROR', dedupKey: 'broken', notification: { target: 'hq-gw', policy: 'down' } });
  });
});
