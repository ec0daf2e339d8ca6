// The fold's state: everything the SLA core needs from the past to take the next minute, and nothing more.
// Plain data (numbers, booleans, strings, arrays, objects): JSON as it stands, so serialising is
// JSON.stringify and a stored state is readable by a person. Interval indices count from the origin (the
// start of the first interval that had a record of the target), so interval i starts at origin + i·step.
//
// What it holds, and why each piece is bounded:
// - SLO and burn windows: the bad and the not-counted intervals as runs [start, end) over the longest
//   window (the SLO window, up to 90 days; at least the 3-day burn window). A healthy target has no run at
//   all; one bad minute a day is 30 runs. The running counts of every window are derived (rebuilt on parse).
// - Runs ending at the last interval: down (outside maintenance), up, every region reported; the outage
//   cluster (where the outage that holds the last interval began, as the SLA report counts it: bad
//   intervals separated by fewer than 3 up intervals); the latest bad interval.
// - no_data: per region the latest interval it reported in, and the latest one outside maintenance; the
//   latest 3 intervals outside maintenance.
// - Latency (targets with an objective): per interval the control times per location and the locations
//   slow at its end, for the intervals a future check can still look at: the current slow stretch (at most
//   `for` + one window) plus one window before it, else the last window.
// - Failure evidence: the intervals with failed probes that an incident opening later could still name,
//   as runs of alike intervals (an outage is one entry): for each policy not open now, back to the earliest
//   start its next incident can have (down: the outage cluster; error_budget: its longest window, 1 day
//   or 3 days; no_data: the earliest region's last report; never before the policy's previous incident
//   ended). An open policy needs none: its next incident starts after this one ends.
// - Per policy the incident tracker (incidents.ts's IncidentTracker, field for field), the error-budget
//   rules' `active` flags, the inhibition's silenced incident, and per open incident the evidence its
//   notifications carry (failure classes, failing regions, longest down run, control-time p95 inputs).
// - The last server identity and the last interval's per-region result (for the status page).
import type { ResolvedTarget } from '../../config/types.js';
import { foldPlan } from './plan.js';

/** Schema of the stored state; a state of another version is refused (FoldStateError 'fold_state_version') and rebuilt. */
export const FOLD_SCHEMA_VERSION = 1;

/**
 * Largest control-time samples kept per location for an open latency incident's p95. The nearest-rank p95
 * of n samples is the (n − ⌈0.95·n⌉ + 1)-th largest, so keeping the largest LATENCY_TOP_SAMPLES is exact
 * up to about 20 × that many samples per location (5,100: 3.5 days of 1-minute probes, 17 days of
 * 5-minute ones); past that the p95 given is an upper bound (the smallest sample kept). The bound keeps a
 * target's state under ~15 KB of JSON however long the incident (3 locations × 256 measured times).
 */
export const LATENCY_TOP_SAMPLES = 256;

/** Intervals with at least one failed probe, as evidence for the incidents that include them: `n` consecutive intervals from `i` alike (an outage is one entry). */
export interface FoldEntry {
  /** First interval index, and how many consecutive intervals hold exactly this evidence each. */
  i: number;
  n: number;
  /** 0: not down; 1: down inside a maintenance window (names classes, breaks the down run); 2: down outside maintenance. */
  d: 0 | 1 | 2;
  /** Failed probes per failure class in each interval, as pairs [index in FAILURE_CLASSES, count]. */
  c: number[];
  /** Regions (indices) with a failed probe in each interval, ascending. */
  f: number[];
}

/** The evidence of one open incident: intervals up to `c` summed up, later ones kept one by one (see evidence.ts). */
export interface FailureEvidence {
  /** Summed up through this interval index (the incident's first interval − 1 when nothing is). */
  c: number;
  /** Failed probes per class, pairs [class index, count]. */
  cls: number[];
  /** Failing regions (indices), ascending. */
  fail: number[];
  /** Longest down run (outside maintenance) so far, and the run ending at `c`. */
  longest: number;
  run: number;
  tail: FoldEntry[];
}

