// buildReport over constructed histories, every expectation computed by hand in the comment beside it.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AwsRegion } from '../../shared/config/regions.js';
import type { ResolvedTarget } from '../../shared/config/types.js';
import { localView } from '../../shared/cycles/local-view.js';
import { recordsFromHistoryFile, recordsFromStore } from '../../shared/cycles/report-sources.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { buildReport, previousCalendarMonth, reportBucketMs, type ReportRange, type TargetReport } from '../../shared/sla/report.js';
import { AP, D0, DAY, EU, HOUR, MIN, US, between, failed, history, makeConfig, makeTarget, once } from '../support/sla-fixtures.js';

const at = (hh: number, mm = 0): number => D0 + hh * HOUR + mm * MIN;
const ONE_DAY: ReportRange = { fromMs: D0, toMs: D0 + DAY };

function reportOne(target: ResolvedTarget, records: ProbeRecord[], range: ReportRange = ONE_DAY): TargetReport {
  const report = buildReport(makeConfig([target]), new Map([[target.name, records]]), range);
  return report.targets[0]!;
}

describe('buildReport: quorum versus raw availability', () => {
  it('counts one region failing alone for 60 minutes against that region only', () => {
    // Prepare: 3 regions, quorum 2; ap-southeast-1 fails 05:00-06:00.
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start, region) => (region === AP && between(start, at(5), at(6)) ? failed() : undefined));

    // Act
    const report = reportOne(target, records);

    // Assess: every interval has 2 ok regions → up: 1440 up of 1440 counted = 100%.
    expect(report.availability).toBe(100);
    expect(report.countedMinutes).toBe(1440);
    expect(report.downtimeMinutes).toBe(0);
    expect(report.incidents).toEqual({ count: 0, longestMinutes: 0, mttrMinutes: undefined, list: [] });
    expect(report.errorBudget.remaining).toBe(1);
    // Raw: ap ok in 1380 of 1440 intervals = 95.8333%.
    expect(report.regionAvailability).toEqual([
      { region: EU, availability: 100, intervals: 1440, failedIntervals: 0 },
      { region: US, availability: 100, intervals: 1440, failedIntervals: 0 },
      { region: AP, availability: (100 * 1380) / 1440, intervals: 1440, failedIntervals: 60 },
    ]);
    expect(report.regionAvailability[2]!.availability).toBeCloseTo(95.8333, 4);
    // Failure classes are what the probes saw, without quorum.
    expect(report.failureClasses).toEqual({ connect_timeout: 60 });
  });

  it('draws the lone failure in the region row of its hourly bucket, not in the quorum row', () => {
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start, region) => (region === AP && between(start, at(5), at(6)) ? failed() : undefined));

    const { buckets } = reportOne(target, records).series;

    // A one-day range is drawn in 24 hourly buckets.
    expect(buckets).toHaveLength(24);
    expect(buckets[5]!.startMs).toBe(at(5));
    expect(buckets[5]!.endMs).toBe(at(6));
    expect(buckets[5]!.quorum).toEqual({ availability: 100, up: 60, down: 0, unknown: 0, excluded: 0 });
    expect(buckets[5]!.regions.map((r) => r.availability)).toEqual([100, 100, 0]);
    expect(buckets[5]!.regions[2]).toEqual({ region: AP, availability: 0, ok: 0, failed: 60 });
    expect(buckets[4]!.regions[2]!.availability).toBe(100);
    // Failed probes have no control time: the bucket's p95 comes from the two others.
    expect(buckets[5]!.controlP95Ms).toBe(40);
  });

  it('makes two regions failing 30 minutes downtime, spending most of the 30-day budget and 20× the day share', () => {
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start, region) => (region !== AP && between(start, at(5), at(5, 30)) ? failed('connect_refused') : undefined));

    const report = reportOne(target, records);

    // 1410 up / 1440 counted = 97.91667%.
    expect(report.availability).toBeCloseTo((100 * 1410) / 1440, 10);
    expect(report.downtimeMinutes).toBe(30);
    // The day's share (1 - 0.999) * 1440 = 1.44 min; the budget is the 30-day allowance, 43.2 min (issue 9:
    // before, the budget was the share and remaining 1 - 30 / 1.44 = -19.8333); remaining 1 - 30 / 43.2.
    expect(report.errorBudget.rangeShareMinutes).toBeCloseTo(1.44, 10);
    expect(report.errorBudget.budgetMinutes).toBeCloseTo(43.2, 10);
    expect(report.errorBudget.consumedMinutes).toBe(30);
    expect(report.errorBudget.remainingMinutes).toBeCloseTo(13.2, 10);
    expect(report.errorBudget.remaining).toBeCloseTo(0.305556, 6);
    expect(report.incidents.count).toBe(1);
    expect(report.incidents.list[0]).toEqual({
      startMs: at(5),
      endMs: at(5, 30),
      durationMinutes: 30,
      downMinutes: 30,
      startedBefore: false,
      ongoing: false,
      failingRegions: [EU, US],
      dominantFailureClass: 'connect_refused',
      runbookUrl: 'https://runbooks.example/connect_refused.md',
    });
    expect(report.regionAvailability.map((r) => r.availability)).toEqual([(100 * 1410) / 1440, (100 * 1410) / 1440, 100]);
    expect(report.failureClasses).toEqual({ connect_refused: 60 });
  });

  it('counts a region with a duplicate ok record as ok, and ignores regions the target does not have', () => {
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY);
    // A failed duplicate next to an ok record of the same interval, and a stray region failing all day.
    records.push({ target: 'gw', region: EU, intervalStart: at(1), ok: false, failureClass: 'control_timeout' });
    for (let t = D0; t < D0 + DAY; t += MIN) records.push({ target: 'gw', region: 'sa-east-1', intervalStart: t, ok: false, failureClass: 'dns_failure' });

    const report = reportOne(target, records);

    expect(report.regionAvailability[0]).toEqual({ region: EU, availability: 100, intervals: 1440, failedIntervals: 0 });
    // The duplicate is still a failed probe the gateway answered badly: it is counted as a class.
    expect(report.failureClasses).toEqual({ control_timeout: 1 });
    expect(report.availability).toBe(100);
  });
});

