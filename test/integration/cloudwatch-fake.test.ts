// The CloudWatch fake driven by the REAL @aws-sdk/client-cloudwatch client over HTTP: wire protocol, statistics,
// validation errors as the SDK surfaces them, and fault injection as the SDK's retry layer classifies it.
import {
  CloudWatchClient,
  GetMetricDataCommand,
  ListMetricsCommand,
  PutMetricDataCommand,
  type Dimension,
  type GetMetricDataCommandInput,
  type MetricDatum,
  type PutMetricDataCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';

type SdkError = Error & {
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; attempts?: number };
  Code?: string;
  code?: string;
};

async function rejectionOf(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to reject, but it resolved');
}

const NS = 'PptpMonitor/Test';
const DIMS: Dimension[] = [{ Name: 'Target', Value: 'gw1' }];
// Hour-aligned, three hours ago: inside CloudWatch's two-week PutMetricData window and a clean period boundary.
const BASE = Math.floor(Date.now() / 3_600_000) * 3_600_000 - 3 * 3_600_000;
const at = (seconds: number): Date => new Date(BASE + seconds * 1000);

let fake: CloudWatchFake;
const clients: CloudWatchClient[] = [];

function client(maxAttempts = 1, endpoint = fake.endpoint): CloudWatchClient {
  const c = new CloudWatchClient({
    endpoint,
    region: 'eu-west-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts,
  });
  clients.push(c);
  return c;
}

const put = (input: PutMetricDataCommandInput, c = client()) => c.send(new PutMetricDataCommand(input));

function statQuery(id: string, stat: string, period = 60, dims: Dimension[] = DIMS) {
  return {
    Id: id,
    MetricStat: { Metric: { Namespace: NS, MetricName: 'ProbeLatency', Dimensions: dims }, Period: period, Stat: stat },
  };
}