/** An open latency incident's control times: the largest samples per location up to `c`, later intervals one by one. */
export interface LatencyEvidence {
  c: number;
  /** Per location: samples summed up, and the largest of them, descending (at most LATENCY_TOP_SAMPLES). */
  n: number[];
  top: number[][];
  tail: Array<{ i: number; v: number[][] }>;
}

/** IncidentTracker's fields (incidents.ts), plus what the walk keeps beside it. */
export interface FoldTracker {
  /** Phase: 0 ok, 1 breached, 2 recovering. */
  p: 0 | 1 | 2;
  /** Announced (for a silenced incident too, as the tracker counts it). */
  a: boolean;
  /** startsAt, announcedAt, falseSince (ms; meaningful while open). */
  s: number;
  at: number;
  fs: number;
  /** The firing rule's label (error_budget), else null. */
  r: string | null;
  /** Affected regions (indices) accumulated while open, ascending. */
  af: number[];
  /** When the previous incident of this policy ended (ms), null for none. */
  pe: number | null;
  /** Whether the fire condition held at the last step. */
  fn: boolean;
  /** error_budget: each rule of the severity is active (fired, long window still above). */
  ac: boolean[];
  /** Inhibition: the startsAt of the open incident it silenced, else null. */
  si: number | null;
  /** Open down / error_budget / no_data incident: its failure evidence. */
  ev: FailureEvidence | null;
  /** Open latency incident: its control times. */
  lp: LatencyEvidence | null;
}

/** One interval of the latency ring: per location its control times (none in maintenance), and the locations slow at its end. */
export interface LatencySlot {
  v: number[][];
  sl: number[];
}

/** The last complete interval as the status page shows it. */
export interface LastIntervalSummary {
  /** 0 unknown, 1 up, 2 down. */
  verdict: 0 | 1 | 2;
  /** Per region: 0 missing, 1 ok, 2 failed. */
  st: number[];
  /** Per region: failure class index of its first failed probe (failed regions), else -1. */
  cls: number[];
  /** Per region: control time of its first record with one, else null. */
  ctl: Array<number | null>;
}

export interface FoldState {
  v: typeof FOLD_SCHEMA_VERSION;
  /** Fingerprint of the target configuration and options the state was built with (foldFingerprint). */
  fp: string;
  /** Last instant stepped (ms, a minute), null before the first step. */
  t: number | null;
  /** Start of interval 0 (ms), null until an interval with a record of the target has been folded. */
  o: number | null;
  /** Intervals folded: [0, k). */
  k: number;
  /** Runs [start, end) of bad intervals and of intervals not counted (unknown or excluded), flat pairs, ascending. */
  bad: number[];
  unc: number[];
  /** Derived, not stored: running [bad, not counted] per window length of FoldPlan.windowNs over the last k intervals; empty after parsing (recounted from the runs by the next step). */
  cnt: number[];
  downRun: number;
  upRun: number;
  allRep: number;
  /** Outage cluster start (index, -1 none) and the up run since its last bad interval. */
  cl: number;
  ups: number;
  /** Latest bad interval, and latest interval with a slow control-time sample outside maintenance (-1 none). */
  lb: number;
  ls: number;
  /** Per region: latest interval reported in, and latest outside maintenance (-1 none). */
  seen: number[];
  seenNm: number[];
  /** Latest intervals outside maintenance, newest first (at most 3). */
  nm: number[];
  /** Failure evidence a future incident may still need: down intervals (d 1 or 2), and failed intervals that were not down (d 0). */
  evd: FoldEntry[];
  evf: FoldEntry[];
  /** Latency ring: slots for intervals [lf, k), and the start of the current slow stretch (-1 none). Empty without an objective. */
  lf: number;
  lat: LatencySlot[];
  lst: number;
  server: { hostname: string; vendor: string; firmwareRevision: number } | null;
  last: LastIntervalSummary | null;
  /** One per policy, in FoldPlan.keys order. */
  tr: FoldTracker[];
}

