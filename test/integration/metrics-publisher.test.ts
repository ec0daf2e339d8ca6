// The publisher with the real CloudWatchClient over HTTP against the wire-level fake: retries happen,
// and every data point ends up either in CloudWatch (the fake) or in the EMF log, none lost.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import { datumsForResult, type Datum } from '../../shared/metrics/index.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';

describe('createMetricPublisher with the real SDK client against the CloudWatch fake', () => {
  let fake: CloudWatchFake;
  const intervalStart = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;

  beforeAll(async () => {
    fake = await startCloudWatchFake();
  });
  afterAll(async () => {
    await fake.close();
  });
  beforeEach(() => fake.reset());

  function publisher(lines: string[]): ReturnType<typeof createMetricPublisher> {
    return createMetricPublisher({
      namespace: 'PPTPMonitor',
      region: 'eu-west-1',
      client: new CloudWatchClient({
        endpoint: fake.endpoint,
        region: 'eu-west-1',
        credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
        maxAttempts: 1,
      }),
      log: { write: (l) => lines.push(l) },
      retry: { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
    });
  }

  function fleet(n: number): Datum[] {
    return Array.from({ length: n }, (_, i) =>
      datumsForResult(
        i % 7 === 0
          ? { ok: false, timings: { dnsMs: undefined, connectMs: undefined, controlMs: undefined, echoMs: undefined, callMs: undefined, totalMs: 5000 }, failure: { class: 'connect_timeout', message: 'x', phase: 'connect', elapsedMs: 5000 } }
          : { ok: true, timings: { dnsMs: undefined, connectMs: 10 + (i % 13), controlMs: 20 + (i % 17), echoMs: 1, callMs: undefined, totalMs: 40 } },
        { target: `gw-${i}`, region: 'eu-west-1', intervalStart },
      ),
    ).flat();
  }

  it('stores every point with its name, unit, dimensions and interval timestamp', async () => {
    const lines: string[] = [];
    const points = fleet(10);
    const report = await publisher(lines).publish(points);
    expect(report).toMatchObject({ requests: 1, published: points.length, loggedAsEmf: 0 });
    expect(fake.datums).toHaveLength(points.length);
    const failed = fake.datums.find((d) => d.metricName === 'ProbeFailures');
    expect(failed).toMatchObject({
      namespace: 'PPTPMonitor',
      unit: 'Count',
      value: 1,
      dimensions: { Target: 'gw-0', ProbeRegion: 'eu-west-1', FailureClass: 'connect_timeout' },
    });
    expect(failed!.timestamp.getTime()).toBe(intervalStart);
    const connect = fake.datums.find((d) => d.metricName === 'ConnectTime' && d.dimensions['Target'] === 'gw-1');
    expect(connect).toMatchObject({ unit: 'Milliseconds', value: 11 });
  });

  it('retries through throttling and a 5xx and loses nothing', async () => {
    const lines: string[] = [];
    fake.failNext(1, 'throttle');
    fake.failNext(1, 'server');
    const points = fleet(50);
    const report = await publisher(lines).publish(points);
    expect(report).toMatchObject({ published: points.length, loggedAsEmf: 0, retried: 1, requests: 3 });
    expect(fake.requests.map((r) => r.status)).toEqual([400, 500, 200]);
    expect(fake.datums).toHaveLength(points.length);
  });

  it('splits 1,000 targets into requests within the limits, and every point lands in CloudWatch or the EMF log', async () => {
    const lines: string[] = [];
    const points = fleet(1000);
    // Three failures in a row exhaust the first request's attempts; later requests go through.
    fake.failNext(3, 'server');
    const report = await publisher(lines).publish(points);
    const emf = lines.filter((l) => l.startsWith('{"_aws"'));
    expect(report.requests).toBeGreaterThan(3);
    expect(report.loggedAsEmf).toBe(emf.length);
    expect(report.published).toBe(fake.datums.length);
    expect(report.published + report.loggedAsEmf).toBe(points.length);
    expect(report.loggedAsEmf).toBeGreaterThan(0);
    expect(fake.requests.every((r) => r.status !== 413)).toBe(true);
  });
});
