import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import {
  MAX_DATUMS_PER_REQUEST,
  MAX_VALUES_PER_DATUM,
  datumsForResult,
  emfLine,
  foldDatums,
  planRequests,
  type Datum,
} from '../../shared/metrics/index.js';
import type { ProbeResult } from '../../shared/probe/index.js';

const T0 = Date.UTC(2026, 10, 24, 12, 0, 0);
const ctx = { target: 'hq-gw', region: 'eu-west-1', intervalStart: T0 };
const timings = (t: Partial<ProbeResult['timings']>): ProbeResult['timings'] => ({
  dnsMs: undefined,
  connectMs: undefined,
  controlMs: undefined,
  echoMs: undefined,
  callMs: undefined,
  totalMs: 1,
  ...t,
});

function points(n: number, metric: Datum['metricName'] = 'ConnectTime'): Datum[] {
  return Array.from({ length: n }, (_, i) => ({
    metricName: metric,
    dimensions: { Target: `t-${i}`, ProbeRegion: 'eu-west-1' },
    timestamp: T0,
    value: i,
    unit: 'Milliseconds' as const,
  }));
}

describe('datumsForResult', () => {
  it('turns a healthy probe into ProbeFailed 0 plus connect and control times', () => {
    const out = datumsForResult({ ok: true, timings: timings({ connectMs: 12.5, controlMs: 30.25, echoMs: 3 }) }, ctx);
    expect(out).toEqual([
      { metricName: 'ProbeFailed', dimensions: { Target: 'hq-gw' }, timestamp: T0, value: 0, unit: 'Count' },
      { metricName: 'ConnectTime', dimensions: { Target: 'hq-gw', ProbeRegion: 'eu-west-1' }, timestamp: T0, value: 12.5, unit: 'Milliseconds' },
      { metricName: 'ControlTime', dimensions: { Target: 'hq-gw', ProbeRegion: 'eu-west-1' }, timestamp: T0, value: 30.25, unit: 'Milliseconds' },
    ]);
  });

  it('adds the failure class as a sparse dimension and keeps the times of phases that completed', () => {
    const out = datumsForResult(
      { ok: false, timings: timings({ connectMs: 5, controlMs: 9 }), failure: { class: 'echo_timeout', message: 'x', phase: 'echo', elapsedMs: 5000 } },
      ctx,
    );
    expect(out.map((d) => d.metricName)).toEqual(['ProbeFailed', 'ConnectTime', 'ControlTime', 'ProbeFailures']);
    expect(out[0]!.value).toBe(1);
    expect(out[3]!.dimensions).toEqual({ Target: 'hq-gw', ProbeRegion: 'eu-west-1', FailureClass: 'echo_timeout' });
  });

  it('publishes no latency for a probe that never connected', () => {
    const out = datumsForResult({ ok: false, timings: timings({}), failure: { class: 'connect_timeout', message: 'x', phase: 'connect', elapsedMs: 5000 } }, ctx);
    expect(out.map((d) => d.metricName)).toEqual(['ProbeFailed', 'ProbeFailures']);
  });
});

describe('batching', () => {
  it('folds identical points into Values and Counts', () => {
    const same = { metricName: 'ProbeFailed' as const, dimensions: { Target: 'a' }, timestamp: T0, unit: 'Count' as const };
    const folded = foldDatums([
      { ...same, value: 0 },
      { ...same, value: 1 },
      { ...same, value: 0 },
    ]);
    expect(folded).toHaveLength(1);
    expect(folded[0]).toMatchObject({ values: [0, 1], counts: [2, 1] });
    expect(folded[0]!.points).toHaveLength(3);
  });

  it(`starts a new entry after ${MAX_VALUES_PER_DATUM} distinct values`, () => {
    const same = { metricName: 'ConnectTime' as const, dimensions: { Target: 'a', ProbeRegion: 'r' }, timestamp: T0, unit: 'Milliseconds' as const };
    const folded = foldDatums(Array.from({ length: MAX_VALUES_PER_DATUM + 1 }, (_, i) => ({ ...same, value: i })));
    expect(folded.map((f) => f.values.length)).toEqual([MAX_VALUES_PER_DATUM, 1]);
  });

  it(`splits requests at ${MAX_DATUMS_PER_REQUEST} entries`, () => {
    const plan = planRequests(points(2500));
    expect(plan.map((r) => r.length)).toEqual([1000, 1000, 500]);
  });

  it('splits requests before the payload limit when dimension values are long', () => {
    const long = points(1000).map((p, i) => ({ ...p, dimensions: { Target: `${'x'.repeat(1000)}-${i}`, ProbeRegion: 'y'.repeat(1000) } }));
    const plan = planRequests(long);
    expect(plan.length).toBeGreaterThan(1);
    expect(plan.flat()).toHaveLength(1000);
  });
});