describe('buildReport: maintenance', () => {
  it('leaves an excluded window out of availability, budget, failure classes and latency', () => {
    // Prepare: window 02:00-04:00 excluded; the gateway is down 02:00-04:10 and slow inside the window.
    const target = makeTarget({ maintenance: [once(at(2), at(4))] });
    const records = history(target, D0, D0 + DAY, (start) => {
      if (between(start, at(2), at(3))) return failed('connect_refused');
      if (between(start, at(3), at(4))) return { ok: false, failureClass: 'control_timeout', connectMs: 20, controlMs: 5000 };
      if (between(start, at(4), at(4, 10))) return failed();
      return undefined;
    });

    const report = reportOne(target, records);

    // Counted 1440 - 120 = 1320; down 10 (04:00-04:10) → 1310 / 1320 = 99.24242%.
    expect(report.maintenanceMinutesExcluded).toBe(120);
    expect(report.countedMinutes).toBe(1320);
    expect(report.rangeMinutes).toBe(1440);
    expect(report.downtimeMinutes).toBe(10);
    expect(report.availability).toBeCloseTo((100 * 1310) / 1320, 10);
    // Share 0.001 * 1320 = 1.32; against the 30-day allowance (issue 9; before 1 - 10 / 1.32): 1 - 10 / 43.2.
    expect(report.errorBudget.rangeShareMinutes).toBeCloseTo(1.32, 10);
    expect(report.errorBudget.remaining).toBeCloseTo(1 - 10 / 43.2, 10);
    // The excluded down intervals neither start nor extend the incident: it starts when the window ends.
    expect(report.incidents.list.map((i) => [i.startMs, i.endMs, i.startedBefore])).toEqual([[at(4), at(4, 10), false]]);
    expect(report.failureClasses).toEqual({ connect_timeout: 30 });
    // Raw region availability excludes the window too: 1310 / 1320.
    expect(report.regionAvailability[0]!.intervals).toBe(1320);
    expect(report.regionAvailability[0]!.failedIntervals).toBe(10);
    // The 5000 ms control times of the window are not in the percentiles: samples from the 1310 up
    // intervals (the 10 failed ones after the window have no control time), 3 regions each.
    expect(report.latency.controlMs).toEqual({ samples: 1310 * 3, p50: 40, p95: 40, p99: 40 });
    // Hourly buckets 2 and 3 are wholly excluded: nothing counted, marked as maintenance.
    expect(report.series.buckets[2]!.quorum).toEqual({ availability: undefined, up: 0, down: 0, unknown: 0, excluded: 60 });
    expect(report.series.buckets[2]!.regions[0]!.availability).toBeUndefined();
  });

  it('counts a window declared countsAgainstSla like any other time', () => {
    const target = makeTarget({ maintenance: [once(at(2), at(4), true)] });
    const records = history(target, D0, D0 + DAY, (start) => (between(start, at(2), at(4, 10)) ? failed() : undefined));

    const report = reportOne(target, records);

    // Nothing excluded: down 130 of 1440.
    expect(report.maintenanceMinutesExcluded).toBe(0);
    expect(report.downtimeMinutes).toBe(130);
    expect(report.availability).toBeCloseTo((100 * 1310) / 1440, 10);
    expect(report.incidents.list.map((i) => [i.startMs, i.durationMinutes])).toEqual([[at(2), 130]]);
  });
});

