// The fold state as stored: JSON of the state without its derived window counts. Parsing checks every
// field (type, range, order, and the invariants the step relies on), so a corrupt or truncated item is a
// FoldStateError, never a crash or a silently wrong step; whether it fits a target is foldStateFits.
import { FAILURE_CLASSES } from '../../probe/failure-classes.js';
import { BURN_RULES } from '../policies.js';
import { FoldStateError } from './errors.js';
import { FOLD_SCHEMA_VERSION, LATENCY_TOP_SAMPLES, type FailureEvidence, type FoldEntry, type FoldState, type FoldTracker, type LatencyEvidence, type LatencySlot, type LastIntervalSummary } from './state.js';

/**
 * The state as stored: the in-memory state (state.ts) with its derived window counts left out and three
 * things written compactly. Runs of bad / not-counted intervals are either delta pairs [gap, length, ...]
 * (gaps from the previous run's end, the first from 0) or, when denser, a string '<first>:<base64 bits>'
 * with one bit per interval from <first> to the last folded (so a 90-day window is at most ~22 KB per
 * list, whatever the pattern). Evidence entries are arrays [i, n, d, classes, regions] with i relative to
 * the entry before. A policy with no open incident is written as its previous incident's end alone
 * (number, or null for none): every other field of a closed tracker is reset when the next one opens.
 */
export interface FoldStateJson {
  v: typeof FOLD_SCHEMA_VERSION;
  fp: string;
  t: number | null;
  o: number | null;
  k: number;
  bad: number[] | string;
  unc: number[] | string;
  downRun: number;
  upRun: number;
  allRep: number;
  cl: number;
  ups: number;
  lb: number;
  ls: number;
  seen: number[];
  seenNm: number[];
  nm: number[];
  evd: EntryJson[];
  evf: EntryJson[];
  lf: number;
  lat: LatencySlot[];
  lst: number;
  server: FoldState['server'];
  last: LastIntervalSummary | null;
  tr: Array<number | null | TrackerJson>;
}

type EntryJson = [number, number, 0 | 1 | 2, number[], number[]];
type TrackerJson = Omit<FoldTracker, 'ev'> & { ev: (Omit<FailureEvidence, 'tail'> & { tail: EntryJson[] }) | null };

function encodeEntries(list: readonly FoldEntry[]): EntryJson[] {
  let previous = 0;
  return list.map((e) => {
    const item: EntryJson = [e.i - previous, e.n, e.d, e.c, e.f];
    previous = e.i;
    return item;
  });
}

function encodeRuns(runs: readonly number[], k: number): number[] | string {
  const deltas: number[] = [];
  let end = 0;
  for (let j = 0; j < runs.length; j += 2) {
    deltas.push(runs[j]! - end, runs[j + 1]! - runs[j]!);
    end = runs[j + 1]!;
  }
  if (runs.length < 64) return deltas;
  const first = runs[0]!;
  const bytes = new Uint8Array(Math.ceil((k - first) / 8));
  for (let j = 0; j < runs.length; j += 2) for (let i = runs[j]!; i < runs[j + 1]!; i++) bytes[(i - first) >> 3]! |= 1 << ((i - first) & 7);
  const bits = `${first}:${Buffer.from(bytes).toString('base64')}`;
  return bits.length < JSON.stringify(deltas).length ? bits : deltas;
}

function encodeTracker(tr: FoldTracker): number | null | TrackerJson {
  if (tr.p === 0) return tr.pe;
  return { ...tr, ev: tr.ev === null ? null : { ...tr.ev, tail: encodeEntries(tr.ev.tail) } };
}

export function encodeFoldState(state: FoldState): FoldStateJson {
  const { cnt: _derived, bad, unc, evd, evf, tr, ...rest } = state;
  return { ...rest, bad: encodeRuns(bad, state.k), unc: encodeRuns(unc, state.k), evd: encodeEntries(evd), evf: encodeEntries(evf), tr: tr.map(encodeTracker) };
}

export function serializeFoldState(state: FoldState): string {
  return JSON.stringify(encodeFoldState(state));
}

/** Parses a stored state; throws FoldStateError ('fold_state_corrupt' or 'fold_state_version'). */
export function parseFoldState(text: string): FoldState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new FoldStateError('fold_state_corrupt', `fold state: not JSON (${(err as Error).message})`, { cause: err });
  }
  return decodeFoldState(value);
}

class Invalid extends Error {}

function fail(path: string, problem: string): never {
  throw new Invalid(`${path} ${problem}`);
}

