// What an open incident's notifications say about it, kept as the incident goes rather than re-read from
// history: failure classes and failing regions (down and error_budget: failed probes in down intervals;
// no_data: every failed probe), the longest down run (down), and the control-time p95 per location
// (latency), each over the incident's own span as buildNotification (evaluate.ts) computes it.
//
// The span of a `resolved` ends where the problem ended (endsAt), which is decided later than the
// intervals after it arrive: a down incident ends with its last bad interval, known only once 3 up
// intervals follow it. So the evidence is two parts: intervals up to a commit point `c` summed up, and the
// intervals after it kept one by one (the tail). The commit point only ever moves to an interval that the
// incident's end can no longer fall before (the latest bad interval for down; for error_budget and
// latency the latest bad / slow interval at the instant the incident stopped holding; for no_data the
// latest interval not every region reported in), so a `resolved` sums the committed part and the tail up
// to its end, and a firing or reminder sums both whole. The tail holds only intervals that carry evidence
// (down intervals, or failed ones for no_data); between commits it stays short (see step.ts).
import { FAILURE_CLASSES, type FailureClass } from '../../probe/failure-classes.js';
import { LATENCY_TOP_SAMPLES, type FailureEvidence, type FoldEntry, type LatencyEvidence, type LatencySlot } from './state.js';

const copyEntry = (e: FoldEntry): FoldEntry => ({ i: e.i, n: e.n, d: e.d, c: e.c.slice(), f: e.f.slice() });

const sameArrays = (a: readonly number[], b: readonly number[]): boolean => a.length === b.length && a.every((x, j) => x === b[j]);

/** Appends the evidence of one interval (entry.n = 1) to a list, extending its last entry when alike and adjacent. */
export function appendEntry(list: FoldEntry[], entry: FoldEntry): void {
  const last = list[list.length - 1];
  if (last !== undefined && last.i + last.n === entry.i && last.d === entry.d && sameArrays(last.c, entry.c) && sameArrays(last.f, entry.f)) last.n += entry.n;
  else list.push(copyEntry(entry));
}

/** The part of the entries at or after interval `from` (an entry straddling it is cut). */
export function entriesFrom(entries: readonly FoldEntry[], from: number, keep: (e: FoldEntry) => boolean): FoldEntry[] {
  const out: FoldEntry[] = [];
  for (const e of entries) {
    if (e.i + e.n <= from || !keep(e)) continue;
    const cut = Math.max(0, from - e.i);
    out.push({ ...copyEntry(e), i: e.i + cut, n: e.n - cut });
  }
  return out;
}

/** Adds class-count pairs, each count times `times`, into sorted pairs. */
function addPairs(into: number[], pairs: readonly number[], times: number): void {
  for (let j = 0; j < pairs.length; j += 2) {
    const cls = pairs[j]!;
    let at = 0;
    while (at < into.length && into[at]! < cls) at += 2;
    if (at < into.length && into[at] === cls) into[at + 1]! += pairs[j + 1]! * times;
    else into.splice(at, 0, cls, pairs[j + 1]! * times);
  }
}

/** Sorted union of region indices, in place. */
export function addRegions(into: number[], regions: readonly number[]): void {
  for (const r of regions) {
    let at = 0;
    while (at < into.length && into[at]! < r) at++;
    if (into[at] !== r) into.splice(at, 0, r);
  }
}

/** The entries an incident of this kind counts: down and error_budget only down intervals, no_data every failed one. */
export const entryCounts = (allFailures: boolean, e: FoldEntry): boolean => allFailures || e.d > 0;

/** Evidence of an incident whose first interval is `first`, from the entries kept. */
export function openFailureEvidence(entries: readonly FoldEntry[], first: number, allFailures: boolean): FailureEvidence {
  return { c: first - 1, cls: [], fail: [], longest: 0, run: 0, tail: entriesFrom(entries, first, (e) => entryCounts(allFailures, e)) };
}

export function appendFailureEvidence(ev: FailureEvidence, entry: FoldEntry): void {
  appendEntry(ev.tail, entry);
}

interface Summed {
  cls: number[];
  fail: number[];
  longest: number;
  run: number;
  last: number;
}