describe('buildReport: window edges', () => {
  it('includes the interval at `from` and excludes a record at exactly `to`', () => {
    // Prepare: range 00:00-01:00; history from 23:50 the day before to 01:10; every region fails at 00:00
    // (the first interval of the range) and at 01:00 (= to: the next period's).
    const range = { fromMs: D0, toMs: at(1) };
    const target = makeTarget();
    const records = history(target, D0 - 10 * MIN, at(1, 10), (start) => (start === D0 || start === at(1) ? failed() : undefined));

    const report = reportOne(target, records, range);

    // 60 intervals counted, 1 down: 59/60 = 98.3333%.
    expect(report.rangeMinutes).toBe(60);
    expect(report.countedMinutes).toBe(60);
    expect(report.downtimeMinutes).toBe(1);
    expect(report.availability).toBeCloseTo((100 * 59) / 60, 10);
    expect(report.failureClasses).toEqual({ connect_timeout: 3 });
    // The up minutes before `from` make the incident start inside the range.
    expect(report.incidents.list).toMatchObject([{ startMs: D0, endMs: D0 + MIN, startedBefore: false, ongoing: false }]);
  });

  it('only counts intervals complete by `to` (a 5-minute interval straddling `to` is the next period)', () => {
    const target = makeTarget({ interval: '5m', intervalMinutes: 5 });
    const range = { fromMs: D0, toMs: at(1, 3) };
    const records = history(target, D0, at(2), (start) => (start === at(1) ? failed() : undefined));

    const report = reportOne(target, records, range);

    // Intervals 00:00 .. 00:55 (12 of 5 minutes); the 01:00 interval ends at 01:05 > to.
    expect(report.rangeMinutes).toBe(60);
    expect(report.downtimeMinutes).toBe(0);
  });

  it('splits an incident across the month boundary between both months', () => {
    // Prepare: January and February 2025; every region down 31 Jan 23:30 - 1 Feb 00:30.
    const target = makeTarget();
    const jan = previousCalendarMonth(Date.UTC(2025, 1, 10, 8));
    const feb = { fromMs: Date.UTC(2025, 1, 1), toMs: Date.UTC(2025, 2, 1) };
    const outageFrom = Date.UTC(2025, 0, 31, 23, 30);
    const outageTo = Date.UTC(2025, 1, 1, 0, 30);
    const records = history(target, jan.fromMs, feb.toMs, (start) => (between(start, outageFrom, outageTo) ? failed('control_timeout') : undefined));

    // Act
    const report = buildReport(makeConfig([target]), new Map([['gw', records]]), jan);
    const january = report.targets[0]!;
    const february = reportOne(target, records, feb);

    // Assess: January has 31 × 1440 = 44640 minutes, 30 down: 99.932796%.
    expect(jan).toEqual({ fromMs: D0, toMs: Date.UTC(2025, 1, 1) });
    expect(january.countedMinutes).toBe(44_640);
    expect(january.downtimeMinutes).toBe(30);
    expect(january.availability).toBeCloseTo((100 * 44_610) / 44_640, 10);
    // Budget 44.64 min; 1 - 30 / 44.64 = 0.327957.
    expect(january.errorBudget.remaining).toBeCloseTo(0.327957, 6);
    expect(january.incidents.list).toEqual([
      { startMs: outageFrom, endMs: jan.toMs, durationMinutes: 30, downMinutes: 30, startedBefore: false, ongoing: true, failingRegions: [EU, US, AP], dominantFailureClass: 'control_timeout', runbookUrl: 'https://runbooks.example/control_timeout.md' },
    ]);
    // February: 28 × 1440 = 40320 counted, the other 30 minutes, started in January, resolved at 00:33.
    // Its share, 40.32 min, is below the 30-day allowance, which is its budget (issue 9; before 1 - 30 / 40.32).
    expect(february.countedMinutes).toBe(40_320);
    expect(february.downtimeMinutes).toBe(30);
    expect(february.errorBudget.remaining).toBeCloseTo(1 - 30 / 43.2, 10);
    expect(february.incidents.list).toEqual([
      { startMs: feb.fromMs, endMs: outageTo, durationMinutes: 30, downMinutes: 30, startedBefore: true, ongoing: false, failingRegions: [EU, US, AP], dominantFailureClass: 'control_timeout', runbookUrl: 'https://runbooks.example/control_timeout.md' },
    ]);
    // A month is drawn in daily buckets; the burn-down has a point at the start and at each day's end.
    expect(report.bucketMs).toBe(DAY);
    expect(january.series.buckets).toHaveLength(31);
    expect(january.series.buckets[30]!.quorum.availability).toBeCloseTo((100 * 1410) / 1440, 10);
    expect(january.series.burnDown).toHaveLength(32);
    expect(january.series.burnDown[30]).toEqual({ atMs: Date.UTC(2025, 0, 31), consumedMinutes: 0, remaining: 1 });
    expect(january.series.burnDown[31]!.atMs).toBe(jan.toMs);
    expect(january.series.burnDown[31]!.remaining).toBe(january.errorBudget.remaining);
  });
});

