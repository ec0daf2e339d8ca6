// Every scenario of test/unit/sla-evaluate.test.ts (and the backtest-timing histories) through the fold:
// the same target, history and window, the fold stepped minute by minute from the empty state with a
// JSON round trip between steps, compared with evaluateTarget over that window (every field of every
// notification) and with targetStatus at the instants the scenario looks at. The scenario file pins
// evaluateTarget's answers; equality here carries them over to the fold.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/index.js';
import type { ResolvedTarget } from '../../shared/config/types.js';
import { LOCAL_LOOKBACK_MS } from '../../shared/cycles/local-monitor.js';
import { LOCAL_REGION, localView } from '../../shared/cycles/local-view.js';
import type { FailureClass } from '../../shared/probe/failure-classes.js';
import { evaluateTarget, targetStatus, type EvaluateOptions, type EvaluationWindow } from '../../shared/sla/evaluate.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { emptyFoldState, foldStatus, parseFoldState, serializeFoldState, stepFold, type FoldOptions } from '../../shared/sla/fold/index.js';
import { mulberry32 } from '../support/prng.js';
import { AP, DAY, EU, HOUR, MIN, US, between, failed, history as recordHistory, makeTarget, once, type Patch } from '../support/sla-fixtures.js';
import { replayByMinute } from '../support/sla-fold-replay.js';

/** The scenario file's instants and helpers. */
const T0 = Date.UTC(2025, 0, 15, 12, 0);
const SERVER = { hostname: 'gw1', vendor: 'linux', firmwareRevision: 1 };
const history = (target: ResolvedTarget, fromMs: number, toMs: number, shape?: (start: number, region: string) => Patch): ProbeRecord[] =>
  recordHistory(target, fromMs, toMs, shape, { ok: { controlMs: 40 } });
const withLatency = (overrides: Partial<ResolvedTarget> = {}): ResolvedTarget => makeTarget({ latency: { controlP95Ms: 500 }, ...overrides });
const slowFrom = (target: ResolvedTarget, fromMs: number, toMs: number, slowRegions: readonly string[]): ProbeRecord[] =>
  history(target, T0 - HOUR, T0 + 3 * HOUR, (start, region) => (slowRegions.includes(region) && between(start, fromMs, toMs) ? { controlMs: 900 } : undefined));
const outages = (target: ResolvedTarget, healthyMs: number, bad: (start: number) => boolean): ProbeRecord[] =>
  history(target, T0 - healthyMs, T0 + 2 * DAY, (start, region) => (region !== AP && bad(start) ? failed() : undefined));
const window = (fromExclusive: number, toInclusive: number): EvaluationWindow => ({ fromExclusive, toInclusive });

interface Row {
  name: string;
  target: ResolvedTarget;
  records: ProbeRecord[];
  window: EvaluationWindow;
  options?: EvaluateOptions & FoldOptions;
  /** Instants at which foldStatus must equal targetStatus. */
  statusAt?: number[];
}

/** The scenario file's nine-day random history (idempotence), rebuilt with the same seed and shape. */
function idempotenceRow(): Row {
  const DAY0 = Date.UTC(2025, 2, 20);
  const target = makeTarget({
    latency: { controlP95Ms: 500 },
    maintenance: [
      once(DAY0 + 6 * DAY + 10 * HOUR, DAY0 + 6 * DAY + 11 * HOUR),
      { kind: 'cron', cron: '0 3 * * *', durationMinutes: 20, timezone: 'Europe/Berlin', countsAgainstSla: false, description: undefined, scope: 'global' },
    ],
  });
  const rand = mulberry32(20250320);
  const classes: FailureClass[] = ['connect_timeout', 'connection_reset', 'control_timeout', 'dns_failure'];
  const records: ProbeRecord[] = [];
  let outageLeft = 0;
  let outageRegions = 0;
  let outageClass: FailureClass = 'connect_timeout';
  let slowLeft = 0;
  const silentLeft = target.regions.map(() => 0);
  for (let start = DAY0; start < DAY0 + 9 * DAY; start += MIN) {
    let blipRegions = 0;
    if (start >= DAY0 + 5 * DAY) {
      if (outageLeft === 0 && rand() < 1 / 1500) {
        outageLeft = 1 + Math.floor(rand() * 40);
        outageRegions = 2 + Math.floor(rand() * 2);
        outageClass = classes[Math.floor(rand() * classes.length)]!;
      }
      if (rand() < 1 / 300) blipRegions = 2;
      if (slowLeft === 0 && rand() < 1 / 900) slowLeft = 5 + Math.floor(rand() * 25);
      silentLeft.forEach((left, r) => {
        if (left === 0 && rand() < 1 / 1500) silentLeft[r] = 2 + Math.floor(rand() * 15);
      });
    }
    const flaky = rand() < 0.02 ? Math.floor(rand() * target.regions.length) : -1;
    target.regions.forEach((region, r) => {
      if (silentLeft[r]! > 0) return;
      const failing = (outageLeft > 0 && r < outageRegions) || r < blipRegions || r === flaky;
      const controlMs = slowLeft > 0 && r < 2 ? 800 + Math.round(rand() * 400) : 30 + Math.round(rand() * 50);
      records.push(
        failing
          ? { target: target.name, region, intervalStart: start, ok: false, failureClass: outageLeft > 0 ? outageClass : 'connection_reset' }
          : { target: target.name, region, intervalStart: start, ok: true, controlMs, server: SERVER },
      );
    });
    if (outageLeft > 0) outageLeft--;
    if (slowLeft > 0) slowLeft--;
    silentLeft.forEach((left, r) => (silentLeft[r] = Math.max(0, left - 1)));
  }
  return { name: 'idempotence: nine days of random history, maintenance and latency', target, records, window: window(DAY0 + 7 * DAY + 7 * MIN + 13_000, DAY0 + 9 * DAY) };
}

