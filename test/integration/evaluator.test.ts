// The evaluator end to end on the wire: probe history published to the CloudWatch fake with the real
// publisher (as the probe functions would), read back with the real CloudWatchClient, folded by the SLA
// core, its state kept in DynamoDB (dynalite, the real DynamoDBClient), and alerts published with the real
// SNSClient to the SNS fake, where an http subscriber receives them. Then the state: a repeat run sends
// nothing; a failed publish stays in the outbox and goes out first in the next run, under the same dedup
// key; overlapping runs for one minute send it once.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluateHandler } from '../../functions/evaluate-handler.js';
import { createAlertPublisher } from '../../shared/alerts/sns-publisher.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import { datumsForResult, type Datum } from '../../shared/metrics/index.js';
import { EVALUATOR_STATE_SCHEMA, STANDALONE_IDENTITY_READ_MINUTES } from '../../shared/cycles/evaluate-cycle.js';
import type { EvaluatorStateStore } from '../../shared/cycles/ports.js';
import { createDynamoDbStateStore } from '../../shared/state/index.js';
import { evaluatorStateStore } from '../../shared/state/evaluator-state-port.js';
import { INGESTION_LAG_MS } from '../../shared/cycles/evaluation-window.js';
import type { FailureClass } from '../../shared/probe/failure-classes.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { startSnsFake, type SnsFake } from '../support/sns-fake.js';
import { createStateTable, dynamoDbClient, startDynalite, type DynamoDbServer } from '../support/dynamodb.js';
import { createMemoryStateStore } from '../support/memory-state-store.js';

const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'] as const;
const MINUTE_MS = 60_000;
const NO_TIMINGS = { dnsMs: undefined, connectMs: undefined, controlMs: undefined, echoMs: undefined, callMs: undefined };

/** dynalite with the state table, and the evaluator's state store over it (the real DynamoDBClient). */
async function stateTable(): Promise<{ server: DynamoDbServer; client: DynamoDBClient; store: (namespace: string, now: () => number) => EvaluatorStateStore }> {
  const server = await startDynalite();
  const client = dynamoDbClient(server.endpoint);
  await createStateTable(client, 'evaluator-state');
  return { server, client, store: (namespace, now) => evaluatorStateStore(createDynamoDbStateStore({ tableName: 'evaluator-state', namespace, schemaVersion: EVALUATOR_STATE_SCHEMA, client, now })) };
}