describe('buildReport: incidents', () => {
  it('merges runs separated by fewer than 3 up intervals, and an unknown gap, as the down policy resolves', () => {
    // Prepare (all regions failing unless said):
    //   10:00-10:05 down, 10:05-10:07 up (2), 10:07-10:12 down → one incident of 12 min, 10 down;
    //   11:00-11:05 down, 11:05-11:08 up (3), 11:08-11:13 down → two incidents of 5 min;
    //   12:00-12:02 down, 12:02-12:04 only eu reports (unknown), 12:04-12:06 down → one incident of 6 min, 4 down.
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start, region) => {
      if (between(start, at(10), at(10, 5)) || between(start, at(10, 7), at(10, 12))) return failed();
      if (between(start, at(11), at(11, 5)) || between(start, at(11, 8), at(11, 13))) return failed();
      if (between(start, at(12), at(12, 2)) || between(start, at(12, 4), at(12, 6))) return failed();
      if (between(start, at(12, 2), at(12, 4)) && region !== EU) return 'missing';
      return undefined;
    });

    const report = reportOne(target, records);

    expect(report.incidents.list.map((i) => [i.startMs, i.endMs, i.durationMinutes, i.downMinutes])).toEqual([
      [at(10), at(10, 12), 12, 10],
      [at(11), at(11, 5), 5, 5],
      [at(11, 8), at(11, 13), 5, 5],
      [at(12), at(12, 6), 6, 4],
    ]);
    expect(report.downtimeMinutes).toBe(24);
    expect(report.unknownMinutes).toBe(2);
    expect(report.countedMinutes).toBe(1438);
    // Longest 12; MTTR (12 + 5 + 5 + 6) / 4 = 7.
    expect(report.incidents.count).toBe(4);
    expect(report.incidents.longestMinutes).toBe(12);
    expect(report.incidents.mttrMinutes).toBe(7);
  });

  it('flags an incident still down at `to` as ongoing', () => {
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start) => (start >= at(23, 58) ? failed() : undefined));

    const report = reportOne(target, records);

    expect(report.incidents.list).toMatchObject([{ startMs: at(23, 58), endMs: D0 + DAY, durationMinutes: 2, ongoing: true, startedBefore: false }]);
  });
});

