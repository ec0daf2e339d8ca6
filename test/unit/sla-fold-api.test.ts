// The fold's contract beyond equality with the walk: which records a step takes, steps of any length,
// repeated steps, a state never changed by stepping it, a configuration change detected, stored states
// checked (a corrupt one is a typed error, never a crash), the latency p95's documented bound, and the one
// deliberate difference from evaluateTarget (no look-back clamp).
import { describe, expect, it } from 'vitest';
import type { ResolvedTarget } from '../../shared/config/types.js';
import { evaluateTarget, targetStatus } from '../../shared/sla/evaluate.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import {
  FOLD_SCHEMA_VERSION,
  FoldStateError,
  LATENCY_TOP_SAMPLES,
  emptyFoldState,
  foldStateFits,
  foldStatus,
  parseFoldState,
  serializeFoldState,
  stepFold,
  type FoldState,
} from '../../shared/sla/fold/index.js';
import { commitLatencyEvidence, latencyP95 } from '../../shared/sla/fold/evidence.js';
import { nearestRank } from '../../shared/common/percentile.js';
import { mulberry32 } from '../support/prng.js';
import { AP, DAY, EU, HOUR, MIN, US, between, failed, history, makeTarget, once } from '../support/sla-fixtures.js';
import { replayByMinute } from '../support/sla-fold-replay.js';
import { randomScenario } from '../support/sla-random-history.js';

const T0 = Date.UTC(2025, 0, 15, 12, 0);
const outage = (target: ResolvedTarget): ProbeRecord[] =>
  history(target, T0 - DAY, T0 + 3 * HOUR, (start, region) => (region !== AP && between(start, T0, T0 + 20 * MIN) ? failed() : undefined));