function rows(): Row[] {
  const five = makeTarget({ interval: '5m', intervalMinutes: 5 });
  const blip = (start: number): boolean => between(start, T0, T0 + 3 * HOUR) && (start - T0) % (10 * MIN) === 0;
  const isFlapping = (start: number): boolean => {
    const minute = (start - T0) / MIN;
    return minute >= 0 && minute < 17 && minute % 6 !== 5;
  };
  const weekly = makeTarget({
    maintenance: [{ kind: 'weekly', weekly: { day: 'sun', start: '02:00', durationMinutes: 60 }, timezone: 'Europe/Berlin', countsAgainstSla: false, description: undefined, scope: 'target' }],
  });
  const sunday = (sundayMs: number): ProbeRecord[] => history(weekly, sundayMs - DAY, sundayMs + 3 * HOUR, (start, region) => (region !== AP && between(start, sundayMs, sundayMs + 45 * MIN) ? failed() : undefined));
  const winter = Date.UTC(2025, 2, 23);
  const summer = Date.UTC(2025, 3, 6);
  const outage20 = (start: number, region: string): Patch => (region !== AP && between(start, T0 + 10 * MIN, T0 + 30 * MIN) ? failed() : undefined);
  const list: Row[] = [
    {
      name: 'interval verdicts: quorum, duplicates, other targets and regions',
      target: makeTarget(),
      records: [
        { target: 'gw', region: EU, intervalStart: T0, ok: false, failureClass: 'connect_refused' },
        { target: 'gw', region: US, intervalStart: T0, ok: true, controlMs: 35 },
        { target: 'gw', region: AP, intervalStart: T0, ok: true, controlMs: 50 },
        { target: 'gw', region: EU, intervalStart: T0 + MIN, ok: false, failureClass: 'connect_refused' },
        { target: 'gw', region: US, intervalStart: T0 + MIN, ok: false, failureClass: 'control_timeout', controlMs: undefined },
        { target: 'gw', region: AP, intervalStart: T0 + MIN, ok: true, controlMs: 45 },
        { target: 'gw', region: AP, intervalStart: T0 + 2 * MIN, ok: true, controlMs: 41 },
        { target: 'gw', region: EU, intervalStart: T0 + 3 * MIN, ok: false, failureClass: 'dns_failure' },
        { target: 'gw', region: US, intervalStart: T0 + 3 * MIN, ok: false, failureClass: 'connection_reset' },
        { target: 'gw', region: US, intervalStart: T0 + 3 * MIN, ok: true, controlMs: 38 },
        { target: 'other', region: AP, intervalStart: T0 + 3 * MIN, ok: false, failureClass: 'dns_failure' },
        { target: 'gw', region: 'local', intervalStart: T0 + 3 * MIN, ok: false, failureClass: 'dns_failure' },
      ],
      window: window(T0 - MIN, T0 + 10 * MIN),
      statusAt: [T0 + 2 * MIN, T0 + 4 * MIN],
    },
    {
      name: 'quorum: one region of three failing for hours',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + 4 * HOUR, (start, region) => (region === EU && start >= T0 ? failed() : undefined)),
      window: window(T0 - DAY, T0 + 4 * HOUR),
      statusAt: [T0 + 4 * HOUR],
    },
    {
      name: 'quorum: two regions of three failing',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + HOUR, (start, region) => (region !== AP && between(start, T0, T0 + 10 * MIN) ? failed() : undefined)),
      window: window(T0 - DAY, T0 + HOUR),
      statusAt: [T0 + HOUR],
    },
    {
      name: 'down: fires after `for`, reminds after 4 hours, resolves after 3 up intervals',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + 6 * HOUR, (start, region) => (region !== AP && between(start, T0, T0 + 5 * HOUR) ? failed() : { server: SERVER })),
      window: window(T0 - HOUR, T0 + 6 * HOUR),
    },
    {
      name: 'down: a 3-minute outage lasts 3 minutes',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + HOUR, (start, region) => (region !== AP && between(start, T0, T0 + 3 * MIN) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + HOUR),
    },
    {
      name: 'down: a blip before the outage dates it',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + 8 * HOUR, (start, region) => (region !== AP && (start === T0 || between(start, T0 + 2 * MIN, T0 + 5 * MIN)) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + 8 * HOUR),
      statusAt: [T0 + 5 * MIN],
    },
    {
      name: 'down: a flapping outage is one incident',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + HOUR, (start, region) => (region !== AP && isFlapping(start) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + HOUR),
    },
    ...([1, 5] as const).flatMap((m): Row[] => {
      const target = makeTarget({ interval: m === 1 ? '1m' : '5m', intervalMinutes: m });
      const step = m * MIN;
      return [
        { name: `down: never pages for one bad interval (${m}-minute)`, target, records: history(target, T0 - 2 * DAY, T0 + DAY, (start, region) => (region !== AP && start === T0 ? failed() : undefined)), window: window(T0 - DAY, T0 + DAY) },
        {
          name: `down: never pages for two bad intervals (${m}-minute)`,
          target,
          records: history(target, T0 - 2 * DAY, T0 + DAY, (start, region) => (region !== AP && (start === T0 || start === T0 + 3 * step) ? failed() : undefined)),
          window: window(T0 - DAY, T0 + DAY),
        },
      ];
    }),
    {
      name: 'error_budget: one page incident for a blip every 10 minutes for 3 hours',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + 2 * DAY, (start, region) => (region !== AP && blip(start) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + 2 * DAY),
      statusAt: [T0 + 40 * MIN, T0 + 41 * MIN, T0 + 1630 * MIN, T0 + 1631 * MIN],
    },
    {
      name: 'error_budget: pages in minute 3 of a fast burn (down.for 5)',
      target: makeTarget({ down: { for: 5 } }),
      records: history(makeTarget(), T0 - DAY, T0 + 2 * HOUR, (start, region) => (region !== AP && between(start, T0, T0 + 10 * MIN) ? failed('connection_reset') : undefined)),
      window: window(T0 - HOUR, T0 + 2 * HOUR),
    },
    {
      name: 'error_budget: a ticket for a slow burn',
      target: makeTarget(),
      records: history(makeTarget(), T0 - 2 * DAY, T0 + 2 * DAY, (start, region) => (region !== AP && start >= T0 && (start - T0) % (4 * HOUR) === 0 ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + 2 * DAY),
    },
    {
      name: 'inhibition: a 10-minute outage pages once, by down',
      target: makeTarget(),
      records: outages(makeTarget(), 2 * HOUR, (start) => between(start, T0, T0 + 10 * MIN)),
      window: window(T0 - HOUR, T0 + 2 * DAY),
      statusAt: [T0 + 3 * MIN, T0 + 82 * MIN, T0 + 83 * MIN],
    },
    {
      name: 'inhibition: the budget page carries the outage when it fires first',
      target: makeTarget({ down: { for: 5 } }),
      records: outages(makeTarget(), 2 * HOUR, (start) => between(start, T0, T0 + 10 * MIN)),
      window: window(T0 - HOUR, T0 + 2 * DAY),
      statusAt: [T0 + 4 * MIN, T0 + 5 * MIN, T0 + 13 * MIN],
    },
    {
      name: 'inhibition: a silenced incident silences nothing',
      target: makeTarget(),
      records: outages(makeTarget(), 2 * HOUR, (start) => between(start, T0, T0 + 10 * MIN) || between(start, T0 + 30 * MIN, T0 + 40 * MIN)),
      window: window(T0 - HOUR, T0 + 2 * DAY),
      statusAt: [T0 + 33 * MIN, T0 + 412 * MIN, T0 + 413 * MIN],
    },
    {
      name: 'inhibition: a later separate incident is announced',
      target: makeTarget(),
      records: outages(makeTarget(), 2 * HOUR, (start) => between(start, T0, T0 + 10 * MIN) || [420, 430, 440].map((m) => T0 + m * MIN).includes(start)),
      window: window(T0 - HOUR, T0 + 2 * DAY),
    },
    {
      name: 'maintenance: nothing inside a window; still breached at its end fires then',
      target: makeTarget({ maintenance: [once(T0, T0 + 30 * MIN)] }),
      records: history(makeTarget(), T0 - DAY, T0 + 2 * HOUR, (start, region) => (region !== AP && between(start, T0 - 3 * MIN, T0) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + 2 * HOUR),
    },
    {
      name: 'maintenance: excluded from the budget by default',
      target: makeTarget({ maintenance: [once(T0, T0 + HOUR)] }),
      records: history(makeTarget(), T0 - DAY, T0 + HOUR, outage20),
      window: window(T0 - HOUR, T0 + HOUR),
      statusAt: [T0 + HOUR],
    },
    {
      name: 'maintenance: counted with countsAgainstSla',
      target: makeTarget({ maintenance: [once(T0, T0 + HOUR, true)] }),
      records: history(makeTarget(), T0 - DAY, T0 + HOUR, outage20),
      window: window(T0 - HOUR, T0 + HOUR),
      statusAt: [T0 + HOUR],
    },
    {
      name: 'maintenance: an incident that began inside a counting window fires at its end',
      target: makeTarget({ maintenance: [once(T0, T0 + 30 * MIN, true)] }),
      records: history(makeTarget(), T0 - DAY, T0 + 2 * HOUR, (start, region) => (region !== AP && between(start, T0 + 10 * MIN, T0 + 40 * MIN) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + HOUR),
      statusAt: [T0 + 30 * MIN, T0 + 32 * MIN, T0 + 33 * MIN, T0 + 42 * MIN, T0 + 43 * MIN],
    },
    { name: 'maintenance: weekly Europe/Berlin window, Sunday before the DST change', target: weekly, records: sunday(winter), window: window(winter - HOUR, winter + 3 * HOUR) },
    { name: 'maintenance: weekly Europe/Berlin window, Sunday after the DST change', target: weekly, records: sunday(summer), window: window(summer - HOUR, summer + 3 * HOUR) },
    {
      name: 'maintenance: resolved is sent inside a window for an incident announced before it',
      target: makeTarget({ maintenance: [once(T0, T0 + HOUR)] }),
      records: history(makeTarget(), T0 - DAY, T0 + HOUR, (start, region) => (region !== AP && between(start, T0 - 10 * MIN, T0 + 5 * MIN) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + HOUR),
    },
    { name: 'latency: the ticket after `for`, dated at the first slow interval', target: withLatency(), records: slowFrom(withLatency(), T0, T0 + 30 * MIN, [EU, US]), window: window(T0 - HOUR, T0 + 3 * HOUR) },
    { name: 'latency: never for two slow probes', target: withLatency(), records: slowFrom(withLatency(), T0, T0 + 2 * MIN, [EU, US, AP]), window: window(T0 - HOUR, T0 + 3 * HOUR) },
    {
      name: 'latency: never for one outlier every 5 minutes, even with `for: 1`',
      target: withLatency({ latency: { controlP95Ms: 500, forMinutes: 1 } }),
      records: history(withLatency(), T0 - HOUR, T0 + 3 * HOUR, (start) => (start >= T0 && ((start - T0) / MIN) % 5 === 0 ? { controlMs: 900 } : undefined)),
      window: window(T0 - HOUR, T0 + 3 * HOUR),
    },
    { name: 'latency: one location slow is below quorum', target: withLatency(), records: slowFrom(withLatency(), T0, T0 + HOUR, [EU]), window: window(T0 - HOUR, T0 + 3 * HOUR) },
    {
      name: 'latency: a configured `for` and only its own evidence',
      target: withLatency({ latency: { controlP95Ms: 500, forMinutes: 30 } }),
      records: history(withLatency(), T0 - DAY, T0 + 3 * HOUR, (start, region) => {
        if (region !== AP && between(start, T0 - 40 * MIN, T0 - 30 * MIN)) return failed();
        return region !== AP && between(start, T0, T0 + HOUR) ? { controlMs: 700 } : undefined;
      }),
      window: window(T0 - HOUR, T0 + 3 * HOUR),
    },
    {
      name: 'latency: stepped every 5 minutes (latencyStepMs)',
      target: withLatency(),
      records: slowFrom(withLatency(), T0, T0 + 30 * MIN, [EU, US]),
      window: window(T0 - HOUR, T0 + 3 * HOUR),
      options: { latencyStepMs: 5 * MIN },
    },
    {
      name: 'latency: fewer than 3 samples in the window do not count',
      target: withLatency(),
      records: history(withLatency(), T0 - HOUR, T0 + 2 * HOUR, (start, region) => {
        if (region === AP) return undefined;
        if (((start - T0) / MIN) % 3 !== 0) return 'missing';
        return start >= T0 ? { controlMs: 900 } : undefined;
      }),
      window: window(T0 - HOUR, T0 + 2 * HOUR),
    },
    {
      name: 'no_data: a silent region pages and resolves',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + 2 * HOUR, (start, region) => (region === AP && between(start, T0, T0 + 30 * MIN) ? 'missing' : undefined)),
      window: window(T0 - HOUR, T0 + 2 * HOUR),
    },
    { name: 'no_data: the whole monitor silent', target: makeTarget(), records: history(makeTarget(), T0 - DAY, T0), window: window(T0 - HOUR, T0 + HOUR) },
    { name: 'no_data: not before the target existed', target: makeTarget(), records: history(makeTarget(), T0, T0 + HOUR), window: window(T0 - 2 * DAY, T0 + HOUR) },
    {
      name: 'five-minute target: down, budget page under it, 2-interval short window',
      target: five,
      records: history(five, T0 - DAY, T0 + 3 * HOUR, (start, region) => (region !== AP && between(start, T0, T0 + HOUR) ? failed() : undefined)),
      window: window(T0 - HOUR, T0 + 3 * HOUR),
      statusAt: [T0 + 10 * MIN, T0 + 15 * MIN],
    },
    {
      name: 'dominant failure class: a tie goes to the earlier class',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + HOUR, (start, region) => {
        if (!between(start, T0, T0 + 3 * MIN)) return undefined;
        return region === EU ? failed('control_timeout') : region === US ? failed('connect_timeout') : undefined;
      }),
      window: window(T0 - HOUR, T0 + HOUR),
    },
    {
      name: 'targetStatus: open incidents, regions, last server',
      target: makeTarget(),
      records: history(makeTarget(), T0 - DAY, T0 + 10 * MIN, (start, region) => (region !== AP && start >= T0 ? failed(region === EU ? 'connect_refused' : 'connect_timeout') : { server: SERVER, controlMs: 42 })),
      window: window(T0 - HOUR, T0 + 10 * MIN),
      statusAt: [T0 + 10 * MIN],
    },
    idempotenceRow(),
  ];
  return list;
}