describe('buildReport: five-minute targets', () => {
  it('counts minutes, not intervals', () => {
    // Prepare: 288 five-minute intervals; eu and us fail at 10:00 and 10:05. SLO 99.5%.
    const target = makeTarget({ interval: '5m', intervalMinutes: 5, slo: { availability: 99.5, window: '30d', windowDays: 30 } });
    const records = history(target, D0, D0 + DAY, (start, region) => (region !== AP && (start === at(10) || start === at(10, 5)) ? failed() : undefined));

    const report = reportOne(target, records);

    // 2 of 288 intervals down: 286/288 = 99.305556%; 10 minutes of downtime.
    expect(report.rangeMinutes).toBe(1440);
    expect(report.countedMinutes).toBe(1440);
    expect(report.downtimeMinutes).toBe(10);
    expect(report.availability).toBeCloseTo((100 * 286) / 288, 10);
    // Share 0.005 * 1440 = 7.2 min (overspent); budget 0.005 * 43200 = 216 min (issue 9; before the share,
    // 1 - 10 / 7.2 = -0.388889): 1 - 10 / 216.
    expect(report.errorBudget.rangeShareMinutes).toBeCloseTo(7.2, 10);
    expect(report.errorBudget.budgetMinutes).toBeCloseTo(216, 10);
    expect(report.errorBudget.remaining).toBeCloseTo(1 - 10 / 216, 10);
    expect(report.incidents.list).toMatchObject([{ startMs: at(10), endMs: at(10, 10), durationMinutes: 10, downMinutes: 10 }]);
    expect(report.series.buckets[10]!.quorum).toEqual({ availability: (100 * 10) / 12, up: 10, down: 2, unknown: 0, excluded: 0 });
  });
});

describe('buildReport: unknown time and latency', () => {
  it('reports intervals with too few regions as unknown, neither up nor down', () => {
    // Only eu reports 00:00-06:00 (quorum 2): 360 unknown minutes.
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start, region) => (start < at(6) && region !== EU ? 'missing' : undefined));

    const report = reportOne(target, records);

    expect(report.unknownMinutes).toBe(360);
    expect(report.countedMinutes).toBe(1080);
    expect(report.availability).toBe(100);
    expect(report.errorBudget.rangeShareMinutes).toBeCloseTo(1.08, 10);
  });

  it('reports a target without records as not covered: no data, not unknown', () => {
    const report = reportOne(makeTarget(), []);

    // Issue 9: before, 1440 unknown minutes and the whole budget (1) left.
    expect(report.availability).toBeUndefined();
    expect(report.covered).toBeUndefined();
    expect(report.unknownMinutes).toBe(0);
    expect(report.errorBudget.remaining).toBeUndefined();
    expect(report.latency.controlMs).toEqual({ samples: 0, p50: undefined, p95: undefined, p99: undefined });
    expect(report.regionAvailability[0]).toEqual({ region: EU, availability: undefined, intervals: 0, failedIntervals: 0 });
  });

  it('gives nearest-rank percentiles of connect and control time', () => {
    // One region, 100 minutes: control 1..100 ms, connect 2..200 ms.
    const target = makeTarget({ regions: [EU] as AwsRegion[], quorum: 1 });
    const records = history(target, D0, at(1, 40), (start) => {
      const n = (start - D0) / MIN + 1;
      return { controlMs: n, connectMs: 2 * n };
    });

    const report = reportOne(target, records, { fromMs: D0, toMs: at(1, 40) });

    // Rank ceil(p/100 · 100): p50 = 50th value, p95 = 95th, p99 = 99th.
    expect(report.latency.controlMs).toEqual({ samples: 100, p50: 50, p95: 95, p99: 99 });
    expect(report.latency.connectMs).toEqual({ samples: 100, p50: 100, p95: 190, p99: 198 });
    // Hourly bucket 0 holds 1..60: p95 = the 57th.
    expect(report.series.buckets[0]!.controlP95Ms).toBe(57);
  });
});

describe('buildReport: local results', () => {
  it('evaluates local records with localView: one region, quorum 1', () => {
    const target = makeTarget();
    const records = history(localView(target), D0, D0 + DAY, (start) => (between(start, at(3), at(3, 10)) ? failed('connect_refused') : undefined));
    const config = makeConfig([target]);

    const local = buildReport(config, new Map([['gw', records]]), ONE_DAY, { view: localView }).targets[0]!;
    const unviewed = buildReport(config, new Map([['gw', records]]), ONE_DAY).targets[0]!;

    expect(local.regions).toEqual(['local']);
    expect(local.quorum).toBe(1);
    expect(local.downtimeMinutes).toBe(10);
    expect(local.availability).toBeCloseTo((100 * 1430) / 1440, 10);
    // Without the view the 'local' records belong to no configured region: nothing is known.
    expect(unviewed.availability).toBeUndefined();
  });
});

