// Units of time and flooring to a grid: the one place every layer takes them from (the probe, the SLA
// core, stores, alerts and runners alike), so a minute is never spelled twice.

/** One second, in ms. */
export const SECOND_MS = 1000;
/** One minute, in ms. */
export const MINUTE_MS = 60 * SECOND_MS;
/** One hour, in ms. */
export const HOUR_MS = 60 * MINUTE_MS;
/** One (UTC) day, in ms. */
export const DAY_MS = 24 * HOUR_MS;

/** The largest multiple of `stepMs` that is ≤ `ms`. */
export function floorTo(ms: number, stepMs: number): number {
  return Math.floor(ms / stepMs) * stepMs;
}

/** The smallest multiple of `stepMs` that is ≥ `ms`. */
export function ceilTo(ms: number, stepMs: number): number {
  return Math.ceil(ms / stepMs) * stepMs;
}
