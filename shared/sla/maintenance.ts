// Maintenance windows: is an instant inside one, and the same question for a whole range at once (a mask),
// which is what the evaluator needs for days of minutes.
//
// What a window does (decided here, used everywhere):
// - every window suppresses notifications at the instants it covers;
// - a probe interval is "in maintenance" when its start is inside a window, and is then left out of the
//   SLA math unless the window says `countsAgainstSla`. When windows overlap, one that does not count
//   wins: somebody declared that time as not counting.
//
// Forms:
// - once:   [startMs, endMs).
// - weekly: a local day and 'HH:MM' in an IANA zone, lasting durationMinutes of real (elapsed) time.
// - cron:   start times from a 5-field cron expression read in the zone, each lasting durationMinutes.
// Daylight saving time, for weekly and cron alike: a start in the hour skipped when clocks go forward moves
// forward by the gap (02:30 on that night in Berlin starts at 03:30 CEST); a start in the hour repeated
// when clocks go back happens once, at its first occurrence (see ZoneOffsets.utcOf). Durations are elapsed
// minutes, so a 02:00 window of 120 minutes on the night clocks go back ends at 03:00 on the new clock.
//
// Cost: a cron window is found by looking for its starts minute by minute, up to its duration before the
// instant asked about. The look-back is capped at CRON_MAX_DURATION_MINUTES (7 days, the most the config
// accepts), so a single check costs at most ~10k cheap steps (offsets are cached per 6 hours) and a mask
// over N minutes costs O(N + duration).
import type { CronWindow, MaintenanceWindow, WeeklyWindow, Weekday } from '../config/types.js';
import { parseCron, type CronSchedule } from '../config/cron.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, ceilTo, floorTo } from '../common/time.js';
import { civilTime, ZoneOffsets } from './civil-time.js';

/** Longest cron window we search back for, in minutes: the config's maximum duration (7 days). */
export const CRON_MAX_DURATION_MINUTES = (7 * DAY_MS) / MINUTE_MS;

const WEEKDAY_NUMBER: Readonly<Record<Weekday, number>> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };

export interface MaintenanceFlags {
  /** Some window covers the instant: send no firing or reminder notifications. */
  suppressNotifications: boolean;
  /** Some covering window does not count against the SLA: leave an interval starting here out of the SLO math. */
  excludedFromSla: boolean;
}

/** Flags per instant `startMs + i * stepMs`, i < count: 1 where set. */
export interface MaintenanceMask {
  startMs: number;
  stepMs: number;
  count: number;
  suppressNotifications: Uint8Array;
  excludedFromSla: Uint8Array;
}

/** Per-computation caches: one ZoneOffsets per zone, one parsed schedule per cron expression. */
class WindowContext {
  private readonly zones = new Map<string, ZoneOffsets>();
  private readonly schedules = new Map<string, CronSchedule>();

  zone(timeZone: string): ZoneOffsets {
    let zone = this.zones.get(timeZone);
    if (zone === undefined) {
      zone = new ZoneOffsets(timeZone);
      this.zones.set(timeZone, zone);
    }
    return zone;
  }

  schedule(expression: string): CronSchedule {
    let schedule = this.schedules.get(expression);
    if (schedule === undefined) {
      const parsed = parseCron(expression);
      // The resolved config has been validated; an invalid expression here is a programming error, and
      // silently ignoring a maintenance window would page people during planned work.
      if (!parsed.ok) throw new TypeError(`maintenance cron '${expression}' ${parsed.problem}`);
      schedule = parsed.schedule;
      this.schedules.set(expression, schedule);
    }
    return schedule;
  }
}

function cronMatches(schedule: CronSchedule, localMs: number): boolean {
  const t = civilTime(localMs);
  if (!schedule.minutes.has(t.minuteOfDay % 60)) return false;
  if (!schedule.hours.has(Math.floor(t.minuteOfDay / 60))) return false;
  if (!schedule.months.has(t.month)) return false;
  const dom = schedule.daysOfMonth.has(t.day);
  const dow = schedule.daysOfWeek.has(t.weekday);
  // Vixie cron: when both day fields are restricted a day matches either; otherwise both must match (the
  // unrestricted one matches every day).
  return schedule.daysOfMonthRestricted && schedule.daysOfWeekRestricted ? dom || dow : dom && dow;
}

/**
 * Whether a cron window starts at the UTC minute `minuteMs`. The starts are exactly { utcOf(L) : L matches },
 * so a reading that matches starts a window where utcOf puts it. The readings that can land on this minute
 * are the one the clock shows now and, just after clocks go forward, a skipped one read with the offset
 * from before the jump.
 */
function cronStartsAt(schedule: CronSchedule, zone: ZoneOffsets, minuteMs: number): boolean {
  const offsetNow = zone.offsetMs(minuteMs);
  const shown = minuteMs + offsetNow;
  if (cronMatches(schedule, shown) && zone.utcOf(shown) === minuteMs) return true;
  const offsetBefore = zone.offsetMs(minuteMs - DAY_MS);
  if (offsetBefore === offsetNow) return false;
  const skipped = minuteMs + offsetBefore;
  return cronMatches(schedule, skipped) && zone.utcOf(skipped) === minuteMs;
}