describe('stepFold: which records a step takes', () => {
  it('folds due intervals, leaves running ones for later, drops those already decided and other targets\' records', () => {
    // Prepare: the state has stepped to T0 + 2m; intervals [T0+1m, T0+2m) and earlier are decided.
    const target = makeTarget();
    const records = history(target, T0 - 10 * MIN, T0 + 10 * MIN);
    const at2 = stepFold(target, emptyFoldState(target), records.filter((r) => r.intervalStart < T0 + 2 * MIN), T0 + 2 * MIN).state;
    const given: ProbeRecord[] = [
      ...records.filter((r) => r.intervalStart >= T0 + MIN && r.intervalStart < T0 + 6 * MIN),
      { target: 'other', region: EU, intervalStart: T0 + 3 * MIN, ok: true },
      { target: 'gw', region: 'sa-east-1', intervalStart: T0 + 3 * MIN, ok: true },
    ];
    // Act: step to T0 + 5m.
    const step = stepFold(target, at2, given, T0 + 5 * MIN);
    // Assess: [T0+1m] is late (3 records), [T0+2m, T0+5m) are folded (9), [T0+5m] is still running (3).
    expect(step.records).toEqual({ folded: 9, early: 3, late: 3, ignored: 2 });
    expect(step.state).toMatchObject({ t: T0 + 5 * MIN, o: T0 - 10 * MIN, k: 15 });
  });

  it('changes nothing for a step to an instant already stepped (two runs for the same minute)', () => {
    // Prepare
    const target = makeTarget();
    const records = outage(target);
    const first = stepFold(target, emptyFoldState(target), records, T0 + 5 * MIN);
    // Act
    const again = stepFold(target, first.state, records, T0 + 5 * MIN);
    const earlier = stepFold(target, first.state, records, T0 + 2 * MIN);
    // Assess
    expect(first.notifications.map((n) => n.status)).toEqual(['firing']);
    expect(again.notifications).toEqual([]);
    expect(again.state).toBe(first.state);
    expect(earlier.state).toBe(first.state);
  });

  it('never changes the state it is given, and gives the same answer from the same state twice', () => {
    // Prepare
    const target = makeTarget({ latency: { controlP95Ms: 500 } });
    const records = outage(target);
    const before = stepFold(target, emptyFoldState(target), records, T0 + 5 * MIN).state;
    const text = serializeFoldState(before);
    // Act: two overlapping invocations stepping the same stored state to the same minute.
    const a = stepFold(target, before, records, T0 + 30 * MIN);
    const b = stepFold(target, parseFoldState(text), records, T0 + 30 * MIN);
    // Assess
    expect(serializeFoldState(before)).toBe(text);
    expect(b.notifications).toStrictEqual(a.notifications);
    expect(serializeFoldState(b.state)).toBe(serializeFoldState(a.state));
  });

  it.each([4249, 4243])('gives the same notifications for steps of any length as for one step a minute (random history %i)', (seed) => {
    // Prepare: cut a random history (4 days of 1-minute, 10 days of 5-minute probes) into irregular steps.
    const { target, records, fromMs, toMs, fold } = randomScenario(seed);
    const rand = mulberry32(99);
    const perMinute = replayByMinute(target, records, fromMs, toMs, fold).notifications;
    let state = emptyFoldState(target, fold);
    const chunks = [];
    // Act
    for (let t = fromMs; t < toMs; ) {
      const next = Math.min(toMs, t + (rand() < 0.5 ? MIN : Math.floor(rand() * 400) * MIN + MIN));
      const step = stepFold(target, state, records.filter((r) => r.intervalStart >= t - 10 * MIN && r.intervalStart < next), next, fold);
      chunks.push(...step.notifications);
      state = parseFoldState(serializeFoldState(step.state));
      t = next;
    }
    const whole = stepFold(target, emptyFoldState(target, fold), records, toMs, fold).notifications;
    // Assess
    expect(perMinute.length).toBeGreaterThan(10);
    expect(chunks).toStrictEqual(perMinute);
    expect(whole).toStrictEqual(perMinute);
  });

  it('rejects unknown options and bad values as evaluateTarget does', () => {
    // Prepare
    const target = makeTarget();
    const state = emptyFoldState(target);
    // Act / Assess
    expect(() => stepFold(target, state, [], T0, { lookbackMs: DAY } as never)).toThrow("stepFold: unknown option 'lookbackMs' (known: renotify, latencyStepMs, nowMs)");
    expect(() => stepFold(target, state, [], T0, { latencyStepMs: 90_000 })).toThrow('stepFold: latencyStepMs must be a positive whole number of minutes in ms, got 90000');
    expect(() => stepFold(target, state, [], Number.NaN)).toThrow(RangeError);
  });
});

describe('foldStateFits: a configuration change means a rebuild', () => {
  const target = makeTarget({ latency: { controlP95Ms: 500 } });
  const state = stepFold(target, emptyFoldState(target), outage(target), T0 + HOUR).state;

  it.each([
    ['regions', { regions: [EU, US] as ResolvedTarget['regions'] }],
    ['quorum', { quorum: 3 }],
    ['slo', { slo: { availability: 99.5, window: '30d', windowDays: 30 } }],
    ['latency', { latency: { controlP95Ms: 400 } }],
    ['latency.for', { latency: { controlP95Ms: 500, forMinutes: 30 } }],
    ['maintenance', { maintenance: [once(T0, T0 + HOUR)] }],
    ['interval', { interval: '5m' as const, intervalMinutes: 5 as const }],
    ['down.for', { down: { for: 5 } }],
  ])('refuses a state built before a change of %s, and stepFold throws a typed error', (_what, change) => {
    // Prepare
    const changed = { ...target, ...change };
    // Act
    const fit = foldStateFits(changed, state);
    // Assess
    expect(fit.fits).toBe(false);
    expect(() => stepFold(changed, state, [], T0 + 2 * HOUR)).toThrow(FoldStateError);
    try {
      stepFold(changed, state, [], T0 + 2 * HOUR);
    } catch (err) {
      expect((err as FoldStateError).code).toBe('fold_state_mismatch');
    }
  });

  it('keeps a state across changes the SLA core does not read (host, owner, tags, timeout)', () => {
    // Prepare
    const changed = { ...target, host: 'gw2.example', owner: 'netops', tags: { site: 'hq' }, timeout: 9000 };
    // Act / Assess
    expect(foldStateFits(changed, state)).toEqual({ fits: true });
    expect(foldStateFits(target, state, { renotify: { pageMs: HOUR, ticketMs: DAY } }).fits).toBe(false);
  });
});

