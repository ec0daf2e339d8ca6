// The SLA core as a fold: state' = step(state, records of the intervals that completed). The work of a
// step grows with the minutes it covers, not with the history: each interval is folded once (its verdict,
// window counts, runs, latency slot, failure evidence) and each minute steps the incident trackers on that
// state, with the same conditions, state machines, inhibition and notification content as the stateless
// walk (evaluate.ts, incidents.ts, policies.ts), which is the specification: a replay from
// emptyFoldState over a history gives exactly evaluateTarget's notifications over it (test/unit/sla-fold-*).
//
// Which records a step takes: those of the target (other targets and regions are ignored, as the
// timeline ignores them) whose interval has not been folded, i.e. ends after state.t, the last instant
// stepped. Of those it folds the intervals that end by `toInclusive`; a record of a later interval is not
// due yet and is left for a later step (counted `early`); a record of an interval that ended at or before
// state.t comes too late and is dropped (counted `late`): the minute was decided without it, as the
// evaluator's README says of results later than the ingestion lag. So a caller may pass every record it
// has for (state.t − lag, toInclusive], overlapping the previous step: what was folded is not folded twice.
// A step to an instant at or before state.t changes nothing (two runs for the same minute agree).
//
// The one deliberate difference from evaluateTarget: the stateless walk starts at a UTC midnight a
// look-back before the window and clamps an incident older than that to it (its key changes once a day).
// The fold has no look-back: an incident keeps its real start however long it lasts. So the two agree on
// every notification when the walk's look-back start is at or before the first record (a backtest, a local
// monitor younger than its look-back), and otherwise whenever no incident is open at the look-back start
// and no incident opened after it dates back before it (error_budget dates back up to 3 days, down to the
// start of the outage cluster); the last server identity can also differ when none was announced in the
// 3 days before the walk's start.
import type { ProbeRecord } from '../probe-record.js';
import type { ResolvedTarget } from '../../config/types.js';
import type { Notification } from '../notification.js';
import { FAILURE_CLASSES } from '../../probe/failure-classes.js';
import { verdictOf } from '../intervals.js';
import { DOWN_RECOVERY_INTERVALS, LATENCY_MIN_SAMPLES, LATENCY_MIN_SLOW_SAMPLES } from '../policies.js';
import { rejectUnknownOptions } from '../../common/options.js';
import { MINUTE_MS, floorTo } from '../../common/time.js';
import { FoldStateError } from './errors.js';
import { EXCLUDE_BIT, SUPPRESS_BIT, maintenanceBitsAt } from './maintenance-flags.js';
import { foldPlan, type FoldPlan } from './plan.js';
import { cloneFoldState, type FoldEntry, type FoldOptions, type FoldState } from './state.js';
import { BAD, GOOD, UNCOUNTED, appendSlo, recountWindows } from './windows.js';
import { appendEntry, appendFailureEvidence, appendLatencyEvidence, entryCounts } from './evidence.js';
import { foldStateFits, markFits } from './fits.js';
import { stepTrackers } from './trackers.js';

export interface FoldStepResult {
  state: FoldState;
  /** Due at the instants (state.t, toInclusive], in evaluateTarget's order. */
  notifications: Notification[];
  /** What became of the records given: folded now, not due yet, too late, or not this target's. */
  records: { folded: number; early: number; late: number; ignored: number };
}

function checkOptions(options: FoldOptions | undefined): void {
  rejectUnknownOptions('stepFold', options, ['renotify', 'latencyStepMs', 'nowMs']);
  const latencyStepMs = options?.latencyStepMs;
  if (latencyStepMs !== undefined && !(Number.isInteger(latencyStepMs) && latencyStepMs > 0 && latencyStepMs % MINUTE_MS === 0)) {
    throw new RangeError(`stepFold: latencyStepMs must be a positive whole number of minutes in ms, got ${latencyStepMs}`);
  }
  const nowMs = options?.nowMs;
  if (nowMs !== undefined && !Number.isFinite(nowMs)) throw new RangeError(`stepFold: nowMs must be a finite number of ms, got ${nowMs}`);
  for (const [name, value] of Object.entries(options?.renotify ?? {})) {
    if (!(Number.isInteger(value) && value > 0 && value % MINUTE_MS === 0)) {
      throw new RangeError(`stepFold: renotify.${name} must be a positive whole number of minutes in ms, got ${value}`);
    }
  }
}

/**
 * Advances the state to `toInclusive` (floored to the minute): folds the intervals that completed by then
 * from `records` and steps every minute after state.t. Never changes `state`; throws FoldStateError
 * 'fold_state_mismatch' for a state built for another configuration (rebuild it by replaying history).
 */
