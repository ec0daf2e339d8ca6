// Issue 13, part 2, end to end on the wire: the probe function (probeLambda, as deployed: real sockets to
// gateways on loopback, the real CloudWatchClient to the CloudWatch fake) in three locations, and the
// evaluator (real CloudWatchClient, real SNSClient to the SNS fake) running every minute after them. One
// target, quorum 2 of 3; eu-west-1 (also the home region) cannot complete a control connection the whole
// time, and for three minutes us-east-1 cannot either: a real outage that must page once and resolve.
// The same eleven minutes are played three ways:
//   * single delivery: every schedule invokes each location once;
//   * duplicate delivery: EventBridge invokes every location twice for every minute (a second later);
//   * retried: eu-west-1's first run each minute fails to publish (its points go to the log as EMF, which
//     CloudWatch Logs turns into metrics in its own region, here the home region) and the invocation
//     fails; Lambda retries it a minute later (it runs, and publishes the minute again) and two minutes
//     later (refused: its minute has passed).
// Duplicates and retries must give exactly the verdicts and notifications of single delivery.
import { CloudWatchClient, type MetricDatum, type StandardUnit } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluateHandler } from '../../functions/evaluate-handler.js';
import { EVALUATOR_STATE_SCHEMA } from '../../shared/cycles/evaluate-cycle.js';
import { evaluatorStateStore } from '../../shared/state/evaluator-state-port.js';
import { createMemoryStateStore } from '../support/memory-state-store.js';
import { createProbeHandler, probeLambda, type ProbeRun } from '../../functions/probe-handler.js';
import { createAlertPublisher } from '../../shared/alerts/sns-publisher.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { readHistory } from '../../shared/metrics/cloudwatch-history.js';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import { nodeProbeDeps } from '../../shared/probe/node-deps.js';
import { probeShardMap } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import { intervalStates } from '../../shared/sla/intervals.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { healthy, rejectControl, startPeer, type Peer } from '../support/hostile-peers.js';
import { lambdaContext } from '../support/lambda-context.js';
import { startSnsFake, type SnsFake } from '../support/sns-fake.js';

const MIN = 60_000;
const HOME = 'eu-west-1';
const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'] as const;
type Region = (typeof REGIONS)[number];
const MINUTES = 11;
/** Minutes (index from the first) in which us-east-1 fails too: a real quorum outage. */
const OUTAGE = new Set([4, 5, 6]);

type Delivery = 'single' | 'duplicate' | 'retried';

interface Played {
  /** Every probe invocation: location, minute index, what it returned or threw. */
  invocations: Array<{ region: Region; minute: number; outcome: ProbeRun['outcome'] | 'error' }>;
  /** Verdict and failing locations per minute, rebuilt from CloudWatch as the evaluator reads it. */
  verdicts: Array<[string, string[]]>;
  /** What the evaluator runs decided, in order. */
  notifications: Array<{ dedupKey: string; status: string; policy: string }>;
  /** What reached SNS: subject, and the https body's status, dedup key and regions. */
  published: Array<{ subject: string; status: string; dedupKey: string; regions: string[] }>;
  /** ProbeFailed as stored for the first minute: samples and their sum. */
  firstMinute: { samples: number; sum: number };
}

/** CloudWatch Logs' view of an EMF line: the metric it describes (one metric per line, as emf.ts writes them). */
function emfDatum(line: string): { namespace: string; datum: MetricDatum } {
  const doc = JSON.parse(line) as Record<string, unknown> & {
    _aws: { Timestamp: number; CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string; Unit: StandardUnit }> }> };
  };
  const directive = doc._aws.CloudWatchMetrics[0];
  const metric = directive?.Metrics[0];
  const value = metric && doc[metric.Name];
  if (!directive || !metric || typeof value !== 'number') throw new Error(`not an EMF line of ours: ${line}`);
  const dimensions = (directive.Dimensions[0] ?? []).map((Name) => ({ Name, Value: String(doc[Name]) }));
  return { namespace: directive.Namespace, datum: { MetricName: metric.Name, Unit: metric.Unit, Dimensions: dimensions, Timestamp: new Date(doc._aws.Timestamp), Value: value } };
}

