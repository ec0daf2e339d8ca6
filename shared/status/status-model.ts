// What the status page and /metrics show, as one plain value computed from the config and the probe
// history: per target the overall state, each region's last result, the open incidents with the runbook
// the alert links to, a 24-hour availability strip and a latency series. Pure: no I/O, no clock (the
// instant is a parameter), so the same history and instant always give the same model.
//
// The incidents come from targetStatus, the same walk the evaluator runs, so the page never disagrees
// with the pager about what is open. Availability and the error budget are targetStatus's too, over the SLO
// window before now; the model adds what they were measured over (`availabilitySpan`: from the later of the
// first record and the window's start, to the last complete interval), so a page five minutes into
// monitoring says "since 19:02, 5 min" and not "30d", and the budget in minutes (the SLO window's
// allowance, 43.2 at 99.9% over 30 days, and the down minutes used of it: the report's definition too).
// Everything else is read straight from the records: the last result per region here, the 24-hour strip
// and latency series in status-span.ts.
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import type { FailureClass } from '../probe/failure-classes.js';
import { targetStatus, type EvaluateOptions, type PolicyStatus } from '../sla/evaluate.js';
import type { IncidentPhase, PolicyKey } from '../sla/incidents.js';
import { buildTimeline } from '../sla/intervals.js';
import { inMaintenance } from '../sla/maintenance.js';
import type { PolicyName, Severity } from '../sla/notification.js';
import { rejectUnknownOptions } from '../common/options.js';
import { budgetRate } from '../sla/policies.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { dominantFailureClass, runbookUrlFor } from '../sla/runbooks.js';
import { DAY_MS, MINUTE_MS, floorTo } from '../common/time.js';
import { groupModels, type GroupModel } from './status-groups.js';
import { STATUS_BUCKET_MS, recentSpan, spanStartAt, type LatencyPoint, type StripCell } from './status-span.js';

/**
 * - up: the last interval was up everywhere it reported and nothing is open.
 * - degraded: something is wrong but the target is not down: a region failing below quorum, a single
 *   failed interval not yet `down.for` long, an open latency / error-budget / no_data incident, or a down
 *   incident that is recovering.
 * - down: the down policy is breached (what pages).
 * - no_data: no result at all, or too few regions reported in the last interval to tell.
 * - maintenance: a maintenance window covers now; notifications are held back, so is the verdict.
 */
export type TargetState = 'up' | 'degraded' | 'down' | 'no_data' | 'maintenance';

export interface LastProbe {
  /** Interval start of the latest record, ms since the epoch. */
  at: number;
  ok: boolean;
  failureClass?: FailureClass;
  /** Phase times of that record, in ms. */
  connectMs?: number;
  controlMs?: number;
}

export interface RegionModel {
  region: string;
  /** In the last interval complete at the model's instant (what the SLA core counted). */
  status: 'ok' | 'fail' | 'missing';
  failureClass?: FailureClass;
  /** The latest record from the region, however old (so a missing region still says when it last spoke). */
  last?: LastProbe;
}

export interface IncidentModel {
  key: PolicyKey;
  policy: PolicyName;
  severity: Severity;
  phase: Exclude<IncidentPhase, 'ok'>;
  /** Incident start, ms since the epoch (the alert's startsAt). */
  since: number;
  dedupKey: string;
  /** False when no notification went out: held back by maintenance, or silenced by the outage's first page. */
  announced: boolean;
  /** The runbook the alert links to: the dominant failure class's for down and error_budget, else the policy's. */
  runbookUrl: string;
  dominantFailureClass?: FailureClass;
}

/** What availability and the error budget were measured over. */
export interface AvailabilitySpan {
  /** The later of the first record's interval and the SLO window's start, ms since the epoch. */
  fromMs: number;
  /** End of the last complete interval, ms since the epoch. */
  toMs: number;
  minutes: number;
  /** The span is the whole SLO window: only then is it "30d". */
  wholeWindow: boolean;
}

