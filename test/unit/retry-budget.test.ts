// How attempts share one probe deadline (shared/probe/run-attempts.ts, planBackoffs and runAttempts): pauses of
// retryBackoffMs doubling, scaled down so that together they never take more than half the deadline, and
// each attempt an equal share of what is left after the remaining pauses are set aside. Driven against a
// gateway that never answers (every attempt runs to its share's end), with an injected clock and timers
// that jump from one timer to the next, so every instant is exact.
import { describe, expect, it } from 'vitest';
import type { Clock, ProbeDeps, TimerHandle, Timers } from '../../shared/probe/deps.js';
import type { ProbeResult } from '../../shared/probe/index.js';
import { probePptp } from '../../shared/probers/pptp/index.js';
import { fakeWorld } from '../support/fake-io.js';

const target = { target: '198.51.100.7', host: '198.51.100.7', port: 1723 };
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A clock whose time moves only to the next due timer: unlike FakeClock.advance(ms), it never overshoots a
 * timer set at a fractional instant, so a pause of 66.67 ms is observed as exactly that.
 */
class SteppingClock implements Clock {
  nowMs = 1000;
  private timers: Array<{ at: number; seq: number; fn: () => void }> = [];
  private seq = 0;
  now = (): number => this.nowMs;
  readonly api: Timers = {
    set: (delayMs: number, fn: () => void): TimerHandle => {
      const timer = { at: this.nowMs + Math.max(0, delayMs), seq: this.seq++, fn };
      this.timers.push(timer);
      return timer;
    },
    clear: (handle: TimerHandle): void => {
      this.timers = this.timers.filter((t) => t !== handle);
    },
  };
  /** Fires the earliest timer (ties: the first set); false when none is pending. */
  runNext(): boolean {
    const next = [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
    if (!next) return false;
    this.timers = this.timers.filter((t) => t !== next);
    this.nowMs = next.at;
    next.fn();
    return true;
  }
}

interface Run {
  result: ProbeResult;
  /** [opened, closed] of each attempt's socket, in ms from the probe's start. */
  attempts: Array<[number, number]>;
  /** The pauses between one attempt's end and the next one's start, in ms. */
  pauses: number[];
}

/** Probes a gateway that accepts nothing and says nothing (every connect times out), to the end. */
async function probeSilentGateway(options: { attempts: number; timeoutMs: number; retryBackoffMs: number }): Promise<Run> {
  const clock = new SteppingClock();
  const world = fakeWorld();
  const startedAt = clock.now();
  const attempts: Array<[number, number]> = [];
  const deps: ProbeDeps = {
    ...world.deps,
    clock,
    timers: clock.api,
    connect: (request, handlers) => {
      const socket = world.deps.connect(request, handlers);
      const span: [number, number] = [clock.now() - startedAt, Number.NaN];
      attempts.push(span);
      const destroy = socket.destroy.bind(socket);
      socket.destroy = () => {
        if (Number.isNaN(span[1])) span[1] = clock.now() - startedAt;
        destroy();
      };
      return socket;
    },
  };
  let result: ProbeResult | undefined;
  const pending = probePptp(target, options, deps).then((r) => (result = r));
  for (;;) {
    await flush();
    if (result) break;
    if (!clock.runNext()) throw new Error('the probe waits for nothing: it would never finish');
  }
  await pending;
  const pauses = attempts.slice(1).map(([opened], i) => opened - attempts[i]![1]);
  return { result: result!, attempts, pauses };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);

describe('probePptp: retries within one deadline', () => {
  it('caps the pauses at half the deadline when 100+200+400+800 ms would take more, scaling each down alike', async () => {
    // Prepare: 5 attempts in 2 s; unscaled pauses total 1.5 s, over the 1 s cap (not on the boundary).
    // Act
    const run = await probeSilentGateway({ attempts: 5, timeoutMs: 2000, retryBackoffMs: 100 });
    // Assess: the pauses keep their 1:2:4:8 doubling, scaled by 1000/1500, and together take exactly half.
    expect(run.result).toMatchObject({ ok: false, attempts: 5, failure: { class: 'connect_timeout' } });
    expect(run.pauses).toHaveLength(4);
    [200 / 3, 400 / 3, 800 / 3, 1600 / 3].forEach((pause, i) => expect(run.pauses[i]).toBeCloseTo(pause, 6));
    expect(sum(run.pauses)).toBeCloseTo(1000, 6);
    // Each attempt gets an equal share of the other half: (2000 − 1000) / 5.
    expect(run.attempts).toHaveLength(5);
    for (const [opened, closed] of run.attempts) expect(closed - opened).toBeCloseTo(200, 6);
    expect(run.attempts[0]![0]).toBe(0);
    expect(run.result.timings.totalMs).toBeCloseTo(2000, 6);
  });

  it('keeps the plain doubling when it fits in half the deadline', async () => {
    // Prepare: the same 1.5 s of pauses in a 10 s deadline (cap 5 s): the cap must not bind here.
    // Act
    const run = await probeSilentGateway({ attempts: 5, timeoutMs: 10_000, retryBackoffMs: 100 });
    // Assess: 100, 200, 400, 800 ms, and each attempt (10000 − 1500) / 5 = 1700 ms.
    expect(run.result).toMatchObject({ ok: false, attempts: 5 });
    [100, 200, 400, 800].forEach((pause, i) => expect(run.pauses[i]).toBeCloseTo(pause, 6));
    for (const [opened, closed] of run.attempts) expect(closed - opened).toBeCloseTo(1700, 6);
    expect(run.result.timings.totalMs).toBeCloseTo(10_000, 6);
  });
});