describe('parseFoldState: a stored state is checked, never trusted', () => {
  const { target, records, fromMs, fold } = randomScenario(1003);
  // A state with open incidents, latency evidence and runs: the richest shape to corrupt.
  const rich = stepFold(target, emptyFoldState(target, fold), records, fromMs + 3 * DAY + 17 * HOUR, fold).state;
  const text = serializeFoldState(rich);

  const code = (fn: () => unknown): string | undefined => {
    try {
      fn();
      return undefined;
    } catch (err) {
      if (!(err instanceof FoldStateError)) throw err;
      return err.code;
    }
  };

  it('round-trips a state exactly', () => {
    // Act / Assess
    expect(serializeFoldState(parseFoldState(text))).toBe(text);
  });

  it('says why it refuses: not JSON, another schema version, a wrong field', () => {
    // Act / Assess
    expect(code(() => parseFoldState(text.slice(0, text.length / 2)))).toBe('fold_state_corrupt');
    expect(code(() => parseFoldState(JSON.stringify({ ...JSON.parse(text), v: FOLD_SCHEMA_VERSION + 1 })))).toBe('fold_state_version');
    expect(() => parseFoldState(JSON.stringify({ ...JSON.parse(text), k: -1 }))).toThrow('fold state: state.k must be a whole number');
    expect(() => parseFoldState(JSON.stringify({ ...JSON.parse(text), seen: 'x' }))).toThrow('fold state: state.seen must be an array');
  });

  it('turns 3,000 random corruptions into FoldStateError or a state that steps cleanly, never another exception', () => {
    // Prepare
    const rand = mulberry32(31337);
    const json = JSON.parse(text) as Record<string, unknown>;
    const paths: Array<Array<string | number>> = [];
    const walk = (value: unknown, path: Array<string | number>): void => {
      paths.push(path);
      if (Array.isArray(value)) value.forEach((v, i) => walk(v, [...path, i]));
      else if (typeof value === 'object' && value !== null) for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    };
    walk(json, []);
    const replacements: unknown[] = [null, -1, 0, 1, 2, 1e15, 0.5, Number.MAX_SAFE_INTEGER, 'x', '', true, [], {}, [0, 1], [[]], { i: 1 }];
    const outcomes = { refused: 0, mismatch: 0, stepped: 0 };
    // Act
    for (let n = 0; n < 3000; n++) {
      const copy = JSON.parse(text) as Record<string, unknown>;
      const path = paths[1 + Math.floor(rand() * (paths.length - 1))]!;
      let parent: unknown = copy;
      for (const key of path.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[key];
      const last = path[path.length - 1]!;
      const container = parent as Record<string | number, unknown>;
      if (rand() < 0.15 && !Array.isArray(container)) delete container[last];
      else if (typeof container[last] === 'number' && rand() < 0.5) container[last] = (container[last] as number) + (rand() < 0.5 ? 1 : -1) * (1 + Math.floor(rand() * 3));
      else container[last] = replacements[Math.floor(rand() * replacements.length)];
      const mutated = JSON.stringify(copy);
      let state: FoldState;
      try {
        state = parseFoldState(mutated);
      } catch (err) {
        expect(err, mutated.slice(0, 200)).toBeInstanceOf(FoldStateError);
        outcomes.refused++;
        continue;
      }
      try {
        stepFold(target, state, records, (state.t ?? fromMs) + 2 * HOUR, fold);
        foldStatus(target, state, fold);
        outcomes.stepped++;
      } catch (err) {
        expect(err, `${JSON.stringify(path)} in ${mutated.slice(0, 200)}`).toBeInstanceOf(FoldStateError);
        outcomes.mismatch++;
      }
    }
    // Assess: each way out was taken.
    console.log(`fold state corruptions: ${JSON.stringify(outcomes)}`);
    expect(outcomes.refused).toBeGreaterThan(1000);
    expect(outcomes.stepped).toBeGreaterThan(100);
  });
});

describe('latency p95 of a long incident', () => {
  it(`is exact while the rank from the top is within the ${LATENCY_TOP_SAMPLES} largest samples kept, an upper bound after`, () => {
    // Prepare: one location, 20,000 samples of a skewed distribution, committed in intervals of 7.
    const rand = mulberry32(5);
    const samples = Array.from({ length: 20_000 }, () => Math.round(200 + 800 * rand() ** 3) + rand());
    const lp = { c: -1, n: [0], top: [[]] as number[][], tail: [] as Array<{ i: number; v: number[][] }> };
    let worstExactAt = 0;
    // Act
    for (let i = 0; i * 7 < samples.length; i++) {
      lp.tail.push({ i, v: [samples.slice(i * 7, i * 7 + 7)] });
      commitLatencyEvidence(lp, i);
      const seen = samples.slice(0, Math.min(samples.length, i * 7 + 7));
      const rankFromTop = seen.length - Math.ceil(0.95 * seen.length) + 1;
      if (i % 23 !== 0 && Math.abs(rankFromTop - LATENCY_TOP_SAMPLES) > 3) continue;
      const truth = nearestRank([...seen].sort((a, b) => a - b), 95)!;
      const p95 = latencyP95(lp, i, ['r'])['r']!;
      // Assess
      if (rankFromTop <= LATENCY_TOP_SAMPLES) {
        expect(p95).toBe(truth);
        worstExactAt = seen.length;
      } else expect(p95).toBeGreaterThanOrEqual(truth);
    }
    expect(worstExactAt).toBeGreaterThan(20 * LATENCY_TOP_SAMPLES - 40);
  });

  it('equals evaluateTarget for a latency incident as long as the bound allows (3.5 days of 1-minute samples)', () => {
    // Prepare: EU and US slow for 5,000 minutes, with a spread of values; a ticket reminder every day.
    const target = makeTarget({ latency: { controlP95Ms: 500 } });
    const rand = mulberry32(8);
    const slowMs = 5000 * MIN;
    const end = T0 + slowMs + 2 * HOUR;
    const records = history(target, T0 - DAY, end, (start, region) => (region !== AP && between(start, T0, T0 + slowMs) ? { controlMs: 600 + Math.round(rand() * 3000) / 7 } : undefined));
    // Act
    const expected = evaluateTarget(target, records, { fromExclusive: T0 - DAY - MIN, toInclusive: end });
    const folded = stepFold(target, emptyFoldState(target), records, end).notifications;
    // Assess
    expect(expected.filter((n) => n.policy === 'latency').map((n) => n.status)).toEqual(['firing', 'reminder', 'reminder', 'reminder', 'resolved']);
    expect(folded).toStrictEqual(expected);
  });
});

describe('the one difference from evaluateTarget: no look-back clamp', () => {
  it('keeps the real start of an incident older than the walk\'s look-back, where the walk clamps it to a midnight', () => {
    // Prepare: the scenario file's 10-day outage (EU and US failing since 9 days before `day`).
    const target = makeTarget();
    const day = Date.UTC(2025, 0, 20);
    const records = history(target, day - 10 * DAY, day + 2 * DAY, (start, region) => (region !== AP && start >= day - 9 * DAY ? failed() : undefined));
    // Act
    const state = stepFold(target, emptyFoldState(target), records, day + 10 * HOUR).state;
    const folded = foldStatus(target, state)!.policies.find((p) => p.key === 'down')?.dedupKey;
    const walked = targetStatus(target, records, day + 10 * HOUR).policies.find((p) => p.key === 'down')?.dedupKey;
    // Assess
    expect(folded).toBe('gw/down/2025-01-11T00:00:00.000Z');
    expect(walked).toBe('gw/down/2025-01-13T00:00:00.000Z');
  });
});