export function stepFold(target: ResolvedTarget, state: FoldState, records: readonly ProbeRecord[], toInclusive: number, options?: FoldOptions): FoldStepResult {
  checkOptions(options);
  if (!Number.isFinite(toInclusive)) throw new RangeError(`stepFold: toInclusive must be a finite number of ms, got ${toInclusive}`);
  const plan = foldPlan(target, options);
  const fit = foldStateFits(target, state, options);
  if (!fit.fits) throw new FoldStateError('fold_state_mismatch', `stepFold: the state does not fit target '${target.name}': ${fit.reason}`);
  const to = floorTo(toInclusive, MINUTE_MS);
  const report = { folded: 0, early: 0, late: 0, ignored: 0 };
  const byStart = new Map<number, ProbeRecord[]>();
  let earliest = Number.POSITIVE_INFINITY;
  for (const record of records) {
    if (record.target !== target.name || !plan.regionIndex.has(record.region) || !Number.isFinite(record.intervalStart)) {
      report.ignored++;
      continue;
    }
    const start = floorTo(record.intervalStart, plan.stepMs);
    if (state.t !== null && start + plan.stepMs <= state.t) report.late++;
    else if (start + plan.stepMs > to) report.early++;
    else {
      report.folded++;
      let list = byStart.get(start);
      if (list === undefined) byStart.set(start, (list = []));
      list.push(record);
      if (start < earliest) earliest = start;
    }
  }
  if (state.t !== null && to <= state.t) return { state, notifications: [], records: report };

  const next = cloneFoldState(state);
  if (next.cnt.length === 0) next.cnt = recountWindows(plan, next);
  const notifications: Notification[] = [];
  // Nothing is known before the target's first record: the origin is the first interval that had one.
  if (next.o === null && Number.isFinite(earliest)) next.o = earliest;
  if (next.o !== null) {
    const origin = next.o;
    const first = Math.max(next.t === null ? Number.NEGATIVE_INFINITY : next.t + MINUTE_MS, origin + plan.stepMs);
    for (let t = first; t <= to; t += MINUTE_MS) {
      while (origin + (next.k + 1) * plan.stepMs <= t) foldInterval(plan, next, byStart.get(origin + next.k * plan.stepMs) ?? []);
      stepTrackers(plan, next, t, notifications, options?.nowMs);
    }
  }
  next.t = to;
  markFits(next, plan);
  return { state: next, notifications, records: report };
}

/** Folds interval state.k from its records (in the order given: it decides the first class and server shown). */
function foldInterval(plan: FoldPlan, s: FoldState, records: readonly ProbeRecord[]): void {
  const k = s.k;
  const R = plan.R;
  const origin = s.o!;
  const bits = maintenanceBitsAt(plan.target.maintenance, origin + k * plan.stepMs);
  const suppressed = (bits & SUPPRESS_BIT) !== 0;
  const excluded = (bits & EXCLUDE_BIT) !== 0;

  const status = new Array<number>(R).fill(0);
  const firstClass = new Array<number>(R).fill(-1);
  const control = new Array<number | null>(R).fill(null);
  const failedIn = new Array<boolean>(R).fill(false);
  const classCounts: number[] = [];
  let anyFailed = false;
  let server: ProbeRecord['server'];
  let serverRegion = R;
  const values = plan.latency === undefined ? undefined : Array.from({ length: R }, (): number[] => []);
  for (const record of records) {
    const r = plan.regionIndex.get(record.region)!;
    if (record.ok) status[r] = 1;
    else if (status[r] !== 1) {
      status[r] = 2;
      if (firstClass[r] === -1 && record.failureClass !== undefined) firstClass[r] = FAILURE_CLASSES.indexOf(record.failureClass);
    }
    // Latest identity: within an interval, the first region in config order.
    if (record.server !== undefined && r < serverRegion) {
      server = record.server;
      serverRegion = r;
    }
    if (control[r] === null && record.controlMs !== undefined) control[r] = record.controlMs;
    if (!record.ok) {
      anyFailed = true;
      failedIn[r] = true;
      const cls = record.failureClass === undefined ? -1 : FAILURE_CLASSES.indexOf(record.failureClass);
      if (cls >= 0) classCounts[cls] = (classCounts[cls] ?? 0) + 1;
    }
    if (values !== undefined && !suppressed && record.controlMs !== undefined && Number.isFinite(record.controlMs)) values[r]!.push(record.controlMs);
  }
  let reporting = 0;
  let failing = 0;
  for (let r = 0; r < R; r++) {
    if (status[r] !== 0) reporting++;
    if (status[r] === 2) failing++;
  }
  const verdict = verdictOf(reporting, failing, plan.quorum);
  const down = verdict === 'down';
  const up = verdict === 'up';
  const sym = verdict === 'unknown' || excluded ? UNCOUNTED : down ? BAD : GOOD;
  appendSlo(plan, s, sym);

  s.downRun = down && !suppressed ? s.downRun + 1 : 0;
  s.upRun = up ? s.upRun + 1 : 0;
  s.allRep = reporting === R ? s.allRep + 1 : 0;
  // The outage cluster, as outageStartIndex scans it backwards: a bad interval joins the cluster unless
  // DOWN_RECOVERY_INTERVALS up intervals in a row came since its last bad one; unknown breaks the up run.
  if (sym === BAD) {
    if (s.cl < 0) s.cl = k;
    s.ups = 0;
    s.lb = k;
  } else if (up) {
    s.ups++;
    if (s.ups >= DOWN_RECOVERY_INTERVALS) s.cl = -1;
  } else s.ups = 0;
  for (let r = 0; r < R; r++) {
    if (status[r] === 0) continue;
    s.seen[r] = k;
    if (!suppressed) s.seenNm[r] = k;
  }
  if (!suppressed) {
    s.nm.unshift(k);
    if (s.nm.length > 3) s.nm.pop();
  }
  // The SCCRP identity alone, as stored (a login's PPP name is the identity events', not the status line's).
  if (server !== undefined) s.server = { hostname: server.hostname, vendor: server.vendor, firmwareRevision: server.firmwareRevision };
  s.last = { verdict: down ? 2 : up ? 1 : 0, st: status, cls: status.map((st, r) => (st === 2 ? firstClass[r]! : -1)), ctl: control };

  // Failure evidence: kept for incidents that may still open, and added to those open now.
  if (anyFailed) {
    const c: number[] = [];
    classCounts.forEach((count, cls) => c.push(cls, count));
    const entry: FoldEntry = { i: k, n: 1, d: down ? (suppressed ? 1 : 2) : 0, c, f: [] };
    for (let r = 0; r < R; r++) if (failedIn[r]) entry.f.push(r);
    appendEntry(entry.d > 0 ? s.evd : s.evf, entry);
    plan.keys.forEach((key, idx) => {
      const ev = s.tr[idx]!.ev;
      if (ev !== null && k > ev.c && entryCounts(key === 'no_data', entry)) appendFailureEvidence(ev, entry);
    });
  }
  if (plan.latency !== undefined && values !== undefined) foldLatency(plan, s, values);
  s.k = k + 1;
  pruneEvidence(plan, s);
}

