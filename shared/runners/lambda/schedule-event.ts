// The event our EventBridge schedules send (probe and evaluator): `time` from EventBridge, `shard` and
// `shards` from the rule's input transformer. Both handlers read it the same way: the scheduled minute,
// and their shard of a plan recomputed from the packaged config, refusing a schedule that disagrees (one
// left over from an older deployment) rather than silently skipping or doubling targets.
import { PptpMonitorError } from '../../common/errors.js';
import { MINUTE_MS, floorTo } from '../../common/time.js';

export interface ScheduleEvent {
  time?: string;
  shard?: number;
  shards?: number;
}

/**
 * A schedule event this deployment cannot run (a shard out of range, a plan that disagrees, a region it
 * probes nothing from): the invocation fails rather than probe or evaluate the wrong set. One code, as
 * the answer is always the same (redeploy); the message says which case.
 */
export class ScheduleEventError extends PptpMonitorError<'schedule_mismatch'> {
  // Spelled out: the Lambda bundles are minified, which would mangle the class's own name.
  override name = 'ScheduleEventError';

  constructor(message: string, options?: { cause?: unknown }) {
    super('schedule_mismatch', message, options);
  }
}

/** The scheduled minute (ms), so every region agrees on the interval; `fallbackNowMs` when the event has no time. */
export function scheduledMinute(event: ScheduleEvent, fallbackNowMs: number): number {
  const scheduled = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  const at = Number.isFinite(scheduled) ? scheduled : fallbackNowMs;
  return floorTo(at, MINUTE_MS);
}

/** A scheduled event that came too late to run (see staleEvent). */
export interface StaleEvent {
  /** The event's `time`, as sent. */
  eventTime: string;
  /** Its scheduled minute (ms). */
  intervalStart: number;
  /** From the scheduled minute to `nowMs`, in ms. */
  ageMs: number;
  /** The most it may have been (period + margin), in ms. */
  maxAgeMs: number;
}

/**
 * Whether `event` is too old to run: its scheduled minute started more than `periodMs + marginMs` before
 * `nowMs` (a retry, a redelivery, a queue backlog). An event without a usable time (a manual run) is never
 * stale: it runs for the current minute.
 */
export function staleEvent(event: ScheduleEvent, nowMs: number, limits: { periodMs: number; marginMs: number }): StaleEvent | undefined {
  if (typeof event.time !== 'string' || !Number.isFinite(Date.parse(event.time))) return undefined;
  const intervalStart = scheduledMinute(event, nowMs);
  const ageMs = nowMs - intervalStart;
  const maxAgeMs = limits.periodMs + limits.marginMs;
  return ageMs > maxAgeMs ? { eventTime: event.time, intervalStart, ageMs, maxAgeMs } : undefined;
}

/**
 * This invocation's shard index in `plannedShards`. `what` names the shards in the mismatch message
 * ('shard(s) ... for eu-west-1', 'evaluator shard(s)') and `redeploy` says which stack to redeploy.
 */
export function pickShard(event: ScheduleEvent, plannedShards: number, wording: { what: string; where?: string; redeploy: string }): number {
  const shard = event.shard ?? 0;
  const declared = event.shards ?? 1;
  if (!Number.isInteger(shard) || !Number.isInteger(declared) || shard < 0 || shard >= declared) {
    throw new ScheduleEventError(`event: shard must be an integer in 0..shards-1, got shard=${String(event.shard)} shards=${String(event.shards)}`);
  }
  if (declared !== plannedShards) {
    throw new ScheduleEventError(`event: the schedule says ${declared} ${wording.what} but the packaged config plans ${plannedShards}${wording.where ?? ''}: redeploy ${wording.redeploy}`);
  }
  return shard;
}
