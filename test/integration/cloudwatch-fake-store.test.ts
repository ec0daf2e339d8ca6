// The CloudWatch fake's indexed and aggregating stores give the answers of the original linear scan: random
// histories (several metrics, dimension sets in any order, two units, Values/Counts with zero counts, samples
// out of order and off the minute) are put through the REAL CloudWatchClient into three fakes, and random
// GetMetricData calls must come back identical from all of them.
import { CloudWatchClient, GetMetricDataCommand, PutMetricDataCommand, type Dimension, type GetMetricDataCommandInput, type MetricDataQuery, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../shared/common/time.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { mulberry32 } from '../support/prng.js';

type SdkError = Error & { Code?: string };

const NS = 'PptpMonitor/Store';
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
const HISTORY_MS = 6 * HOUR_MS;
const METRICS = ['ProbeFailed', 'ConnectTime'];
const DIMENSION_SETS: Dimension[][] = [
  [],
  [{ Name: 'Target', Value: 'gw-a' }],
  [{ Name: 'Target', Value: 'gw-b' }],
  [{ Name: 'Target', Value: 'gw-a' }, { Name: 'ProbeRegion', Value: 'eu-west-1' }],
  [{ Name: 'ProbeRegion', Value: 'eu-west-1' }, { Name: 'Target', Value: 'gw-a' }], // the same identity, other order
  [{ Name: 'Target', Value: 'gw-a' }, { Name: 'ProbeRegion', Value: 'us-east-1' }],
];
const UNITS = ['Count', 'Milliseconds'] as const;

interface Fakes {
  scan: CloudWatchFake;
  index: CloudWatchFake;
  aggregate: CloudWatchFake;
}
const clients: CloudWatchClient[] = [];
const clientFor = (fake: CloudWatchFake): CloudWatchClient => {
  const c = new CloudWatchClient({ endpoint: fake.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  clients.push(c);
  return c;
};

async function startFakes(): Promise<Fakes> {
  const now = () => new Date(T0);
  return {
    scan: await startCloudWatchFake({ now, index: false }),
    index: await startCloudWatchFake({ now }),
    aggregate: await startCloudWatchFake({ now, aggregate: true }),
  };
}

/** A random history; `exact` keeps values on a 1/4 grid so that every sum is exact whatever the order of addition. */
function randomHistory(random: () => number, datums: number, exact: boolean): MetricDatum[] {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const value = (): number => (exact ? Math.round(random() * 400 - 100) / 4 : (random() - 0.3) * 1e3);
  const out: MetricDatum[] = [];
  for (let i = 0; i < datums; i++) {
    // Mostly in time order, one in five anywhere in the history; a third off the minute.
    const base = random() < 0.8 ? T0 - HISTORY_MS + Math.floor((i / datums) * HISTORY_MS) : T0 - HISTORY_MS + Math.floor(random() * HISTORY_MS);
    const at = random() < 0.33 ? base : Math.floor(base / MINUTE_MS) * MINUTE_MS;
    const datum: MetricDatum = { MetricName: pick(METRICS), Dimensions: pick(DIMENSION_SETS), Unit: pick(UNITS), Timestamp: new Date(at) };
    if (random() < 0.6) datum.Value = value();
    else {
      const n = 1 + Math.floor(random() * 6);
      datum.Values = Array.from({ length: n }, value);
      if (random() < 0.5) datum.Counts = Array.from({ length: n }, () => Math.floor(random() * 4)); // zero counts included
    }
    out.push(datum);
  }
  return out;
}

async function putAll(fakes: Fakes, data: MetricDatum[]): Promise<void> {
  for (const fake of Object.values(fakes)) {
    const client = clientFor(fake);
    for (let i = 0; i < data.length; i += 1000) await client.send(new PutMetricDataCommand({ Namespace: NS, MetricData: data.slice(i, i + 1000) }));
  }
}

/** A random call; `aggregateSafe` keeps to what the aggregate store answers (whole minutes, no percentiles). */
function randomCall(random: () => number, aggregateSafe: boolean): GetMetricDataCommandInput {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const stats = aggregateSafe ? ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum'] : ['Sum', 'SampleCount', 'Average', 'Minimum', 'Maximum', 'p50', 'p90', 'p99.9', 'p0'];
  const periods = aggregateSafe ? [60, 120, 300, 900, 3600] : [1, 5, 30, 60, 120, 300, 3600];
  const grid = aggregateSafe ? MINUTE_MS : 1000;
  const from = T0 - HISTORY_MS - HOUR_MS + Math.floor((random() * (HISTORY_MS + HOUR_MS)) / grid) * grid;
  const to = Math.min(T0 + HOUR_MS, from + grid * (1 + Math.floor(random() * ((3 * HOUR_MS) / grid))));
  const queries: MetricDataQuery[] = Array.from({ length: 1 + Math.floor(random() * 8) }, (_, i) => ({
    Id: `q${i}`,
    MetricStat: {
      Metric: { Namespace: NS, MetricName: random() < 0.9 ? pick(METRICS) : 'Missing', Dimensions: pick(DIMENSION_SETS) },
      Period: pick(periods),
      Stat: pick(stats),
      ...(random() < 0.3 ? { Unit: pick(UNITS) } : {}),
    },
    ...(random() < 0.1 ? { ReturnData: false } : {}),
  }));
  return { StartTime: new Date(from), EndTime: new Date(to), MetricDataQueries: queries, ScanBy: random() < 0.5 ? 'TimestampAscending' : 'TimestampDescending' };
}

const answer = async (fake: CloudWatchFake, input: GetMetricDataCommandInput) => (await clientFor(fake).send(new GetMetricDataCommand(input))).MetricDataResults;

describe('cloudwatch fake stores: index and aggregate answer as the scan does', () => {
  let exact: Fakes;
  let inexact: Fakes;
  beforeAll(async () => {
    exact = await startFakes();
    inexact = await startFakes();
    await putAll(exact, randomHistory(mulberry32(13), 4000, true));
    await putAll(inexact, randomHistory(mulberry32(31), 4000, false));
  });
  afterAll(async () => {
    for (const c of clients.splice(0)) c.destroy();
    for (const fakes of [exact, inexact]) for (const f of Object.values(fakes ?? {})) await f.close();
  });

  it('stores the same samples (the index returns them in arrival order)', () => {
    expect(exact.index.datums).toEqual(exact.scan.datums);
    expect(exact.aggregate.sampleCount).toBe(exact.scan.datums.length);
    expect(() => exact.aggregate.datums).toThrow('samples are not kept in aggregate mode');
  });

  it('index = scan on 300 random calls: every stat, period, unit filter, alignment and order, to the bit', async () => {
    const random = mulberry32(7);
    let points = 0;
    for (let i = 0; i < 300; i++) {
      const call = randomCall(random, false);
      const expected = await answer(exact.scan, call);
      expect(await answer(exact.index, call), JSON.stringify(call)).toEqual(expected);
      points += expected?.reduce((n, r) => n + (r.Values?.length ?? 0), 0) ?? 0;
    }
    expect(points).toBeGreaterThan(5000); // the calls did cover data
  });

  it('aggregate = scan on 300 random calls in whole minutes, to the bit', async () => {
    const random = mulberry32(8);
    for (let i = 0; i < 300; i++) {
      const call = randomCall(random, true);
      expect(await answer(exact.aggregate, call), JSON.stringify(call)).toEqual(await answer(exact.scan, call));
    }
  });

  it('with arbitrary doubles the answers agree up to the order of addition (1e-9 relative)', async () => {
    const random = mulberry32(9);
    for (let i = 0; i < 200; i++) {
      const call = randomCall(random, true);
      const expected = (await answer(inexact.scan, call)) ?? [];
      for (const fake of [inexact.index, inexact.aggregate]) {
        const got = (await answer(fake, call)) ?? [];
        expect(got.map((r) => [r.Id, r.Timestamps, r.StatusCode])).toEqual(expected.map((r) => [r.Id, r.Timestamps, r.StatusCode]));
        got.forEach((r, j) => r.Values?.forEach((v, k) => {
          const want = expected[j]!.Values![k]!;
          expect(Math.abs(v - want), `${JSON.stringify(call)} ${r.Id}[${k}]`).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(want)));
        }));
      }
    }
  });
});

describe('cloudwatch fake stores: what the aggregate store refuses', () => {
  let fake: CloudWatchFake;
  let client: CloudWatchClient;
  beforeAll(async () => {
    fake = await startCloudWatchFake({ now: () => new Date(T0), aggregate: true });
    client = new CloudWatchClient({ endpoint: fake.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
    await client.send(new PutMetricDataCommand({ Namespace: NS, MetricData: [{ MetricName: 'ConnectTime', Value: 5, Timestamp: new Date(T0 - MINUTE_MS) }] }));
  });
  afterAll(async () => {
    client.destroy();
    await fake.close();
  });

  const call = (stat: string, period: number, fromMs: number): GetMetricDataCommandInput => ({
    StartTime: new Date(fromMs),
    EndTime: new Date(T0),
    MetricDataQueries: [{ Id: 'a', MetricStat: { Metric: { Namespace: NS, MetricName: 'ConnectTime' }, Period: period, Stat: stat } }],
  });
  const refusal = async (input: GetMetricDataCommandInput): Promise<SdkError> => {
    try {
      await client.send(new GetMetricDataCommand(input));
    } catch (err) {
      return err as SdkError;
    }
    throw new Error('expected a refusal');
  };

  it.each([
    ['a percentile', call('p95', 60, T0 - HOUR_MS), 'cloudwatch-fake does not implement percentiles (p95) in aggregate mode, which keeps only count, sum, minimum and maximum per metric and minute; start the fake without options.aggregate to query percentiles (MetricDataQueries.member.1).'],
    ['a sub-minute period', call('Sum', 30, T0 - HOUR_MS), 'cloudwatch-fake does not implement a period of 30 s in aggregate mode, which keeps whole minutes: use a multiple of 60 (MetricDataQueries.member.1).'],
    ['a StartTime off the minute', call('Sum', 60, T0 - HOUR_MS + 1000), 'cloudwatch-fake does not implement StartTime or EndTime off the minute (2030-01-01T11:00:01.000Z .. 2030-01-01T12:00:00.000Z) in aggregate mode, which keeps whole minutes (MetricDataQueries.member.1).'],
  ])('refuses %s with a message that says so', async (_label, input, message) => {
    const err = await refusal(input);
    expect([err.name, err.Code, err.message]).toEqual(['InvalidParameterValueException', 'InvalidParameterValue', message]);
  });

  it('answers the rest', async () => {
    const out = await client.send(new GetMetricDataCommand(call('Average', 60, T0 - HOUR_MS)));
    expect(out.MetricDataResults?.[0]?.Values).toEqual([5]);
  });
});