type Obj = Record<string, unknown>;

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Obj;
}
function arr(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, 'must be an array');
  return v;
}
function num(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'must be a finite number');
  return v;
}
function int(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(path, `must be a whole number from ${min} to ${max}`);
  return v;
}
/** Greatest |ms| a Date holds (ECMA-262 §21.4.1.1). */
const MAX_TIME_MS = 8.64e15;
/** An instant: every time the fold keeps is a whole minute (instants stepped, interval starts). */
function time(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || Math.abs(v) > MAX_TIME_MS || v % 60_000 !== 0) fail(path, 'must be a whole minute in ms within the range of a Date');
  return v;
}
function bool(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, 'must be true or false');
  return v;
}
function nullable<T>(v: unknown, path: string, read: (v: unknown, path: string) => T): T | null {
  return v === null ? null : read(v, path);
}
/** A list of whole numbers in [min, max]; the element's path is spelt only for the error (this runs on every value stored). */
function ints(v: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): number[] {
  const list = arr(v, path);
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < min || x > max) int(x, `${path}[${i}]`, min, max);
  }
  return list as number[];
}
/** A list of finite numbers. */
function nums(v: unknown, path: string): number[] {
  const list = arr(v, path);
  for (let i = 0; i < list.length; i++) {
    const x = list[i];
    if (typeof x !== 'number' || !Number.isFinite(x)) num(x, `${path}[${i}]`);
  }
  return list as number[];
}
function ascending(values: number[], path: string, strict = true): number[] {
  for (let i = 1; i < values.length; i++) if (strict ? values[i]! <= values[i - 1]! : values[i]! < values[i - 1]!) fail(path, 'must be ascending');
  return values;
}
/** Class-count pairs, ascending by class. */
function classPairs(v: unknown, path: string): number[] {
  const pairs = ints(v, path, 0);
  if (pairs.length % 2 !== 0) fail(path, 'must hold [class, count] pairs');
  for (let j = 0; j < pairs.length; j += 2) {
    if (pairs[j]! >= FAILURE_CLASSES.length) fail(`${path}[${j}]`, 'is not a failure class');
    if (pairs[j + 1]! < 1) fail(`${path}[${j + 1}]`, 'must be a count of at least 1');
    if (j > 0 && pairs[j]! <= pairs[j - 2]!) fail(path, 'must be ascending by class');
  }
  return pairs;
}
function runs(v: unknown, path: string, k: number): number[] {
  const flat: number[] = [];
  if (typeof v === 'string') {
    const match = /^(\d+):([A-Za-z0-9+/]*={0,2})$/.exec(v);
    if (match === null) fail(path, "must be '<first>:<base64 bits>' or delta pairs");
    const first = int(Number(match[1]), `${path} (first interval)`, 0, k);
    const bytes = Buffer.from(match[2]!, 'base64');
    if (bytes.length !== Math.ceil((k - first) / 8)) fail(path, `must have one bit per interval from ${first} to ${k}`);
    let open = -1;
    for (let i = first; i <= k; i++) {
      const set = i < k && (bytes[(i - first) >> 3]! & (1 << ((i - first) & 7))) !== 0;
      if (set && open < 0) open = i;
      if (!set && open >= 0) {
        flat.push(open, i);
        open = -1;
      }
    }
    return flat;
  }
  const deltas = ints(v, path, 0, k);
  if (deltas.length % 2 !== 0) fail(path, 'must hold [gap, length] pairs');
  let end = 0;
  for (let j = 0; j < deltas.length; j += 2) {
    const start = end + deltas[j]!;
    end = start + deltas[j + 1]!;
    if (deltas[j + 1]! < 1 || end > k || (j > 0 && deltas[j]! < 1)) fail(`${path}[${j}]`, `must be a gap and a length of at least 1 within ${k} intervals`);
    flat.push(start, end);
  }
  return flat;
}

function entries(v: unknown, path: string, k: number, after: number, d: (d: number, at: string) => 0 | 1 | 2): FoldEntry[] {
  let previous = 0;
  let end = after + 1;
  return arr(v, path).map((x, j) => {
    const at = `${path}[${j}]`;
    const item = arr(x, at);
    if (item.length !== 5) fail(at, 'must be [i, n, d, classes, regions]');
    const i = previous + int(item[0], `${at}[0]`, 0, k);
    if (i < end || i >= k) fail(`${at}[0]`, `must start after interval ${end - 1} and before ${k}`);
    const n = int(item[1], `${at}[1]`, 1, k - i);
    previous = i;
    end = i + n;
    return { i, n, d: d(int(item[2], `${at}[2]`, 0, 2), `${at}[2]`), c: classPairs(item[3], `${at}[3]`), f: ascending(ints(item[4], `${at}[4]`, 0), `${at}[4]`) };
  });
}
const anyKind = (d: number): 0 | 1 | 2 => d as 0 | 1 | 2;
const downKind = (d: number, at: string): 0 | 1 | 2 => (d > 0 ? (d as 1 | 2) : fail(at, 'must be 1 or 2 (a down interval)'));
const notDownKind = (d: number, at: string): 0 | 1 | 2 => (d === 0 ? 0 : fail(at, 'must be 0 (not a down interval)'));

