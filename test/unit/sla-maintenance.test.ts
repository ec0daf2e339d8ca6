import { describe, expect, it } from 'vitest';
import type { CronWindow, MaintenanceWindow, OneOffWindow, WeeklyWindow, Weekday } from '../../shared/config/types.js';
import { inMaintenance, maintenanceFlags, maintenanceMask } from '../../shared/sla/maintenance.js';
import { ZoneOffsets } from '../../shared/sla/civil-time.js';
import { HOUR, MIN } from '../support/sla-fixtures.js';

const utc = (iso: string): number => Date.parse(iso);

/** From ISO strings, kept as written (sla-fixtures' once builds them from ms), as a config would give them. */
function once(start: string, end: string, countsAgainstSla = false): OneOffWindow {
  return { kind: 'once', start, end, startMs: utc(start), endMs: utc(end), countsAgainstSla, description: undefined, scope: 'target' };
}

function weekly(day: Weekday, start: string, durationMinutes: number, timezone = 'Europe/Berlin', countsAgainstSla = false): WeeklyWindow {
  return { kind: 'weekly', weekly: { day, start, durationMinutes }, timezone, countsAgainstSla, description: undefined, scope: 'target' };
}

function cron(expression: string, durationMinutes: number, timezone = 'Europe/Berlin', countsAgainstSla = false): CronWindow {
  return { kind: 'cron', cron: expression, durationMinutes, timezone, countsAgainstSla, description: undefined, scope: 'global' };
}

/** The UTC minutes in [from, to) that the windows cover, as ISO strings of the first and last of each run. */
function coveredRuns(windows: MaintenanceWindow[], from: number, to: number): string[] {
  const runs: string[] = [];
  let runStart: number | undefined;
  for (let t = from; t <= to; t += MIN) {
    const covered = t < to && inMaintenance(windows, t) !== undefined;
    if (covered && runStart === undefined) runStart = t;
    if (!covered && runStart !== undefined) {
      runs.push(`${new Date(runStart).toISOString()}..${new Date(t).toISOString()}`);
      runStart = undefined;
    }
  }
  return runs;
}

describe('ZoneOffsets', () => {
  it('reads Berlin offsets either side of both 2025 changes and resolves skipped and repeated readings', () => {
    // Prepare
    const zone = new ZoneOffsets('Europe/Berlin');
    // Act / Assess: clocks go forward at 01:00 UTC on 30 March and back at 01:00 UTC on 26 October.
    expect(zone.offsetMs(utc('2025-03-30T00:59:00Z'))).toBe(HOUR);
    expect(zone.offsetMs(utc('2025-03-30T01:00:00Z'))).toBe(2 * HOUR);
    expect(zone.offsetMs(utc('2025-10-26T00:59:00Z'))).toBe(2 * HOUR);
    expect(zone.offsetMs(utc('2025-10-26T01:00:00Z'))).toBe(HOUR);
    // 02:30 on 30 March never shows: moved forward by the gap to 03:30 CEST (01:30 UTC).
    expect(new Date(zone.utcOf(utc('2025-03-30T02:30:00Z'))).toISOString()).toBe('2025-03-30T01:30:00.000Z');
    // 02:30 on 26 October shows twice: the first time, 02:30 CEST (00:30 UTC).
    expect(new Date(zone.utcOf(utc('2025-10-26T02:30:00Z'))).toISOString()).toBe('2025-10-26T00:30:00.000Z');
  });

  it('finds a half-hour change on a quarter-hour UTC boundary (Lord Howe Island)', () => {
    // Prepare: Lord Howe goes from +10:30 to +11:00 at 02:00 local on 5 October 2025 = 15:30 UTC on the 4th.
    const zone = new ZoneOffsets('Australia/Lord_Howe');
    // Act / Assess
    expect(zone.offsetMs(utc('2025-10-04T15:29:00Z'))).toBe(10.5 * HOUR);
    expect(zone.offsetMs(utc('2025-10-04T15:30:00Z'))).toBe(11 * HOUR);
    // 02:15 falls in the 30-minute gap: 02:45 LHDT = 15:45 UTC.
    expect(new Date(zone.utcOf(utc('2025-10-05T02:15:00Z'))).toISOString()).toBe('2025-10-04T15:45:00.000Z');
  });
});

