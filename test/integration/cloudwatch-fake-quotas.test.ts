// GetMetricData's account quotas and per-call limits in the CloudWatch fake, driven by the REAL CloudWatchClient:
// 50 TPS and 396,000 / 180,000 data points per second over a sliding second of the fake's clock, the Throttling
// error as the SDK surfaces it, the counters a benchmark prints, and 500 queries / 100,800 points per call.
import { CloudWatchClient, GetMetricDataCommand, type GetMetricDataCommandInput, type MetricDataQuery, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { afterEach, describe, expect, it } from 'vitest';
import { HOUR_MS, MINUTE_MS } from '../../shared/common/time.js';
import { AWS_GET_METRIC_DATA_QUOTAS, startCloudWatchFake, type CloudWatchFake, type CloudWatchFakeOptions } from '../support/cloudwatch-fake.js';

type SdkError = Error & { $fault?: string; $metadata?: { httpStatusCode?: number; attempts?: number }; Code?: string };

async function rejectionOf(p: Promise<unknown>): Promise<SdkError> {
  try {
    await p;
  } catch (err) {
    return err as SdkError;
  }
  throw new Error('expected the SDK call to reject, but it resolved');
}

const NS = 'PptpMonitor/Quota';
// The fake's clock: minute-aligned, moved by the tests.
const T0 = Date.UTC(2030, 0, 1, 12, 0, 0);
let clock = T0;

const open: Array<{ fake: CloudWatchFake; client: CloudWatchClient }> = [];
afterEach(async () => {
  for (const { fake, client } of open.splice(0)) {
    client.destroy();
    await fake.close();
  }
  clock = T0;
});

async function start(options: Omit<CloudWatchFakeOptions, 'now'> = {}): Promise<{ fake: CloudWatchFake; client: CloudWatchClient }> {
  const fake = await startCloudWatchFake({ ...options, now: () => new Date(clock) });
  const client = new CloudWatchClient({ endpoint: fake.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' }, maxAttempts: 1 });
  const both = { fake, client };
  open.push(both);
  return both;
}

const query = (id: string, target: string, periodS = 60): MetricDataQuery => ({
  Id: id,
  MetricStat: { Metric: { Namespace: NS, MetricName: 'ProbeFailed', Dimensions: [{ Name: 'Target', Value: target }] }, Period: periodS, Stat: 'Sum' },
});

/** `targets` metrics with one point per minute over [fromMs, toMs). */
function seed(fake: CloudWatchFake, targets: number, fromMs: number, toMs: number): void {
  for (let t = 0; t < targets; t++) {
    const data: MetricDatum[] = [];
    for (let at = fromMs; at < toMs; at += MINUTE_MS) data.push({ MetricName: 'ProbeFailed', Dimensions: [{ Name: 'Target', Value: `t${t}` }], Value: 1, Timestamp: new Date(at) });
    fake.ingest(NS, data);
  }
}

/** One call over [fromMs, toMs) for targets t0..t(n-1): n × minutes points. */
const read = (client: CloudWatchClient, n: number, fromMs: number, toMs: number, extra: Partial<GetMetricDataCommandInput> = {}) =>
  client.send(new GetMetricDataCommand({ StartTime: new Date(fromMs), EndTime: new Date(toMs), MetricDataQueries: Array.from({ length: n }, (_, i) => query(`q${i}`, `t${i}`)), ...extra }));

describe('cloudwatch fake quotas: transactions per second', () => {
  it('admits 50 calls in a second of the fake clock and answers the 51st with Throttling, as the SDK classifies it', async () => {
    // Prepare
    const { fake, client } = await start({ quotas: true });
    // Act
    for (let i = 0; i < 50; i++) await read(client, 1, T0 - HOUR_MS, T0);
    const err = await rejectionOf(read(client, 1, T0 - HOUR_MS, T0));
    // Assess
    expect([err.name, err.Code, err.message, err.$fault, err.$metadata?.httpStatusCode]).toEqual(['Throttling', 'Throttling', 'Rate exceeded', 'client', 400]);
    expect(fake.requests.at(-1)).toEqual(expect.objectContaining({ operation: 'GetMetricData', status: 400, errorCode: 'Throttling', throttledFor: 'tps' }));
    expect(fake.requests.at(-1)?.injected).toBeUndefined();
    expect(fake.getMetricData).toEqual({ calls: 50, throttles: 1, throttledForTps: 1, throttledForDps: 0, pointsReturned: 0, peakTps: 50, peakDps: 0 });
    expect(fake.metricsRequested).toBe(50); // a throttled call is not billed
  });

  it('slides: the window at T holds the calls of (T − 1 s, T], not those of a fixed clock second', async () => {
    const { fake, client } = await start({ quotas: true });
    for (let i = 0; i < 25; i++) await read(client, 1, T0 - HOUR_MS, T0);
    clock = T0 + 500;
    for (let i = 0; i < 25; i++) await read(client, 1, T0 - HOUR_MS, T0);
    // At T0 + 999 all 50 are still inside the second: throttled, although a fixed window starting at T0 + 500 would not be full.
    clock = T0 + 999;
    expect((await rejectionOf(read(client, 1, T0 - HOUR_MS, T0))).name).toBe('Throttling');
    // At T0 + 1000 the first 25 left the window; the second 25 stay until T0 + 1500.
    clock = T0 + 1000;
    for (let i = 0; i < 25; i++) await read(client, 1, T0 - HOUR_MS, T0);
    expect((await rejectionOf(read(client, 1, T0 - HOUR_MS, T0))).name).toBe('Throttling');
    clock = T0 + 1500;
    await read(client, 1, T0 - HOUR_MS, T0);
    expect(fake.getMetricData).toEqual(expect.objectContaining({ calls: 76, throttles: 2, throttledForTps: 2, peakTps: 50 }));
  });

  it('does not count requests the API rejects as invalid', async () => {
    const { fake, client } = await start({ quotas: { transactionsPerSecond: 1 } });
    const invalid = await rejectionOf(read(client, 1, T0, T0 - MINUTE_MS));
    expect(invalid.name).toBe('InvalidParameterValueException');
    await read(client, 1, T0 - HOUR_MS, T0);
    expect(fake.getMetricData).toEqual(expect.objectContaining({ calls: 1, throttles: 0 }));
  });

  it('enforces nothing by default, but still measures', async () => {
    const { fake, client } = await start();
    for (let i = 0; i < 60; i++) await read(client, 1, T0 - HOUR_MS, T0);
    expect(fake.getMetricData).toEqual(expect.objectContaining({ calls: 60, throttles: 0, peakTps: 60 }));
  });
});

describe('cloudwatch fake quotas: data points per second', () => {
  // 70 targets × 1440 minutes = 100,800 points: one full call.
  const TARGETS = 70;

  it('396,000 per second when StartTime is more than three hours back: three full calls pass, the fourth is throttled', async () => {
    const { fake, client } = await start({ quotas: true });
    seed(fake, TARGETS, T0 - 25 * HOUR_MS, T0);
    const from = T0 - 25 * HOUR_MS;
    const to = T0 - HOUR_MS;
    for (let i = 0; i < 3; i++) {
      const out = await read(client, TARGETS, from, to);
      expect(out.MetricDataResults?.reduce((n, r) => n + (r.Values?.length ?? 0), 0)).toBe(100_800);
    }
    const err = await rejectionOf(read(client, TARGETS, from, to));
    expect([err.name, err.$metadata?.httpStatusCode]).toEqual(['Throttling', 400]);
    expect(fake.requests.at(-1)?.throttledFor).toBe('dps');
    expect(fake.getMetricData).toEqual({ calls: 3, throttles: 1, throttledForTps: 0, throttledForDps: 1, pointsReturned: 302_400, peakTps: 3, peakDps: 302_400 });
    // A second later the window is empty again.
    clock += 1000;
    await read(client, TARGETS, from, to);
    expect(fake.getMetricData.calls).toBe(4);
  });

  it('180,000 per second when StartTime is within three hours: 14 calls of 12,600 pass, the 15th is throttled', async () => {
    const { fake, client } = await start({ quotas: true });
    seed(fake, TARGETS, T0 - 3 * HOUR_MS, T0);
    // StartTime exactly three hours back is "within three hours".
    for (let i = 0; i < 14; i++) await read(client, TARGETS, T0 - 3 * HOUR_MS, T0);
    const err = await rejectionOf(read(client, TARGETS, T0 - 3 * HOUR_MS, T0));
    expect(err.name).toBe('Throttling');
    expect(fake.getMetricData).toEqual(expect.objectContaining({ calls: 14, throttledForDps: 1, pointsReturned: 14 * 12_600, peakDps: 176_400 }));
    // One minute further back the same call is a historic read, under 396,000: it passes.
    await read(client, TARGETS, T0 - 3 * HOUR_MS - MINUTE_MS, T0);
    expect(fake.getMetricData).toEqual(expect.objectContaining({ calls: 15, peakDps: 176_400 + 12_600 }));
  });

  it('counts historic and recent points against one total: after 302,400 historic points a recent read is throttled', async () => {
    const { fake, client } = await start({ quotas: true });
    seed(fake, TARGETS, T0 - 25 * HOUR_MS, T0);
    for (let i = 0; i < 3; i++) await read(client, TARGETS, T0 - 25 * HOUR_MS, T0 - HOUR_MS);
    expect((await rejectionOf(read(client, 1, T0 - HOUR_MS, T0))).name).toBe('Throttling');
    // ...while a small historic read still fits under 396,000.
    await read(client, 1, T0 - 25 * HOUR_MS, T0 - HOUR_MS);
    expect(fake.getMetricData).toEqual(expect.objectContaining({ calls: 4, throttledForDps: 1, pointsReturned: 302_400 + 1440 }));
  });

  it('follows the injected clock for the three-hour line: the same request is recent or historic depending on now', async () => {
    const { fake, client } = await start({ quotas: { dataPointsPerSecondRecent: 10, dataPointsPerSecond: 1000 } });
    seed(fake, 1, T0 - 3 * HOUR_MS, T0);
    // 60 points starting 3 h back: recent at T0 (limit 10: throttled), historic one minute later (limit 1000: admitted).
    expect((await rejectionOf(read(client, 1, T0 - 3 * HOUR_MS, T0 - 2 * HOUR_MS))).name).toBe('Throttling');
    clock = T0 + MINUTE_MS;
    await read(client, 1, T0 - 3 * HOUR_MS, T0 - 2 * HOUR_MS);
    expect(fake.getMetricData).toEqual(expect.objectContaining({ calls: 1, throttledForDps: 1, pointsReturned: 60 }));
  });

  it('reset() clears counters and windows', async () => {
    const { fake, client } = await start({ quotas: { transactionsPerSecond: 1 } });
    await read(client, 1, T0 - HOUR_MS, T0);
    await rejectionOf(read(client, 1, T0 - HOUR_MS, T0));
    fake.reset();
    expect(fake.getMetricData).toEqual({ calls: 0, throttles: 0, throttledForTps: 0, throttledForDps: 0, pointsReturned: 0, peakTps: 0, peakDps: 0 });
    await read(client, 1, T0 - HOUR_MS, T0);
    expect(fake.getMetricData.calls).toBe(1);
  });
});

describe('cloudwatch fake: per-call limits', () => {
  it('takes 500 queries in one call and rejects 501 as CloudWatch does', async () => {
    const { fake, client } = await start();
    await read(client, 500, T0 - HOUR_MS, T0);
    const err = await rejectionOf(read(client, 501, T0 - HOUR_MS, T0));
    expect([err.name, err.Code]).toEqual(['InvalidParameterValueException', 'InvalidParameterValue']);
    expect(err.message).toBe('The collection MetricDataQueries must not have a size greater than 500.');
    expect(fake.metricsRequested).toBe(500);
  });

  it('returns 100,800 points in one call and never more, whatever MaxDatapoints asks (CloudWatch would paginate)', async () => {
    const { fake, client } = await start();
    seed(fake, 71, T0 - 25 * HOUR_MS, T0);
    const full = await read(client, 70, T0 - 25 * HOUR_MS, T0 - HOUR_MS, { MaxDatapoints: 200_000 });
    expect(full.MetricDataResults?.every((r) => r.StatusCode === 'Complete' && r.Values?.length === 1440)).toBe(true);
    const err = await rejectionOf(read(client, 71, T0 - 25 * HOUR_MS, T0 - HOUR_MS, { MaxDatapoints: 200_000 }));
    expect(err.name).toBe('InvalidParameterValueException');
    expect(err.message).toBe('cloudwatch-fake does not implement pagination: the result has 102240 datapoints, more than the 100800 one call returns (MaxDatapoints 200000).');
    const smaller = await rejectionOf(read(client, 2, T0 - 25 * HOUR_MS, T0 - HOUR_MS, { MaxDatapoints: 2000 }));
    expect(smaller.message).toBe('cloudwatch-fake does not implement pagination: the result has 2880 datapoints, more than MaxDatapoints 2000.');
  });
});

describe('cloudwatch fake: options', () => {
  it('rejects unknown options, impossible combinations and quotas that are not positive numbers', async () => {
    await expect(startCloudWatchFake({ quota: true } as CloudWatchFakeOptions)).rejects.toThrow("startCloudWatchFake: unknown option 'quota' (known: now, aggregate, index, quotas)");
    await expect(startCloudWatchFake({ aggregate: true, index: false })).rejects.toThrow('aggregate and index: false exclude each other');
    await expect(startCloudWatchFake({ quotas: { transactionsPerSecond: 0 } })).rejects.toThrow('cloudwatch-fake: quotas.transactionsPerSecond must be a positive number, got 0');
    expect(AWS_GET_METRIC_DATA_QUOTAS).toEqual({ transactionsPerSecond: 50, dataPointsPerSecond: 396_000, dataPointsPerSecondRecent: 180_000, recentMs: 3 * HOUR_MS });
  });
});
