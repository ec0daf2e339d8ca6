// Incidents without stored state: one small state machine per policy, driven minute by minute by the
// evaluator over a look-back, turning conditions into firing / reminder / resolved transitions.
//
//   ok ──fire──▶ breached ──hold false──▶ recovering ──recovered──▶ ok
//                   ▲                          │
//                   └─────────hold true────────┘
//
// - fire:    the policy's condition to open (for error_budget: some rule's long AND short windows exceed).
// - hold:    the condition to stay breached (error_budget: a rule that fired stays active while its long
//            window alone still exceeds, with the guard; the others: the fire condition itself).
// - recovered: the policy's own test (3 up intervals, 15 or 60 minutes without hold, all regions back).
//
// Announcing is separate from the phase, for maintenance: an incident may open while notifications are
// suppressed; it is announced (firing) at the first unsuppressed instant it is still breached, and if it
// resolves before that nothing is ever sent. A `resolved` is sent for every announced incident even inside
// a window: it closes a page somebody holds, and suppressing it would leave that page open.
// Reminders go out every renotify period after the firing instant, when not suppressed and only while the
// fire condition holds at that instant: an error-budget breach kept open by hysteresis while its long
// window drains is not "still happening", and a reminder then would be noise.
//
// startsAt comes from the data at the instant the incident opens (see the machines below). It is clamped:
// - never before the walk's start (the look-back start, floored to the UTC day): an incident that began
//   before the look-back cannot be seen whole, and the clamp keeps its key stable for a whole day of
//   evaluations (it changes at most once per day, when the look-back start moves on);
// - never before the previous incident of the same policy ended, so a new incident never reuses a key.
import type { IncidentSeverity, NotificationStatus, PolicyName, Severity } from './notification.js';
import type { IntervalTimeline } from './intervals.js';
import {
  BURN_RULES,
  EB_RECOVERY_MINUTES,
  LATENCY_RECOVERY_MINUTES,
  checkBurnRule,
  checkDown,
  checkLatency,
  checkNoData,
  downRecovered,
  lastBadIntervalEnd,
  lastSlowIntervalEnd,
  noDataRecovered,
  outageStartIndex,
  type BurnRule,
} from './policies.js';
import { MINUTE_MS } from '../common/time.js';

/** The policy as it appears in the dedupKey: error_budget is two state machines, one per severity. */
export type PolicyKey = 'down' | 'error_budget-page' | 'error_budget-ticket' | 'latency' | 'no_data';
export type IncidentPhase = 'ok' | 'breached' | 'recovering';

/** What one policy says at an instant. */
export interface PolicyObservation {
  fire: boolean;
  hold: boolean;
  /** Data-derived incident start, when `fire`: a function, because only the opening instant needs it and some starts take a scan. */
  startsAt?: () => number;
  /** error_budget: the rule that fires (the first of the severity's rules that does). */
  rule?: string;
  /** latency and no_data: indices of the regions showing the problem now (slow or blind). */
  affected?: readonly number[];
}

export interface PolicyMachine {
  readonly key: PolicyKey;
  readonly policy: PolicyName;
  readonly severity: Severity;
  observe(t: number): PolicyObservation;
  recovered(t: number, falseSinceMs: number): boolean;
  /**
   * When the problem ended, for a `resolved` at t: the end of the last bad (slow, blind) interval, not the
   * instant recovery was confirmed, so the incident's length is the outage's, as the SLA report counts it.
   */
  endedAt(t: number, falseSinceMs: number, startsAt: number): number;
}

/**
 * down (page). Opens when the last `down.for` intervals were down; startsAt = the start of the outage
 * holding that run (outageStartIndex: blips just before it belong to it, as in the SLA report); it ends
 * with the last bad interval before the DOWN_RECOVERY_INTERVALS up intervals that resolve it.
 */