describe('inMaintenance', () => {
  it('treats a one-off window as [start, end)', () => {
    // Prepare
    const window = once('2025-01-15T10:00:00Z', '2025-01-15T11:00:00Z');
    // Act / Assess
    expect(inMaintenance([window], utc('2025-01-15T09:59:59Z'))).toBeUndefined();
    expect(inMaintenance([window], utc('2025-01-15T10:00:00Z'))).toBe(window);
    expect(inMaintenance([window], utc('2025-01-15T10:59:59Z'))).toBe(window);
    expect(inMaintenance([window], utc('2025-01-15T11:00:00Z'))).toBeUndefined();
  });

  it('keeps a weekly Europe/Berlin window at the same local time across the spring DST change', () => {
    // Prepare: Monday 09:00 for an hour: 08:00 UTC in winter, 07:00 UTC in summer.
    const window = weekly('mon', '09:00', 60);
    // Act
    const before = coveredRuns([window], utc('2025-03-24T00:00:00Z'), utc('2025-03-25T00:00:00Z'));
    const after = coveredRuns([window], utc('2025-03-31T00:00:00Z'), utc('2025-04-01T00:00:00Z'));
    // Assess
    expect(before).toEqual(['2025-03-24T08:00:00.000Z..2025-03-24T09:00:00.000Z']);
    expect(after).toEqual(['2025-03-31T07:00:00.000Z..2025-03-31T08:00:00.000Z']);
  });

  it('moves a weekly start inside the skipped hour forward, and uses the first of a repeated hour', () => {
    // Prepare: Sunday 02:30 for an hour.
    const window = weekly('sun', '02:30', 60);
    // Act
    const springForward = coveredRuns([window], utc('2025-03-29T22:00:00Z'), utc('2025-03-30T06:00:00Z'));
    const weekAfter = coveredRuns([window], utc('2025-04-05T22:00:00Z'), utc('2025-04-06T06:00:00Z'));
    const fallBack = coveredRuns([window], utc('2025-10-25T22:00:00Z'), utc('2025-10-26T06:00:00Z'));
    // Assess
    // 02:30 does not exist on 30 March: 03:30 CEST = 01:30 UTC, for 60 elapsed minutes.
    expect(springForward).toEqual(['2025-03-30T01:30:00.000Z..2025-03-30T02:30:00.000Z']);
    expect(weekAfter).toEqual(['2025-04-06T00:30:00.000Z..2025-04-06T01:30:00.000Z']);
    // 02:30 happens twice on 26 October: the window starts at the first (CEST, 00:30 UTC), once.
    expect(fallBack).toEqual(['2025-10-26T00:30:00.000Z..2025-10-26T01:30:00.000Z']);
  });

  it('finds a cron window that started up to its duration before, in its time zone, in winter and summer', () => {
    // Prepare: every day at 03:00 Berlin time for 90 minutes.
    const window = cron('0 3 * * *', 90);
    // Act
    const winter = coveredRuns([window], utc('2025-01-15T00:00:00Z'), utc('2025-01-16T00:00:00Z'));
    const summer = coveredRuns([window], utc('2025-07-15T00:00:00Z'), utc('2025-07-16T00:00:00Z'));
    // Assess
    expect(winter).toEqual(['2025-01-15T02:00:00.000Z..2025-01-15T03:30:00.000Z']);
    expect(summer).toEqual(['2025-07-15T01:00:00.000Z..2025-07-15T02:30:00.000Z']);
  });

  it('applies the DST rules to cron starts too: skipped starts move forward, repeated ones happen once', () => {
    // Prepare: 02:30 daily for 30 minutes.
    const window = cron('30 2 * * *', 30);
    // Act
    const springForward = coveredRuns([window], utc('2025-03-29T22:00:00Z'), utc('2025-03-30T06:00:00Z'));
    const fallBack = coveredRuns([window], utc('2025-10-25T22:00:00Z'), utc('2025-10-26T06:00:00Z'));
    // Assess
    expect(springForward).toEqual(['2025-03-30T01:30:00.000Z..2025-03-30T02:00:00.000Z']);
    expect(fallBack).toEqual(['2025-10-26T00:30:00.000Z..2025-10-26T01:00:00.000Z']);
  });

  it('matches cron day fields the Vixie way (both restricted: either day matches)', () => {
    // Prepare: 22:00 UTC on the 1st of the month or on Fridays, for 10 minutes.
    const window = cron('0 22 1 * fri', 10, 'UTC');
    // Act / Assess: 2025-08-01 is a Friday, 2025-08-08 a Friday, 2025-09-01 a Monday, 2025-08-04 a Monday.
    expect(inMaintenance([window], utc('2025-08-08T22:05:00Z'))).toBe(window);
    expect(inMaintenance([window], utc('2025-09-01T22:05:00Z'))).toBe(window);
    expect(inMaintenance([window], utc('2025-08-04T22:05:00Z'))).toBeUndefined();
    expect(inMaintenance([window], utc('2025-08-08T22:10:00Z'))).toBeUndefined();
  });

  it('finds a cron window lasting days (search back over its whole duration)', () => {
    // Prepare: Saturdays at 00:00 UTC, for 2 days.
    const window = cron('0 0 * * sat', 2 * 24 * 60, 'UTC');
    // Act / Assess: 2025-08-09 is a Saturday.
    expect(inMaintenance([window], utc('2025-08-10T23:59:00Z'))).toBe(window);
    expect(inMaintenance([window], utc('2025-08-11T00:00:00Z'))).toBeUndefined();
  });
});

