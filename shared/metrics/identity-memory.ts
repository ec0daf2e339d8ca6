// When a location publishes the ServerIdentity point of a target (metric-design.ts says why it is sparse):
// what this process last published per target, so a probe publishes the identity only when it differs,
// on a cold start (an unknown target), and at the target's daily refresh minute. One memory per process:
// the probe Lambda keeps one per container across warm invocations, the agent one per run.
//
// A publish is remembered only once the caller saw it succeed (`published`), so a failed one is simply
// due again the next minute. Publishing twice is harmless: the same value in the same minute, read as
// Maximum.
import { createHash } from 'node:crypto';
import { DAY_MS, MINUTE_MS } from '../common/time.js';

/** Minutes in a UTC day: the refresh minute is a minute of the day. */
const MINUTES_PER_DAY = DAY_MS / MINUTE_MS;
/**
 * Refresh minutes fall on multiples of this many minutes: a 5-minute target is probed only on minutes
 * divisible by 5 (cycles/due.ts), and a refresh minute it is never probed in would never come. 288 slots
 * a day still spread the refreshes of a fleet over the day.
 */
const REFRESH_SLOT_MINUTES = 5;

/**
 * The target's daily refresh minute, in [0, 1440) minutes of the UTC day: a stable hash of its name, the
 * same in every location and every process, so every location refreshes in the same minute (one billed
 * hour) and a fleet's refreshes are spread over the day.
 */
export function refreshMinute(target: string): number {
  const slots = MINUTES_PER_DAY / REFRESH_SLOT_MINUTES;
  return (createHash('sha256').update(target).digest().readUInt32BE(0) % slots) * REFRESH_SLOT_MINUTES;
}

/** Whether the interval starting at `intervalStart` (ms since the epoch) is the target's refresh minute. */
export const isRefreshMinute = (target: string, intervalStart: number): boolean => Math.floor(intervalStart / MINUTE_MS) % MINUTES_PER_DAY === refreshMinute(target);

export interface IdentityMemory {
  /**
   * Whether a probe of `target` in the interval starting at `intervalStart` that saw `fingerprint` should
   * publish it: never published by this process, different from the last one published, the target's
   * refresh minute, or a day since the last one published (a refresh that failed or found no identity).
   */
  shouldPublish(target: string, fingerprint: number, intervalStart: number): boolean;
  /** `fingerprint` of `target` reached the sink in the interval starting at `intervalStart`. */
  published(target: string, fingerprint: number, intervalStart: number): void;
}

interface Published {
  fingerprint: number;
  /** Interval start of the last publish, in ms since the epoch. */
  at: number;
}

export function createIdentityMemory(): IdentityMemory {
  // Bounded by the config's targets: one entry per target this process probes.
  const last = new Map<string, Published>();
  return {
    shouldPublish(target, fingerprint, intervalStart) {
      const before = last.get(target);
      if (before === undefined || before.fingerprint !== fingerprint) return true;
      // The day-old check makes good a refresh minute that was missed (its publish failed, or the probe
      // then got no identity), so a value is never much older than a day while the gateway answers.
      return isRefreshMinute(target, intervalStart) || intervalStart - before.at >= DAY_MS;
    },
    published(target, fingerprint, intervalStart) {
      last.set(target, { fingerprint, at: intervalStart });
    },
  };
}