beforeAll(async () => {
  fake = await startCloudWatchFake();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => {
  fake.reset();
});
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

describe('cloudwatch fake: PutMetricData → GetMetricData round trip', () => {
  // Period A [BASE, +60): 10, 20, 30, 40 as four datums.      N=4  Sum=100 Avg=25   Min=10 Max=40  p95=rank 4 → 40, p90=rank 4 → 40
  // Period B [+60, +120): Values 1..20 in one datum.          N=20 Sum=210 Avg=10.5 Min=1  Max=20  p95=rank 19 → 19, p90=rank 18 → 18
  // Period C [+120,+180): Values [5,100] Counts [9,1].        N=10 Sum=145 Avg=14.5 Min=5  Max=100 p95=rank 10 → 100, p90=rank 9 → 5
  // Outside [StartTime, EndTime): 1000 at BASE-1s (before start) and 2000 at BASE+180s (EndTime is exclusive).
  async function seed(): Promise<void> {
    const datum = (value: number, seconds: number): MetricDatum => ({
      MetricName: 'ProbeLatency',
      Dimensions: DIMS,
      Unit: 'Milliseconds',
      Value: value,
      Timestamp: at(seconds),
    });
    await put({
      Namespace: NS,
      MetricData: [
        datum(10, 5),
        datum(20, 15),
        datum(30, 25),
        datum(40, 35),
        { MetricName: 'ProbeLatency', Dimensions: DIMS, Unit: 'Milliseconds', Timestamp: at(70), Values: Array.from({ length: 20 }, (_, i) => i + 1) },
        { MetricName: 'ProbeLatency', Dimensions: DIMS, Unit: 'Milliseconds', Timestamp: at(150), Values: [5, 100], Counts: [9, 1] },
        datum(1000, -1),
        datum(2000, 180),
      ],
    });
  }

  it('computes Sum/Average/SampleCount/Minimum/Maximum/p95/p90 per period, newest first by default', async () => {
    await seed();
    const out = await client().send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(180),
        MetricDataQueries: [
          statQuery('sum', 'Sum'),
          statQuery('avg', 'Average'),
          statQuery('cnt', 'SampleCount'),
          statQuery('mn', 'Minimum'),
          statQuery('mx', 'Maximum'),
          statQuery('p95', 'p95'),
          statQuery('p90', 'p90'),
        ],
      }),
    );
    const byId = new Map((out.MetricDataResults ?? []).map((r) => [r.Id, r]));
    const expectedTimestamps = [at(120), at(60), at(0)];
    const expected: Record<string, number[]> = {
      sum: [145, 210, 100],
      avg: [14.5, 10.5, 25],
      cnt: [10, 20, 4],
      mn: [5, 1, 10],
      mx: [100, 20, 40],
      p95: [100, 19, 40],
      p90: [5, 18, 40],
    };
    expect([...byId.keys()]).toEqual(Object.keys(expected));
    for (const [id, values] of Object.entries(expected)) {
      const r = byId.get(id)!;
      expect(r.Timestamps, id).toEqual(expectedTimestamps); // the SDK parsed epoch-second numbers into Dates
      expect(r.Values, id).toEqual(values);
      expect(r.StatusCode, id).toBe('Complete');
      expect(r.Label, id).toBe('ProbeLatency');
    }
    expect(fake.metricsRequested).toBe(7);
    expect(fake.requests.map((r) => [r.operation, r.status])).toEqual([
      ['PutMetricData', 200],
      ['GetMetricData', 200],
    ]);
  });

  it('honours ScanBy TimestampAscending, custom Label, ReturnData false, longer periods and Unit filtering', async () => {
    await seed();
    // Same metric but a different unit: only visible to a query without Unit or with Unit 'Seconds'.
    await put({ Namespace: NS, MetricData: [{ MetricName: 'ProbeLatency', Dimensions: DIMS, Unit: 'Seconds', Value: 7, Timestamp: at(30) }] });
    const input: GetMetricDataCommandInput = {
      StartTime: at(0),
      EndTime: at(180),
      ScanBy: 'TimestampAscending',
      MetricDataQueries: [
        { ...statQuery('ms', 'Sum'), Label: 'latency sum', MetricStat: { ...statQuery('x', 'Sum').MetricStat, Unit: 'Milliseconds' } },
        { ...statQuery('all5m', 'SampleCount', 300) },
        { ...statQuery('hidden', 'Maximum'), ReturnData: false },
      ],
    };
    const out = await client().send(new GetMetricDataCommand(input));
    expect(out.MetricDataResults?.map((r) => r.Id)).toEqual(['ms', 'all5m']);
    const [ms, all5m] = out.MetricDataResults ?? [];
    expect(ms?.Label).toBe('latency sum');
    expect(ms?.Timestamps).toEqual([at(0), at(60), at(120)]);
    expect(ms?.Values).toEqual([100, 210, 145]);
    // One 5-minute bucket starting at StartTime: 4 + 20 + 10 samples + the 'Seconds' sample.
    expect(all5m?.Timestamps).toEqual([at(0)]);
    expect(all5m?.Values).toEqual([35]);
    expect(fake.metricsRequested).toBe(3); // ReturnData=false queries are still requested (and billed)
  });

  it('returns an empty, Complete result when nothing matches', async () => {
    await seed();
    const out = await client().send(
      new GetMetricDataCommand({ StartTime: at(3600), EndTime: at(7200), MetricDataQueries: [statQuery('sum', 'Sum')] }),
    );
    expect(out.MetricDataResults).toEqual([
      { Id: 'sum', Label: 'ProbeLatency', Timestamps: [], Values: [], StatusCode: 'Complete', Messages: [] },
    ]);
  });
});