describe('evaluator: CloudWatch history → SLA core → SNS', () => {
  let cw: CloudWatchFake;
  let sns: SnsFake;
  let table: Awaited<ReturnType<typeof stateTable>>;
  let config: ResolvedConfig;
  let pageArn = '';
  let ticketArn = '';
  const lines: string[] = [];
  // The scheduled minute of the evaluation under test, recent enough for CloudWatch's 2-week window.
  const scheduled = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const t = scheduled - INGESTION_LAG_MS;

  beforeAll(async () => {
    cw = await startCloudWatchFake();
    sns = await startSnsFake();
    table = await stateTable();
    pageArn = await sns.createTopic('pptp-page');
    ticketArn = await sns.createTopic('pptp-ticket');
    await sns.subscribeHttp(pageArn, 'pager', { filterPolicy: { severity: ['page'] } });
    const parsed = parseConfig(
      `version: 1\nhomeRegion: eu-central-1\nrunbookBaseUrl: https://wiki.example.com/runbooks/\ndefaults: { regions: [${REGIONS.join(', ')}] }\ntargets:\n  - { name: hq-gw, host: vpn.example.com }\n  - { name: quiet-gw, host: vpn2.example.com }\n`,
      't.yml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;
    // 40 minutes of history up to the evaluation instant: hq-gw fails in eu-west-1 and us-east-1 (a
    // quorum of 2 of 3) with connect_timeout for the last 3 intervals, so `down` fires exactly at t; quiet-gw is healthy, except one
    // region alone failing once (never pages).
    const points: Datum[] = [];
    for (let at = t - 40 * MINUTE_MS; at < t; at += MINUTE_MS) {
      for (const region of REGIONS) {
        const hqDown = at >= t - 3 * MINUTE_MS && region !== 'eu-central-1';
        const quietBlip = at === t - 10 * MINUTE_MS && region === 'us-east-1';
        for (const [target, down, cls] of [
          ['hq-gw', hqDown, 'connect_timeout'],
          ['quiet-gw', quietBlip, 'control_timeout'],
        ] as Array<[string, boolean, FailureClass]>) {
          const result = down
            ? { ok: false, timings: { ...NO_TIMINGS, totalMs: 5000 }, failure: { class: cls, message: 'x', phase: 'connect' as const, elapsedMs: 5000 } }
            : { ok: true, timings: { ...NO_TIMINGS, connectMs: 20, controlMs: 40, totalMs: 70 } };
          points.push(...datumsForResult(result, { target, region, intervalStart: at }));
        }
        points.push({ metricName: 'ProbesRun', dimensions: { ProbeRegion: region, Shard: '0' }, timestamp: at, value: 2, unit: 'Count' });
      }
    }
    const publisher = createMetricPublisher({ namespace: config.namespace, region: 'eu-central-1', client: client() });
    const report = await publisher.publish(points);
    expect(report.loggedAsEmf).toBe(0);
    cw.reset();
    // reset() forgets datums too: publish again so the history is there, then forget only the requests.
    await publisher.publish(points);
  }, 60_000);

  afterAll(async () => {
    await cw.close();
    await sns.close();
    table.client.destroy();
    await table.server.close();
  });

  function client(): CloudWatchClient {
    return new CloudWatchClient({ endpoint: cw.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  }

  function handler(at = scheduled): ReturnType<typeof createEvaluateHandler> {
    return createEvaluateHandler({
      config,
      cloudwatch: client(),
      state: table.store(config.namespace, () => at + 5_000),
      alerts: createAlertPublisher({ topics: { page: pageArn, ticket: ticketArn }, region: 'eu-central-1', client: sns.client(), log: { write: (l) => lines.push(l) }, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }),
      log: createJsonLogger({ service: 'test', write: (l) => lines.push(l) }),
      now: () => at + 5_000,
    });
  }

  const context = { getRemainingTimeInMillis: () => 45_000, awsRequestId: 'eval-1' };

  it('pages once for the quorum outage, with the runbook of its failure class, and counts the metrics it requested', async () => {
    // Act: the SNS publish fails twice (beyond the retries), so this run must fail; its notification stays in the outbox.
    sns.failNext(2, 'unavailable');
    await expect(handler()({ time: new Date(scheduled).toISOString() }, context)).rejects.toThrow(
      "1 notification(s) not published; they stay in the shard's outbox and the next run sends them with the same dedup keys",
    );
    const logged = lines.map((l) => JSON.parse(l) as { message: string; alert?: { Subject: string }; metricsRequested?: number; rebuilt?: number });
    expect(logged.find((l) => l.alert)?.alert?.Subject).toBe('[PAGE] hq-gw DOWN in 2/3 regions: connect_timeout');
    // The first run rebuilt both targets from 8 days: 2 ProbeFailed + 3 ProbesRun (one probe shard per region), +
    // hq-gw's ProbeFailed SampleCount (its failing reports reach its quorum: a duplicate could fake that), + 13
    // classes × 3 regions of failure detail for each of the 2 targets that failed in the last hour, + their
    // 2 ServerIdentity series (a rebuild reads who answered, for the identity events).
    expect(logged.find((l) => l.message === 'evaluation done')).toMatchObject({ rebuilt: 2, metricsRequested: 2 + 3 + 1 + 2 * 13 * 3 + 2 });

    // Act again: the next minute's run sends the outbox first, then steps one minute (nothing new fires).
    const report = await handler(scheduled + MINUTE_MS)({ time: new Date(scheduled + MINUTE_MS).toISOString() }, context);

    // Assess
    expect(report).toMatchObject({ outcome: 'evaluated', redelivered: 1, stepped: 2, rebuilt: [], notifications: [] });
    // The new minute only: 2 ProbeFailed + 3 ProbesRun (no new points: nothing failed, no detail), and on
    // every STANDALONE_IDENTITY_READ_MINUTES-th minute the 2 targets' ServerIdentity (the range reaches back
    // for them alone: no failure detail is read again for the failing minutes already folded).
    const identityMinute = Math.floor(report.t / MINUTE_MS) % STANDALONE_IDENTITY_READ_MINUTES === 0;
    expect(report.metricsRequested).toBe(2 + 3 + (identityMinute ? 2 : 0));
    const [delivery] = await sns.waitForDeliveries('pager', 1);
    expect(delivery?.envelope?.Subject).toBe('[PAGE] hq-gw DOWN in 2/3 regions: connect_timeout');
    expect(delivery?.envelope?.MessageAttributes['severity']?.Value).toBe('page');
    const bodies = JSON.parse(delivery?.envelope?.Message ?? '{}') as { https: string };
    const https = JSON.parse(bodies.https) as { runbook_url: string; regions: string[]; dedupKey: string; status: string };
    expect(https).toMatchObject({ status: 'firing', runbook_url: 'https://wiki.example.com/runbooks/connect_timeout.md', regions: ['eu-west-1', 'us-east-1'] });
    expect(https.dedupKey).toBe(`hq-gw/down/${new Date(t - 3 * MINUTE_MS).toISOString()}`);
  }, 60_000);

  it('sends nothing when run again for an instant already evaluated', async () => {
    sns.reset();
    const report = await handler(scheduled + MINUTE_MS)({ time: new Date(scheduled + MINUTE_MS).toISOString() }, context);
    expect(report).toMatchObject({ outcome: 'already', notifications: [], t: t + MINUTE_MS });
    expect(sns.requests.filter((r) => r.action === 'Publish')).toEqual([]);
  }, 60_000);
});

describe('evaluator: overlapping and repeated runs for one minute (dynalite, CloudWatch and SNS fakes)', () => {
  it('sends the page once and leaves one consistent state, whichever run wins', async () => {
    // Prepare: one target down in 2 of 3 regions for the 3 minutes before t.
    const cw = await startCloudWatchFake();
    const sns = await startSnsFake();
    const table = await stateTable();
    try {
      const page = await sns.createTopic('p');
      const ticket = await sns.createTopic('t');
      const parsed = parseConfig(`version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [${REGIONS.join(', ')}] }\ntargets:\n  - { name: hq-gw, host: a.example.com }\n`, 't.yml');
      if (!parsed.ok) throw new Error('fixture');
      const scheduled = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      const t = scheduled - INGESTION_LAG_MS;
      const points: Datum[] = [];
      for (let at = t - 30 * MINUTE_MS; at < t + 2 * MINUTE_MS; at += MINUTE_MS) {
        for (const region of REGIONS) {
          const down = at >= t - 3 * MINUTE_MS && region !== 'eu-central-1';
          const result = down
            ? { ok: false, timings: { ...NO_TIMINGS, totalMs: 5000 }, failure: { class: 'connect_refused' as FailureClass, message: 'x', phase: 'connect' as const, elapsedMs: 1 } }
            : { ok: true, timings: { ...NO_TIMINGS, connectMs: 1, controlMs: 2, totalMs: 3 } };
          points.push(...datumsForResult(result, { target: 'hq-gw', region, intervalStart: at }));
          points.push({ metricName: 'ProbesRun', dimensions: { ProbeRegion: region, Shard: '0' }, timestamp: at, value: 1, unit: 'Count' });
        }
      }
      const cwClient = (): CloudWatchClient => new CloudWatchClient({ endpoint: cw.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
      await createMetricPublisher({ namespace: 'PPTPMonitor', region: 'eu-central-1', client: cwClient() }).publish(points);
      const logged: string[] = [];
      // Each run is its own Lambda container: its own clients, the same table.
      const invoke = (at: number) =>
        createEvaluateHandler({
          config: parsed.config,
          cloudwatch: cwClient(),
          state: table.store('PPTPMonitor', () => at),
          alerts: createAlertPublisher({ topics: { page, ticket }, region: 'eu-central-1', client: sns.client() }),
          log: createJsonLogger({ service: 'test', write: (l) => logged.push(l) }),
          now: () => at,
        })({ time: new Date(at).toISOString() }, { getRemainingTimeInMillis: () => 45_000 });
      // Act: four runs for the same minute at once (a duplicate EventBridge delivery, a retry, an overlap),
      // then the next minute's run beside a late one for the first minute.
      const first = await Promise.all([0, 1, 2, 3].map(() => invoke(scheduled)));
      const second = await Promise.all([invoke(scheduled + MINUTE_MS), invoke(scheduled)]);
      // Assess
      const outcomes = first.map((r) => r.outcome).sort();
      expect(outcomes.filter((o) => o === 'evaluated')).toHaveLength(1);
      expect(outcomes.every((o) => o === 'evaluated' || o === 'superseded' || o === 'already')).toBe(true);
      expect(first.flatMap((r) => r.notifications)).toEqual([{ target: 'hq-gw', policy: 'down', severity: 'page', status: 'firing', dedupKey: `hq-gw/down/${new Date(t - 3 * MINUTE_MS).toISOString()}` }]);
      expect(second.map((r) => r.outcome)).toEqual(['evaluated', 'already']);
      const publishes = sns.requests.filter((r) => r.action === 'Publish');
      expect(publishes.map((r) => r.params['Subject'])).toEqual(['[PAGE] hq-gw DOWN in 2/3 regions: connect_refused']);
      const item = await createDynamoDbStateStore({ tableName: 'evaluator-state', namespace: 'PPTPMonitor', schemaVersion: EVALUATOR_STATE_SCHEMA, client: table.client }).load(0);
      expect(item).toMatchObject({ evaluatedUntil: t + MINUTE_MS, outbox: [] });
      // Claim + confirm by the winner of the first minute, claim by the second minute's run (nothing to confirm).
      expect(item?.version).toBe(3);
    } finally {
      await cw.close();
      await sns.close();
      table.client.destroy();
      await table.server.close();
    }
  }, 60_000);
});

describe('evaluator: a region whose probe function stopped', () => {
  it('leaves it to the probes-stopped alarm instead of paging no_data once per target', async () => {
    // Prepare: two targets probed from 3 regions; us-east-1's function stops 3 intervals before t, so
    // no_data would fire for both targets exactly at t.
    const cw = await startCloudWatchFake();
    const sns = await startSnsFake();
    try {
      const page = await sns.createTopic('p');
      const ticket = await sns.createTopic('t');
      const parsed = parseConfig(`version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [${REGIONS.join(', ')}] }\ntargets:\n  - { name: a-gw, host: a.example.com }\n  - { name: b-gw, host: b.example.com }\n`, 't.yml');
      if (!parsed.ok) throw new Error('fixture');
      const scheduled = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
      const t = scheduled - INGESTION_LAG_MS;
      const points: Datum[] = [];
      for (let at = t - 30 * MINUTE_MS; at < t; at += MINUTE_MS) {
        for (const region of REGIONS) {
          if (region === 'us-east-1' && at >= t - 3 * MINUTE_MS) continue;
          for (const target of ['a-gw', 'b-gw']) points.push(...datumsForResult({ ok: true, timings: { ...NO_TIMINGS, connectMs: 1, controlMs: 2, totalMs: 3 } }, { target, region, intervalStart: at }));
          points.push({ metricName: 'ProbesRun', dimensions: { ProbeRegion: region, Shard: '0' }, timestamp: at, value: 2, unit: 'Count' });
        }
      }
      const cwClient = (): CloudWatchClient => new CloudWatchClient({ endpoint: cw.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
      await createMetricPublisher({ namespace: 'PPTPMonitor', region: 'eu-central-1', client: cwClient() }).publish(points);
      const logged: string[] = [];
      // Act
      const report = await createEvaluateHandler({
        config: parsed.config,
        cloudwatch: cwClient(),
        state: evaluatorStateStore(createMemoryStateStore({ namespace: 'PPTPMonitor', schemaVersion: EVALUATOR_STATE_SCHEMA })),
        alerts: createAlertPublisher({ topics: { page, ticket }, region: 'eu-central-1', client: sns.client() }),
        log: createJsonLogger({ service: 'test', write: (l) => logged.push(l) }),
        now: () => scheduled,
      })({ time: new Date(scheduled).toISOString() }, { getRemainingTimeInMillis: () => 45_000 });
      // Assess: nothing was published; the log says why.
      expect(report.notifications).toEqual([]);
      expect(sns.requests.filter((r) => r.action === 'Publish')).toEqual([]);
      const done = logged.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l['message'] === 'evaluation done');
      expect(done).toMatchObject({ deadProbeShards: ['us-east-1#0'], noDataCoveredByAlarm: 2 });
    } finally {
      await cw.close();
      await sns.close();
    }
  }, 60_000);
});
