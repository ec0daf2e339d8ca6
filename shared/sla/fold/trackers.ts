// One minute of the incident trackers on the folded state: the policies' conditions (policies.ts) read
// from running counts and runs instead of a timeline, IncidentTracker.step (incidents.ts) field for
// field, the walk's inhibition (evaluate.ts), and the notification built from the incident's evidence.
// Every condition costs O(1) except latency while it holds (a scan of at most `for` + one window slots)
// and an incident's opening (its evidence from the kept entries).
import type { PolicyKey } from '../incidents.js';
import type { IncidentSeverity, Notification, NotificationStatus, PolicyName, Severity } from '../notification.js';
import {
  DOWN_RECOVERY_INTERVALS,
  EB_RECOVERY_MINUTES,
  LATENCY_RECOVERY_MINUTES,
  MIN_BAD_INTERVALS,
  MIN_COUNTED_FRACTION,
  NO_DATA_INTERVALS,
  NO_DATA_RECOVERY_INTERVALS,
} from '../policies.js';
import { dominantFailureClass } from '../runbooks.js';
import { MINUTE_MS } from '../../common/time.js';
import { SUPPRESS_BIT, maintenanceBitsAt } from './maintenance-flags.js';
import type { FoldPlan } from './plan.js';
import type { FailureEvidence, FoldEntry, FoldState, FoldTracker, LatencyEvidence } from './state.js';
import { firstBadFrom, windowCounts } from './windows.js';
import {
  addRegions,
  commitFailureEvidence,
  commitLatencyEvidence,
  failureSummary,
  latencyP95,
  openFailureEvidence,
  openLatencyEvidence,
  type FailureSummary,
} from './evidence.js';

/** What each tracker is, as policyMachines names it. */
export const POLICY: Readonly<Record<PolicyKey, { policy: PolicyName; severity: Severity }>> = {
  down: { policy: 'down', severity: 'page' },
  'error_budget-page': { policy: 'error_budget', severity: 'page' },
  'error_budget-ticket': { policy: 'error_budget', severity: 'ticket' },
  latency: { policy: 'latency', severity: 'ticket' },
  no_data: { policy: 'no_data', severity: 'page' },
};

/** The walk's inhibition (evaluate.ts): which open incidents silence an incident of this policy that would be announced. */
const INHIBITORS: Readonly<Record<PolicyKey, readonly PolicyKey[]>> = {
  down: ['error_budget-page'],
  'error_budget-page': ['down'],
  'error_budget-ticket': ['down', 'error_budget-page'],
  latency: [],
  no_data: [],
};

interface Observation {
  fire: boolean;
  hold: boolean;
  startsAt?: () => number;
  rule?: string;
  affected?: readonly number[];
}

interface Transition {
  status: NotificationStatus;
  startsAt: number;
  rule: string | null;
  affected: number[];
  endsAt?: number;
  /** The incident's evidence (taken from a resolving tracker). */
  ev: FailureEvidence | null;
  lp: LatencyEvidence | null;
}

const NONE: Observation = { fire: false, hold: false };

const startOf = (plan: FoldPlan, s: FoldState, i: number): number => s.o! + i * plan.stepMs;
/** The incident's first interval as buildNotification counts it: the first starting at or after startsAt. */
const firstInterval = (plan: FoldPlan, s: FoldState, startsAt: number): number => Math.max(0, Math.ceil((startsAt - s.o!) / plan.stepMs));

function observeBudget(plan: FoldPlan, s: FoldState, tr: FoldTracker, severity: IncidentSeverity, t: number): Observation {
  let fire = false;
  let hold = false;
  let rule: string | undefined;
  const last = s.k - 1;
  const firingFrom: number[] = [];
  plan.rules[severity].forEach((r, k) => {
    const long = windowCounts(plan, s, r.longSlot);
    const short = windowCounts(plan, s, r.shortSlot);
    const longRate = long.counted > 0 ? long.bad / long.counted / plan.budget : 0;
    const shortRate = short.counted > 0 ? short.bad / short.counted / plan.budget : 0;
    const longExceeds = long.bad >= MIN_BAD_INTERVALS && long.counted >= MIN_COUNTED_FRACTION * r.longN && longRate > r.factor;
    const fires = longExceeds && short.counted >= MIN_COUNTED_FRACTION * r.shortN && shortRate > r.factor;
    tr.ac[k] = fires || (tr.ac[k]! && longExceeds);
    hold ||= tr.ac[k]!;
    if (!fires) return;
    fire = true;
    rule ??= r.label;
    firingFrom.push(last - r.longN + 1);
  });
  if (!fire) return { fire, hold };
  const startsAt = (): number => {
    let first = Number.POSITIVE_INFINITY;
    for (const from of firingFrom) {
      const bad = firstBadFrom(s, Math.max(0, from));
      if (bad >= 0 && bad <= last) first = Math.min(first, startOf(plan, s, bad));
    }
    return Number.isFinite(first) ? first : t;
  };
  return { fire, hold, rule: rule!, startsAt };
}

