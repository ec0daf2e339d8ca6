// An agent's intervals come from its own clock: a clock minutes off files every result under the wrong
// minute (and CloudWatch refuses points more than two hours ahead). AWS answers every request with a
// `Date` header (one-second resolution), so each response is a free reading of the true time.
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';

/** Off by more than this, in ms, the agent warns: beyond the Date header's second and a slow response. */
export const CLOCK_SKEW_WARN_MS = 5_000;
/** One warning per this many ms while the clock stays off, not one per request. */
export const CLOCK_SKEW_REPEAT_MS = 10 * 60_000;

export interface ClockSkewReading {
  /** The local clock minus the server's, in ms (positive: the local clock is ahead). */
  skewMs: number;
  serverDate: string;
}

export interface ClockSkewWatch {
  /** Called with each response's Date header and the local time it arrived. */
  observe(dateHeader: string | undefined, localMs: number): void;
  /** The last reading, if any response carried a Date. */
  last(): ClockSkewReading | undefined;
}

/**
 * Judges each reading. A response can only make the server's time look earlier (it was stamped before
 * it travelled), and the header drops the fraction of a second: a reading within the tolerance is
 * a healthy clock.
 */
export function createClockSkewWatch(warn: (reading: ClockSkewReading) => void): ClockSkewWatch {
  let last: ClockSkewReading | undefined;
  let warnedAt = Number.NEGATIVE_INFINITY;
  return {
    observe(dateHeader, localMs) {
      if (dateHeader === undefined) return;
      const serverMs = Date.parse(dateHeader);
      if (!Number.isFinite(serverMs)) return;
      last = { skewMs: localMs - serverMs, serverDate: new Date(serverMs).toISOString() };
      if (Math.abs(last.skewMs) <= CLOCK_SKEW_WARN_MS) {
        warnedAt = Number.NEGATIVE_INFINITY;
        return;
      }
      if (localMs - warnedAt < CLOCK_SKEW_REPEAT_MS) return;
      warnedAt = localMs;
      warn(last);
    },
    last: () => last,
  };
}

function dateHeaderOf(response: unknown): string | undefined {
  if (typeof response !== 'object' || response === null || !('headers' in response)) return undefined;
  const headers = response.headers;
  if (typeof headers !== 'object' || headers === null) return undefined;
  const date = (headers as Record<string, unknown>)['date'];
  return typeof date === 'string' ? date : undefined;
}

/** Reads the Date header of every response the client receives (errors included: a throttle still tells the time). */
export function watchClockSkew(client: Pick<CloudWatchClient, 'middlewareStack'>, watch: ClockSkewWatch, now: () => number = Date.now): void {
  client.middlewareStack.add(
    (next) => async (args) => {
      try {
        const result = await next(args);
        watch.observe(dateHeaderOf(result.response), now());
        return result;
      } catch (err) {
        const response = typeof err === 'object' && err !== null && '$response' in err ? err.$response : undefined;
        watch.observe(dateHeaderOf(response), now());
        throw err;
      }
    },
    { step: 'deserialize', name: 'pptpMonitorClockSkew', override: true },
  );
}
