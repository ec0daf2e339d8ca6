// The evaluator's core: which notifications are due for one target in a window of evaluation instants,
// computed from the probe records alone. Stateless and idempotent: the same records and window give the
// same notifications, and the notifications of (a, b] and (b, c] are those of (a, c].
//
// How: walk every minute from the look-back start through the window's end with the incident state machines
// (incidents.ts), and return only the transitions inside the window. The look-back start is
//   floor_to_UTC_day(fromExclusive − lookback),  lookback = max(option or 7 days, 3 days + longest renotify),
// so every instant returned has at least `lookback` of history walked before it (enough for the 3-day burn
// window and one reminder period), and every call in the same UTC day starts from the same instant.
//
// Limits (documented, inherent to not storing state):
// - An incident still open at the look-back start is seen from there: its startsAt is clamped to that
//   instant (a UTC midnight), so its dedupKey changes at most once per day, when the look-back start moves
//   on, and its reminders restart from there. Incidents shorter than the look-back are exact.
// - Two calls agree exactly when no incident is open at either call's look-back start; the splitting test
//   in test/unit/sla-evaluate.test.ts holds on a long random history for that reason.
// - The answer depends on the records given: evaluate an instant only once its intervals' records have
//   arrived (the caller evaluates at now minus the ingestion delay), or a late record changes the past.
// - Cost: O(records + intervals in the SLO window + minutes walked · policies), about 11k minutes for one
//   evaluation with the default look-back.
import type { ResolvedTarget } from '../config/types.js';
import type { FailureClass } from '../probe/failure-classes.js';
import { maintenanceFlags, type MaintenanceFlags } from './maintenance.js';
import type { ProbeRecord } from './probe-record.js';
import { buildTimeline, type IntervalTimeline, type Verdict } from './intervals.js';
import { IncidentTracker, policyMachines, type IncidentPhase, type IncidentTransition, type PolicyKey } from './incidents.js';
import { LONGEST_BURN_WINDOW_MS, availability, burnRates, errorBudgetRemaining, latencyP95ByRegion } from './policies.js';
import type { BurnRate, Notification, PolicyName, Severity } from './notification.js';
import { dominantFailureClass } from './runbooks.js';
import { rejectUnknownOptions } from '../common/options.js';
import { DAY_MS, HOUR_MS, MINUTE_MS, floorTo } from '../common/time.js';

/** Default look-back of the walk before the window, in ms. */
export const DEFAULT_LOOKBACK_MS = 7 * DAY_MS;
/** Default reminder periods while an incident stays breached, in ms. */
export const DEFAULT_RENOTIFY_MS: Readonly<{ pageMs: number; ticketMs: number }> = { pageMs: 4 * HOUR_MS, ticketMs: 24 * HOUR_MS };

export interface EvaluationWindow {
  /** Evaluation instants t with fromExclusive < t ≤ toInclusive, on minute boundaries. */
  fromExclusive: number;
  toInclusive: number;
}

export interface EvaluateOptions {
  /** How far before the window the walk starts (at least 3 days + the longest renotify period). */
  lookbackMs?: number;
  /** Reminder periods, per severity. */
  renotify?: { pageMs: number; ticketMs: number };
  /**
   * Step the latency policy only at instants that are multiples of this (ms, whole minutes), for callers
   * that fetch control times less often than every minute: then every latency transition falls on such an
   * instant. Default: every minute, like the other policies.
   */
  latencyStepMs?: number;
  /**
   * The moment the caller decides, for a runner that evaluates an interval as soon as its results are in,
   * before the interval's end (the local monitor): a notification's `at` is then never later than this,
   * so no time in it lies in the future. Default: the evaluation instant itself.
   */
  nowMs?: number;
}

interface Walk {
  timeline: IntervalTimeline;
  trackers: IncidentTracker[];
  notifications: Notification[];
  /** Open incidents silenced by inhibition: tracker → the silenced incident's startsAt. */
  silenced: ReadonlyMap<IncidentTracker, number>;
}

const EVALUATE_OPTIONS: readonly (keyof EvaluateOptions)[] = ['lookbackMs', 'renotify', 'latencyStepMs', 'nowMs'];

