// A client-side pace for GetMetricData points: a token bucket of `pointsPerSecond` (one second's worth of
// burst), taken before each call by the points it may return. GetMetricData's quotas are the account's
// (396,000 points a second for reads that start more than 3 hours back, 180,000 otherwise, 50 calls a
// second), shared by every evaluator shard, the report and the dashboards: a long read (a month's report)
// paced below them leaves the rest of the account its share instead of taking the quota and being
// throttled. Throttles that still happen are retried by the read (HistoryRequest.retry).
import { abortableSleep } from '../aws/retry.js';
import { SECOND_MS } from '../common/time.js';

export interface ReadPacer {
  /** Waits until `points` may be read (a call larger than a second's worth waits for a full bucket and overdraws it). */
  take(points: number, signal?: AbortSignal): Promise<void>;
}

export interface ReadPacerOptions {
  pointsPerSecond: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function createReadPacer(options: ReadPacerOptions): ReadPacer {
  const { pointsPerSecond } = options;
  if (!(pointsPerSecond > 0)) throw new RangeError(`createReadPacer: pointsPerSecond must be positive, got ${pointsPerSecond}`);
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? abortableSleep;
  let tokens = pointsPerSecond;
  let at = now();
  // Calls take their turn in order, so a large one is not starved by small ones.
  let queue: Promise<void> = Promise.resolve();
  const refill = (): void => {
    const t = now();
    tokens = Math.min(pointsPerSecond, tokens + ((t - at) / SECOND_MS) * pointsPerSecond);
    at = t;
  };
  return {
    take(points, signal) {
      const turn = queue.then(async () => {
        refill();
        const need = Math.min(points, pointsPerSecond);
        if (tokens < need) await sleep(((need - tokens) / pointsPerSecond) * SECOND_MS, signal);
        refill();
        tokens -= points;
      });
      queue = turn.catch(() => undefined);
      return turn;
    },
  };
}
