// What the fold derives from a target and its options once: window lengths in intervals (as policies.ts
// computes them), the burn rules with the slots of their windows, latency parameters, the policies in
// policyMachines' order, and the fingerprint a stored state carries. Memoised per target object.
import { createHash } from 'node:crypto';
import type { ResolvedTarget } from '../../config/types.js';
import { FAILURE_CLASSES } from '../../probe/failure-classes.js';
import type { PolicyKey } from '../incidents.js';
import type { IncidentSeverity as Severity } from '../notification.js';
import {
  BURN_RULES,
  BURN_WINDOWS,
  LATENCY_DEFAULT_FOR_MINUTES,
  LATENCY_MIN_SAMPLES,
  LATENCY_WINDOW_MINUTES,
  LONGEST_BURN_WINDOW_MS,
  MIN_SHORT_WINDOW_INTERVALS,
  budgetRate,
} from '../policies.js';
import { DEFAULT_RENOTIFY_MS } from '../evaluate.js';
import { DAY_MS, MINUTE_MS } from '../../common/time.js';
import type { FoldOptions } from './state.js';

export interface BurnRuleSlots {
  severity: Severity;
  label: string;
  factor: number;
  longN: number;
  shortN: number;
  longSlot: number;
  shortSlot: number;
}

/** Everything derived from the target and options once: window lengths, rules, latency parameters. */
export interface FoldPlan {
  target: ResolvedTarget;
  regionIndex: ReadonlyMap<string, number>;
  R: number;
  stepMs: number;
  quorum: number;
  downFor: number;
  /** Distinct window lengths (intervals) with running counts. */
  windowNs: number[];
  /** burnRates' seven windows in order: label and slot in windowNs. */
  burnSlots: Array<{ label: string; slot: number }>;
  rules: Record<Severity, BurnRuleSlots[]>;
  sloN: number;
  sloSlot: number;
  /** Intervals of run history kept: the longest window. */
  keepN: number;
  /** Intervals of down evidence kept for error-budget incidents: the longest burn window. */
  burnKeepN: number;
  /** Per severity, the longest long window of its rules (how far back an error-budget incident can date). */
  longestRule: Record<Severity, number>;
  budget: number;
  latency: { thresholdMs: number; windowN: number; forN: number } | undefined;
  keys: PolicyKey[];
  renotify: { pageMs: number; ticketMs: number };
  latencyStepMs: number;
  fp: string;
}

const roundWindow = (durationMs: number, stepMs: number): number => Math.max(1, Math.round(durationMs / stepMs));

/** The fingerprint: a hash of what the fold's answers depend on (not the host, port, checks, owner or tags), and of the failure-class list the evidence indexes. */
export function foldFingerprint(target: ResolvedTarget, renotify: { pageMs: number; ticketMs: number }, latencyStepMs: number): string {
  const maintenance = target.maintenance.map((w) => {
    const { description: _d, scope: _s, ...rest } = w;
    return rest;
  });
  // The schema version is the state's own `v`, checked before this.
  const canonical = JSON.stringify({
    name: target.name,
    regions: target.regions,
    quorum: target.quorum,
    intervalMinutes: target.intervalMinutes,
    slo: [target.slo.availability, target.slo.windowDays],
    latency: target.latency === undefined ? null : [target.latency.controlP95Ms, target.latency.forMinutes ?? LATENCY_DEFAULT_FOR_MINUTES],
    down: target.down.for,
    maintenance,
    renotify: [renotify.pageMs, renotify.ticketMs],
    latencyStepMs,
    // Evidence stores failure classes by their index in this list.
    classes: FAILURE_CLASSES,
  });
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

const plans = new WeakMap<ResolvedTarget, Map<string, FoldPlan>>();

/** The plan for a target and options (memoised per target object: a config's targets live as long as the runner). */
export function foldPlan(target: ResolvedTarget, options: FoldOptions | undefined): FoldPlan {
  const renotify = options?.renotify ?? DEFAULT_RENOTIFY_MS;
  const latencyStepMs = options?.latencyStepMs ?? MINUTE_MS;
  const key = `${renotify.pageMs}/${renotify.ticketMs}/${latencyStepMs}`;
  let byOptions = plans.get(target);
  if (byOptions === undefined) {
    byOptions = new Map();
    plans.set(target, byOptions);
  }
  const known = byOptions.get(key);
  if (known !== undefined) return known;

  const stepMs = target.intervalMinutes * MINUTE_MS;
  const windowNs: number[] = [];
  const slotOf = (n: number): number => {
    let slot = windowNs.indexOf(n);
    if (slot < 0) slot = windowNs.push(n) - 1;
    return slot;
  };
  // As burnRates (policies.ts): a window only ever used as a short window is widened to MIN_SHORT_WINDOW_INTERVALS.
  const shortLabels = new Set(BURN_RULES.map((r) => r.short.label));
  const longLabels = new Set(BURN_RULES.map((r) => r.long.label));
  const burnSlots = BURN_WINDOWS.map((w) => {
    const n = roundWindow(w.durationMs, stepMs);
    const widened = shortLabels.has(w.label) && !longLabels.has(w.label) ? Math.max(n, MIN_SHORT_WINDOW_INTERVALS) : n;
    return { label: w.label, slot: slotOf(widened) };
  });
  const rules: Record<Severity, BurnRuleSlots[]> = { page: [], ticket: [] };
  for (const rule of BURN_RULES) {
    const longN = roundWindow(rule.long.durationMs, stepMs);
    const shortN = Math.max(roundWindow(rule.short.durationMs, stepMs), MIN_SHORT_WINDOW_INTERVALS);
    rules[rule.severity].push({ severity: rule.severity, label: rule.label, factor: rule.factor, longN, shortN, longSlot: slotOf(longN), shortSlot: slotOf(shortN) });
  }
  const sloN = Math.round((target.slo.windowDays * DAY_MS) / stepMs);
  const sloSlot = slotOf(sloN);
  const burnKeepN = Math.max(roundWindow(LONGEST_BURN_WINDOW_MS, stepMs), ...rules.page.map((r) => r.longN), ...rules.ticket.map((r) => r.longN));
  const latency =
    target.latency === undefined
      ? undefined
      : {
          thresholdMs: target.latency.controlP95Ms,
          windowN: Math.max(Math.ceil((LATENCY_WINDOW_MINUTES * MINUTE_MS) / stepMs), LATENCY_MIN_SAMPLES),
          forN: Math.max(1, Math.ceil(((target.latency.forMinutes ?? LATENCY_DEFAULT_FOR_MINUTES) * MINUTE_MS) / stepMs)),
        };
  const keys: PolicyKey[] = ['down', 'error_budget-page', 'error_budget-ticket'];
  if (latency !== undefined) keys.push('latency');
  keys.push('no_data');
  const plan: FoldPlan = {
    target,
    regionIndex: new Map(target.regions.map((region, i) => [region, i])),
    R: target.regions.length,
    stepMs,
    quorum: target.quorum,
    downFor: target.down.for,
    windowNs,
    burnSlots,
    rules,
    sloN,
    sloSlot,
    keepN: Math.max(...windowNs, burnKeepN),
    burnKeepN,
    longestRule: { page: Math.max(...rules.page.map((r) => r.longN)), ticket: Math.max(...rules.ticket.map((r) => r.longN)) },
    budget: budgetRate(target),
    latency,
    keys,
    renotify,
    latencyStepMs,
    fp: foldFingerprint(target, renotify, latencyStepMs),
  };
  byOptions.set(key, plan);
  return plan;
}

