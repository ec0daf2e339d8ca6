// The notifier function under SNS's and Lambda's at-least-once delivery, with real parts (see
// notify-function.test.ts): the same message twice, two invocations at once, the evaluator republishing its
// outbox, a dead letter that cannot be stored, a firing that arrives after its resolve, and a real crash:
// the bundled function (esbuild, as `npm run package` builds it) killed mid-invocation in its own process,
// then retried as Lambda retries it. Each service must see each notification once.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { bundleLambda } from '../../infra/lambda-artifacts.js';
import { packConfig } from '../../shared/config/packaged.js';
import { deliveryKey } from '../../shared/cycles/notify-cycle.js';
import type { Notification } from '../../shared/sla/notification.js';
import { deliveryKeyPrefix } from '../../shared/state/delivery-ledger.js';
import { dynamoDbClient } from '../support/dynamodb.js';
import type { Receiver } from '../support/receivers/server.js';
import { closeServices, deadLetters, firing, notifyBench, notifyConfig, PARAM, publishAsEvaluator, REGION, resolved, startAws, startServices, storeSecrets, TABLE, testClock, type Aws, type Services } from '../support/notify-harness.js';

const MINUTE_MS = 60_000;
/** Lambda retries a failed asynchronous invocation about 1 and then 2 minutes later. */
const LAMBDA_RETRY_MS = 3 * MINUTE_MS;
const ALL = ['oncall', 'genie', 'chat', 'teams', 'am', 'hook'];

let aws: Aws;
let services: Services;
let namespace = 0;

beforeAll(async () => {
  aws = await startAws();
}, 30_000);
afterAll(async () => aws.close());
beforeEach(async () => {
  services = await startServices();
  storeSecrets(aws.ssm, services);
  namespace++;
});
afterEach(async () => closeServices(services));

const config = () => notifyConfig(services, `NotifyRetry${namespace}`);
const receivers = (): Receiver[] => Object.values(services) as Receiver[];
/** Requests each service answered with a 2xx, in destination order. */
const accepted = (): number[] => receivers().map((r) => r.requests.filter((q) => q.status < 300).length);
const results = (report: { deliveries: Array<{ destination: string; result: string }> }) => report.deliveries.map((d) => [d.destination, d.result]);

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The ledger's record of delivering `n` to `destination`, as stored. */
async function recordState(ns: string, destination: string, n: Notification): Promise<string | undefined> {
  const out = await dynamoDbClient(aws.dynamo.endpoint).send(new GetItemCommand({ TableName: TABLE, Key: { pk: { S: `${deliveryKeyPrefix(ns)}${deliveryKey(destination, n)}` } }, ConsistentRead: true }));
  return out.Item?.['st']?.S;
}

