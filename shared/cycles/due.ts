// Which targets are probed in an interval, the same for every runner (the probe function in each region
// and the local monitor), so every location probes a target in the same intervals.
import type { ResolvedTarget } from '../config/types.js';
import { MINUTE_MS } from '../common/time.js';

/** Whether a target is probed in the interval starting at `intervalStartMs`: 5-minute targets every fifth minute. */
export function isDue(target: Pick<ResolvedTarget, 'intervalMinutes'>, intervalStartMs: number): boolean {
  const minute = Math.floor(intervalStartMs / MINUTE_MS);
  return minute % target.intervalMinutes === 0;
}