describe('cloudwatch fake: stored samples', () => {
  it('expands Value and Values/Counts into individual samples with dimensions, unit and timestamp', async () => {
    await put({
      Namespace: NS,
      MetricData: [
        { MetricName: 'Up', Value: 1, Timestamp: at(1), Dimensions: [{ Name: 'Target', Value: 'gw1' }, { Name: 'Port', Value: '1723' }] },
        { MetricName: 'Rtt', Values: [5, 100], Counts: [9, 1], Timestamp: at(2), Unit: 'Milliseconds' },
        { MetricName: 'Rtt', Values: [3, 4], Timestamp: at(3), Unit: 'Milliseconds' },
      ],
    });
    expect(fake.datums).toEqual([
      { namespace: NS, metricName: 'Up', dimensions: { Target: 'gw1', Port: '1723' }, timestamp: at(1), value: 1, count: 1, unit: 'None' },
      { namespace: NS, metricName: 'Rtt', dimensions: {}, timestamp: at(2), value: 5, count: 9, unit: 'Milliseconds' },
      { namespace: NS, metricName: 'Rtt', dimensions: {}, timestamp: at(2), value: 100, count: 1, unit: 'Milliseconds' },
      { namespace: NS, metricName: 'Rtt', dimensions: {}, timestamp: at(3), value: 3, count: 1, unit: 'Milliseconds' },
      { namespace: NS, metricName: 'Rtt', dimensions: {}, timestamp: at(3), value: 4, count: 1, unit: 'Milliseconds' },
    ]);
  });

  it('stamps datums without Timestamp with the fake clock and enforces the two-weeks-past / two-hours-future window', async () => {
    const now = new Date('2030-01-01T12:00:00Z');
    const clocked = await startCloudWatchFake({ now: () => now });
    try {
      const c = client(1, clocked.endpoint);
      await put({ Namespace: NS, MetricData: [{ MetricName: 'Up', Value: 1 }] }, c);
      expect(clocked.datums.map((d) => d.timestamp)).toEqual([now]);

      const day = 86_400_000;
      const tooOld = await rejectionOf(put({ Namespace: NS, MetricData: [{ MetricName: 'Up', Value: 1, Timestamp: new Date(now.getTime() - 15 * day) }] }, c));
      const tooNew = await rejectionOf(put({ Namespace: NS, MetricData: [{ MetricName: 'Up', Value: 1, Timestamp: new Date(now.getTime() + 3 * 3_600_000) }] }, c));
      expect([tooOld.name, tooOld.Code]).toEqual(['InvalidParameterValueException', 'InvalidParameterValue']);
      expect(tooOld.message).toContain('two weeks');
      expect([tooNew.name, tooNew.Code]).toEqual(['InvalidParameterValueException', 'InvalidParameterValue']);
      expect(tooNew.message).toContain('two hours');
      // Just inside both edges is accepted.
      await put({ Namespace: NS, MetricData: [
        { MetricName: 'Up', Value: 2, Timestamp: new Date(now.getTime() - 14 * day + 1000) },
        { MetricName: 'Up', Value: 3, Timestamp: new Date(now.getTime() + 2 * 3_600_000 - 1000) },
      ] }, c);
      expect(clocked.datums.map((d) => d.value)).toEqual([1, 2, 3]);
    } finally {
      await clocked.close();
    }
  });
});

