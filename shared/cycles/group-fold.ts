// Gateway groups and identity events through the folds, the way every runner drives them (as
// target-fold.ts does for one target). A group's targets (virtual address and members) are stepped
// together minute by minute, because the group policies (shared/sla/groups/group-policies.ts) judge the
// targets' down incidents as they stand after each minute; the identity events (identity-events.ts) are
// their own fold over who answered each interval. What a runner keeps between runs beside the fold states
// is EventsState, plain JSON.
//
// Quiet steps: as advanceTarget, notifications due at or before `quietThrough` are dropped (told before, or
// before the window asked for), but the minutes up to it are still stepped one by one, so the group's open
// tickets are what they would have been. Pure: no clock, no I/O.
import { MINUTE_MS, floorTo } from '../common/time.js';
import type { ResolvedGroup, ResolvedTarget } from '../config/types.js';
import { emptyFoldState, stepFold, type FoldState } from '../sla/fold/index.js';
import { emptyGroupState, stepGroupMinute, type GroupState } from '../sla/groups/group-policies.js';
import { emptyIdentityState, observationsOf, stepIdentities, type IdentityObservation, type IdentityState } from '../sla/groups/identity-events.js';
import type { Notification } from '../sla/notification.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { advanceTarget, type AdvanceOptions } from './target-fold.js';

/** Minutes stepped in one go while no group target's down incident changes (see advanceGroup). */
export const GROUP_STRETCH_MS = 60 * MINUTE_MS;

/** The down incident as the group policies read it (phase open or not, start, previous end) is the same in both states. */
function sameDown(a: FoldState, b: FoldState): boolean {
  const x = a.tr[0]!;
  const y = b.tr[0]!;
  return (x.p === 0) === (y.p === 0) && x.s === y.s && x.pe === y.pe;
}

/** What the group and identity policies remember between runs. */
export interface EventsState {
  groups: Record<string, GroupState>;
  /** The identity events' state: of every target (local monitor), of the groups' targets (evaluator). */
  ids: IdentityState;
  /** The evaluator's identity state of the targets in no group, read at its own, slower pace. */
  solo?: IdentityState;
}

export const emptyEventsState = (): EventsState => ({ groups: {}, ids: emptyIdentityState() });

/** The group's targets, virtual address first, as configured (a missing one is a config bug: skipped). */
export function groupTargets(group: ResolvedGroup, byName: ReadonlyMap<string, ResolvedTarget>): ResolvedTarget[] {
  return [group.name, ...group.members].map((n) => byName.get(n)).filter((t): t is ResolvedTarget => t !== undefined);
}

export interface GroupAdvanced {
  folds: Map<string, FoldState>;
  state: GroupState;
  /** Due in (quietThrough, toInclusive], in minute order. */
  notifications: Notification[];
}

/**
 * Steps a group's targets and the group to `toInclusive`. With `state` undefined or any target's fold
 * missing, everything is replayed from the empty states over `records` (which must then hold the history).
 */