/** The fold's notifications in the row's window, stepped minute by minute from the history's first minute. */
function foldRow(row: Row): { notifications: Notification[]; statuses: Array<[number, unknown]> } {
  const firstMs = Math.min(...row.records.map((r) => r.intervalStart));
  const statusAt = new Set(row.statusAt ?? []);
  const statuses: Array<[number, unknown]> = [];
  const foldOptions: FoldOptions = row.options?.latencyStepMs !== undefined ? { latencyStepMs: row.options.latencyStepMs } : {};
  const end = Math.max(row.window.toInclusive, ...(row.statusAt ?? []));
  const replay = replayByMinute(row.target, row.records, Math.min(firstMs, row.window.fromExclusive) - MIN, end, foldOptions, {
    onStep: (t, state) => {
      if (statusAt.has(t)) statuses.push([t, foldStatus(row.target, state, foldOptions)]);
    },
  });
  const from = Math.floor(row.window.fromExclusive / MIN) * MIN;
  return { notifications: replay.notifications.filter((n) => n.at > from && n.at <= row.window.toInclusive), statuses };
}

const compared = { notifications: 0, statuses: 0 };

describe('the scenarios of sla-evaluate.test.ts through the fold', () => {
  it.each(rows().map((row) => [row.name, row] as const))('%s', (_name, row) => {
    // Act
    const expected = evaluateTarget(row.target, row.records, row.window, row.options);
    const { notifications, statuses } = foldRow(row);
    // Assess
    expect(notifications).toStrictEqual(expected);
    for (const [t, status] of statuses) expect(status, `status at ${new Date(t).toISOString()}`).toStrictEqual(targetStatus(row.target, row.records, t, row.options));
    compared.notifications += expected.length;
    compared.statuses += statuses.length;
  });

  it('compared something in every kind of scenario', () => {
    // Assess
    console.log(`fold scenarios: ${compared.notifications} notifications and ${compared.statuses} statuses equal to the walk's`);
    expect(compared.notifications).toBeGreaterThan(40);
    expect(compared.statuses).toBeGreaterThan(20);
  });

  it('dates notifications by the caller\'s clock as evaluateTarget does (nowMs, a local monitor evaluating as each result comes in)', () => {
    // Prepare: down from +0m to +3m; each interval evaluated 0.5 s after it started, with the records so far.
    const target = makeTarget();
    const records = history(target, T0 - DAY, T0 + HOUR, (start, region) => (region !== AP && between(start, T0, T0 + 3 * MIN) ? failed() : undefined));
    const stateless: Notification[] = [];
    const folded: Notification[] = [];
    let state = emptyFoldState(target);
    // Act
    for (let start = T0 - DAY; start < T0 + 10 * MIN; start += MIN) {
      const nowMs = start + 500;
      const due = records.filter((r) => r.intervalStart === start);
      if (start >= T0 - 5 * MIN) stateless.push(...evaluateTarget(target, records.filter((r) => r.intervalStart <= start), { fromExclusive: start, toInclusive: start + MIN }, { nowMs }));
      const step = stepFold(target, state, due, start + MIN, { nowMs });
      if (start >= T0 - 5 * MIN) folded.push(...step.notifications);
      state = parseFoldState(serializeFoldState(step.state));
    }
    // Assess
    expect(folded).toStrictEqual(stateless);
    expect(folded.filter((n) => n.policy === 'down').map((n) => [n.status, (n.at - T0) / MIN])).toEqual([
      ['firing', 2 + 500 / MIN],
      ['resolved', 5 + 500 / MIN],
    ]);
  });
});

