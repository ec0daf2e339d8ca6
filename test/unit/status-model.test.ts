import { describe, expect, it } from 'vitest';
import type { AwsRegion } from '../../shared/config/regions.js';
import type { ResolvedConfig, ResolvedTarget } from '../../shared/config/types.js';
import { LOCAL_LOOKBACK_MS } from '../../shared/cycles/local-monitor.js';
import { localView } from '../../shared/cycles/local-view.js';
import { targetStatus } from '../../shared/sla/evaluate.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { statusModel, type StatusModelOptions, type TargetModel } from '../../shared/status/status-model.js';
import { STATUS_BUCKETS, STATUS_BUCKET_MS } from '../../shared/status/status-span.js';
import { DAY, EU_CENTRAL, HOUR, MIN, NOW, NOW_MINUTE, failed, localHistory, makeConfig as makeSharedConfig, makeLocalTarget, once } from '../support/sla-fixtures.js';

const RUNBOOKS = 'https://runbooks.example/pptp/';

/** A one-region, quorum-1 target whose runbooks live under RUNBOOKS. */
const makeTarget = (overrides: Partial<ResolvedTarget> = {}): ResolvedTarget => makeLocalTarget({ runbookBaseUrl: RUNBOOKS, ...overrides });
const makeConfig = (targets: ResolvedTarget[]): ResolvedConfig => makeSharedConfig(targets, { homeRegion: EU_CENTRAL, runbookBaseUrl: RUNBOOKS, regions: [EU_CENTRAL] });
const LOCAL: StatusModelOptions = { view: localView, evaluate: { lookbackMs: LOCAL_LOOKBACK_MS } };

function modelOf(target: ResolvedTarget, records: ProbeRecord[], options: StatusModelOptions = LOCAL, now = NOW): TargetModel {
  const model = statusModel(makeConfig([target]), () => records, now, options);
  expect(model.targets).toHaveLength(1);
  return model.targets[0]!;
}