export interface TargetModel {
  name: string;
  host: string;
  port: number;
  owner: string | undefined;
  intervalMinutes: number;
  state: TargetState;
  /** One line saying why the state is what it is. */
  stateReason: string;
  /** The last complete interval's verdict across regions (quorum applied); undefined without one. */
  lastVerdict: 'up' | 'down' | 'unknown' | undefined;
  /** SLO availability, percent. */
  slo: number;
  sloWindow: string;
  /** Measured availability over the SLO window (history given only), percent; undefined when nothing counted. */
  availability: number | undefined;
  /** What availability was measured over; undefined before the first interval with a record completes. */
  availabilitySpan: AvailabilitySpan | undefined;
  /** Fraction of the SLO window's error budget left; negative when overspent. */
  errorBudgetRemaining: number;
  /** The SLO window's error budget, (1 − SLO) × the window, and the down minutes used of it, in minutes. */
  errorBudget: { allowanceMinutes: number; usedMinutes: number };
  /** The maintenance window covering now, if any. */
  maintenance: { description: string | undefined; countsAgainstSla: boolean } | undefined;
  regions: RegionModel[];
  incidents: IncidentModel[];
  /** STATUS_BUCKETS cells, oldest first; the last one is the bucket holding the model's instant. */
  strip: StripCell[];
  latency: { thresholdMs: number | undefined; points: LatencyPoint[] };
  lastServer?: { hostname: string; vendor: string; firmwareRevision: number };
}

export interface StatusModel {
  /** The instant the model describes, ms since the epoch. */
  generatedAt: number;
  /** The evaluation instant (generatedAt floored to the minute, as the evaluator steps). */
  evaluatedAt: number;
  bucketMs: number;
  /** Start of the first strip cell. */
  spanStart: number;
  targets: TargetModel[];
  /** Gateway groups (only when the config has some). */
  groups?: GroupModel[];
}

export interface StatusModelOptions {
  /**
   * The target as the SLA core should see it. The local monitor evaluates `localView(target)` (one region
   * 'local', quorum 1); pass the same here or the page will disagree with its alerts. Default: as configured.
   */
  view?(target: ResolvedTarget): ResolvedTarget;
  /** Overrides every target's runbookBaseUrl in the links (a missing trailing '/' is added). */
  runbookBaseUrl?: string;
  /** Passed to targetStatus; use the evaluator's own (the local monitor: `{ lookbackMs: LOCAL_LOOKBACK_MS }`). */
  evaluate?: EvaluateOptions;
}

const KNOWN_OPTIONS: readonly (keyof StatusModelOptions)[] = ['view', 'runbookBaseUrl', 'evaluate'];

/**
 * The status of every configured target at `nowMs`. `history(target)` returns that target's records (the
 * configured target is passed; records may be in any order and may include other regions, which are ignored).
 */
export function statusModel(config: ResolvedConfig, history: (target: ResolvedTarget) => readonly ProbeRecord[], nowMs: number, options?: StatusModelOptions): StatusModel {
  // Options are checked, not trusted: a misspelt `veiw` would silently page-disagree with the alerts.
  rejectUnknownOptions('statusModel', options, KNOWN_OPTIONS);
  if (!Number.isFinite(nowMs)) throw new RangeError(`statusModel: nowMs must be a finite number of ms, got ${nowMs}`);
  const evaluatedAt = floorTo(nowMs, MINUTE_MS);
  const spanStart = spanStartAt(nowMs);
  const targets = config.targets.map((configured) => {
    const target = options?.view ? options.view(configured) : configured;
    return targetModel(target, history(configured), nowMs, spanStart, options);
  });
  const model: StatusModel = { generatedAt: nowMs, evaluatedAt, bucketMs: STATUS_BUCKET_MS, spanStart, targets };
  if ((config.groups ?? []).length > 0) {
    const configured = new Map(config.targets.map((t) => [t.name, t]));
    const view = (name: string): ResolvedTarget | undefined => {
      const t = configured.get(name);
      return t === undefined ? undefined : options?.view ? options.view(t) : t;
    };
    model.groups = groupModels(config, targets, view, (name) => (configured.has(name) ? history(configured.get(name)!) : []), spanStart, evaluatedAt);
  }
  return model;
}