/**
 * Drops the failure evidence no incident can name any more: per policy not open now, the earliest first
 * interval its next incident can have (down: the outage cluster, or the next interval without one;
 * error_budget: the start of its longest window at the last interval; no_data: the interval after the
 * earliest region's last report), and never before its previous incident ended. An open policy's next
 * incident starts after the open one ends, after every interval folded so far.
 */
function pruneEvidence(plan: FoldPlan, s: FoldState): void {
  const k = s.k;
  let down = k;
  let all = k;
  plan.keys.forEach((key, idx) => {
    const tr = s.tr[idx]!;
    if (tr.p !== 0 || key === 'latency') return;
    let from: number;
    if (key === 'down') from = s.cl >= 0 ? s.cl : k;
    else if (key === 'no_data') from = Math.min(...s.seen) + 1;
    else from = k - plan.longestRule[key === 'error_budget-page' ? 'page' : 'ticket'];
    if (tr.pe !== null) from = Math.max(from, Math.ceil((tr.pe - s.o!) / plan.stepMs));
    down = Math.min(down, from);
    if (key === 'no_data') all = from;
  });
  let drop = 0;
  while (drop < s.evd.length && s.evd[drop]!.i + s.evd[drop]!.n <= down) drop++;
  if (drop > 0) s.evd.splice(0, drop);
  drop = 0;
  while (drop < s.evf.length && s.evf[drop]!.i + s.evf[drop]!.n <= all) drop++;
  if (drop > 0) s.evf.splice(0, drop);
}

/** The latency slot of interval state.k: locations slow at its end (latencySamples over the rolling window), and the ring's retention. */
function foldLatency(plan: FoldPlan, s: FoldState, values: number[][]): void {
  const { thresholdMs, windowN, forN } = plan.latency!;
  const k = s.k;
  const slot = { v: values, sl: [] as number[] };
  s.lat.push(slot);
  const from = Math.max(0, k - windowN + 1, s.lf);
  let anySlow = false;
  for (let r = 0; r < plan.R; r++) {
    let samples = 0;
    let slow = 0;
    for (let i = from; i <= k; i++) {
      for (const v of s.lat[i - s.lf]!.v[r]!) {
        samples++;
        if (v > thresholdMs) slow++;
      }
    }
    for (const v of values[r]!) if (v > thresholdMs) anySlow = true;
    // locationSlowAt: enough samples, and enough slow ones with the nearest-rank p95 above.
    if (samples >= LATENCY_MIN_SAMPLES && slow >= Math.max(LATENCY_MIN_SLOW_SAMPLES, samples - Math.ceil(0.95 * samples) + 1)) slot.sl.push(r);
  }
  if (anySlow) s.ls = k;
  const slowEnough = slot.sl.length >= plan.quorum && slot.sl.length > 0;
  s.lst = slowEnough ? (s.lst >= 0 ? s.lst : k) : -1;
  const idx = plan.keys.indexOf('latency');
  const lp = s.tr[idx]!.lp;
  if (lp !== null && k > lp.c) appendLatencyEvidence(lp, k, values);
  // A later check scans back at most `for` + one window of slow intervals, then one window for the first
  // slow sample; the next interval's rolling window needs the last window − 1 slots.
  const keepFrom = Math.max(0, (s.lst < 0 ? k + 1 : Math.max(s.lst, k - forN - windowN)) - windowN + 1);
  if (keepFrom > s.lf) {
    s.lat.splice(0, Math.min(keepFrom - s.lf, s.lat.length));
    s.lf = keepFrom;
  }
}