function cronDurationMs(window: CronWindow): number {
  return Math.min(window.durationMinutes, CRON_MAX_DURATION_MINUTES) * MINUTE_MS;
}

/** Start instants of a weekly window whose occurrence could cover [fromMs, toMs). */
function weeklyStarts(window: WeeklyWindow, zone: ZoneOffsets, fromMs: number, toMs: number): number[] {
  const durationMs = window.weekly.durationMinutes * MINUTE_MS;
  const [hours = 0, minutes = 0] = window.weekly.start.split(':').map(Number);
  const timeOfDayMs = hours * HOUR_MS + minutes * MINUTE_MS;
  const weekday = WEEKDAY_NUMBER[window.weekly.day];
  // Local dates from a day before the earliest possible start to a day after the end (offsets are < 1 day).
  const firstDay = floorTo(zone.localMs(fromMs - durationMs), DAY_MS) - DAY_MS;
  const lastDay = floorTo(zone.localMs(toMs), DAY_MS) + DAY_MS;
  const starts: number[] = [];
  for (let day = firstDay; day <= lastDay; day += DAY_MS) {
    if (civilTime(day).weekday !== weekday) continue;
    const start = zone.utcOf(day + timeOfDayMs);
    if (start < toMs && start + durationMs > fromMs) starts.push(start);
  }
  return starts;
}

function windowCovers(window: MaintenanceWindow, atMs: number, context: WindowContext): boolean {
  switch (window.kind) {
    case 'once':
      return window.startMs <= atMs && atMs < window.endMs;
    case 'weekly':
      return weeklyStarts(window, context.zone(window.timezone), atMs, atMs + 1).length > 0;
    case 'cron': {
      const zone = context.zone(window.timezone);
      const schedule = context.schedule(window.cron);
      const durationMs = cronDurationMs(window);
      // A window that started in (at - duration, at] covers `at`: search back minute by minute.
      for (let minute = floorTo(atMs, MINUTE_MS); minute > atMs - durationMs; minute -= MINUTE_MS) {
        if (cronStartsAt(schedule, zone, minute)) return true;
      }
      return false;
    }
  }
}

/** The first window (in config order: global, then the target's) covering the instant, if any. */
export function inMaintenance(windows: readonly MaintenanceWindow[], atMs: number): MaintenanceWindow | undefined {
  const context = new WindowContext();
  return windows.find((window) => windowCovers(window, atMs, context));
}

/** What the windows covering one instant mean for notifications and for the SLO. */
export function maintenanceFlags(windows: readonly MaintenanceWindow[], atMs: number): MaintenanceFlags {
  const context = new WindowContext();
  const covering = windows.filter((window) => windowCovers(window, atMs, context));
  return {
    suppressNotifications: covering.length > 0,
    excludedFromSla: covering.some((window) => !window.countsAgainstSla),
  };
}

/**
 * Flags for every instant `startMs + i * stepMs` (i < count) at once. Each window occurrence [s, e) is
 * added to a difference array, so overlapping occurrences (a cron start every minute) cost O(1) each.
 */
export function maintenanceMask(windows: readonly MaintenanceWindow[], startMs: number, count: number, stepMs: number = MINUTE_MS): MaintenanceMask {
  const endMs = startMs + count * stepMs;
  const suppressDiff = new Int32Array(count + 1);
  const excludeDiff = new Int32Array(count + 1);
  const context = new WindowContext();

  const mark = (window: MaintenanceWindow, fromMs: number, toMs: number): void => {
    // Instants x with fromMs <= x < toMs.
    const first = Math.max(0, Math.ceil((fromMs - startMs) / stepMs));
    const last = Math.min(count, Math.ceil((toMs - startMs) / stepMs));
    if (first >= last) return;
    suppressDiff[first]! += 1;
    suppressDiff[last]! -= 1;
    if (!window.countsAgainstSla) {
      excludeDiff[first]! += 1;
      excludeDiff[last]! -= 1;
    }
  };

  for (const window of windows) {
    switch (window.kind) {
      case 'once':
        mark(window, window.startMs, window.endMs);
        break;
      case 'weekly': {
        const durationMs = window.weekly.durationMinutes * MINUTE_MS;
        for (const start of weeklyStarts(window, context.zone(window.timezone), startMs, endMs)) mark(window, start, start + durationMs);
        break;
      }
      case 'cron': {
        const zone = context.zone(window.timezone);
        const schedule = context.schedule(window.cron);
        const durationMs = cronDurationMs(window);
        for (let minute = ceilTo(startMs - durationMs + 1, MINUTE_MS); minute < endMs; minute += MINUTE_MS) {
          if (cronStartsAt(schedule, zone, minute)) mark(window, minute, minute + durationMs);
        }
        break;
      }
    }
  }

  const suppressNotifications = new Uint8Array(count);
  const excludedFromSla = new Uint8Array(count);
  let suppressDepth = 0;
  let excludeDepth = 0;
  for (let i = 0; i < count; i++) {
    suppressDepth += suppressDiff[i]!;
    excludeDepth += excludeDiff[i]!;
    suppressNotifications[i] = suppressDepth > 0 ? 1 : 0;
    excludedFromSla[i] = excludeDepth > 0 ? 1 : 0;
  }
  return { startMs, stepMs, count, suppressNotifications, excludedFromSla };
}