function targetModel(target: ResolvedTarget, records: readonly ProbeRecord[], nowMs: number, spanStart: number, options: StatusModelOptions | undefined): TargetModel {
  const status = targetStatus(target, records, nowMs, options?.evaluate);
  const runbookBase = options?.runbookBaseUrl ?? target.runbookBaseUrl;
  const incidents = status.policies.filter(isOpen).map((p) => incidentModel(target, records, status.at, p, runbookBase));
  const latest = latestByRegion(target, records, nowMs);
  const regions: RegionModel[] = status.regions.map((r) => {
    const last = latest.get(r.region);
    return { region: r.region, status: r.status, ...(r.failureClass !== undefined ? { failureClass: r.failureClass } : {}), ...(last !== undefined ? { last } : {}) };
  });
  const window = inMaintenance(target.maintenance, status.at);
  const maintenance = status.maintenance.suppressNotifications && window !== undefined ? { description: window.description, countsAgainstSla: window.countsAgainstSla } : undefined;
  const { strip, points, firstRecordMs } = recentSpan(target, records, nowMs, spanStart);
  const lastVerdict = status.lastInterval?.verdict;
  const { state, reason } = stateOf(lastVerdict, regions, incidents, maintenance);
  return {
    name: target.name,
    host: target.host,
    port: target.port,
    owner: target.owner,
    intervalMinutes: target.intervalMinutes,
    state,
    stateReason: reason,
    lastVerdict,
    slo: status.slo,
    sloWindow: target.slo.window,
    availability: status.availability,
    availabilitySpan: availabilitySpan(target, firstRecordMs, status.lastInterval?.start),
    errorBudgetRemaining: status.errorBudgetRemaining,
    errorBudget: budgetMinutes(target, status.errorBudgetRemaining),
    maintenance,
    regions,
    incidents,
    strip,
    latency: { thresholdMs: target.latency?.controlP95Ms, points },
    ...(status.lastServer !== undefined ? { lastServer: status.lastServer } : {}),
  };
}

/** Intervals in the SLO window, as the policies count them. */
function windowIntervals(target: ResolvedTarget): number {
  return Math.round((target.slo.windowDays * DAY_MS) / (target.intervalMinutes * MINUTE_MS));
}

/** [later of the first record and the window's start, end of the last complete interval): what the policies counted over. */
function availabilitySpan(target: ResolvedTarget, firstRecordMs: number | undefined, lastStart: number | undefined): AvailabilitySpan | undefined {
  if (firstRecordMs === undefined || lastStart === undefined) return undefined;
  const stepMs = target.intervalMinutes * MINUTE_MS;
  const toMs = lastStart + stepMs;
  if (firstRecordMs >= toMs) return undefined;
  const windowStart = toMs - windowIntervals(target) * stepMs;
  const fromMs = Math.max(firstRecordMs, windowStart);
  return { fromMs, toMs, minutes: (toMs - fromMs) / MINUTE_MS, wholeWindow: fromMs === windowStart };
}

/**
 * The budget in minutes from the remaining fraction: remaining = 1 − bad / (window intervals × b), so the bad
 * intervals are (1 − remaining) × window intervals × b, a whole number up to float error.
 */
function budgetMinutes(target: ResolvedTarget, remaining: number): { allowanceMinutes: number; usedMinutes: number } {
  const allowanceIntervals = windowIntervals(target) * budgetRate(target);
  return { allowanceMinutes: allowanceIntervals * target.intervalMinutes, usedMinutes: Math.round((1 - remaining) * allowanceIntervals) * target.intervalMinutes };
}