/** Options are checked, not trusted: a zero renotify period would silently stop every reminder. */
function checkOptions(options: EvaluateOptions | undefined): void {
  rejectUnknownOptions('evaluateTarget', options, EVALUATE_OPTIONS);
  const latencyStepMs = options?.latencyStepMs;
  if (latencyStepMs !== undefined && !(Number.isInteger(latencyStepMs) && latencyStepMs > 0 && latencyStepMs % MINUTE_MS === 0)) {
    throw new RangeError(`evaluateTarget: latencyStepMs must be a positive whole number of minutes in ms, got ${latencyStepMs}`);
  }
  const nowMs = options?.nowMs;
  if (nowMs !== undefined && !Number.isFinite(nowMs)) throw new RangeError(`evaluateTarget: nowMs must be a finite number of ms, got ${nowMs}`);
  const lookbackMs = options?.lookbackMs;
  if (lookbackMs !== undefined && !(Number.isFinite(lookbackMs) && lookbackMs > 0)) {
    throw new RangeError(`evaluateTarget: lookbackMs must be a positive number of ms, got ${lookbackMs}`);
  }
  for (const [name, value] of Object.entries(options?.renotify ?? {})) {
    if (!(Number.isInteger(value) && value > 0 && value % MINUTE_MS === 0)) {
      throw new RangeError(`evaluateTarget: renotify.${name} must be a positive whole number of minutes in ms, got ${value}`);
    }
  }
}

function walk(target: ResolvedTarget, records: readonly ProbeRecord[], window: EvaluationWindow, options: EvaluateOptions | undefined, collect: boolean): Walk {
  checkOptions(options);
  const renotify = options?.renotify ?? DEFAULT_RENOTIFY_MS;
  const lookbackMs = Math.max(options?.lookbackMs ?? DEFAULT_LOOKBACK_MS, LONGEST_BURN_WINDOW_MS + Math.max(renotify.pageMs, renotify.ticketMs));
  const firstT = floorTo(window.fromExclusive, MINUTE_MS) + MINUTE_MS;
  const lastT = Math.max(floorTo(window.toInclusive, MINUTE_MS), firstT - MINUTE_MS);
  const walkStartMs = floorTo(window.fromExclusive - lookbackMs, DAY_MS);
  // The timeline reaches back far enough for the longest burn window at the walk's first instant and for
  // the SLO window at the window's first instant (the error budget reported in notifications).
  const timelineFromMs = Math.min(walkStartMs - LONGEST_BURN_WINDOW_MS, firstT - target.slo.windowDays * DAY_MS);
  const timeline = buildTimeline(target, records, { fromMs: timelineFromMs, toMs: lastT });
  const machines = policyMachines(timeline);
  const trackers = machines.map((m) => new IncidentTracker(m, walkStartMs, m.severity === 'page' ? renotify.pageMs : renotify.ticketMs));
  const notifications: Notification[] = [];
  const silenced = new Map<IncidentTracker, number>();
  if (timeline.firstRecordMs === undefined) return { timeline, trackers, notifications, silenced };

  // Nothing can be breached before the target's first interval completes: start the walk there if later.
  const startT = Math.max(walkStartMs, timeline.startMs + timeline.stepMs);
  const latencyStepMs = options?.latencyStepMs ?? MINUTE_MS;
  // Inhibition: one outage, one page. `down` and the error-budget page fire together on a real outage
  // (three bad minutes are both), and a fast burn also opens the error-budget ticket. An incident of
  // these three that would first be announced while another of them is open stays silent for its whole
  // life (firing, reminders and resolved); the incident that came first carries the outage.
  // - Between the two pages only an *announced* incident inhibits: a budget page held open silently by
  //   its long window must not swallow a second, separate outage's `down` page.
  // - The ticket is inhibited by any open page incident, silent ones included: the ticket's slow windows
  //   are still digesting the same outage long after `down` resolved.
  const inhibitors: Readonly<Record<PolicyKey, readonly PolicyKey[]>> = {
    down: ['error_budget-page'],
    'error_budget-page': ['down'],
    'error_budget-ticket': ['down', 'error_budget-page'],
    latency: [],
    no_data: [],
  };
  const byKey = new Map(trackers.map((tr) => [tr.machine.key, tr]));
  const inhibits = (key: PolicyKey, of: PolicyKey): boolean => {
    const other = byKey.get(key);
    if (other === undefined) return false;
    const snap = other.snapshot();
    if (snap.phase === 'ok') return false;
    if (of === 'error_budget-ticket') return true;
    return snap.announced && silenced.get(other) !== snap.startsAt;
  };
  for (let t = startT; t <= lastT; t += MINUTE_MS) {
    const suppressed = timeline.suppressedAt(t);
    for (const tracker of trackers) {
      if (tracker.machine.policy === 'latency' && t % latencyStepMs !== 0) continue;
      const transition = tracker.step(t, suppressed);
      if (transition === undefined) continue;
      if (silenced.get(tracker) === transition.startsAt) {
        if (transition.status === 'resolved') silenced.delete(tracker);
        continue;
      }
      if (transition.status === 'firing' && inhibitors[tracker.machine.key].some((key) => inhibits(key, tracker.machine.key))) {
        silenced.set(tracker, transition.startsAt);
        continue;
      }
      if (collect && t >= firstT) notifications.push(buildNotification(timeline, tracker, transition, options?.nowMs));
    }
  }
  return { timeline, trackers, notifications, silenced };
}