export function advanceGroup(
  group: ResolvedGroup,
  targets: readonly ResolvedTarget[],
  folds: ReadonlyMap<string, FoldState | undefined>,
  records: ReadonlyMap<string, readonly ProbeRecord[]>,
  state: GroupState | undefined,
  options: AdvanceOptions,
): GroupAdvanced {
  const replay = state === undefined || targets.some((t) => folds.get(t.name) === undefined);
  const current = new Map<string, FoldState>(targets.map((t) => [t.name, replay ? emptyFoldState(t) : folds.get(t.name)!]));
  let groupState = replay ? emptyGroupState() : state!;
  const to = floorTo(options.toInclusive, MINUTE_MS);
  const quiet = Math.min(floorTo(options.quietThrough, MINUTE_MS), to);
  // Per target, its records by the minute their interval completes (stepFold folds an interval at its end).
  const byEnd = new Map<string, Map<number, ProbeRecord[]>>();
  let firstEnd = Number.POSITIVE_INFINITY;
  for (const target of targets) {
    const stepMs = target.intervalMinutes * MINUTE_MS;
    const t0 = current.get(target.name)!.t;
    const buckets = new Map<number, ProbeRecord[]>();
    for (const r of records.get(target.name) ?? []) {
      if (r.target !== target.name || !Number.isFinite(r.intervalStart)) continue;
      const end = floorTo(r.intervalStart, stepMs) + stepMs;
      if ((t0 !== null && end <= t0) || end > to) continue;
      let list = buckets.get(end);
      if (list === undefined) buckets.set(end, (list = []));
      list.push(r);
      if (end < firstEnd) firstEnd = end;
    }
    byEnd.set(target.name, buckets);
  }
  const stepped = [...current.values()].map((s) => s.t).filter((t): t is number => t !== null);
  // From the minute after the last step; a replay from the first interval with a record (nothing is known before it).
  const start = stepped.length > 0 ? Math.max(...stepped) + MINUTE_MS : firstEnd;
  const notifications: Notification[] = [];
  const byName = new Map(targets.map((t) => [t.name, t]));
  const stepAll = (t: number, from: number, loud: boolean): { states: Map<string, FoldState>; own: Notification[] } => {
    const states = new Map(current);
    const own: Notification[] = [];
    for (const target of targets) {
      const s = states.get(target.name)!;
      if (s.t !== null && s.t >= t) continue;
      const records: ProbeRecord[] = [];
      for (let m = from; m <= t; m += MINUTE_MS) records.push(...(byEnd.get(target.name)!.get(m) ?? []));
      const step = stepFold(target, s, records, t, loud && options.nowMs !== undefined ? { nowMs: options.nowMs } : undefined);
      states.set(target.name, step.state);
      own.push(...step.notifications);
    }
    return { states, own };
  };
  const minuteOf = (t: number, loud: boolean): void => {
    const step = stepAll(t, t, loud);
    for (const [name, s] of step.states) current.set(name, s);
    const minute = stepGroupMinute(groupState, { group, targets: byName, states: current, own: step.own, t, ...(loud && options.nowMs !== undefined ? { nowMs: options.nowMs } : {}) });
    groupState = minute.state;
    if (loud) notifications.push(...minute.notifications);
  };
  for (let t = start; t <= to; ) {
    const loud = t > quiet;
    // A stretch in which no target's down incident opens, closes or moves leaves the group as it was: it
    // is stepped in one go (a rebuild replays days of them); a stretch with such a change is stepped again
    // minute by minute from its start, the group judged after each minute.
    const end = Math.min(to, t + GROUP_STRETCH_MS - MINUTE_MS, loud ? to : quiet);
    if (end > t) {
      const stretch = stepAll(end, t, loud);
      const quietStretch = stretch.own.every((n) => n.policy !== 'down') && targets.every((x) => sameDown(current.get(x.name)!, stretch.states.get(x.name)!));
      if (quietStretch) {
        for (const [name, s] of stretch.states) current.set(name, s);
        const minute = stepGroupMinute(groupState, { group, targets: byName, states: current, own: stretch.own, t: end, ...(loud && options.nowMs !== undefined ? { nowMs: options.nowMs } : {}) });
        groupState = minute.state;
        if (loud) notifications.push(...minute.notifications);
        t = end + MINUTE_MS;
        continue;
      }
      for (; t <= end; t += MINUTE_MS) minuteOf(t, loud);
      continue;
    }
    minuteOf(t, loud);
    t += MINUTE_MS;
  }
  // Nothing to step (no record yet, or already there): the states still stand at `to` for the next run.
  for (const target of targets) {
    const s = current.get(target.name)!;
    if (s.t === null || s.t < to) current.set(target.name, stepFold(target, s, [], to).state);
  }
  return { folds: current, state: groupState, notifications };
}

/**
 * Steps the identity events to `toInclusive` over `observations` (or those of `records`): quietly up to
 * `quietThrough`, as advanceGroup. `state` undefined: a replay from the empty state.
 */
export function advanceIdentities(
  config: { targets: readonly ResolvedTarget[]; groups: readonly ResolvedGroup[] },
  state: IdentityState | undefined,
  observations: readonly IdentityObservation[],
  options: AdvanceOptions,
): { state: IdentityState; notifications: Notification[] } {
  let current = state ?? emptyIdentityState();
  const quiet = Math.min(floorTo(options.quietThrough, MINUTE_MS), floorTo(options.toInclusive, MINUTE_MS));
  if (current.t === null || current.t < quiet) current = stepIdentities(config, current, observations, quiet).state;
  return stepIdentities(config, current, observations, options.toInclusive, options.nowMs);
}


/**
 * Every notification of a window for a whole config, by the folds from the empty states: backtest's
 * answer, and what a runner stepping minute by minute must equal. `views` maps a target to the form it
 * is evaluated in (the local view for local history).
 */
export function replayFleet(
  config: { targets: readonly ResolvedTarget[]; groups?: readonly ResolvedGroup[] },
  records: readonly ProbeRecord[],
  window: { fromExclusive: number; toInclusive: number },
  options: { nowMs?: number; view?: (target: ResolvedTarget, own: readonly ProbeRecord[]) => ResolvedTarget } = {},
): Notification[] {
  const byTarget = new Map<string, ProbeRecord[]>();
  for (const r of records) {
    let list = byTarget.get(r.target);
    if (list === undefined) byTarget.set(r.target, (list = []));
    list.push(r);
  }
  const view = options.view ?? ((t: ResolvedTarget) => t);
  const targets = config.targets.map((t) => view(t, byTarget.get(t.name) ?? []));
  const byName = new Map(targets.map((t) => [t.name, t]));
  const groups = config.groups ?? [];
  const grouped = new Set(groups.flatMap((g) => [g.name, ...g.members]));
  const advance: AdvanceOptions = { quietThrough: window.fromExclusive, toInclusive: window.toInclusive, ...(options.nowMs !== undefined ? { nowMs: options.nowMs } : {}) };
  const out: Notification[] = [];
  for (const target of targets) {
    if (grouped.has(target.name)) continue;
    out.push(...advanceTarget(target, undefined, byTarget.get(target.name) ?? [], advance).notifications);
  }
  for (const group of groups) out.push(...advanceGroup(group, groupTargets(group, byName), new Map(), byTarget, undefined, advance).notifications);
  out.push(...advanceIdentities({ targets, groups }, undefined, observationsOf(records), advance).notifications);
  return out.sort((a, b) => a.at - b.at);
}
