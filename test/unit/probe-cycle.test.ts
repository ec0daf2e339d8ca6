import { describe, expect, it } from 'vitest';
import type { MetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import type { Datum } from '../../shared/metrics/index.js';
import { runProbeCycle, startSpacingMs, type CycleTarget } from '../../shared/cycles/probe-cycle.js';
import { planShards, targetsPerInvocation } from '../../shared/runners/lambda/shards.js';
import type { ProbeResult } from '../../shared/probe/index.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { FakeClock } from '../support/fake-io.js';

const target = (name: string, timeoutMs = 5000): CycleTarget => ({ name, host: `${name}.example`, port: 1723, check: 'pptp-control', options: { timeoutMs } });

function capturePublisher(): MetricPublisher & { sent: Datum[] } {
  const sent: Datum[] = [];
  return {
    sent,
    async publish(points) {
      sent.push(...points);
      return { requests: 1, retried: 0, published: points.length, loggedAsEmf: 0, errors: [] };
    },
  };
}

describe('runProbeCycle', () => {
  it('probes every target with its own name as the metric dimension, logs one line each, publishes once', async () => {
    // Prepare
    const clock = new FakeClock();
    const publisher = capturePublisher();
    const lines: string[] = [];
    const seen: Array<{ host: string; timeoutMs: number | undefined }> = [];
    const probe = async (_check: string, t: { target: string; host: string; port: number }, o: { timeoutMs?: number }): Promise<ProbeResult> => {
      seen.push({ host: t.host, timeoutMs: o.timeoutMs });
      const ok = t.target !== 'b';
      return {
        target: t.target,
        host: t.host,
        port: t.port,
        ok,
        attempts: 1,
        notes: [],
        timings: { dnsMs: 1, connectMs: 2, controlMs: ok ? 3 : undefined, echoMs: undefined, callMs: undefined, totalMs: 6 },
        ...(ok ? {} : { failure: { class: 'control_timeout' as const, message: 'silent', phase: 'control' as const, elapsedMs: 5000 } }),
      };
    };
    // Act
    const report = await runProbeCycle(
      [target('a'), target('b')],
      { region: 'eu-west-1', shard: 1, intervalStart: 60_000, deadlineAt: clock.now() + 50_000, concurrency: 4, startIntervalMs: 0 },
      { probe, clock, timers: clock.timersApi, publisher, log: createJsonLogger({ service: 'test', write: (l) => lines.push(l) }) },
    );
    // Assess
    expect(report).toMatchObject({ probed: 2, ok: 1, failures: { control_timeout: 1 }, skipped: [], points: 7 });
    // The region's heartbeat rides in the same request: the number of probes this cycle completed.
    expect(publisher.sent.filter((d) => d.metricName === 'ProbesRun')).toEqual([
      { metricName: 'ProbesRun', dimensions: { ProbeRegion: 'eu-west-1', Shard: '1' }, timestamp: 60_000, value: 2, unit: 'Count' },
    ]);
    expect(seen).toEqual([
      { host: 'a.example', timeoutMs: 5000 },
      { host: 'b.example', timeoutMs: 5000 },
    ]);
    expect(publisher.sent.filter((d) => d.metricName === 'ProbeFailed').map((d) => [d.dimensions['Target'], d.value])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    expect(publisher.sent.every((d) => d.timestamp === 60_000)).toBe(true);
    const logged = lines.map((l) => JSON.parse(l) as { target: string; ok: boolean; failureClass?: string });
    expect(logged.map((l) => [l.target, l.ok, l.failureClass])).toEqual([
      ['a', true, undefined],
      ['b', false, 'control_timeout'],
    ]);
    // Log lines name targets by their config name; the host appears only inside a failure message that
    // quotes the address it could not reach (none here), never as a field of its own.
    expect(lines.join('\n')).not.toContain('a.example');
  });

  it('gives a probe no more than what the invocation has left, and skips what cannot start in time', async () => {
    const clock = new FakeClock();
    const timeouts: number[] = [];
    const probe = async (_check: string, t: { target: string }, o: { timeoutMs?: number }): Promise<ProbeResult> => {
      timeouts.push(o.timeoutMs!);
      clock.advance(o.timeoutMs!); // every gateway is silent until its deadline
      return { target: t.target, host: 'h', port: 1, ok: false, attempts: 1, notes: [], timings: { dnsMs: undefined, connectMs: undefined, controlMs: undefined, echoMs: undefined, callMs: undefined, totalMs: o.timeoutMs! }, failure: { class: 'connect_timeout', message: 'x', phase: 'connect', elapsedMs: o.timeoutMs! } };
    };
    const publisher = capturePublisher();
    const report = await runProbeCycle(
      [target('a'), target('b'), target('c')],
      { region: 'r', shard: 0, intervalStart: 0, deadlineAt: clock.now() + 7000, concurrency: 1, startIntervalMs: 0 },
      { probe, clock, timers: clock.timersApi, publisher, log: createJsonLogger({ service: 'test', write: () => undefined }) },
    );
    expect(timeouts).toEqual([5000, 2000]);
    expect(report.skipped).toEqual(['c']);
    expect(report.probed).toBe(2);
    // The skip is said (ProbeSkipped for c) and the heartbeat marked with a second point, so the evaluator
    // reads the skip and does not take c as reported from here.
    const sent = publisher.sent.flat();
    expect(sent.filter((d) => d.metricName === 'ProbeSkipped')).toEqual([{ metricName: 'ProbeSkipped', dimensions: { Target: 'c', ProbeRegion: 'r' }, timestamp: 0, value: 1, unit: 'Count' }]);
    expect(sent.filter((d) => d.metricName === 'ProbesRun').map((d) => d.value)).toEqual([2, 0]);
  });
});

describe('startSpacingMs', () => {
  it('keeps the preferred spacing when there is room and shrinks it when the deadline needs it', () => {
    const many = Array.from({ length: 1001 }, (_, i) => target(`t${i}`, 5000));
    expect(startSpacingMs(many, 60_000, 2)).toBe(2);
    expect(startSpacingMs(many, 6_000, 2)).toBe(1); // (6000 - 5000) / 1000
    expect(startSpacingMs(many, 4_000, 2)).toBe(0);
    expect(startSpacingMs([target('solo')], 6_000, 2)).toBe(0);
  });
});

describe('sharding', () => {
  const limits = { budgetMs: 50_000, concurrency: 100, startIntervalMs: 2, maxTargetsPerInvocation: 2000 };

  it('sizes an invocation by pacing, concurrency and the cap', () => {
    expect(targetsPerInvocation(limits, 5000)).toBe(Math.min(22_501, 10 * 100, 2000));
    expect(targetsPerInvocation({ ...limits, concurrency: 1000 }, 5000)).toBe(2000);
    expect(targetsPerInvocation({ ...limits, concurrency: 1000, startIntervalMs: 40 }, 5000)).toBe(1126); // (50000 - 5000) / 40 + 1
    expect(targetsPerInvocation({ ...limits, budgetMs: 4000 }, 5000)).toBe(1);
  });

  it('splits into even shards in config order and keeps every target exactly once', () => {
    const targets = Array.from({ length: 2501 }, (_, i) => i);
    const shards = planShards(targets, 1000);
    expect(shards.map((s) => s.length)).toEqual([834, 834, 833]);
    expect(shards.flat()).toEqual(targets);
    expect(planShards([], 10)).toEqual([]);
    expect(planShards([1, 2, 3], 10)).toEqual([[1, 2, 3]]);
  });
});