/** checkLatency on the ring: slow in ≥ quorum locations now; fires once the stretch, from its first slow sample, covers `for`. */
function observeLatency(plan: FoldPlan, s: FoldState): Observation {
  const { thresholdMs, windowN, forN } = plan.latency!;
  const last = s.k - 1;
  const slowAt = (i: number): readonly number[] => (i >= s.lf && i <= last ? s.lat[i - s.lf]!.sl : []);
  const slowNow = slowAt(last);
  if (slowNow.length < plan.quorum || slowNow.length === 0) return NONE;
  let first = last;
  let firstSlow = slowNow;
  for (let i = last - 1; i >= 0 && last - i <= forN + windowN; i--) {
    const slow = slowAt(i);
    if (slow.length < plan.quorum) break;
    first = i;
    firstSlow = slow;
  }
  let start = first;
  for (let j = Math.max(0, first - windowN + 1); j <= first; j++) {
    const slot = j >= s.lf ? s.lat[j - s.lf] : undefined;
    if (slot !== undefined && firstSlow.some((r) => slot.v[r]!.some((v) => v > thresholdMs))) {
      start = j;
      break;
    }
  }
  const fires = last + 1 - start >= forN;
  const stretchStartMs = startOf(plan, s, start);
  return { fire: fires, hold: true, affected: slowNow, ...(fires ? { startsAt: () => stretchStartMs } : {}) };
}

function observeNoData(plan: FoldPlan, s: FoldState): Observation {
  if (s.nm.length < NO_DATA_INTERVALS) return NONE;
  const oldest = s.nm[NO_DATA_INTERVALS - 1]!;
  const blind: number[] = [];
  let startIndex = Number.POSITIVE_INFINITY;
  for (let r = 0; r < plan.R; r++) {
    if (s.seenNm[r]! >= oldest) continue;
    blind.push(r);
    startIndex = Math.min(startIndex, Math.max(s.seen[r]! + 1, 0));
  }
  if (blind.length === 0) return NONE;
  const startsAtMs = startOf(plan, s, startIndex);
  return { fire: true, hold: true, startsAt: () => startsAtMs, affected: blind };
}

function observe(plan: FoldPlan, s: FoldState, key: PolicyKey, tr: FoldTracker, t: number): Observation {
  switch (key) {
    case 'down': {
      if (s.downRun < plan.downFor) return NONE;
      const cluster = s.cl >= 0 ? s.cl : s.k - s.downRun;
      return { fire: true, hold: true, startsAt: () => startOf(plan, s, cluster) };
    }
    case 'error_budget-page':
      return observeBudget(plan, s, tr, 'page', t);
    case 'error_budget-ticket':
      return observeBudget(plan, s, tr, 'ticket', t);
    case 'latency':
      return observeLatency(plan, s);
    case 'no_data':
      return observeNoData(plan, s);
  }
}

function recovered(s: FoldState, key: PolicyKey, t: number, falseSinceMs: number): boolean {
  switch (key) {
    case 'down':
      return s.upRun >= DOWN_RECOVERY_INTERVALS;
    case 'error_budget-page':
      return t - falseSinceMs >= EB_RECOVERY_MINUTES.page * MINUTE_MS;
    case 'error_budget-ticket':
      return t - falseSinceMs >= EB_RECOVERY_MINUTES.ticket * MINUTE_MS;
    case 'latency':
      return t - falseSinceMs >= LATENCY_RECOVERY_MINUTES * MINUTE_MS;
    case 'no_data':
      return s.allRep >= NO_DATA_RECOVERY_INTERVALS;
  }
}

