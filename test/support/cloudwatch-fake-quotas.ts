// GetMetricData's account quotas, as the CloudWatch fake enforces them, and the counters a benchmark reads.
//
// AWS (CloudWatch service quotas, per account and region): 50 transactions per second, and 396,000 data
// points per second for requests whose StartTime is more than three hours before now, 180,000 for requests
// whose StartTime is within three hours. One fake instance stands for one account and region.
//
// Model, and where it is our choice rather than AWS's documented behaviour:
//   * Window: SLIDING one second of the fake's clock (options.now): a request at time T sees the requests
//     admitted in (T − 1000 ms, T]. A fixed window (per wall-clock second) would let a client put 2 × the quota
//     into the 1 s around a second boundary; the sliding one never does, so passing here is the stricter
//     claim. The clock is expected to move forward; reset() clears the window.
//   * TPS: a request is throttled when 50 requests were already admitted in its window.
//   * DPS: a request is throttled when the data points returned in its window plus its own would pass the
//     limit that applies to it (180,000 if its StartTime is within three hours of now, 396,000 otherwise).
//     Points are those returned (queries with ReturnData false return none). How AWS mixes the two classes
//     in one second is not documented: here both count against the one total.
//   * Throttled requests answer 400 `Throttling` ("Rate exceeded"), as CloudWatch does, and take nothing
//     from the quota (they are counted in `throttles`, not in `calls`, TPS or DPS).
//   * Counters and peaks are kept whether or not the quotas are enforced, so a benchmark can measure first.
import { HOUR_MS, SECOND_MS } from '../../shared/common/time.js';

export interface GetMetricDataQuotas {
  /** Requests admitted per second (AWS: 50). */
  transactionsPerSecond: number;
  /** Data points returned per second for requests whose StartTime is more than `recentMs` before now (AWS: 396,000). */
  dataPointsPerSecond: number;
  /** Data points returned per second for requests whose StartTime is within `recentMs` of now (AWS: 180,000). */
  dataPointsPerSecondRecent: number;
  /** What "recent" means, in ms (AWS: three hours). */
  recentMs: number;
}

/** AWS's defaults (they are not adjustable in Service Quotas). */
export const AWS_GET_METRIC_DATA_QUOTAS: Readonly<GetMetricDataQuotas> = Object.freeze({
  transactionsPerSecond: 50,
  dataPointsPerSecond: 396_000,
  dataPointsPerSecondRecent: 180_000,
  recentMs: 3 * HOUR_MS,
});

export interface GetMetricDataCounters {
  /** GetMetricData requests answered with data (200). */
  calls: number;
  /** Requests refused with `Throttling` by the quotas (injected faults are not counted here). */
  throttles: number;
  /** Of those, refused for TPS and for DPS. */
  throttledForTps: number;
  throttledForDps: number;
  /** Data points returned by all calls. */
  pointsReturned: number;
  /** The most calls admitted in any one-second window. */
  peakTps: number;
  /** The most data points returned in any one-second window. */
  peakDps: number;
}

export type ThrottleReason = 'tps' | 'dps';

interface Admitted {
  atMs: number;
  points: number;
}

/** Options.quotas: true for AWS's defaults, an object to change some of them, false/undefined for none. */
export function resolveQuotas(option: boolean | Partial<GetMetricDataQuotas> | undefined): GetMetricDataQuotas | undefined {
  if (option === undefined || option === false) return undefined;
  const quotas = { ...AWS_GET_METRIC_DATA_QUOTAS, ...(option === true ? {} : option) };
  for (const [name, v] of Object.entries(quotas)) {
    if (typeof v !== 'number' || !(v > 0)) throw new RangeError(`cloudwatch-fake: quotas.${name} must be a positive number, got ${String(v)}`);
  }
  return quotas;
}

/** The sliding one-second window of admitted GetMetricData calls, the quota checks on it, and the counters. */
export class GetMetricDataMeter {
  private window: Admitted[] = [];
  private head = 0;
  private windowPoints = 0;
  private counters: GetMetricDataCounters = emptyCounters();

  constructor(private readonly quotas: GetMetricDataQuotas | undefined) {}

  /** Before the request is answered: may it run at `nowMs`? Counts the throttle when not. */
  admitTransaction(nowMs: number): ThrottleReason | undefined {
    this.slide(nowMs);
    if (this.quotas && this.size() >= this.quotas.transactionsPerSecond) return this.throttle('tps');
    return undefined;
  }

  /** Once its answer is known: may it return `points` points? If so it is recorded; if not the throttle is counted. */
  admitPoints(nowMs: number, startTimeMs: number, points: number): ThrottleReason | undefined {
    this.slide(nowMs);
    if (this.quotas) {
      const recent = startTimeMs >= nowMs - this.quotas.recentMs;
      const limit = recent ? this.quotas.dataPointsPerSecondRecent : this.quotas.dataPointsPerSecond;
      if (this.windowPoints + points > limit) return this.throttle('dps');
    }
    this.window.push({ atMs: nowMs, points });
    this.windowPoints += points;
    const c = this.counters;
    c.calls++;
    c.pointsReturned += points;
    c.peakTps = Math.max(c.peakTps, this.size());
    c.peakDps = Math.max(c.peakDps, this.windowPoints);
    return undefined;
  }

  snapshot(): GetMetricDataCounters {
    return { ...this.counters };
  }

  reset(): void {
    this.window = [];
    this.head = 0;
    this.windowPoints = 0;
    this.counters = emptyCounters();
  }

  private size(): number {
    return this.window.length - this.head;
  }

  private throttle(reason: ThrottleReason): ThrottleReason {
    this.counters.throttles++;
    if (reason === 'tps') this.counters.throttledForTps++;
    else this.counters.throttledForDps++;
    return reason;
  }

  /** Drops what fell out of (nowMs − 1 s, nowMs]. */
  private slide(nowMs: number): void {
    while (this.head < this.window.length && this.window[this.head]!.atMs <= nowMs - SECOND_MS) {
      this.windowPoints -= this.window[this.head]!.points;
      this.head++;
    }
    // Compact now and then so a long run does not keep every call it ever admitted.
    if (this.head > 1024 && this.head * 2 > this.window.length) {
      this.window = this.window.slice(this.head);
      this.head = 0;
    }
  }
}

function emptyCounters(): GetMetricDataCounters {
  return { calls: 0, throttles: 0, throttledForTps: 0, throttledForDps: 0, pointsReturned: 0, peakTps: 0, peakDps: 0 };
}