describe('report ranges and buckets', () => {
  it('defaults to the previous calendar month in UTC', () => {
    expect(previousCalendarMonth(Date.UTC(2025, 0, 15))).toEqual({ fromMs: Date.UTC(2024, 11, 1), toMs: Date.UTC(2025, 0, 1) });
    expect(previousCalendarMonth(Date.UTC(2025, 2, 1, 0, 0, 0, 1))).toEqual({ fromMs: Date.UTC(2025, 1, 1), toMs: Date.UTC(2025, 2, 1) });
  });

  it('draws up to 14 days in hours, longer ranges in days, never more than 800 buckets', () => {
    expect(reportBucketMs(14 * DAY)).toBe(HOUR);
    expect(reportBucketMs(14 * DAY + MIN)).toBe(DAY);
    expect(reportBucketMs(800 * DAY)).toBe(DAY);
    expect(reportBucketMs(1096 * DAY)).toBe(2 * DAY);
  });

  it('rejects an empty or reversed range', () => {
    expect(() => buildReport(makeConfig([]), new Map(), { fromMs: D0, toMs: D0 })).toThrow(
      new RangeError('report range must have from < to, got 2025-01-01T00:00:00.000Z .. 2025-01-01T00:00:00.000Z'),
    );
    expect(() => buildReport(makeConfig([]), new Map(), { fromMs: D0, toMs: Number.NaN })).toThrow(/got 2025-01-01T00:00:00.000Z .. NaN/);
  });
});