function values(v: unknown, path: string): number[][] {
  return arr(v, path).map((x, r) => nums(x, `${path}[${r}]`));
}

function failureEvidence(v: unknown, path: string, k: number): FailureEvidence {
  const o = obj(v, path);
  const c = int(o['c'], `${path}.c`, -1, k - 1);
  return {
    c,
    cls: classPairs(o['cls'], `${path}.cls`),
    fail: ascending(ints(o['fail'], `${path}.fail`, 0), `${path}.fail`),
    longest: int(o['longest'], `${path}.longest`, 0, k),
    run: int(o['run'], `${path}.run`, 0, k),
    tail: entries(o['tail'], `${path}.tail`, k, c, anyKind),
  };
}

function latencyEvidence(v: unknown, path: string, k: number): LatencyEvidence {
  const o = obj(v, path);
  const c = int(o['c'], `${path}.c`, -1, k - 1);
  const top = arr(o['top'], `${path}.top`).map((x, r) => {
    const list = nums(x, `${path}.top[${r}]`);
    if (list.length > LATENCY_TOP_SAMPLES) fail(`${path}.top[${r}]`, `must hold at most ${LATENCY_TOP_SAMPLES} samples`);
    for (let j = 1; j < list.length; j++) if (list[j]! > list[j - 1]!) fail(`${path}.top[${r}]`, 'must be descending');
    return list;
  });
  const n = ints(o['n'], `${path}.n`, 0);
  if (n.length !== top.length) fail(`${path}.n`, 'must have one count per region');
  n.forEach((count, r) => {
    if (count < top[r]!.length) fail(`${path}.n[${r}]`, 'must count at least the samples kept');
  });
  const tail = arr(o['tail'], `${path}.tail`).map((x, i) => {
    const slot = obj(x, `${path}.tail[${i}]`);
    return { i: int(slot['i'], `${path}.tail[${i}].i`, 0, k - 1), v: values(slot['v'], `${path}.tail[${i}].v`) };
  });
  ascending(tail.map((s) => s.i), `${path}.tail`);
  if (tail.length > 0 && tail[0]!.i <= c) fail(`${path}.tail`, `must hold intervals after ${c}`);
  return { c, n, top, tail };
}

const RULE_LABELS = new Set(BURN_RULES.map((r) => r.label));
const PAGE_RULES = BURN_RULES.filter((r) => r.severity === 'page').length;
const TICKET_RULES = BURN_RULES.filter((r) => r.severity === 'ticket').length;

function tracker(v: unknown, path: string, k: number, rules: number): FoldTracker {
  if (v === null || typeof v === 'number') {
    const pe = nullable(v, path, time);
    return { p: 0, a: false, s: 0, at: 0, fs: 0, r: null, af: [], pe, fn: false, ac: new Array<boolean>(rules).fill(false), si: null, ev: null, lp: null };
  }
  const o = obj(v, path);
  const p = int(o['p'], `${path}.p`, 0, 2) as 0 | 1 | 2;
  const r = nullable(o['r'], `${path}.r`, (x, at) => {
    if (typeof x !== 'string' || !RULE_LABELS.has(x)) fail(at, 'must be a burn rule label');
    return x;
  });
  if (p === 0) fail(`${path}.p`, 'must be 1 or 2 (a policy with no open incident is written as its previous end)');
  return {
    p,
    a: bool(o['a'], `${path}.a`),
    s: time(o['s'], `${path}.s`),
    at: time(o['at'], `${path}.at`),
    fs: time(o['fs'], `${path}.fs`),
    r,
    af: ascending(ints(o['af'], `${path}.af`, 0), `${path}.af`),
    pe: nullable(o['pe'], `${path}.pe`, time),
    fn: bool(o['fn'], `${path}.fn`),
    ac: arr(o['ac'], `${path}.ac`).map((x, i) => bool(x, `${path}.ac[${i}]`)),
    si: nullable(o['si'], `${path}.si`, time),
    ev: nullable(o['ev'], `${path}.ev`, (x, at) => failureEvidence(x, at, k)),
    lp: nullable(o['lp'], `${path}.lp`, (x, at) => latencyEvidence(x, at, k)),
  };
}

function slot(v: unknown, path: string, R: number): LatencySlot {
  const o = obj(v, path);
  const vs = values(o['v'], `${path}.v`);
  if (vs.length !== R) fail(`${path}.v`, `must have ${R} regions`);
  return { v: vs, sl: ascending(ints(o['sl'], `${path}.sl`, 0, R - 1), `${path}.sl`) };
}