/**
 * Moves the open incident's commit point as far as its end can no longer fall before (evidence.ts): the
 * end of a down incident is its latest bad interval at the resolving instant; of an error-budget or
 * latency incident the latest bad (slow) interval at the instant it stopped holding; of no_data the
 * latest interval not every region reported in.
 */
function commit(plan: FoldPlan, s: FoldState, key: PolicyKey, tr: FoldTracker, t: number): void {
  const first = firstInterval(plan, s, tr.s);
  const holdingOrJustStopped = tr.p === 1 || (tr.p === 2 && tr.fs === t);
  if (key === 'latency') {
    if (holdingOrJustStopped && s.ls >= first) commitLatencyEvidence(tr.lp!, s.ls);
    return;
  }
  const ev = tr.ev!;
  if (key === 'down') {
    if (s.lb >= first) commitFailureEvidence(ev, s.lb);
  } else if (key === 'no_data') {
    const latestPartial = s.k - 1 - s.allRep;
    if (latestPartial >= first) commitFailureEvidence(ev, latestPartial);
  } else if (holdingOrJustStopped && s.lb >= first) commitFailureEvidence(ev, s.lb);
}

/** PolicyMachine.endedAt: the end of the last bad (slow, blind) interval, from the commit point. */
function endedAt(plan: FoldPlan, s: FoldState, key: PolicyKey, tr: FoldTracker): number {
  if (key === 'no_data') return startOf(plan, s, s.k - s.allRep);
  const first = firstInterval(plan, s, tr.s);
  const committed = key === 'latency' ? tr.lp!.c : tr.ev!.c;
  return committed >= first ? startOf(plan, s, committed) + plan.stepMs : tr.fs;
}

/** Two entry lists in interval order. */
function mergeEntries(a: readonly FoldEntry[], b: readonly FoldEntry[]): FoldEntry[] {
  if (b.length === 0) return a.slice();
  return [...a, ...b].sort((x, y) => x.i - y.i);
}

/** IncidentTracker.step, on the fold's state. */
function stepTracker(plan: FoldPlan, s: FoldState, idx: number, t: number, suppressed: boolean): Transition | undefined {
  const key = plan.keys[idx]!;
  const tr = s.tr[idx]!;
  const seen = observe(plan, s, key, tr, t);
  tr.fn = seen.fire;
  switch (tr.p) {
    case 0: {
      if (!seen.fire) return undefined;
      tr.p = 1;
      tr.a = false;
      tr.s = Math.max(seen.startsAt?.() ?? t, tr.pe ?? Number.NEGATIVE_INFINITY);
      tr.r = seen.rule ?? null;
      tr.af = [];
      if (key === 'latency') tr.lp = openLatencyEvidence(s.lat, s.lf, Math.max(0, Math.floor((tr.s - s.o!) / plan.stepMs)), plan.R);
      else tr.ev = openFailureEvidence(key === 'no_data' ? mergeEntries(s.evd, s.evf) : s.evd, firstInterval(plan, s, tr.s), key === 'no_data');
      break;
    }
    case 1:
      if (!seen.hold) {
        tr.p = 2;
        tr.fs = t;
      }
      break;
    case 2:
      if (seen.hold) tr.p = 1;
      break;
  }
  if (seen.affected !== undefined) addRegions(tr.af, seen.affected);
  commit(plan, s, key, tr, t);

  const transition = (status: NotificationStatus): Transition => ({ status, startsAt: tr.s, rule: tr.r, affected: tr.af.slice(), ev: tr.ev, lp: tr.lp });
  if (tr.p === 2 && recovered(s, key, t, tr.fs)) {
    const endsAt = Math.min(t, Math.max(tr.s, endedAt(plan, s, key, tr)));
    const resolved = tr.a ? { ...transition('resolved'), endsAt } : undefined;
    tr.p = 0;
    tr.a = false;
    tr.pe = t;
    tr.ev = null;
    tr.lp = null;
    return resolved;
  }
  if (suppressed) return undefined;
  if (tr.p === 1 && !tr.a) {
    tr.a = true;
    tr.at = t;
    return transition('firing');
  }
  const renotifyMs = POLICY[key].severity === 'page' ? plan.renotify.pageMs : plan.renotify.ticketMs;
  if (tr.a && seen.fire && t > tr.at && (t - tr.at) % renotifyMs === 0) return transition('reminder');
  return undefined;
}