describe('emfLine', () => {
  it('renders a point CloudWatch Logs can turn back into the same metric', () => {
    const line = JSON.parse(emfLine('PPTPMonitor', points(1)[0]!)) as Record<string, unknown>;
    expect(line).toEqual({
      _aws: {
        Timestamp: T0,
        CloudWatchMetrics: [{ Namespace: 'PPTPMonitor', Dimensions: [['ProbeRegion', 'Target']], Metrics: [{ Name: 'ConnectTime', Unit: 'Milliseconds' }] }],
      },
      Target: 't-0',
      ProbeRegion: 'eu-west-1',
      ConnectTime: 0,
    });
  });
});

describe('createMetricPublisher', () => {
  const cw = mockClient(CloudWatchClient);
  afterEach(() => cw.reset());

  function setup(): { lines: string[]; sleeps: number[]; publisher: ReturnType<typeof createMetricPublisher> } {
    const lines: string[] = [];
    const sleeps: number[] = [];
    const publisher = createMetricPublisher({
      namespace: 'PPTPMonitor',
      region: 'eu-west-1',
      client: new CloudWatchClient({ region: 'eu-west-1' }),
      log: { write: (l) => lines.push(l) },
      sleep: async (ms) => void sleeps.push(ms),
      random: () => 0.5,
      retry: { attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 },
    });
    return { lines, sleeps, publisher };
  }

  const throttle = (): Error => Object.assign(new Error('Rate exceeded'), { name: 'Throttling', $fault: 'client', $metadata: { httpStatusCode: 400 } });
  const serverError = (): Error => Object.assign(new Error('internal'), { name: 'InternalServiceError', $fault: 'server', $metadata: { httpStatusCode: 500 } });

  it('sends the namespace, dimensions, units and interval timestamp', async () => {
    cw.on(PutMetricDataCommand).resolves({});
    const { publisher } = setup();
    const report = await publisher.publish(datumsForResult({ ok: true, timings: timings({ connectMs: 1, controlMs: 2 }) }, ctx));
    expect(report).toEqual({ requests: 1, retried: 0, published: 3, loggedAsEmf: 0, errors: [] });
    const input = cw.commandCalls(PutMetricDataCommand)[0]!.args[0].input;
    expect(input.Namespace).toBe('PPTPMonitor');
    expect(input.MetricData?.[1]).toEqual({
      MetricName: 'ConnectTime',
      Dimensions: [
        { Name: 'Target', Value: 'hq-gw' },
        { Name: 'ProbeRegion', Value: 'eu-west-1' },
      ],
      Timestamp: new Date(T0),
      Unit: 'Milliseconds',
      Value: 1,
    });
  });

  it('retries throttling with growing, jittered backoff and then succeeds', async () => {
    cw.on(PutMetricDataCommand).rejectsOnce(throttle()).rejectsOnce(serverError()).resolves({});
    const { publisher, sleeps, lines } = setup();
    const report = await publisher.publish(points(3));
    expect(report).toMatchObject({ requests: 3, retried: 1, published: 3, loggedAsEmf: 0 });
    expect(sleeps).toEqual([50, 100]); // half (random 0.5) of 100, then of 200
    expect(lines.filter((l) => l.includes('retrying'))).toHaveLength(2);
  });

  it('logs every point of a request that keeps failing as EMF, and reports it', async () => {
    cw.on(PutMetricDataCommand).rejects(serverError());
    const { publisher, lines } = setup();
    const sent = points(5);
    const report = await publisher.publish(sent);
    expect(report).toMatchObject({ requests: 4, published: 0, loggedAsEmf: 5 });
    expect(report.errors[0]).toContain('InternalServiceError (HTTP 500)');
    const emf = lines.filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as { Target: string; ConnectTime: number });
    expect(emf.map((e) => [e.Target, e.ConnectTime])).toEqual(sent.map((p) => [p.dimensions['Target'], p.value]));
  });

  it('does not retry a request CloudWatch rejected as invalid', async () => {
    cw.on(PutMetricDataCommand).rejects(Object.assign(new Error('bad'), { name: 'InvalidParameterValue', $fault: 'client', $metadata: { httpStatusCode: 400 } }));
    const { publisher } = setup();
    const report = await publisher.publish(points(2));
    expect(report).toMatchObject({ requests: 1, loggedAsEmf: 2, published: 0 });
  });

  it('accounts for every point: published or logged, across requests that fail and succeed', async () => {
    cw.on(PutMetricDataCommand).rejectsOnce(serverError()).rejectsOnce(serverError()).rejectsOnce(serverError()).rejectsOnce(serverError()).resolves({});
    const { publisher } = setup();
    const report = await publisher.publish(points(2300));
    expect(report.published + report.loggedAsEmf).toBe(2300);
    expect(report.loggedAsEmf).toBe(1000); // the first request failed four times
  });
});