describe('maintenanceFlags', () => {
  it('suppresses for every window and excludes from the SLA unless the window counts; a non-counting overlap wins', () => {
    // Prepare
    const counting = once('2025-01-15T10:00:00Z', '2025-01-15T12:00:00Z', true);
    const notCounting = once('2025-01-15T11:00:00Z', '2025-01-15T11:30:00Z', false);
    // Act
    const onlyCounting = maintenanceFlags([counting, notCounting], utc('2025-01-15T10:30:00Z'));
    const both = maintenanceFlags([counting, notCounting], utc('2025-01-15T11:10:00Z'));
    const none = maintenanceFlags([counting, notCounting], utc('2025-01-15T12:00:00Z'));
    // Assess
    expect(onlyCounting).toEqual({ suppressNotifications: true, excludedFromSla: false });
    expect(both).toEqual({ suppressNotifications: true, excludedFromSla: true });
    expect(none).toEqual({ suppressNotifications: false, excludedFromSla: false });
  });
});

describe('maintenanceMask', () => {
  it('agrees with inMaintenance minute by minute over both 2025 DST weeks with weekly, cron and one-off windows', () => {
    // Prepare
    const windows: MaintenanceWindow[] = [
      weekly('sun', '02:30', 45),
      weekly('wed', '23:50', 20, 'America/New_York'),
      cron('*/20 1-3 * * *', 7),
      cron('0 0 * * mon', 5 * 60, 'Asia/Kolkata', true),
      once('2025-03-27T10:00:30Z', '2025-03-27T10:05:00Z'),
    ];
    for (const weekStart of [utc('2025-03-26T00:00:00Z'), utc('2025-10-22T00:00:00Z')]) {
      const minutes = 7 * 24 * 60;
      // Act
      const mask = maintenanceMask(windows, weekStart, minutes);
      // Assess
      const mismatches: string[] = [];
      for (let i = 0; i < minutes; i++) {
        const at = weekStart + i * MIN;
        const flags = maintenanceFlags(windows, at);
        if ((mask.suppressNotifications[i] === 1) !== flags.suppressNotifications || (mask.excludedFromSla[i] === 1) !== flags.excludedFromSla) {
          mismatches.push(new Date(at).toISOString());
        }
      }
      expect(mismatches).toEqual([]);
      expect(mask.suppressNotifications.reduce((a, b) => a + b, 0)).toBeGreaterThan(5 * 60);
    }
  });

  it('samples at the step given (five-minute interval starts)', () => {
    // Prepare
    const window = once('2025-01-15T10:03:00Z', '2025-01-15T10:11:00Z');
    // Act
    const mask = maintenanceMask([window], utc('2025-01-15T10:00:00Z'), 4, 5 * MIN);
    // Assess: starts 10:00, 10:05, 10:10, 10:15; only 10:05 and 10:10 are inside.
    expect([...mask.suppressNotifications]).toEqual([0, 1, 1, 0]);
  });
});
