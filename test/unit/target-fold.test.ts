// target-fold.ts, the one way runners drive the SLA fold: a backtest's replay of a window (quiet up to its
// start), a runner's steps of any length with a quiet catch-up, and the tail of a history a step still
// needs, each against the stateless walk on the random histories of the fold's own equality tests.
import { describe, expect, it } from 'vitest';
import { advanceTarget, recordsAfter, replayWindow } from '../../shared/cycles/target-fold.js';
import { evaluateTarget } from '../../shared/sla/evaluate.js';
import type { FoldState } from '../../shared/sla/fold/index.js';
import type { Notification } from '../../shared/sla/notification.js';
import { mulberry32 } from '../support/prng.js';
import { DAY, MIN } from '../support/sla-fixtures.js';
import { randomScenario } from '../support/sla-random-history.js';

/** The runners' fold: default renotify and no latency step (scenarios that use other options are the fold's own tests'). */
const SEEDS = Array.from({ length: 48 }, (_, i) => 1000 + i).filter((seed) => Object.keys(randomScenario(seed).fold).length === 0);
const LONG_LOOKBACK = { lookbackMs: 12 * DAY };

describe('replayWindow', () => {
  it.each(SEEDS)('equals evaluateTarget over a window that starts mid-history (random history %i)', (seed) => {
    // Prepare
    const { target, records, fromMs, toMs } = randomScenario(seed);
    const rand = mulberry32(seed);
    const from = fromMs + Math.floor((rand() * (toMs - fromMs)) / 2 / MIN) * MIN;
    // Act
    const replayed = replayWindow(target, records, { fromExclusive: from, toInclusive: toMs });
    // Assess
    expect(replayed).toStrictEqual(evaluateTarget(target, records, { fromExclusive: from, toInclusive: toMs }, LONG_LOOKBACK));
  });
});

describe('advanceTarget', () => {
  it.each(SEEDS)('in steps of random length, each handed only recordsAfter(state.t), a quiet catch-up first: the walk\'s notifications (random history %i)', (seed) => {
    // Prepare: the runner starts owing notifications an hour in; steps of 1 minute to 3 hours.
    const { target, records, fromMs, toMs } = randomScenario(seed);
    const sorted = [...records].sort((a, b) => a.intervalStart - b.intervalStart);
    const rand = mulberry32(seed + 5);
    const owedFrom = fromMs + 60 * MIN;
    let state: FoldState | undefined;
    const got: Notification[] = [];
    // Act
    for (let t = fromMs; t < toMs; ) {
      t = Math.min(toMs, t + (1 + Math.floor(rand() * 180)) * MIN);
      const step = advanceTarget(target, state, state === undefined ? sorted : recordsAfter(sorted, state.t, target.intervalMinutes * MIN), { quietThrough: owedFrom, toInclusive: t });
      got.push(...step.notifications);
      state = step.state;
    }
    // Assess
    expect(got).toStrictEqual(evaluateTarget(target, sorted, { fromExclusive: owedFrom, toInclusive: toMs }, LONG_LOOKBACK));
  });

  it('returns nothing and the state as it was for an instant already stepped (two runs for one minute agree)', () => {
    const { target, records, fromMs } = randomScenario(SEEDS[0]!);
    const first = advanceTarget(target, undefined, records, { quietThrough: fromMs, toInclusive: fromMs + DAY });
    const again = advanceTarget(target, first.state, records, { quietThrough: fromMs, toInclusive: fromMs + DAY });
    expect(again).toStrictEqual({ state: first.state, notifications: [] });
  });
});

describe('recordsAfter', () => {
  it('keeps the records of intervals ending after t, and all of them before the first step', () => {
    const r = (minute: number) => ({ target: 'gw', region: 'eu-west-1', intervalStart: minute * MIN, ok: true });
    const list = [r(0), r(5), r(10), r(15)];
    expect(recordsAfter(list, null, 5 * MIN)).toBe(list);
    expect(recordsAfter(list, 10 * MIN, 5 * MIN)).toEqual([r(10), r(15)]);
    expect(recordsAfter(list, 9 * MIN, 5 * MIN)).toEqual([r(5), r(10), r(15)]);
    expect(recordsAfter(list, 20 * MIN, 5 * MIN)).toEqual([]);
  });
});
