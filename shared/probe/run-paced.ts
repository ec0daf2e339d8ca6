// Runs many probes with bounded concurrency and paced starts. Opening every socket at once makes the
// event loop queue hundreds of handshakes, and a reply then waits behind other probes' callbacks before
// we can timestamp it: a 0.02 ms loopback handshake gets reported as 50 ms. Spacing the starts keeps
// the loop idle when replies arrive, so the times we report are the network's, not ours.
import type { Clock, Timers } from './deps.js';

export interface PacedRunOptions {
  /** At most this many items in flight. */
  concurrency: number;
  /** At least this many ms between two starts. */
  startIntervalMs: number;
}

export function runPaced<T, R>(
  items: readonly T[],
  worker: (item: T, index: number) => Promise<R>,
  options: PacedRunOptions,
  clock: Clock,
  timers: Timers,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  return new Promise((resolve, reject) => {
    if (items.length === 0) return resolve(results);
    let next = 0;
    let inFlight = 0;
    let finished = 0;
    let lastStartAt = -Infinity;
    let timerArmed = false;
    let failed = false;
    const pump = (): void => {
      timerArmed = false;
      while (!failed && next < items.length && inFlight < concurrency) {
        const waitMs = lastStartAt + options.startIntervalMs - clock.now();
        if (waitMs > 0) {
          if (!timerArmed) {
            timerArmed = true;
            timers.set(waitMs, pump);
          }
          return;
        }
        lastStartAt = clock.now();
        const index = next++;
        inFlight++;
        worker(items[index]!, index).then(
          (result) => {
            results[index] = result;
            inFlight--;
            finished++;
            if (finished === items.length) resolve(results);
            else if (!timerArmed) pump();
          },
          (err: unknown) => {
            failed = true;
            reject(err);
          },
        );
      }
    };
    pump();
  });
}