describe('the backtest-timing histories through the fold', () => {
  // test/integration/backtest-timing.test.ts's config and histories, evaluated as `pptp-monitor backtest` does.
  const B0 = Date.parse('2026-11-01T10:00:00Z');
  const parsed = parseConfig('version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1] }\ntargets:\n  - { name: gw, host: 127.0.0.1, latency: { controlP95Ms: 250 } }\n', 'monitor.yml');
  if (!parsed.ok) throw new Error('backtest-timing config');
  const target = localView(parsed.config.targets[0]!);
  const localHistory = (minutes: number, shape: (k: number) => number | 'fail'): ProbeRecord[] =>
    Array.from({ length: minutes }, (_, k) => {
      const s = shape(k);
      const base = { target: 'gw', region: LOCAL_REGION, intervalStart: B0 + k * MIN };
      return s === 'fail' ? { ...base, ok: false, failureClass: 'connect_timeout' as const } : { ...base, ok: true, connectMs: 0.2, controlMs: s };
    });
  const iso = (k: number): string => new Date(B0 + k * MIN).toISOString();
  const cases: Array<[string, ProbeRecord[], Array<[string, string, string, string | undefined]>]> = [
    ['two slow probes after 30 healthy minutes', localHistory(62, (k) => (k === 30 || k === 31 ? 400 : 40)), []],
    [
      'thirty slow minutes',
      localHistory(100, (k) => (k >= 30 && k < 60 ? 400 : 40)),
      [
        [iso(45), 'firing', iso(30), undefined],
        [iso(79), 'resolved', iso(30), iso(60)],
      ],
    ],
    [
      'a 3-minute outage',
      localHistory(60, (k) => (k >= 37 && k < 40 ? 'fail' : 40)),
      [
        [iso(40), 'firing', iso(37), undefined],
        [iso(43), 'resolved', iso(37), iso(40)],
      ],
    ],
  ];
  it.each(cases)('%s', (_name, records, sent) => {
    // Act: the backtest's window: from the first record's minute to one minute past the last.
    const from = B0 - MIN;
    const to = records[records.length - 1]!.intervalStart + MIN;
    const expected = evaluateTarget(target, records, { fromExclusive: from, toInclusive: to }, { lookbackMs: LOCAL_LOOKBACK_MS });
    const folded = replayByMinute(target, records, from, to).notifications;
    // Assess
    expect(folded).toStrictEqual(expected);
    const iso8601 = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString());
    expect(folded.map((n) => [iso8601(n.at), n.status, iso8601(n.startsAt), iso8601(n.endsAt)])).toEqual(sent);
  });
});