function lastInterval(v: unknown, path: string, R: number): LastIntervalSummary {
  const o = obj(v, path);
  const st = ints(o['st'], `${path}.st`, 0, 2);
  const cls = ints(o['cls'], `${path}.cls`, -1, FAILURE_CLASSES.length - 1);
  const ctl = arr(o['ctl'], `${path}.ctl`).map((x, r) => nullable(x, `${path}.ctl[${r}]`, num));
  if (st.length !== R || cls.length !== R || ctl.length !== R) fail(path, `must have ${R} regions`);
  return { verdict: int(o['verdict'], `${path}.verdict`, 0, 2) as 0 | 1 | 2, st, cls, ctl };
}

/** Checks a parsed JSON value and returns it as a state (with empty derived counts). */
export function decodeFoldState(value: unknown): FoldState {
  try {
    const o = obj(value, 'state');
    if (o['v'] !== FOLD_SCHEMA_VERSION) {
      throw new FoldStateError('fold_state_version', `fold state: schema version ${JSON.stringify(o['v'])}, this code reads ${FOLD_SCHEMA_VERSION}: rebuild it`);
    }
    if (typeof o['fp'] !== 'string' || o['fp'].length === 0 || o['fp'].length > 64) fail('state.fp', 'must be a fingerprint string');
    const k = int(o['k'], 'state.k', 0);
    const last = k - 1;
    const seen = ints(o['seen'], 'state.seen', -1, last);
    const R = seen.length;
    if (R === 0) fail('state.seen', 'must have a region');
    const seenNm = ints(o['seenNm'], 'state.seenNm', -1, last);
    if (seenNm.length !== R) fail('state.seenNm', `must have ${R} regions`);
    const nm = ints(o['nm'], 'state.nm', 0, last);
    if (nm.length > 3) fail('state.nm', 'must hold at most 3 intervals');
    for (let i = 1; i < nm.length; i++) if (nm[i]! >= nm[i - 1]!) fail('state.nm', 'must be newest first');
    const evd = entries(o['evd'], 'state.evd', k, -1, downKind);
    const evf = entries(o['evf'], 'state.evf', k, -1, notDownKind);
    const lat = arr(o['lat'], 'state.lat').map((x, i) => slot(x, `state.lat[${i}]`, R));
    const lf = int(o['lf'], 'state.lf', 0, k);
    if (lat.length > 0 && lf + lat.length !== k) fail('state.lat', 'must end at the last interval folded');
    const server = nullable(o['server'], 'state.server', (x, at) => {
      const s = obj(x, at);
      if (typeof s['hostname'] !== 'string' || typeof s['vendor'] !== 'string') fail(at, 'must have a hostname and a vendor');
      return { hostname: s['hostname'], vendor: s['vendor'], firmwareRevision: num(s['firmwareRevision'], `${at}.firmwareRevision`) };
    });
    const t = nullable(o['t'], 'state.t', time);
    const origin = nullable(o['o'], 'state.o', time);
    if (origin !== null && t === null) fail('state.o', 'must come with an instant stepped');
    const state: FoldState = {
      v: FOLD_SCHEMA_VERSION,
      fp: o['fp'],
      t,
      o: origin,
      k,
      bad: runs(o['bad'], 'state.bad', k),
      unc: runs(o['unc'], 'state.unc', k),
      cnt: [],
      downRun: int(o['downRun'], 'state.downRun', 0, k),
      upRun: int(o['upRun'], 'state.upRun', 0, k),
      allRep: int(o['allRep'], 'state.allRep', 0, k),
      cl: int(o['cl'], 'state.cl', -1, last),
      ups: int(o['ups'], 'state.ups', 0, k),
      lb: int(o['lb'], 'state.lb', -1, last),
      ls: int(o['ls'], 'state.ls', -1, last),
      seen,
      seenNm,
      nm,
      evd,
      evf,
      lf,
      lat,
      lst: int(o['lst'], 'state.lst', -1, last),
      server,
      last: nullable(o['last'], 'state.last', (x, at) => lastInterval(x, at, R)),
      // Trackers are in policyMachines' order: down, the two error-budget severities, [latency,] no_data.
      tr: arr(o['tr'], 'state.tr').map((x, i) => tracker(x, `state.tr[${i}]`, k, i === 1 ? PAGE_RULES : i === 2 ? TICKET_RULES : 0)),
    };
    if (state.tr.length < 4 || state.tr.length > 5) fail('state.tr', 'must hold a tracker per policy');
    return state;
  } catch (err) {
    if (err instanceof FoldStateError) throw err;
    if (err instanceof Invalid) throw new FoldStateError('fold_state_corrupt', `fold state: ${err.message}`, { cause: err });
    throw new FoldStateError('fold_state_corrupt', `fold state: ${(err as Error).message}`, { cause: err });
  }
}