describe('notifier function: redeliveries', () => {
  it('sends each destination once when SNS delivers the same message twice, or the evaluator publishes it again', async () => {
    // Prepare
    const b = notifyBench(aws, config());
    const event = await publishAsEvaluator(aws, b.config, firing);
    // Act: the redelivery, then the evaluator's republished outbox (another SNS message, the same notification).
    const first = await b.invoke(event);
    const again = await b.invoke(event);
    const republished = await b.invoke(await publishAsEvaluator(aws, b.config, firing));
    // Assess
    expect(results(first)).toEqual(ALL.map((d) => [d, 'sent']));
    expect(results(again)).toEqual(ALL.map((d) => [d, 'duplicate']));
    expect(results(republished)).toEqual(ALL.map((d) => [d, 'duplicate']));
    expect(accepted()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(receivers().map((r) => r.requests.length)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('sends once when two invocations run the same message at once: the second fails, and its retry finds it done', async () => {
    // Prepare: two containers (each its own SSM cache); the first waits on Slack's secret while the second runs.
    const cfg = config();
    const one = notifyBench(aws, cfg);
    const two = notifyBench(aws, cfg);
    const event = await publishAsEvaluator(aws, cfg, firing);
    const release = aws.ssm.hold(PARAM.slack);
    // Act
    const running = one.invoke(event);
    await waitFor('the first invocation to wait on SSM', () => aws.ssm.calls.some((c) => c.input['Name'] === PARAM.slack));
    const second = await two.invoke(event).then(
      () => 'succeeded',
      (err: unknown) => String(err),
    );
    release();
    const firstReport = await running;
    two.clock.advance(LAMBDA_RETRY_MS);
    const retried = await two.invoke(event);
    // Assess
    // Slack is certainly still held by the first; the others may be held or done, never sent by the second.
    expect(second).toMatch(/notifier: to be retried: .*chat: in flight in another invocation until/);
    expect(results(firstReport)).toEqual(ALL.map((d) => [d, 'sent']));
    expect(results(retried)).toEqual(ALL.map((d) => [d, 'duplicate']));
    expect(receivers().map((r) => r.requests.length)).toEqual([1, 1, 1, 1, 1, 1]);
  });
});

describe('notifier function: Lambda retries', () => {
  it('fails the invocation when a dead letter cannot be stored, and its retry resends only that destination', async () => {
    // Prepare: Teams keeps answering 503 (4 tries), and SQS is down for all 4 tries of the dead letter.
    const b = notifyBench(aws, config());
    const event = await publishAsEvaluator(aws, b.config, firing);
    services.teams.failNext(...Array.from({ length: 4 }, () => ({ status: 503 })));
    aws.sqs.failNext(4);
    const before = aws.sqs.messages(aws.queueUrl).length;
    // Act
    const failed = await b.invoke(event).then(
      () => 'succeeded',
      (err: unknown) => String(err),
    );
    b.clock.advance(LAMBDA_RETRY_MS);
    const retried = await b.invoke(event);
    // Assess
    expect(failed).toContain('teams: failed, and its dead letter could not be stored');
    expect(results(retried)).toEqual(ALL.map((d) => [d, d === 'teams' ? 'sent' : 'duplicate']));
    expect(accepted()).toEqual([1, 1, 1, 1, 1, 1]);
    expect(services.teams.requests.map((r) => r.status)).toEqual([503, 503, 503, 503, 202]);
    expect(aws.sqs.messages(aws.queueUrl).length).toBe(before);
  });

  it('sends nothing twice when the function crashed mid-invocation and Lambda retries it', async () => {
    // Prepare: the bundled function in its own process, as Lambda runs it, held on Slack's secret.
    const cfg = config();
    const dir = mkdtempSync(join(tmpdir(), 'pm-notify-crash-'));
    const release = aws.ssm.hold(PARAM.slack);
    try {
      writeFileSync(join(dir, 'index.mjs'), await bundleLambda('functions/notify.ts'));
      writeFileSync(join(dir, 'config.json'), packConfig(cfg));
      const event = await publishAsEvaluator(aws, cfg, firing);
      writeFileSync(join(dir, 'event.json'), JSON.stringify(event));
      const script =
        "import { readFileSync } from 'node:fs'; const { handler } = await import('./index.mjs'); const end = Date.now() + 30000;" +
        "await handler(JSON.parse(readFileSync('event.json', 'utf8')), { getRemainingTimeInMillis: () => end - Date.now(), awsRequestId: 'crash-1', functionName: 'pptp-monitor-test-notify' });";
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: {
          ...process.env,
          AWS_REGION: REGION,
          AWS_ACCESS_KEY_ID: 'test',
          AWS_SECRET_ACCESS_KEY: 'test',
          AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
          AWS_ENDPOINT_URL_SSM: aws.ssm.endpoint,
          AWS_ENDPOINT_URL_SQS: aws.sqs.endpoint,
          AWS_ENDPOINT_URL_DYNAMODB: aws.dynamo.endpoint,
          STATE_TABLE_NAME: TABLE,
          DEAD_LETTER_QUEUE_URL: aws.queueUrl,
        },
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
      // Act: kill it once the five other destinations are delivered and recorded, Slack's still waiting on SSM.
      const others = ALL.filter((d) => d !== 'chat');
      await waitFor(`five deliveries recorded (function output: ${output})`, async () => (await Promise.all(others.map((d) => recordState(cfg.namespace, d, firing)))).every((s) => s === 'sent'));
      expect(await recordState(cfg.namespace, 'chat', firing)).toBe('claimed');
      child.kill('SIGKILL');
      expect(await exited).toBe('SIGKILL');
      release();
      // Lambda's retry, in another container, minutes later.
      const retry = notifyBench(aws, cfg, testClock());
      retry.clock.advance(LAMBDA_RETRY_MS);
      const retried = await retry.invoke(event);
      // Assess
      expect(output).toContain('"message":"notify: oncall (pagerduty, 127.0.0.1');
      expect(results(retried)).toEqual(ALL.map((d) => [d, d === 'chat' ? 'sent' : 'duplicate']));
      expect(receivers().map((r) => r.requests.length)).toEqual([1, 1, 1, 1, 1, 1]);
      expect(accepted()).toEqual([1, 1, 1, 1, 1, 1]);
    } finally {
      release();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('notifier function: order', () => {
  it('does not send a firing that arrives after its resolve went out (it would reopen the incident)', async () => {
    // Prepare: the firing's delivery was delayed (a Lambda retry) past its incident's resolve.
    const b = notifyBench(aws, config());
    const before = deadLetters(aws).length;
    // Act
    const resolveReport = await b.invoke(await publishAsEvaluator(aws, b.config, resolved));
    const lateFiring = await b.invoke(await publishAsEvaluator(aws, b.config, firing));
    // Assess
    expect(results(resolveReport)).toEqual(ALL.map((d) => [d, 'sent']));
    expect(results(lateFiring)).toEqual(ALL.map((d) => [d, 'superseded']));
    expect(receivers().map((r) => r.requests.length)).toEqual([1, 1, 1, 1, 1, 1]);
    expect(services.pd.accepted.map((e) => e['event_action'])).toEqual(['resolve']);
    expect(deadLetters(aws).length).toBe(before);
  });
});