describe('duplicate and retried probe runs against the wire fakes (issue 13)', () => {
  let ok: Peer;
  let denying: Peer;
  let config: ResolvedConfig;
  // Eleven minutes ending well before now: recent enough for CloudWatch, every event handled "on time".
  const M0 = Math.floor(Date.now() / MIN) * MIN - 30 * MIN;
  const played = new Map<Delivery, Played>();

  /** Where each location's probe connects in minute `i`: the gateway, or the path that refuses its control connection. */
  const portFor = (region: Region, i: number): number => (region === 'eu-west-1' || (region === 'us-east-1' && OUTAGE.has(i)) ? denying.port : ok.port);

  async function play(delivery: Delivery): Promise<Played> {
    const cw = await startCloudWatchFake();
    const sns = await startSnsFake();
    try {
      const client = (): CloudWatchClient => new CloudWatchClient({ endpoint: cw.endpoint, region: HOME, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
      let clockMs = M0;
      let minute = 0;
      const logs = new Map<Region, string[]>(REGIONS.map((r) => [r, []]));
      // One container per location, reused by every invocation, as Lambda would.
      const lambdas = new Map(
        REGIONS.map((region) => {
          const lines = logs.get(region) ?? [];
          const log = createJsonLogger({ service: 'probe', write: (l) => lines.push(l) });
          const handler = createProbeHandler({
            region,
            config,
            publisher: createMetricPublisher({ namespace: config.namespace, region: HOME, client: client(), log: { write: (l) => lines.push(l) }, retry: { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 } }),
            probeDeps: (signal) => {
              const base = nodeProbeDeps(signal);
              return { ...base, connect: (request, handlers) => base.connect({ ...request, port: portFor(region, minute) }, handlers) };
            },
            log,
            now: () => clockMs,
          });
          return [region, probeLambda(handler, log)] as const;
        }),
      );
      const invocations: Played['invocations'] = [];
      const invoke = async (region: Region, i: number, atMs: number): Promise<void> => {
        clockMs = atMs;
        minute = i;
        const lambda = lambdas.get(region);
        if (!lambda) throw new Error(region);
        const event = { time: new Date(M0 + i * MIN).toISOString(), shard: 0, shards: 1 };
        // The deadline middleware puts both signals on the context; these placeholders only satisfy the type until it does.
        const context = { ...lambdaContext(45_000), probeDeadline: new AbortController().signal, publishDeadline: new AbortController().signal };
        try {
          invocations.push({ region, minute: i, outcome: (await lambda(event, context)).outcome });
        } catch {
          invocations.push({ region, minute: i, outcome: 'error' });
        }
      };

      for (let i = 0; i < MINUTES; i++) {
        const start = M0 + i * MIN;
        for (const region of REGIONS) {
          if (delivery === 'retried' && region === HOME) {
            // The first run's publish fails twice (all its tries): EMF, then the invocation fails.
            cw.failNext(2, 'server');
            const lines = logs.get(region) ?? [];
            const before = lines.length;
            await invoke(region, i, start + 1_000);
            const emf = lines.slice(before).filter((l) => l.startsWith('{"_aws"')).map(emfDatum);
            expect(emf.length).toBeGreaterThan(0);
            // CloudWatch Logs turns those lines into metrics in the function's region, the home region.
            for (const { namespace, datum } of emf) cw.ingest(namespace, [datum]);
            // Lambda's retries, about one and two minutes later.
            await invoke(region, i, start + 61_000);
            await invoke(region, i, start + 121_000);
          } else {
            await invoke(region, i, start + 1_000);
            if (delivery === 'duplicate') await invoke(region, i, start + 2_000);
          }
        }
      }

      // The evaluator, every minute, each run stepping its state over the minutes since the last one.
      const notifications: Played['notifications'] = [];
      const evaluatorLog = createJsonLogger({ service: 'evaluate', write: () => undefined });
      // The evaluator's state between runs (the DynamoDB item; in memory here, the store's own tests use dynalite).
      const state = evaluatorStateStore(createMemoryStateStore({ namespace: config.namespace, schemaVersion: EVALUATOR_STATE_SCHEMA }));
      const page = await sns.createTopic('page');
      const ticket = await sns.createTopic('ticket');
      for (let i = 0; i < MINUTES; i++) {
        // Scheduled 3 minutes after minute i starts: it evaluates up to the end of minute i (2 minutes of ingestion lag).
        const scheduled = M0 + (i + 3) * MIN;
        const report = await createEvaluateHandler({
          config,
          cloudwatch: client(),
          state,
          alerts: createAlertPublisher({ topics: { page, ticket }, region: HOME, client: sns.client() }),
          log: evaluatorLog,
          now: () => scheduled + 5_000,
        })({ time: new Date(scheduled).toISOString(), shard: 0, shards: 1 }, { getRemainingTimeInMillis: () => 45_000 });
        notifications.push(...report.notifications.map(({ dedupKey, status, policy }) => ({ dedupKey, status, policy })));
      }

      const history = await readHistory(client(), config, { fromMs: M0, toMs: M0 + MINUTES * MIN, latency: false, probeShards: probeShardMap(config) });
      const target = config.targets[0];
      if (!target) throw new Error('no target');
      const verdicts = intervalStates(target, history.records.get(target.name) ?? [], M0, M0 + MINUTES * MIN).map((s): [string, string[]] => [s.verdict, s.failing]);
      const published = sns.requests
        .filter((r) => r.action === 'Publish')
        .map((r) => {
          const https = JSON.parse((JSON.parse(r.params['Message'] ?? '{}') as { https: string }).https) as { status: string; dedupKey: string; regions: string[] };
          return { subject: r.params['Subject'] ?? '', status: https.status, dedupKey: https.dedupKey, regions: https.regions };
        });
      const first = cw.datums.filter((d) => d.metricName === 'ProbeFailed' && d.timestamp.getTime() === M0);
      return {
        invocations,
        verdicts,
        notifications,
        published,
        firstMinute: { samples: first.reduce((n, d) => n + d.count, 0), sum: first.reduce((n, d) => n + d.value * d.count, 0) },
      };
    } finally {
      await cw.close();
      await sns.close();
    }
  }

  beforeAll(async () => {
    ok = await startPeer(healthy);
    denying = await startPeer(rejectControl(4));
    const parsed = parseConfig(
      `version: 1\nhomeRegion: ${HOME}\ndefaults: { regions: [${REGIONS.join(', ')}], timeout: 400 }\ntargets:\n  - { name: tri-gw, host: 127.0.0.1, port: ${ok.port} }\n`,
      'dup.yml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;
    for (const delivery of ['single', 'duplicate', 'retried'] as const) played.set(delivery, await play(delivery));
  }, 120_000);

  afterAll(async () => {
    await ok?.close();
    await denying?.close();
  });

  const of = (delivery: Delivery): Played => {
    const p = played.get(delivery);
    if (!p) throw new Error(`${delivery} was not played`);
    return p;
  };

  it('single delivery: one location failing alone never pages; the real outage pages once and resolves', () => {
    const single = of('single');
    expect(single.verdicts.map(([v]) => v)).toEqual(['up', 'up', 'up', 'up', 'down', 'down', 'down', 'up', 'up', 'up', 'up']);
    expect(single.verdicts[0]).toEqual(['up', ['eu-west-1']]);
    const since = new Date(M0 + 4 * MIN).toISOString();
    expect(single.notifications).toEqual([
      { dedupKey: `tri-gw/down/${since}`, status: 'firing', policy: 'down' },
      { dedupKey: `tri-gw/down/${since}`, status: 'resolved', policy: 'down' },
    ]);
    expect(single.published.map((p) => [p.status, p.dedupKey, p.regions])).toEqual([
      ['firing', `tri-gw/down/${since}`, ['eu-west-1', 'us-east-1']],
      ['resolved', `tri-gw/down/${since}`, ['eu-west-1', 'us-east-1']],
    ]);
    expect(single.firstMinute).toEqual({ samples: 3, sum: 1 });
  });

  it('duplicate delivery: every location reports every minute twice, and the verdicts and notifications are those of single delivery', () => {
    const duplicate = of('duplicate');
    // The duplicates are really there: one failing location reads as two failing reports.
    expect(duplicate.firstMinute).toEqual({ samples: 6, sum: 2 });
    expect(duplicate.invocations.filter((r) => r.outcome === 'probed')).toHaveLength(2 * 3 * MINUTES);
    expect(duplicate.verdicts).toEqual(of('single').verdicts);
    expect(duplicate.notifications).toEqual(of('single').notifications);
    expect(duplicate.published).toEqual(of('single').published);
  });

  it('retried: a failed run (EMF, error) retried a minute later counts once, and the retry after its minute publishes nothing', () => {
    const retried = of('retried');
    // Each minute, eu-west-1: the failed run, the retry that ran, the late retry refused.
    expect(retried.invocations.filter((r) => r.region === 'eu-west-1').map((r) => r.outcome)).toEqual(Array.from({ length: MINUTES }, () => ['error', 'probed', 'stale_event']).flat());
    // The EMF points and the retry's are both in the home region's metrics.
    expect(retried.firstMinute).toEqual({ samples: 4, sum: 2 });
    expect(retried.verdicts).toEqual(of('single').verdicts);
    expect(retried.notifications).toEqual(of('single').notifications);
    expect(retried.published).toEqual(of('single').published);
  });
});