export function downMachine(timeline: IntervalTimeline): PolicyMachine {
  return {
    key: 'down',
    policy: 'down',
    severity: 'page',
    observe(t) {
      const check = checkDown(timeline, t);
      if (!check.fires) return { fire: false, hold: false };
      const runFirst = timeline.lastCompleteAt(t) - check.runIntervals + 1;
      return { fire: true, hold: true, startsAt: () => timeline.startOf(outageStartIndex(timeline, runFirst)) };
    },
    recovered: (t) => downRecovered(timeline, t),
    endedAt: (t, falseSinceMs, startsAt) => lastBadIntervalEnd(timeline, t, startsAt) ?? falseSinceMs,
  };
}

/**
 * error_budget at one severity. Each rule is active from the instant it fires while its long window still
 * exceeds (with the guard): scattered blips keep the long window up, so they make one incident. startsAt
 * = the first bad interval inside the long window of the rules firing at the opening instant.
 */
export function errorBudgetMachine(timeline: IntervalTimeline, severity: IncidentSeverity): PolicyMachine {
  const rules: readonly BurnRule[] = BURN_RULES.filter((r) => r.severity === severity);
  const active = rules.map(() => false);
  return {
    key: severity === 'page' ? 'error_budget-page' : 'error_budget-ticket',
    policy: 'error_budget',
    severity,
    observe(t) {
      let fire = false;
      let hold = false;
      let rule: string | undefined;
      const last = timeline.lastCompleteAt(t);
      const firingFrom: number[] = [];
      rules.forEach((burnRule, k) => {
        const check = checkBurnRule(timeline, t, burnRule);
        active[k] = check.fires || (active[k]! && check.longExceeds);
        hold ||= active[k]!;
        if (!check.fires) return;
        fire = true;
        rule ??= burnRule.label;
        firingFrom.push(check.long.fromIndex);
      });
      if (!fire) return { fire, hold };
      const startsAt = (): number => {
        let first = Number.POSITIVE_INFINITY;
        for (const from of firingFrom) {
          const bad = timeline.firstBad(from, last);
          if (bad >= 0) first = Math.min(first, timeline.startOf(bad));
        }
        return Number.isFinite(first) ? first : t;
      };
      return { fire, hold, rule: rule!, startsAt };
    },
    recovered: (t, falseSinceMs) => t - falseSinceMs >= EB_RECOVERY_MINUTES[severity] * MINUTE_MS,
    // The budget stops "burning too fast" only when the rules' long windows drain, long after the last bad
    // interval: the incident itself (what the report counts) ended with that last bad interval.
    endedAt: (_t, falseSinceMs, startsAt) => lastBadIntervalEnd(timeline, falseSinceMs, startsAt) ?? falseSinceMs,
  };
}

/**
 * latency (ticket). Opens when the p95 has stayed above the objective in ≥ quorum locations for
 * `latency.for` (checkLatency); startsAt = the first slow interval of that stretch. Held open while the
 * p95 is above in ≥ quorum locations; ends with the last slow probe.
 */
export function latencyMachine(timeline: IntervalTimeline): PolicyMachine {
  return {
    key: 'latency',
    policy: 'latency',
    severity: 'ticket',
    observe(t) {
      const check = checkLatency(timeline, t);
      if (!check.holds) return { fire: false, hold: false };
      const stretchStartMs = check.stretchStartMs!;
      return { fire: check.fires, hold: true, affected: check.slowRegions, ...(check.fires ? { startsAt: () => stretchStartMs } : {}) };
    },
    recovered: (t, falseSinceMs) => t - falseSinceMs >= LATENCY_RECOVERY_MINUTES * MINUTE_MS,
    endedAt: (_t, falseSinceMs, startsAt) => lastSlowIntervalEnd(timeline, timeline.lastCompleteAt(falseSinceMs), startsAt) ?? falseSinceMs,
  };
}

/** no_data (page). startsAt = the first interval a blind region missed. */
export function noDataMachine(timeline: IntervalTimeline): PolicyMachine {
  return {
    key: 'no_data',
    policy: 'no_data',
    severity: 'page',
    observe(t) {
      const check = checkNoData(timeline, t);
      if (!check.fires) return { fire: false, hold: false };
      const startsAtMs = check.startsAtMs!;
      return { fire: true, hold: true, startsAt: () => startsAtMs, affected: check.blindRegions };
    },
    recovered: (t) => noDataRecovered(timeline, t),
    // Every location reported again from the first interval of the run that resolved it.
    endedAt: (t) => {
      const last = timeline.lastCompleteAt(t);
      return timeline.startOf(last - timeline.allReportedRunAt(last) + 1);
    },
  };
}