/**
 * The notifications due at the instants in (fromExclusive, toInclusive] for one target, in time order
 * (within an instant: down, error_budget page, error_budget ticket, latency, no_data).
 */
export function evaluateTarget(target: ResolvedTarget, records: readonly ProbeRecord[], window: EvaluationWindow, options?: EvaluateOptions): Notification[] {
  return walk(target, records, window, options, true).notifications;
}

function dedupKey(target: string, key: PolicyKey, startsAt: number): string {
  return `${target}/${key}/${new Date(startsAt).toISOString()}`;
}

function buildNotification(timeline: IntervalTimeline, tracker: IncidentTracker, transition: IncidentTransition, nowMs: number | undefined): Notification {
  const target = timeline.target;
  const machine = tracker.machine;
  const t = transition.at;
  const last = timeline.lastCompleteAt(t);
  const first = Math.max(0, Math.ceil((transition.startsAt - timeline.startMs) / timeline.stepMs));
  // The incident's own span: a resolved incident's evidence stops where the problem ended.
  const spanLast = transition.endsAt === undefined ? last : Math.min(last, Math.ceil((transition.endsAt - timeline.startMs) / timeline.stepMs) - 1);

  // Failed probes during the incident. For down and error_budget only those in down intervals count: a
  // single flaky region over a 3-day burn window must not pick the runbook. no_data is not about failures,
  // so every failed probe in the span counts there. latency names only its own evidence (control time per
  // location): failures in its span belong to other incidents, and their classes must not pick its runbook.
  const onlyDownIntervals = machine.policy === 'down' || machine.policy === 'error_budget';
  const failureClasses: Partial<Record<FailureClass, number>> = {};
  const failingRegions = new Set<string>();
  let longestRun = 0;
  let run = 0;
  for (let i = first; i <= spanLast; i++) {
    const verdict = timeline.verdict(i);
    run = verdict === 'down' && !timeline.inMaintenance(i) ? run + 1 : 0;
    longestRun = Math.max(longestRun, run);
    if (machine.policy === 'latency') continue;
    if (onlyDownIntervals && verdict !== 'down') continue;
    for (const record of timeline.recordsOf(i)) {
      if (record.ok) continue;
      failingRegions.add(record.region);
      if (record.failureClass !== undefined) failureClasses[record.failureClass] = (failureClasses[record.failureClass] ?? 0) + 1;
    }
  }
  const affected = onlyDownIntervals
    ? timeline.regions.filter((region) => failingRegions.has(region))
    : transition.affected.map((r) => timeline.regions[r]!);

  const notification: Notification = {
    status: transition.status,
    severity: machine.severity,
    target: target.name,
    policy: machine.policy,
    startsAt: transition.startsAt,
    ...(transition.endsAt !== undefined ? { endsAt: transition.endsAt } : {}),
    at: nowMs !== undefined ? Math.max(transition.endsAt ?? transition.startsAt, Math.min(t, nowMs)) : t,
    dedupKey: dedupKey(target.name, machine.key, transition.startsAt),
    regions: { all: [...target.regions], affected },
    failureClasses,
    slo: target.slo.availability,
    errorBudgetRemaining: errorBudgetRemaining(timeline, t),
  };
  const dominant = dominantFailureClass(failureClasses);
  if (dominant !== undefined) notification.dominantFailureClass = dominant;
  if (machine.policy === 'error_budget') {
    if (transition.rule !== undefined) notification.rule = transition.rule;
    notification.burnRates = burnRates(timeline, t);
  }
  if (machine.policy === 'latency' && target.latency !== undefined) {
    notification.latency = {
      thresholdMs: target.latency.controlP95Ms,
      p95ByRegion: latencyP95ByRegion(timeline, transition.startsAt, transition.endsAt ?? timeline.startOf(last) + timeline.stepMs),
    };
  }
  if (machine.policy === 'down') notification.downIntervals = longestRun;
  const server = timeline.lastServerAt(last);
  if (server !== undefined) notification.lastServer = { hostname: server.hostname, vendor: server.vendor, firmwareRevision: server.firmwareRevision };
  return notification;
}