export interface FoldOptions {
  /** Reminder periods per severity (as evaluateTarget's `renotify`); part of the state's fingerprint. */
  renotify?: { pageMs: number; ticketMs: number };
  /** Step the latency policy only at multiples of this (as evaluateTarget's `latencyStepMs`); part of the fingerprint. */
  latencyStepMs?: number;
  /** The runner's clock, for a notification's `at` (as evaluateTarget's `nowMs`); per call. */
  nowMs?: number;
}

function emptyTracker(rules: number): FoldTracker {
  return { p: 0, a: false, s: 0, at: 0, fs: 0, r: null, af: [], pe: null, fn: false, ac: new Array<boolean>(rules).fill(false), si: null, ev: null, lp: null };
}

/** The state before anything is known about the target: stepping it over a history is a replay. */
export function emptyFoldState(target: ResolvedTarget, options?: Pick<FoldOptions, 'renotify' | 'latencyStepMs'>): FoldState {
  const plan = foldPlan(target, options);
  return {
    v: FOLD_SCHEMA_VERSION,
    fp: plan.fp,
    t: null,
    o: null,
    k: 0,
    bad: [],
    unc: [],
    cnt: new Array<number>(plan.windowNs.length * 2).fill(0),
    downRun: 0,
    upRun: 0,
    allRep: 0,
    cl: -1,
    ups: 0,
    lb: -1,
    ls: -1,
    seen: new Array<number>(plan.R).fill(-1),
    seenNm: new Array<number>(plan.R).fill(-1),
    nm: [],
    evd: [],
    evf: [],
    lf: 0,
    lat: [],
    lst: -1,
    server: null,
    last: null,
    tr: plan.keys.map((key) => emptyTracker(key === 'error_budget-page' ? plan.rules.page.length : key === 'error_budget-ticket' ? plan.rules.ticket.length : 0)),
  };
}

const cloneEntry = (e: FoldEntry): FoldEntry => ({ i: e.i, n: e.n, d: e.d, c: e.c.slice(), f: e.f.slice() });
const cloneRows = (rows: readonly number[][]): number[][] => rows.map((row) => row.slice());

function cloneTracker(tr: FoldTracker): FoldTracker {
  const ev = tr.ev;
  const lp = tr.lp;
  return {
    p: tr.p,
    a: tr.a,
    s: tr.s,
    at: tr.at,
    fs: tr.fs,
    r: tr.r,
    af: tr.af.slice(),
    pe: tr.pe,
    fn: tr.fn,
    ac: tr.ac.slice(),
    si: tr.si,
    ev: ev === null ? null : { c: ev.c, cls: ev.cls.slice(), fail: ev.fail.slice(), longest: ev.longest, run: ev.run, tail: ev.tail.map(cloneEntry) },
    lp: lp === null ? null : { c: lp.c, n: lp.n.slice(), top: cloneRows(lp.top), tail: lp.tail.map((slot) => ({ i: slot.i, v: cloneRows(slot.v) })) },
  };
}

/** A deep copy: stepFold never changes the state it is given. */
export function cloneFoldState(state: FoldState): FoldState {
  const last = state.last;
  return {
    v: state.v,
    fp: state.fp,
    t: state.t,
    o: state.o,
    k: state.k,
    bad: state.bad.slice(),
    unc: state.unc.slice(),
    cnt: state.cnt.slice(),
    downRun: state.downRun,
    upRun: state.upRun,
    allRep: state.allRep,
    cl: state.cl,
    ups: state.ups,
    lb: state.lb,
    ls: state.ls,
    seen: state.seen.slice(),
    seenNm: state.seenNm.slice(),
    nm: state.nm.slice(),
    evd: state.evd.map(cloneEntry),
    evf: state.evf.map(cloneEntry),
    lf: state.lf,
    lat: state.lat.map((slot) => ({ v: cloneRows(slot.v), sl: slot.sl.slice() })),
    lst: state.lst,
    server: state.server === null ? null : { hostname: state.server.hostname, vendor: state.server.vendor, firmwareRevision: state.server.firmwareRevision },
    last: last === null ? null : { verdict: last.verdict, st: last.st.slice(), cls: last.cls.slice(), ctl: last.ctl.slice() },
    tr: state.tr.map(cloneTracker),
  };
}