/** The machines a target has, in the order its notifications are listed within one instant. */
export function policyMachines(timeline: IntervalTimeline): PolicyMachine[] {
  const machines = [downMachine(timeline), errorBudgetMachine(timeline, 'page'), errorBudgetMachine(timeline, 'ticket')];
  if (timeline.target.latency !== undefined) machines.push(latencyMachine(timeline));
  machines.push(noDataMachine(timeline));
  return machines;
}

/** A notification-worthy change, with the incident as it stood at that instant. */
export interface IncidentTransition {
  status: NotificationStatus;
  at: number;
  startsAt: number;
  rule: string | undefined;
  /** Region indices accumulated from the observations while the incident was open (latency, no_data). */
  affected: number[];
  /** resolved only: when the problem ended (PolicyMachine.endedAt), startsAt ≤ endsAt ≤ at. */
  endsAt?: number;
}

export interface IncidentSnapshot {
  phase: IncidentPhase;
  announced: boolean;
  startsAt: number | undefined;
  announcedAt: number | undefined;
  rule: string | undefined;
}

export class IncidentTracker {
  private phase: IncidentPhase = 'ok';
  private announced = false;
  private startsAt = 0;
  private announcedAt = 0;
  private falseSinceMs = 0;
  private rule: string | undefined;
  private affected = new Set<number>();
  private previousEndMs = Number.NEGATIVE_INFINITY;
  private fireNow = false;

  constructor(
    readonly machine: PolicyMachine,
    /** The walk's first instant (floored to the UTC day): startsAt is never earlier. */
    private readonly walkStartMs: number,
    private readonly renotifyMs: number,
  ) {}

  /** Advance to instant t; the transition to notify about, if any. */
  step(t: number, suppressed: boolean): IncidentTransition | undefined {
    const seen = this.machine.observe(t);
    this.fireNow = seen.fire;
    switch (this.phase) {
      case 'ok':
        if (!seen.fire) return undefined;
        this.phase = 'breached';
        this.announced = false;
        this.startsAt = Math.max(seen.startsAt?.() ?? t, this.walkStartMs, this.previousEndMs);
        this.rule = seen.rule;
        this.affected = new Set();
        break;
      case 'breached':
        if (!seen.hold) {
          this.phase = 'recovering';
          this.falseSinceMs = t;
        }
        break;
      case 'recovering':
        if (seen.hold) this.phase = 'breached';
        break;
    }
    for (const r of seen.affected ?? []) this.affected.add(r);

    if (this.phase === 'recovering' && this.machine.recovered(t, this.falseSinceMs)) {
      const endsAt = Math.min(t, Math.max(this.startsAt, this.machine.endedAt(t, this.falseSinceMs, this.startsAt)));
      const transition = this.announced ? { ...this.transition('resolved', t), endsAt } : undefined;
      this.phase = 'ok';
      this.announced = false;
      this.previousEndMs = t;
      return transition;
    }
    if (suppressed) return undefined;
    if (this.phase === 'breached' && !this.announced) {
      this.announced = true;
      this.announcedAt = t;
      return this.transition('firing', t);
    }
    if (this.announced && seen.fire && t > this.announcedAt && (t - this.announcedAt) % this.renotifyMs === 0) {
      return this.transition('reminder', t);
    }
    return undefined;
  }

  snapshot(): IncidentSnapshot {
    const open = this.phase !== 'ok';
    return {
      phase: this.phase,
      announced: this.announced,
      startsAt: open ? this.startsAt : undefined,
      announcedAt: open && this.announced ? this.announcedAt : undefined,
      rule: open ? this.rule : undefined,
    };
  }

  /** Whether the fire condition held at the last instant stepped. */
  get firingConditionNow(): boolean {
    return this.fireNow;
  }

  private transition(status: NotificationStatus, t: number): IncidentTransition {
    return { status, at: t, startsAt: this.startsAt, rule: this.rule, affected: [...this.affected].sort((a, b) => a - b) };
  }
}