/** Steps every tracker at instant t (the walk's loop body), appending the notifications due. */
export function stepTrackers(plan: FoldPlan, s: FoldState, t: number, out: Notification[], nowMs: number | undefined): void {
  const suppressed = (maintenanceBitsAt(plan.target.maintenance, t) & SUPPRESS_BIT) !== 0;
  const inhibits = (key: PolicyKey, of: PolicyKey): boolean => {
    const idx = plan.keys.indexOf(key);
    if (idx < 0) return false;
    const other = s.tr[idx]!;
    if (other.p === 0) return false;
    if (of === 'error_budget-ticket') return true;
    return other.a && other.si !== other.s;
  };
  for (let idx = 0; idx < plan.keys.length; idx++) {
    const key = plan.keys[idx]!;
    if (key === 'latency' && t % plan.latencyStepMs !== 0) continue;
    const transition = stepTracker(plan, s, idx, t, suppressed);
    if (transition === undefined) continue;
    const tr = s.tr[idx]!;
    if (tr.si !== null && tr.si === transition.startsAt) {
      if (transition.status === 'resolved') tr.si = null;
      continue;
    }
    if (transition.status === 'firing' && INHIBITORS[key].some((other) => inhibits(other, key))) {
      tr.si = transition.startsAt;
      continue;
    }
    out.push(buildNotification(plan, s, key, transition, t, nowMs));
  }
}

function dedupKey(target: string, key: PolicyKey, startsAt: number): string {
  return `${target}/${key}/${new Date(startsAt).toISOString()}`;
}

/** buildNotification (evaluate.ts) from the incident's evidence and the running counts. */
function buildNotification(plan: FoldPlan, s: FoldState, key: PolicyKey, transition: Transition, t: number, nowMs: number | undefined): Notification {
  const target = plan.target;
  const { policy, severity } = POLICY[key];
  const last = s.k - 1;
  const spanLast = transition.endsAt === undefined ? last : Math.min(last, Math.ceil((transition.endsAt - s.o!) / plan.stepMs) - 1);
  const onlyDownIntervals = policy === 'down' || policy === 'error_budget';
  const summary: FailureSummary =
    transition.ev === null ? { failureClasses: {}, failing: [], longestRun: 0 } : failureSummary(transition.ev, spanLast);
  const affected = onlyDownIntervals ? summary.failing.map((r) => target.regions[r]!) : transition.affected.map((r) => target.regions[r]!);
  const slo = windowCounts(plan, s, plan.sloSlot);
  const notification: Notification = {
    status: transition.status,
    severity,
    target: target.name,
    policy,
    startsAt: transition.startsAt,
    ...(transition.endsAt !== undefined ? { endsAt: transition.endsAt } : {}),
    at: nowMs !== undefined ? Math.max(transition.endsAt ?? transition.startsAt, Math.min(t, nowMs)) : t,
    dedupKey: dedupKey(target.name, key, transition.startsAt),
    regions: { all: [...target.regions], affected },
    failureClasses: summary.failureClasses,
    slo: target.slo.availability,
    errorBudgetRemaining: 1 - slo.bad / (plan.sloN * plan.budget),
  };
  const dominant = dominantFailureClass(summary.failureClasses);
  if (dominant !== undefined) notification.dominantFailureClass = dominant;
  if (policy === 'error_budget') {
    if (transition.rule !== null) notification.rule = transition.rule;
    notification.burnRates = burnRatesOf(plan, s);
  }
  if (policy === 'latency' && target.latency !== undefined && transition.lp !== null) {
    notification.latency = { thresholdMs: target.latency.controlP95Ms, p95ByRegion: latencyP95(transition.lp, spanLast, target.regions) };
  }
  if (policy === 'down') notification.downIntervals = summary.longestRun;
  if (s.server !== null) notification.lastServer = { ...s.server };
  return notification;
}

/** burnRates (policies.ts): the seven windows at the last complete interval. */
export function burnRatesOf(plan: FoldPlan, s: FoldState): Array<{ window: string; rate: number; intervals: number; badIntervals: number }> {
  return plan.burnSlots.map(({ label, slot }) => {
    const { counted, bad } = windowCounts(plan, s, slot);
    return { window: label, rate: counted > 0 ? bad / counted / plan.budget : 0, intervals: counted, badIntervals: bad };
  });
}