describe('statusModel', () => {
  it('shows a healthy target as up with its last result, a full strip and the p95 latency series', () => {
    // Prepare: two days of ok probes, control time 40 ms except 100 ms every 20th minute.
    const target = makeTarget({ latency: { controlP95Ms: 250 } });
    const records = localHistory(target, NOW_MINUTE - 2 * DAY, NOW_MINUTE, (start) => ((start / MIN) % 20 === 0 ? { controlMs: 100 } : undefined));

    // Act
    const t = modelOf(target, records);

    // Assess
    expect(t.state).toBe('up');
    expect(t.lastVerdict).toBe('up');
    expect(t.incidents).toEqual([]);
    expect(t.regions).toEqual([{ region: 'local', status: 'ok', last: { at: NOW_MINUTE - MIN, ok: true, connectMs: 4, controlMs: 40 } }]);
    expect(t.availability).toBe(100);
    expect(t.errorBudgetRemaining).toBe(1);
    expect(t.strip).toHaveLength(STATUS_BUCKETS);
    // Every full cell holds ten up minutes; the last cell is the current one (12:00 to 12:10), empty so far.
    expect(t.strip.slice(0, -1).every((c) => c.up === 10 && c.down === 0 && c.unknown === 0)).toBe(true);
    expect(t.strip.at(-1)).toEqual({ start: NOW_MINUTE, up: 0, down: 0, unknown: 0, maintenance: 0 });
    // Ten samples per cell; cells alternate between none and one at 100 ms (every 20th minute), and the
    // nearest-rank p95 of ten samples is the largest.
    expect(t.latency.thresholdMs).toBe(250);
    expect(t.latency.points[0]).toEqual({ start: NOW_MINUTE - 143 * STATUS_BUCKET_MS, controlP95Ms: 40, connectP95Ms: 4, samples: 10 });
    expect(t.latency.points[1]).toEqual({ start: NOW_MINUTE - 142 * STATUS_BUCKET_MS, controlP95Ms: 100, connectP95Ms: 4, samples: 10 });
    expect(t.latency.points.at(-1)).toEqual({ start: NOW_MINUTE, samples: 0 });
  });

  it('shows a target refusing connections as down, with the down incident linking the connect_refused runbook', () => {
    const target = makeTarget();
    const records = localHistory(target, NOW_MINUTE - DAY, NOW_MINUTE, (start) => (start >= NOW_MINUTE - 10 * MIN ? failed('connect_refused') : undefined));

    const t = modelOf(target, records);

    expect(t.state).toBe('down');
    expect(t.stateReason).toBe('down since 2025-01-15 11:50Z (connect_refused)');
    expect(t.regions[0]).toMatchObject({ region: 'local', status: 'fail', failureClass: 'connect_refused', last: { ok: false, failureClass: 'connect_refused' } });
    const down = t.incidents.find((i) => i.policy === 'down');
    expect(down).toEqual({
      key: 'down',
      policy: 'down',
      severity: 'page',
      phase: 'breached',
      since: NOW_MINUTE - 10 * MIN,
      dedupKey: 'gw/down/2025-01-15T11:50:00.000Z',
      announced: true,
      runbookUrl: `${RUNBOOKS}connect_refused.md`,
      dominantFailureClass: 'connect_refused',
    });
    // The error-budget page fires on the same outage but was inhibited by the down page: listed, not notified.
    const budgetPage = t.incidents.find((i) => i.key === 'error_budget-page');
    expect(budgetPage).toMatchObject({ announced: false, runbookUrl: `${RUNBOOKS}connect_refused.md` });
    // The strip's last full cell (11:50 to 12:00) is all down, the one before all up.
    expect(t.strip.at(-2)).toMatchObject({ up: 0, down: 10, unknown: 0 });
    expect(t.strip.at(-3)).toMatchObject({ up: 10, down: 0 });
    expect(t.latency.points.at(-2)).toEqual({ start: NOW_MINUTE - 10 * MIN, samples: 0 });
    expect(t.errorBudgetRemaining).toBeLessThan(1);
  });

  it('agrees with targetStatus on every open incident', () => {
    const target = makeTarget();
    const records = localHistory(target, NOW_MINUTE - DAY, NOW_MINUTE, (start) => (start >= NOW_MINUTE - 10 * MIN ? failed('connect_timeout') : undefined));
    const expected = targetStatus(localView(target), records, NOW, { lookbackMs: LOCAL_LOOKBACK_MS });

    const t = modelOf(target, records);

    expect(t.incidents.map((i) => [i.key, i.phase, i.since, i.dedupKey, i.announced])).toEqual(
      expected.policies.filter((p) => p.phase !== 'ok').map((p) => [p.key, p.phase, p.startsAt, p.dedupKey, p.announced]),
    );
    expect(t.errorBudgetRemaining).toBe(expected.errorBudgetRemaining);
  });

  it('links the policy runbook for a latency incident even when some probes failed', () => {
    // Slow for the last 20 minutes, one failed probe among them.
    const target = makeTarget({ latency: { controlP95Ms: 100 } });
    const records = localHistory(target, NOW_MINUTE - DAY, NOW_MINUTE, (start) => {
      if (start === NOW_MINUTE - 5 * MIN) return failed('control_timeout');
      return start >= NOW_MINUTE - 20 * MIN ? { controlMs: 400 } : undefined;
    });

    const t = modelOf(target, records);

    expect(t.state).toBe('degraded');
    expect(t.incidents.map((i) => [i.policy, i.runbookUrl])).toEqual([['latency', `${RUNBOOKS}latency.md`]]);
    expect(t.incidents[0]).not.toHaveProperty('dominantFailureClass');
  });

  it('calls a single failed interval degraded, not down, until down.for intervals failed', () => {
    const target = makeTarget();
    const records = localHistory(target, NOW_MINUTE - HOUR, NOW_MINUTE, (start) => (start === NOW_MINUTE - MIN ? failed('echo_timeout') : undefined));

    const t = modelOf(target, records);

    expect(t.state).toBe('degraded');
    expect(t.stateReason).toBe('last interval failed in local (echo_timeout)');
    expect(t.incidents).toEqual([]);
  });

  it('says no data before the first result, with an all-unknown strip and no last result', () => {
    const t = modelOf(makeTarget(), []);

    expect(t.state).toBe('no_data');
    expect(t.stateReason).toBe('no probe result yet');
    expect(t.lastVerdict).toBe('unknown');
    expect(t.regions).toEqual([{ region: 'local', status: 'missing' }]);
    expect(t.availability).toBeUndefined();
    // Every complete interval of the last 24 h counts as unknown: 10 per full cell, none in the current one.
    expect(t.strip.slice(0, -1).every((c) => c.unknown === 10 && c.up === 0)).toBe(true);
    expect(t.strip.at(-1)?.unknown).toBe(0);
    expect(t.latency.points.every((p) => p.controlP95Ms === undefined)).toBe(true);
  });

  it('says no data when the probes stopped, and still shows when the region last spoke', () => {
    const target = makeTarget();
    const records = localHistory(target, NOW_MINUTE - HOUR, NOW_MINUTE - 5 * MIN);

    const t = modelOf(target, records);

    expect(t.state).toBe('no_data');
    expect(t.regions[0]).toEqual({ region: 'local', status: 'missing', last: { at: NOW_MINUTE - 6 * MIN, ok: true, connectMs: 4, controlMs: 40 } });
    expect(t.incidents.map((i) => [i.policy, i.runbookUrl])).toEqual([['no_data', `${RUNBOOKS}no_data.md`]]);
  });

  it('shows maintenance while a window covers now, whatever the probes say', () => {
    const window = once(NOW_MINUTE - 30 * MIN, NOW_MINUTE + 30 * MIN, false, 'firmware upgrade');
    const target = makeTarget({ maintenance: [window] });
    const records = localHistory(target, NOW_MINUTE - DAY, NOW_MINUTE, (start) => (start >= NOW_MINUTE - 20 * MIN ? failed('connect_refused') : undefined));

    const t = modelOf(target, records);

    expect(t.state).toBe('maintenance');
    expect(t.stateReason).toBe('in a maintenance window: firmware upgrade');
    expect(t.maintenance).toEqual({ description: 'firmware upgrade', countsAgainstSla: false });
    // The strip still shows what happened, and which intervals were inside the window.
    expect(t.strip.at(-2)).toMatchObject({ down: 10, maintenance: 10 });
  });

  it('counts two intervals per cell for a five-minute target', () => {
    const target = makeTarget({ interval: '5m', intervalMinutes: 5 });
    const records = localHistory(target, NOW_MINUTE - DAY, NOW_MINUTE);

    const t = modelOf(target, records);

    expect(t.strip.slice(0, -1).every((c) => c.up === 2 && c.unknown === 0)).toBe(true);
    expect(t.latency.points[0]?.samples).toBe(2);
  });

  it('evaluates the view it is given, and overrides the runbook base when asked', () => {
    const target = makeTarget({ regions: ['eu-central-1', 'us-east-1', 'ap-southeast-1'] as AwsRegion[], quorum: 2 });
    const records = localHistory(target, NOW_MINUTE - HOUR, NOW_MINUTE, (start) => (start >= NOW_MINUTE - 5 * MIN ? failed('dns_failure') : undefined));

    // Without the local view, the 'local' records belong to no configured region: nothing is known.
    expect(modelOf(target, records, {}).state).toBe('no_data');
    const t = modelOf(target, records, { ...LOCAL, runbookBaseUrl: 'https://wiki.example/runbooks' });

    expect(t.regions.map((r) => r.region)).toEqual(['local']);
    expect(t.state).toBe('down');
    expect(t.incidents.find((i) => i.policy === 'down')?.runbookUrl).toBe('https://wiki.example/runbooks/dns_failure.md');
  });

  it('ignores records from after the instant it describes', () => {
    const target = makeTarget();
    const records = localHistory(target, NOW_MINUTE - HOUR, NOW_MINUTE + HOUR, (start) => (start > NOW ? failed('connect_refused') : undefined));

    const t = modelOf(target, records);

    expect(t.state).toBe('up');
    expect(t.incidents).toEqual([]);
    // The probe of the current minute has run (12:00 <= 12:00:30): it is the last result, though its
    // interval is not complete yet and so not counted in the state.
    expect(t.regions[0]?.last).toMatchObject({ at: NOW_MINUTE, ok: true });
  });

  it('measures availability over the history it has, and says so: five minutes are not 30 days', () => {
    // Prepare: monitoring started five minutes ago; the last three intervals failed (the issue's
    // "Availability (30d) 40.000%" beside "Error budget left 93.1%").
    const target = makeTarget();
    const records = localHistory(target, NOW_MINUTE - 5 * MIN, NOW_MINUTE, (start) => (start >= NOW_MINUTE - 3 * MIN ? failed('connect_refused') : undefined));

    const t = modelOf(target, records);

    // 2 up of 5 counted, over 11:55-12:00; 3 of the 30-day allowance of 43.2 minutes used: 1 - 3/43.2.
    expect(t.availability).toBe(40);
    expect(t.availabilitySpan).toEqual({ fromMs: NOW_MINUTE - 5 * MIN, toMs: NOW_MINUTE, minutes: 5, wholeWindow: false });
    expect(t.errorBudgetRemaining).toBeCloseTo(1 - 3 / 43.2, 10);
    expect(t.errorBudget.allowanceMinutes).toBeCloseTo(43.2, 10);
    expect(t.errorBudget.usedMinutes).toBe(3);
  });

  it('measures over the whole SLO window once it has that much history, and never beyond it', () => {
    const target = makeTarget();
    const full = modelOf(target, localHistory(target, NOW_MINUTE - 31 * DAY, NOW_MINUTE));
    expect(full.availabilitySpan).toEqual({ fromMs: NOW_MINUTE - 30 * DAY, toMs: NOW_MINUTE, minutes: 30 * 1440, wholeWindow: true });

    // Before any record there is no span, and nothing used.
    const none = modelOf(target, []);
    expect(none.availabilitySpan).toBeUndefined();
    expect(none.errorBudget.usedMinutes).toBe(0);
  });

  it('rejects an unknown option and a non-finite instant', () => {
    const config = makeConfig([makeTarget()]);
    expect(() => statusModel(config, () => [], NOW, { veiw: localView } as unknown as StatusModelOptions)).toThrow("statusModel: unknown option 'veiw' (known: view, runbookBaseUrl, evaluate)");
    expect(() => statusModel(config, () => [], Number.NaN)).toThrow('statusModel: nowMs must be a finite number of ms, got NaN');
  });

  it('passes each configured target to the history function, in config order', () => {
    const asked: string[] = [];
    const model = statusModel(makeConfig([makeTarget({ name: 'b' }), makeTarget({ name: 'a' })]), (t) => (asked.push(t.name), []), NOW, LOCAL);
    expect(asked).toEqual(['b', 'a']);
    expect(model.targets.map((t) => t.name)).toEqual(['b', 'a']);
    expect(model).toMatchObject({ generatedAt: NOW, evaluatedAt: NOW_MINUTE, bucketMs: STATUS_BUCKET_MS, spanStart: NOW_MINUTE - 143 * STATUS_BUCKET_MS });
  });
});
