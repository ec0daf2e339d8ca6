// What the evaluator emits: one notification per incident transition or reminder. Rendered per channel
// by shared/alerts; the dedupKey is stable for the whole incident so a pager can merge repeats.
import type { FailureClass } from '../probe/failure-classes.js';

/**
 * The target policies, then the gateway-group policies (shared/sla/groups): a member down while the
 * virtual address serves, every member down while it still answers, a failover seen in the identity
 * answering on the virtual address, several within an hour, and a target's announced identity changing.
 */
export type PolicyName = 'down' | 'error_budget' | 'latency' | 'no_data' | 'redundancy_lost' | 'membership_wrong' | 'failover' | 'failover_flapping' | 'firmware_change';
/** page: wake someone; ticket: working hours; info: an event to know of, never an incident (a single `firing`, no resolve). */
export type Severity = 'page' | 'ticket' | 'info';
export const SEVERITIES: readonly Severity[] = ['page', 'ticket', 'info'];
/** The severities an incident of a target policy can have (the burn rules are per severity). */
export type IncidentSeverity = Exclude<Severity, 'info'>;

/** An identity as a notification shows it: the fingerprint always, the names when the history had them (not from CloudWatch). */
export interface IdentityView {
  fingerprint: number;
  firmwareRevision: number;
  hostname?: string;
  vendor?: string;
  /** The group member known to answer with this identity, if any. */
  member?: string;
}
export type NotificationStatus = 'firing' | 'reminder' | 'resolved';

export interface BurnRate {
  /** Window label, e.g. '1h', '5m', '6h', '30m', '1d', '2h', '3d'. */
  window: string;
  /** Error rate over the window divided by the error budget rate (1 - SLO). */
  rate: number;
  /** Intervals that counted in the window, and how many of them were bad. */
  intervals: number;
  badIntervals: number;
}

export interface Notification {
  status: NotificationStatus;
  severity: Severity;
  target: string;
  policy: PolicyName;
  /**
   * Incident start (ms): the start of the first bad interval of the incident (down: the first down
   * interval of the outage, as the SLA report counts it; latency: the first slow interval of the stretch;
   * no_data: the first interval a location missed; error_budget: the first bad interval in the firing
   * rule's long window). Part of the dedupKey.
   */
  startsAt: number;
  /**
   * On `resolved` only: when the problem ended (ms), i.e. the end of the last bad (slow, blind) interval
   * (error_budget too: the last bad interval before the burn rules stopped holding, not the instant they
   * did, which is long after as the windows drain). endsAt − startsAt is the incident's length, the same as
   * the SLA report's; the recovery that confirmed it took `at − endsAt` more.
   */
  endsAt?: number;
  /**
   * When the evaluator decided (ms): the end of the last interval whose results it used, or the runner's
   * clock when that is earlier (a local monitor evaluates an interval as soon as its result is in). Never
   * later than the moment the notification is sent.
   */
  at: number;
  /**
   * `<target>/<policy>/<startsAt ISO>`: the same for firing, reminders and resolved. error_budget runs one
   * incident per severity, so its key names the severity: `<target>/error_budget-page/<ISO>` and
   * `<target>/error_budget-ticket/<ISO>`.
   */
  dedupKey: string;
  /** The target's probe regions, and those showing the problem (failing, slow or blind). */
  regions: { all: string[]; affected: string[] };
  /** Failed probes per failure class during the incident. */
  failureClasses: Partial<Record<FailureClass, number>>;
  /** The class with the most failed probes (ties: the earlier class in FAILURE_CLASSES); picks the runbook. */
  dominantFailureClass?: FailureClass;
  /** SLO availability in percent, and the error budget left over its window (fraction; negative when overspent). */
  slo: number;
  /** Absent on group and identity events: they are not about the budget. */
  errorBudgetRemaining?: number;
  /** error_budget: the rule that fired (e.g. 'page: 1h and 5m burn above 14.4x') and its windows. */
  rule?: string;
  burnRates?: BurnRate[];
  /** latency: the threshold and the p95 of control time per location over the incident's span (its own evidence only). */
  latency?: { thresholdMs: number; p95ByRegion: Record<string, number> };
  /** down: consecutive down intervals so far. */
  downIntervals?: number;
  /** The last identity the gateway announced (SCCRP host name, vendor, firmware). */
  lastServer?: { hostname: string; vendor: string; firmwareRevision: number };
  /** Group policies and failovers: the group, its members, which are down and which serve (up, by their own probes). */
  group?: { name: string; members: string[]; down: string[]; serving: string[] };
  /** failover and firmware_change: the identity before and after (startsAt is the first interval the new one answered). */
  identity?: { from: IdentityView; to: IdentityView };
  /** failover_flapping: the failovers (instants) within the hour that fired it. */
  failovers?: number[];
}