describe('cloudwatch fake: PutMetricData validation as the SDK reports it', () => {
  const ok = (extra: Partial<MetricDatum> = {}): MetricDatum => ({ MetricName: 'Up', Value: 1, Timestamp: at(1), ...extra });
  // The SDK maps the x-amzn-query-error code to the modeled error class: err.name is the class name, err.Code the query code.
  const cases: Array<[string, PutMetricDataCommandInput, string, string]> = [
    ['151 Values', { Namespace: NS, MetricData: [{ MetricName: 'Rtt', Values: Array.from({ length: 151 }, (_, i) => i) }] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['empty MetricData', { Namespace: NS, MetricData: [] }, 'MissingRequiredParameterException', 'MissingParameter'],
    ['1001 datums', { Namespace: NS, MetricData: Array.from({ length: 1001 }, () => ok()) }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['AWS/ namespace', { Namespace: 'AWS/EC2', MetricData: [ok()] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['missing Namespace', { Namespace: undefined, MetricData: [ok()] }, 'MissingRequiredParameterException', 'MissingParameter'],
    ['missing MetricName', { Namespace: NS, MetricData: [ok({ MetricName: undefined })] }, 'MissingRequiredParameterException', 'MissingParameter'],
    ['neither Value nor Values', { Namespace: NS, MetricData: [ok({ Value: undefined })] }, 'MissingRequiredParameterException', 'MissingParameter'],
    ['Value and Values', { Namespace: NS, MetricData: [ok({ Values: [1, 2] })] }, 'InvalidParameterCombinationException', 'InvalidParameterCombination'],
    ['Values/Counts length mismatch', { Namespace: NS, MetricData: [ok({ Value: undefined, Values: [1, 2], Counts: [1] })] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['31 dimensions', { Namespace: NS, MetricData: [ok({ Dimensions: Array.from({ length: 31 }, (_, i) => ({ Name: `d${i}`, Value: 'v' })) })] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['empty dimension Value', { Namespace: NS, MetricData: [ok({ Dimensions: [{ Name: 'Target', Value: '' }] })] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['dimension without Name', { Namespace: NS, MetricData: [ok({ Dimensions: [{ Value: 'gw1' } as Dimension] })] }, 'MissingRequiredParameterException', 'MissingParameter'],
    ['unknown Unit', { Namespace: NS, MetricData: [ok({ Unit: 'Furlongs' as MetricDatum['Unit'] })] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['NaN Value', { Namespace: NS, MetricData: [ok({ Value: Number.NaN })] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
  ];

  it.each(cases)('rejects %s', async (_label, input, name, code) => {
    // maxAttempts 3: client faults must not be retried, so the fake sees exactly one request.
    const err = await rejectionOf(put(input, client(3)));
    expect(err.name).toBe(name);
    expect(err.Code).toBe(code);
    expect(err.$fault).toBe('client');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(fake.requests).toEqual([expect.objectContaining({ operation: 'PutMetricData', status: 400, errorCode: code })]);
    expect(fake.datums).toEqual([]);
  });

  it('accepts the limits exactly: 1000 datums, 150 Values, 30 dimensions', async () => {
    const dims = Array.from({ length: 30 }, (_, i) => ({ Name: `d${i}`, Value: 'v' }));
    await put({
      Namespace: NS,
      MetricData: [
        { MetricName: 'Rtt', Values: Array.from({ length: 150 }, (_, i) => i), Dimensions: dims, Unit: 'Count/Second', Timestamp: at(1) },
        ...Array.from({ length: 999 }, () => ok()),
      ],
    });
    expect(fake.datums).toHaveLength(150 + 999);
    expect(Object.keys(fake.datums[0]!.dimensions)).toHaveLength(30);
  });

  // ~2 MB of JSON: 1000 datums, each with two 1000-character dimension values.
  const bigInput = (value: () => string): PutMetricDataCommandInput => ({
    Namespace: NS,
    MetricData: Array.from({ length: 1000 }, () => ok({ Dimensions: [{ Name: 'a', Value: value() }, { Name: 'b', Value: value() }] })),
  });

  it('rejects a request body over 1 MiB on the wire with 413 before looking at it', async () => {
    const uncompressed = new CloudWatchClient({
      endpoint: fake.endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      maxAttempts: 1,
      disableRequestCompression: true,
    });
    clients.push(uncompressed);
    const err = await rejectionOf(put(bigInput(() => 'x'.repeat(1000)), uncompressed));
    expect(err.name).toBe('RequestEntityTooLarge');
    expect(err.$metadata?.httpStatusCode).toBe(413);
    expect(err.$fault).toBe('client');
    expect(fake.requests).toEqual([expect.objectContaining({ status: 413 })]);
    expect(fake.requests[0]!.contentEncoding).toBeUndefined();
    expect(fake.requests[0]!.bodyBytes).toBeGreaterThan(1_048_576);
    expect(fake.datums).toEqual([]);
  });

  it('measures the limit on the gzipped body the SDK sends by default', async () => {
    // Compressible: ~2 MB of JSON gzips far below 1 MiB, so it is accepted.
    await put(bigInput(() => 'x'.repeat(1000)));
    // Incompressible: random dimension values keep the gzipped body above 1 MiB.
    const random = () => Array.from({ length: 1000 }, () => String.fromCharCode(33 + Math.floor(Math.random() * 94))).join('');
    const err = await rejectionOf(put(bigInput(random)));
    expect(err.name).toBe('RequestEntityTooLarge');
    expect(fake.requests.map((r) => [r.contentEncoding, r.status])).toEqual([
      ['gzip', 200],
      ['gzip', 413],
    ]);
    expect(fake.requests[0]!.bodyBytes).toBeLessThan(100_000);
    expect(fake.datums).toHaveLength(1000);
    expect(fake.datums[0]!.dimensions['a']).toBe('x'.repeat(1000));
  });
});

describe('cloudwatch fake: GetMetricData validation', () => {
  const range = { StartTime: at(0), EndTime: at(60) };
  const cases: Array<[string, GetMetricDataCommandInput, string, string]> = [
    ['StartTime not before EndTime', { StartTime: at(60), EndTime: at(60), MetricDataQueries: [statQuery('a', 'Sum')] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['Period 61', { ...range, MetricDataQueries: [statQuery('a', 'Sum', 61)] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['unknown Stat', { ...range, MetricDataQueries: [statQuery('a', 'Median')] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['Id starting upper case', { ...range, MetricDataQueries: [statQuery('Sum', 'Sum')] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
    ['no queries', { ...range, MetricDataQueries: [] }, 'MissingRequiredParameterException', 'MissingParameter'],
    ['metric math (not implemented by the fake)', { ...range, MetricDataQueries: [{ Id: 'e', Expression: 'SUM(METRICS())' }] }, 'InvalidParameterValueException', 'InvalidParameterValue'],
  ];

  it.each(cases)('rejects %s and bills nothing', async (_label, input, name, code) => {
    const err = await rejectionOf(client().send(new GetMetricDataCommand(input)));
    expect([err.name, err.Code, err.$fault]).toEqual([name, code, 'client']);
    expect(fake.metricsRequested).toBe(0);
    expect(fake.requests).toEqual([expect.objectContaining({ operation: 'GetMetricData', status: 400 })]);
  });

  it('answers operations it does not implement with InvalidAction', async () => {
    const err = await rejectionOf(client().send(new ListMetricsCommand({ Namespace: NS })));
    expect(err.name).toBe('InvalidAction');
    expect(err.message).toContain('ListMetrics');
    expect(fake.requests[0]?.operation).toBe('ListMetrics');
  });
});

describe('cloudwatch fake: exact dimension matching', () => {
  it('matches only the metric whose dimension set is identical (order-insensitive)', async () => {
    const m = (value: number, dims: Dimension[] | undefined): MetricDatum => ({ MetricName: 'ProbeLatency', Value: value, Dimensions: dims, Timestamp: at(10) });
    await put({
      Namespace: NS,
      MetricData: [
        m(1, [{ Name: 'Target', Value: 'gw1' }]),
        m(10, [{ Name: 'Target', Value: 'gw1' }, { Name: 'Port', Value: '1723' }]),
        m(100, undefined),
        m(1000, [{ Name: 'Target', Value: 'gw2' }]),
        m(10000, [{ Name: 'Host', Value: 'gw1' }]),
      ],
    });
    const out = await client().send(
      new GetMetricDataCommand({
        StartTime: at(0),
        EndTime: at(60),
        MetricDataQueries: [
          statQuery('one', 'Sum', 60, [{ Name: 'Target', Value: 'gw1' }]),
          statQuery('two', 'Sum', 60, [{ Name: 'Port', Value: '1723' }, { Name: 'Target', Value: 'gw1' }]),
          statQuery('none', 'Sum', 60, []),
          statQuery('other', 'Sum', 60, [{ Name: 'Target', Value: 'gw2' }]),
          statQuery('missing', 'Sum', 60, [{ Name: 'Target', Value: 'gw3' }]),
        ],
      }),
    );
    expect(Object.fromEntries((out.MetricDataResults ?? []).map((r) => [r.Id, r.Values]))).toEqual({
      one: [1],
      two: [10],
      none: [100],
      other: [1000],
      missing: [],
    });
  });
});

describe('cloudwatch fake: fault injection', () => {
  const datum = { Namespace: NS, MetricData: [{ MetricName: 'Up', Value: 1, Timestamp: at(1) }] };

  it('throttle: 400 with code Throttling, which the SDK surfaces as name "Throttling" (its throttling classification is by name)', async () => {
    fake.failNext(1, 'throttle');
    const err = await rejectionOf(put(datum));
    // Throttling is not a modeled CloudWatch error, so the SDK builds a CloudWatchServiceException named after the
    // x-amzn-query-error code. $retryable is only set for modeled @retryable errors, so it is undefined here; the retry
    // layer's isThrottlingError() recognises the name 'Throttling' instead (see the retry test below).
    expect(err.name).toBe('Throttling');
    expect(err.Code).toBe('Throttling');
    expect(err.$retryable).toBeUndefined();
    expect(err.$fault).toBe('client');
    expect(err.$metadata?.httpStatusCode).toBe(400);
    expect(err.message).toBe('Rate exceeded');
    expect(fake.datums).toEqual([]);
    // The fault is consumed: the next request goes through.
    await put(datum);
    expect(fake.requests.map((r) => [r.status, r.injected])).toEqual([
      [400, 'throttle'],
      [200, undefined],
    ]);
    expect(fake.datums).toHaveLength(1);
  });

  it('with maxAttempts 3 the SDK retries through one injected throttle and succeeds (fake sees 2 requests)', async () => {
    fake.failNext(1, 'throttle');
    const out = await put(datum, client(3));
    expect(out.$metadata.attempts).toBe(2);
    expect(fake.requests.map((r) => [r.operation, r.status])).toEqual([
      ['PutMetricData', 400],
      ['PutMetricData', 200],
    ]);
    expect(fake.datums).toHaveLength(1);
  });

  it('throttles that outlast maxAttempts surface as Throttling after every attempt was used', async () => {
    fake.failNext(2, 'throttle');
    const err = await rejectionOf(put(datum, client(2)));
    expect(err.name).toBe('Throttling');
    expect(err.$metadata?.attempts).toBe(2);
    expect(fake.requests.map((r) => r.injected)).toEqual(['throttle', 'throttle']);
  });

  it('server: 500 InternalServiceFault with $fault "server", for any operation', async () => {
    fake.failNext(2, 'server');
    const putErr = await rejectionOf(put(datum));
    const getErr = await rejectionOf(
      client().send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(60), MetricDataQueries: [statQuery('a', 'Sum')] })),
    );
    for (const err of [putErr, getErr]) {
      expect(err.name).toBe('InternalServiceFault');
      expect(err.Code).toBe('InternalServiceError');
      expect(err.$fault).toBe('server');
      expect(err.$metadata?.httpStatusCode).toBe(500);
    }
    expect(fake.metricsRequested).toBe(0);
    await put(datum);
    expect(fake.requests.map((r) => [r.operation, r.status])).toEqual([
      ['PutMetricData', 500],
      ['GetMetricData', 500],
      ['PutMetricData', 200],
    ]);
  });

  it('reset: the socket is destroyed, the SDK sees ECONNRESET and (as a transient error) retries through it', async () => {
    fake.failNext(1, 'reset');
    const err = await rejectionOf(put(datum));
    expect(err.code).toBe('ECONNRESET');
    expect(fake.requests).toEqual([expect.objectContaining({ operation: 'PutMetricData', status: 0, injected: 'reset' })]);
    expect(fake.datums).toEqual([]);

    fake.failNext(1, 'reset');
    const out = await put(datum, client(2));
    expect(out.$metadata.attempts).toBe(2);
    expect(fake.datums).toHaveLength(1);
  });

  it('reset() forgets samples, requests, billing and pending faults', async () => {
    await put(datum);
    await client().send(new GetMetricDataCommand({ StartTime: at(0), EndTime: at(60), MetricDataQueries: [statQuery('a', 'Sum')] }));
    fake.failNext(5, 'server');
    fake.reset();
    expect(fake.datums).toEqual([]);
    expect(fake.requests).toEqual([]);
    expect(fake.metricsRequested).toBe(0);
    await put(datum); // would fail if the queued faults survived reset()
    expect(fake.requests.map((r) => r.status)).toEqual([200]);
  });
});

describe('cloudwatch fake: lifecycle', () => {
  it('listens on 127.0.0.1 only and refuses connections after close()', async () => {
    const f = await startCloudWatchFake();
    expect(f.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const c = client(1, f.endpoint);
    await put({ Namespace: NS, MetricData: [{ MetricName: 'Up', Value: 1 }] }, c); // keep-alive connection now open
    await f.close(); // must not hang on the client's idle keep-alive connection
    const err = await rejectionOf(put({ Namespace: NS, MetricData: [{ MetricName: 'Up', Value: 1 }] }, client(1, f.endpoint)));
    expect(err.code).toBe('ECONNREFUSED');
  });
});