export interface RegionStatus {
  region: string;
  /** In the last complete interval. */
  status: 'ok' | 'fail' | 'missing';
  failureClass?: FailureClass;
  /** Control time of that interval's record (the first one with it), in ms. */
  controlMs?: number;
}

export interface PolicyStatus {
  key: PolicyKey;
  policy: PolicyName;
  severity: Severity;
  /** The incident's phase after the walk: ok, breached or recovering. */
  phase: IncidentPhase;
  /** Whether the open incident has been notified (false while it is held back by maintenance, and for its whole life when inhibition silenced it). */
  announced: boolean;
  /** Whether the policy's fire condition holds at `at`. */
  conditionNow: boolean;
  startsAt?: number;
  dedupKey?: string;
}

export interface TargetStatus {
  target: string;
  at: number;
  /** SLO availability, percent. */
  slo: number;
  /** Measured availability over the SLO window before `at` (only the history given), percent; undefined when nothing counted. */
  availability: number | undefined;
  errorBudgetRemaining: number;
  /** The last interval complete at `at`. */
  lastInterval: { start: number; verdict: Verdict } | undefined;
  regions: RegionStatus[];
  policies: PolicyStatus[];
  burnRates: BurnRate[];
  maintenance: MaintenanceFlags;
  lastServer?: { hostname: string; vendor: string; firmwareRevision: number };
}

/**
 * The target as it stands at `at`: per policy the incident phase (the same walk as evaluateTarget, so a
 * status page never disagrees with the pager), per region the last interval, availability and budget.
 */
export function targetStatus(target: ResolvedTarget, records: readonly ProbeRecord[], at: number, options?: EvaluateOptions): TargetStatus {
  const atMinute = floorTo(at, MINUTE_MS);
  const { timeline, trackers, silenced } = walk(target, records, { fromExclusive: atMinute - MINUTE_MS, toInclusive: atMinute }, options, false);
  const last = timeline.lastCompleteAt(atMinute);
  const regions: RegionStatus[] = target.regions.map((region, r) => {
    if (last < 0 || !timeline.reported(r, last)) return { region, status: 'missing' };
    const state = timeline.state(last);
    const failureClass = state.failureClassByRegion[region];
    const controlMs = state.controlMsByRegion[region]?.[0];
    return {
      region,
      status: timeline.failed(r, last) ? 'fail' : 'ok',
      ...(failureClass !== undefined ? { failureClass } : {}),
      ...(controlMs !== undefined ? { controlMs } : {}),
    };
  });
  const policies: PolicyStatus[] = trackers.map((tracker) => {
    const snapshot = tracker.snapshot();
    const status: PolicyStatus = {
      key: tracker.machine.key,
      policy: tracker.machine.policy,
      severity: tracker.machine.severity,
      phase: snapshot.phase,
      // The tracker counts a silenced incident as announced (that keeps its reminders and resolved in step);
      // nobody was notified of it, and a status page must not say otherwise.
      announced: snapshot.announced && silenced.get(tracker) !== snapshot.startsAt,
      conditionNow: tracker.firingConditionNow,
    };
    if (snapshot.startsAt !== undefined) {
      status.startsAt = snapshot.startsAt;
      status.dedupKey = dedupKey(target.name, tracker.machine.key, snapshot.startsAt);
    }
    return status;
  });
  const server = timeline.lastServerAt(last);
  return {
    target: target.name,
    at: atMinute,
    slo: target.slo.availability,
    availability: availability(timeline, atMinute),
    errorBudgetRemaining: errorBudgetRemaining(timeline, atMinute),
    lastInterval: last >= 0 ? { start: timeline.startOf(last), verdict: timeline.verdict(last) } : undefined,
    regions,
    policies,
    burnRates: burnRates(timeline, atMinute),
    maintenance: maintenanceFlags(target.maintenance, atMinute),
    ...(server !== undefined ? { lastServer: { hostname: server.hostname, vendor: server.vendor, firmwareRevision: server.firmwareRevision } } : {}),
  };
}