/** The order of the rules is the precedence: maintenance explains everything under it, down outranks the rest. */
function stateOf(
  lastVerdict: TargetModel['lastVerdict'],
  regions: readonly RegionModel[],
  incidents: readonly IncidentModel[],
  maintenance: TargetModel['maintenance'],
): { state: TargetState; reason: string } {
  if (maintenance !== undefined) return { state: 'maintenance', reason: `in a maintenance window${maintenance.description ? `: ${maintenance.description}` : ''}` };
  const down = incidents.find((i) => i.policy === 'down' && i.phase === 'breached');
  if (down !== undefined) {
    return { state: 'down', reason: `down since ${isoMinute(down.since)}${down.dominantFailureClass ? ` (${down.dominantFailureClass})` : ''}` };
  }
  if (lastVerdict === undefined || regions.every((r) => r.last === undefined)) return { state: 'no_data', reason: 'no probe result yet' };
  if (lastVerdict === 'unknown') return { state: 'no_data', reason: 'too few regions reported in the last interval to tell' };
  if (incidents.length > 0) {
    const first = incidents[0]!;
    return { state: 'degraded', reason: `${first.policy === 'error_budget' ? `error_budget (${first.severity})` : first.policy} incident ${first.phase} since ${isoMinute(first.since)}` };
  }
  const failing = regions.filter((r) => r.status === 'fail');
  if (lastVerdict === 'down' || failing.length > 0) {
    return { state: 'degraded', reason: `last interval failed in ${failing.map((r) => `${r.region}${r.failureClass ? ` (${r.failureClass})` : ''}`).join(', ')}` };
  }
  const missing = regions.filter((r) => r.status === 'missing');
  if (missing.length > 0) return { state: 'degraded', reason: `no result from ${missing.map((r) => r.region).join(', ')} in the last interval` };
  return { state: 'up', reason: 'every region answered in the last interval' };
}

/** A policy with an incident open (breached or recovering). */
type OpenPolicyStatus = PolicyStatus & { phase: Exclude<IncidentPhase, 'ok'> };

const isOpen = (p: PolicyStatus): p is OpenPolicyStatus => p.phase !== 'ok';

/**
 * One open incident, with the runbook its alert would link to. The dominant failure class is counted as
 * the evaluator counts it for a notification at the same instant: failed probes from the incident's start
 * to the last complete interval, for down and error_budget only in down intervals (a single flaky region
 * must not pick the runbook of a target-wide outage).
 */
function incidentModel(target: ResolvedTarget, records: readonly ProbeRecord[], at: number, policy: OpenPolicyStatus, runbookBase: string): IncidentModel {
  const since = policy.startsAt ?? at;
  let dominant: FailureClass | undefined;
  if (policy.policy === 'down' || policy.policy === 'error_budget') {
    const timeline = buildTimeline(target, records, { fromMs: since, toMs: at });
    const first = Math.max(0, Math.ceil((since - timeline.startMs) / timeline.stepMs));
    const counts: Partial<Record<FailureClass, number>> = {};
    for (let i = first; i <= timeline.lastCompleteAt(at); i++) {
      if (timeline.verdict(i) !== 'down') continue;
      for (const record of timeline.recordsOf(i)) {
        if (!record.ok && record.failureClass !== undefined) counts[record.failureClass] = (counts[record.failureClass] ?? 0) + 1;
      }
    }
    dominant = dominantFailureClass(counts);
  }
  return {
    key: policy.key,
    policy: policy.policy,
    severity: policy.severity,
    phase: policy.phase,
    since,
    dedupKey: policy.dedupKey ?? '',
    announced: policy.announced,
    runbookUrl: runbookUrlFor({ policy: policy.policy, ...(dominant !== undefined ? { dominantFailureClass: dominant } : {}) }, runbookBase),
    ...(dominant !== undefined ? { dominantFailureClass: dominant } : {}),
  };
}

/** The latest record per region (at or before now); within one interval an ok record wins, as in the timeline. */
function latestByRegion(target: ResolvedTarget, records: readonly ProbeRecord[], nowMs: number): Map<string, LastProbe> {
  const regions = new Set<string>(target.regions);
  const best = new Map<string, ProbeRecord>();
  for (const record of records) {
    if (record.target !== target.name || !regions.has(record.region) || record.intervalStart > nowMs) continue;
    const seen = best.get(record.region);
    if (seen === undefined || record.intervalStart > seen.intervalStart || (record.intervalStart === seen.intervalStart && record.ok && !seen.ok)) {
      best.set(record.region, record);
    }
  }
  const result = new Map<string, LastProbe>();
  for (const [region, r] of best) {
    result.set(region, {
      at: r.intervalStart,
      ok: r.ok,
      ...(r.failureClass !== undefined ? { failureClass: r.failureClass } : {}),
      ...(r.connectMs !== undefined ? { connectMs: r.connectMs } : {}),
      ...(r.controlMs !== undefined ? { controlMs: r.controlMs } : {}),
    });
  }
  return result;
}

/** `2025-01-15 12:03Z`. */
export function isoMinute(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')}Z`;
}
