// Maintenance flags per minute for the fold, from the config alone (no state): the same answers as the
// evaluator's maintenance mask, which marks each instant on its own (maintenance.ts: a window's
// occurrences are added to a difference array, so a mask over one day equals the same minutes of a mask
// over a week).
//
// Why a cache: a cron window is found by searching its starts back minute by minute (up to its duration),
// and a fresh ZoneOffsets asks Intl again, so asking per minute would cost up to ~10k steps a minute for a
// 7-day cron window. A mask for one UTC day costs O(1440 + duration) once and then O(1) per minute. The
// cache only remembers what the pure function answered (keyed by the windows array and the day), so no
// result depends on it; it keeps a few days per windows array and forgets arrays nobody holds (WeakMap).
import type { MaintenanceWindow } from '../../config/types.js';
import { maintenanceMask, type MaintenanceMask } from '../maintenance.js';
import { DAY_MS, MINUTE_MS, floorTo } from '../../common/time.js';

/** Days of masks kept per windows array (the fold asks about today and, for an interval start, yesterday). */
const DAYS_KEPT = 4;

const masks = new WeakMap<readonly MaintenanceWindow[], Map<number, MaintenanceMask>>();

function dayMask(windows: readonly MaintenanceWindow[], dayMs: number): MaintenanceMask {
  let days = masks.get(windows);
  if (days === undefined) {
    days = new Map();
    masks.set(windows, days);
  }
  let mask = days.get(dayMs);
  if (mask === undefined) {
    mask = maintenanceMask(windows, dayMs, DAY_MS / MINUTE_MS, MINUTE_MS);
    if (days.size >= DAYS_KEPT) {
      // Forget the day farthest from the one asked about (replays move forward; a status page looks back a little).
      let farthest = dayMs;
      for (const day of days.keys()) if (Math.abs(day - dayMs) > Math.abs(farthest - dayMs)) farthest = day;
      days.delete(farthest);
    }
    days.set(dayMs, mask);
  }
  return mask;
}

/** 1 bit: notifications suppressed; 2 bit: excluded from the SLO. 0 outside every window. */
export function maintenanceBitsAt(windows: readonly MaintenanceWindow[], minuteMs: number): number {
  if (windows.length === 0) return 0;
  const day = floorTo(minuteMs, DAY_MS);
  const mask = dayMask(windows, day);
  const i = (floorTo(minuteMs, MINUTE_MS) - day) / MINUTE_MS;
  return (mask.suppressNotifications[i] ?? 0) | ((mask.excludedFromSla[i] ?? 0) << 1);
}

export const SUPPRESS_BIT = 1;
export const EXCLUDE_BIT = 2;