describe('buildReport: short ranges (issue 9)', () => {
  /** The day of the "report of today": monitoring started at 19:02, the report was asked for at 19:21:30. */
  const started = at(19, 2);
  const asked = at(19, 21) + 30_000;

  it('covers only time that was monitored and has passed: from the first record to now', () => {
    // Prepare: one ok record per region and minute from 19:02 to 19:20 (19 intervals); the report of the
    // whole day is asked for at 19:21:30.
    const target = makeTarget();
    const records = history(target, started, at(19, 21));

    // Act
    const report = buildReport(makeConfig([target]), new Map([['gw', records]]), ONE_DAY, { nowMs: asked }).targets[0]!;

    // Assess: before, 1440 - 19 = 1421 minutes were "unknown"; they were neither monitored nor had happened.
    expect(report.rangeMinutes).toBe(1440);
    expect(report.covered).toEqual({ fromMs: started, toMs: at(19, 21), minutes: 19 });
    expect(report.unknownMinutes).toBe(0);
    expect(report.countedMinutes).toBe(19);
    expect(report.availability).toBe(100);
    // The hourly buckets before 19:00 and after 19:21 hold no interval of the covered span.
    expect(report.series.buckets[18]!.quorum).toEqual({ availability: undefined, up: 0, down: 0, unknown: 0, excluded: 0 });
    expect(report.series.buckets[18]!.notCovered).toBe(60);
    expect(report.series.buckets[19]!.notCovered).toBe(2 + 39);
    // The burn-down stops at the covered span's end: nothing is known after it.
    expect(report.series.burnDown.at(-1)!.atMs).toBe(at(19, 21));
  });

  it('still counts a blind stretch after the first record as unknown (the monitor stopped; time went on)', () => {
    const target = makeTarget();
    const records = history(target, started, at(19, 10));

    const report = buildReport(makeConfig([target]), new Map([['gw', records]]), ONE_DAY, { nowMs: asked }).targets[0]!;

    // 19:02-19:10 counted (8), 19:10-19:21 unknown (11): covered 19 = 8 + 11.
    expect(report.covered).toEqual({ fromMs: started, toMs: at(19, 21), minutes: 19 });
    expect(report.countedMinutes).toBe(8);
    expect(report.unknownMinutes).toBe(11);
  });

  it('measures the budget of a short range against the SLO window allowance, with the range share beside it', () => {
    // Prepare: a one-hour range, every region refusing 10:00-10:12 (12 min down), 99.9% over 30 days.
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start) => (between(start, at(10), at(10, 12)) ? failed('connect_refused') : undefined));

    const report = reportOne(target, records, { fromMs: at(10), toMs: at(11) });

    // Allowance 0.001 × 43200 = 43.2 min; the hour's share 0.001 × 60 = 0.06 min; 1 - 12/43.2 = 0.72222
    // (before: budget 0.06 min, 1 - 12/0.06 = -199, printed as -19900.0%).
    expect(report.downtimeMinutes).toBe(12);
    expect(report.errorBudget.windowDays).toBe(30);
    expect(report.errorBudget.windowAllowanceMinutes).toBeCloseTo(43.2, 10);
    expect(report.errorBudget.rangeShareMinutes).toBeCloseTo(0.06, 10);
    expect(report.errorBudget.basis).toBe('slo-window');
    expect(report.errorBudget.budgetMinutes).toBeCloseTo(43.2, 10);
    expect(report.errorBudget.consumedMinutes).toBe(12);
    expect(report.errorBudget.remainingMinutes).toBeCloseTo(31.2, 10);
    expect(report.errorBudget.remaining).toBeCloseTo(1 - 12 / 43.2, 10);
    expect(report.series.burnDown.at(-1)!.remaining).toBe(report.errorBudget.remaining);
  });

  it('draws the burn-down of a range up to two days per hour, so an outage drops it when it happened', () => {
    // A three-hour range, 09:00-12:00, every region down 11:00-11:12: flat for two hours, then the drop.
    const target = makeTarget();
    const records = history(target, D0, D0 + DAY, (start) => (between(start, at(11), at(11, 12)) ? failed() : undefined));

    const { burnDown } = reportOne(target, records, { fromMs: at(9), toMs: at(12) }).series;

    // Before: one point per day, a straight line from 09:00 to 12:00 that spent budget from the start.
    expect(burnDown.map((p) => [p.atMs, p.consumedMinutes])).toEqual([
      [at(9), 0],
      [at(10), 0],
      [at(11), 0],
      [at(12), 12],
    ]);
  });

  it('gives a range longer than the SLO window its own share as the budget', () => {
    // 31 days of January counted at 99.9%: the share 44.64 min exceeds the 30-day allowance of 43.2.
    const target = makeTarget();
    const jan = { fromMs: D0, toMs: Date.UTC(2025, 1, 1) };
    const records = history(target, jan.fromMs, jan.toMs, (start) => (between(start, at(3), at(3, 30)) ? failed() : undefined));

    const report = reportOne(target, records, jan);

    expect(report.errorBudget.basis).toBe('range');
    expect(report.errorBudget.budgetMinutes).toBeCloseTo(44.64, 10);
    expect(report.errorBudget.remaining).toBeCloseTo(1 - 30 / 44.64, 10);
  });

  it('says a range with no data has none, instead of 100% of its budget left', () => {
    const report = buildReport(makeConfig([makeTarget()]), new Map(), ONE_DAY, { nowMs: asked }).targets[0]!;

    expect(report.covered).toBeUndefined();
    expect(report.unknownMinutes).toBe(0);
    expect(report.countedMinutes).toBe(0);
    expect(report.availability).toBeUndefined();
    expect(report.errorBudget.remaining).toBeUndefined();
    expect(report.series.burnDown).toEqual([{ atMs: D0, consumedMinutes: 0, remaining: 1 }]);
  });

  it('covers nothing of a range that is wholly in the future', () => {
    const target = makeTarget();
    const report = buildReport(makeConfig([target]), new Map([['gw', history(target, D0, D0 + DAY)]]), { fromMs: D0 + DAY, toMs: D0 + 2 * DAY }, { nowMs: D0 + DAY - 1 }).targets[0]!;

    expect(report.covered).toBeUndefined();
    expect(report.unknownMinutes).toBe(0);
  });
});

describe('report sources: the local store', () => {
  it('reports an empty store under the region `local`, not the configured regions', async () => {
    // Prepare: a store directory with no results at all (the default range of a fresh install).
    const dir = await mkdtemp(join(tmpdir(), 'report-store-'));
    try {
      const source = await recordsFromStore(dir, ONE_DAY);

      const report = buildReport(makeConfig([makeTarget()]), source.records, ONE_DAY, source.view ? { view: source.view } : {}).targets[0]!;

      expect(report.regions).toEqual(['local']);
      expect(report.quorum).toBe(1);
      expect(report.covered).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reads a local history file with nothing in the range under `local` too', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'report-history-'));
    try {
      const file = join(dir, 'results.jsonl');
      await writeFile(file, `${JSON.stringify({ v: 1, interval: new Date(D0 + 20 * DAY).toISOString(), target: 'gw', region: 'local', ok: true, attempts: 1, totalMs: 3 })}\n`);

      const source = await recordsFromHistoryFile(file, ONE_DAY);

      expect(source.view).toBe(localView);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
