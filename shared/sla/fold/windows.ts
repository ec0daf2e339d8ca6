// The SLO and burn windows of the fold: which intervals were bad or not counted, as runs, and running counts
// of every window over the last intervals. Appending an interval is O(windows · log runs): each window adds
// the new interval and drops the one that left it, found by a binary search in the runs.
import type { FoldPlan } from './plan.js';
import type { FoldState } from './state.js';

/** What an interval is for the SLO: counted and good, bad (counted and down), or not counted (unknown, or excluded by maintenance). */
export const GOOD = 0;
export const BAD = 1;
export const UNCOUNTED = 2;
export type SloSymbol = typeof GOOD | typeof BAD | typeof UNCOUNTED;

/** Index of the run [start, end) holding i in flat pairs, or -1. */
function runHolding(runs: readonly number[], i: number): number {
  let lo = 0;
  let hi = runs.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (runs[2 * mid + 1]! <= i) lo = mid + 1;
    else if (runs[2 * mid]! > i) hi = mid - 1;
    else return mid;
  }
  return -1;
}

export function symbolAt(state: FoldState, i: number): SloSymbol {
  if (runHolding(state.bad, i) >= 0) return BAD;
  if (runHolding(state.unc, i) >= 0) return UNCOUNTED;
  return GOOD;
}

function extend(runs: number[], i: number): void {
  const n = runs.length;
  if (n > 0 && runs[n - 1] === i) runs[n - 1] = i + 1;
  else runs.push(i, i + 1);
}

/** Drops runs that end at or before `before`: nothing asks about those intervals any more. */
function prune(runs: number[], before: number): void {
  let drop = 0;
  while (drop < runs.length && runs[drop + 1]! <= before) drop += 2;
  if (drop > 0) runs.splice(0, drop);
}

/** Folds interval k = state.k (the caller advances k afterwards). */
export function appendSlo(plan: FoldPlan, state: FoldState, sym: SloSymbol): void {
  const k = state.k;
  const cnt = state.cnt;
  for (let slot = 0; slot < plan.windowNs.length; slot++) {
    if (sym === BAD) cnt[2 * slot]! += 1;
    else if (sym === UNCOUNTED) cnt[2 * slot + 1]! += 1;
    const leaving = k - plan.windowNs[slot]!;
    if (leaving < 0) continue;
    const old = symbolAt(state, leaving);
    if (old === BAD) cnt[2 * slot]! -= 1;
    else if (old === UNCOUNTED) cnt[2 * slot + 1]! -= 1;
  }
  if (sym === BAD) extend(state.bad, k);
  else if (sym === UNCOUNTED) extend(state.unc, k);
  // The next interval (k + 1) drops k + 1 − n from its longest window: older runs are never asked about.
  const before = k + 1 - plan.keepN;
  prune(state.bad, before);
  prune(state.unc, before);
}

function overlap(runs: readonly number[], from: number, to: number): number {
  let total = 0;
  for (let j = 0; j < runs.length; j += 2) total += Math.max(0, Math.min(runs[j + 1]!, to) - Math.max(runs[j]!, from));
  return total;
}

/** The running counts from the runs (after parsing a stored state, where they are not stored). */
export function recountWindows(plan: FoldPlan, state: FoldState): number[] {
  const cnt: number[] = [];
  for (const n of plan.windowNs) {
    const from = Math.max(0, state.k - n);
    cnt.push(overlap(state.bad, from, state.k), overlap(state.unc, from, state.k));
  }
  return cnt;
}

/** Counted and bad intervals of the window in `slot` over the last complete intervals (as IntervalTimeline.counts, clamped to the origin). */
export function windowCounts(plan: FoldPlan, state: FoldState, slot: number): { counted: number; bad: number } {
  const size = Math.min(plan.windowNs[slot]!, state.k);
  return { counted: size - state.cnt[2 * slot + 1]!, bad: state.cnt[2 * slot]! };
}

/** The first bad interval at or after `from` (among those folded), or -1. */
export function firstBadFrom(state: FoldState, from: number): number {
  const runs = state.bad;
  let lo = 0;
  let hi = runs.length / 2;
  // First run whose end is after `from`.
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (runs[2 * mid + 1]! <= from) lo = mid + 1;
    else hi = mid;
  }
  if (lo >= runs.length / 2) return -1;
  return Math.max(runs[2 * lo]!, from);
}