/** Sums the tail through interval `through` onto a copy of the committed part, or onto it (consuming the tail) when `commit`. */
function sumThrough(ev: FailureEvidence, through: number, commit: boolean): Summed {
  const sum: Summed = commit ? { cls: ev.cls, fail: ev.fail, longest: ev.longest, run: ev.run, last: ev.c } : { cls: ev.cls.slice(), fail: ev.fail.slice(), longest: ev.longest, run: ev.run, last: ev.c };
  let used = 0;
  for (const e of ev.tail) {
    if (e.i > through) break;
    const n = Math.min(e.n, through - e.i + 1);
    // An interval missing from the tail carries no down verdict: it breaks the down run.
    if (e.i !== sum.last + 1) sum.run = 0;
    sum.run = e.d === 2 ? sum.run + n : 0;
    sum.longest = Math.max(sum.longest, sum.run);
    addPairs(sum.cls, e.c, n);
    addRegions(sum.fail, e.f);
    sum.last = e.i + n - 1;
    if (n < e.n) {
      if (commit) {
        e.i += n;
        e.n -= n;
      }
      break;
    }
    used++;
  }
  if (commit) {
    ev.tail.splice(0, used);
    if (through > sum.last) sum.run = 0;
    ev.longest = sum.longest;
    ev.run = sum.run;
    ev.c = through;
  }
  return sum;
}

export function commitFailureEvidence(ev: FailureEvidence, through: number): void {
  if (through > ev.c) sumThrough(ev, through, true);
}

export interface FailureSummary {
  failureClasses: Partial<Record<FailureClass, number>>;
  /** Region indices with a failed probe in a counted interval, ascending. */
  failing: number[];
  longestRun: number;
}

/** The evidence over the incident's first interval through `through` (≥ the commit point). */
export function failureSummary(ev: FailureEvidence, through: number): FailureSummary {
  const sum = sumThrough(ev, through, false);
  const failureClasses: Partial<Record<FailureClass, number>> = {};
  for (let j = 0; j < sum.cls.length; j += 2) failureClasses[FAILURE_CLASSES[sum.cls[j]!]!] = sum.cls[j + 1]!;
  return { failureClasses, failing: sum.fail, longestRun: sum.longest };
}

// ------------------------------------------------------------------------------------------- latency

/** Inserts v into a descending list capped at LATENCY_TOP_SAMPLES. */
function insertTop(top: number[], v: number): void {
  if (top.length >= LATENCY_TOP_SAMPLES && v <= top[top.length - 1]!) return;
  let lo = 0;
  let hi = top.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (top[mid]! >= v) lo = mid + 1;
    else hi = mid;
  }
  top.splice(lo, 0, v);
  if (top.length > LATENCY_TOP_SAMPLES) top.pop();
}

/** Control times of a latency incident from interval `from` (the latency ring must still hold it). */
export function openLatencyEvidence(ring: readonly LatencySlot[], ringFrom: number, from: number, regions: number): LatencyEvidence {
  const tail: LatencyEvidence['tail'] = [];
  for (let i = Math.max(from, ringFrom); i < ringFrom + ring.length; i++) {
    const slot = ring[i - ringFrom]!;
    if (slot.v.some((values) => values.length > 0)) tail.push({ i, v: slot.v.map((values) => values.slice()) });
  }
  return { c: from - 1, n: new Array<number>(regions).fill(0), top: Array.from({ length: regions }, () => []), tail };
}

export function appendLatencyEvidence(lp: LatencyEvidence, i: number, values: readonly number[][]): void {
  if (values.some((v) => v.length > 0)) lp.tail.push({ i, v: values.map((v) => v.slice()) });
}

export function commitLatencyEvidence(lp: LatencyEvidence, through: number): void {
  if (through <= lp.c) return;
  let used = 0;
  for (const slot of lp.tail) {
    if (slot.i > through) break;
    used++;
    slot.v.forEach((values, r) => {
      lp.n[r]! += values.length;
      for (const v of values) insertTop(lp.top[r]!, v);
    });
  }
  lp.tail.splice(0, used);
  lp.c = through;
}

/**
 * The nearest-rank p95 per location over the incident's intervals through `through`, for locations with
 * a sample, keyed by region name (latencyP95ByRegion's answer). Exact while the rank from the top is
 * within the samples kept (see LATENCY_TOP_SAMPLES).
 */
export function latencyP95(lp: LatencyEvidence, through: number, regions: readonly string[]): Record<string, number> {
  const result: Record<string, number> = {};
  regions.forEach((region, r) => {
    const values = lp.top[r]!.slice();
    let total = lp.n[r]!;
    for (const slot of lp.tail) {
      if (slot.i > through) break;
      const own = slot.v[r]!;
      total += own.length;
      for (const v of own) values.push(v);
    }
    if (total === 0) return;
    values.sort((a, b) => b - a);
    // nearestRank: the value at ascending rank max(1, ⌈0.95·n⌉), i.e. at descending index n − rank.
    const rank = Math.max(1, Math.ceil((95 / 100) * total));
    result[region] = values[Math.min(total - rank, values.length - 1)]!;
  });
  return result;
}
