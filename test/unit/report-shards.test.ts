// The monthly report split for a large fleet, and the pace of its reads: report-shards.ts (which targets
// each invocation reports, when its schedule fires), read-pacer.ts (points per second through a token
// bucket on an injected clock) and the summary's part in the subject.
import { describe, expect, it } from 'vitest';
import { createReadPacer } from '../../shared/metrics/read-pacer.js';
import { reportSummary } from '../../shared/report/report-summary.js';
import { MAX_REPORT_SHARDS, REPORT_TARGETS_PER_SHARD, reportSchedule, reportShards } from '../../shared/runners/lambda/report-shards.js';

const targets = (n: number) => ({ targets: Array.from({ length: n }, (_, i) => ({ name: `gw-${i}` })) });

describe('reportShards and reportSchedule', () => {
  it('keeps a fleet of up to REPORT_TARGETS_PER_SHARD in one report at 06:00 on the 1st, as before', () => {
    expect(reportShards(targets(REPORT_TARGETS_PER_SHARD))).toHaveLength(1);
    expect(reportSchedule(0)).toBe('cron(0 6 1 * ? *)');
  });

  it('splits 10,000 targets into 15 even shards, 15 minutes apart from 06:00', () => {
    const shards = reportShards(targets(10_000));
    expect(shards.map((s) => s.length)).toEqual([...Array.from({ length: 10 }, () => 667), ...Array.from({ length: 5 }, () => 666)]);
    expect(shards.flat().map((t) => t.name)).toEqual(targets(10_000).targets.map((t) => t.name));
    expect([0, 1, 4, 14].map(reportSchedule)).toEqual(['cron(0 6 1 * ? *)', 'cron(15 6 1 * ? *)', 'cron(0 7 1 * ? *)', 'cron(30 9 1 * ? *)']);
  });

  it('refuses a fleet whose shards would not all run on the 1st', () => {
    expect(() => reportShards(targets(REPORT_TARGETS_PER_SHARD * MAX_REPORT_SHARDS + 1))).toThrow(/need 73 report shards; at most 72 fit on the 1st/);
  });
});

describe('createReadPacer', () => {
  it('lets a second of points through at once, then paces the rest at the rate', async () => {
    // Prepare: a clock that only the pacer's sleeps move.
    let now = 0;
    const slept: number[] = [];
    const pacer = createReadPacer({ pointsPerSecond: 100_000, now: () => now, sleep: async (ms) => void (slept.push(ms), (now += ms)) });
    // Act: 5 calls of 100,000 points each.
    for (let i = 0; i < 5; i++) await pacer.take(100_000);
    // Assess: the first from the full bucket, then one a second.
    expect(slept).toEqual([1000, 1000, 1000, 1000]);
    expect(now).toBe(4000);
  });

  it('takes calls in order when they ask at once', async () => {
    let now = 0;
    const order: number[] = [];
    const pacer = createReadPacer({ pointsPerSecond: 1000, now: () => now, sleep: async (ms) => void (now += ms) });
    await Promise.all([3, 1, 2].map((i) => pacer.take(1000).then(() => order.push(i))));
    expect(order).toEqual([3, 1, 2]);
    expect(now).toBe(2000);
  });
});

describe('reportSummary', () => {
  it('names its part in the subject when the report is split', () => {
    const report = { fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z'), bucketMs: 3_600_000, targets: [] };
    expect(reportSummary(report, 'hint').subject).toBe('[REPORT] PPTP SLA 2026-11: 0 target(s), 0 below SLO');
    expect(reportSummary(report, 'hint', { shard: 2, shards: 13 }).subject).toBe('[REPORT] PPTP SLA 2026-11 (part 3/13): 0 target(s), 0 below SLO');
  });
});
