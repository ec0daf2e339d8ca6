// Where the CloudWatch fake keeps what PutMetricData accepted, and how GetMetricData reads it back. Three
// stores behind one interface, chosen by the fake's options:
//
//   * 'index' (default): every sample kept, in columns (typed arrays) per metric identity (namespace, name,
//     sorted dimensions), kept sorted by time; a query is one map look-up and a binary search, so its cost
//     grows with the points it covers, not with everything stored. About 33 bytes per sample.
//   * 'aggregate' (options.aggregate): per metric identity, unit and minute only count, sum, min and max, in
//     dense arrays: enough for Sum, SampleCount, Average, Minimum and Maximum at periods that are whole
//     minutes on minute-aligned ranges, and 32 bytes per (metric, unit, minute) whatever the samples. What
//     it cannot answer (percentiles, sub-minute periods or ranges) is refused with a message naming it.
//   * 'scan' (options.index: false): the original linear scan over every sample for every query, kept as the
//     reference the other two are tested against (test/integration/cloudwatch-fake-store.test.ts).
//
// Sums are added in time order in 'index', minute by minute in 'aggregate' and in arrival order in 'scan':
// with values that are not exactly representable the last bits of Sum and Average can differ between them.
import { MINUTE_MS } from '../../shared/common/time.js';

export const STANDARD_UNITS = [
  'Seconds', 'Microseconds', 'Milliseconds',
  'Bytes', 'Kilobytes', 'Megabytes', 'Gigabytes', 'Terabytes',
  'Bits', 'Kilobits', 'Megabits', 'Gigabits', 'Terabits',
  'Percent', 'Count',
  'Bytes/Second', 'Kilobytes/Second', 'Megabytes/Second', 'Gigabytes/Second', 'Terabytes/Second',
  'Bits/Second', 'Kilobits/Second', 'Megabits/Second', 'Gigabits/Second', 'Terabits/Second',
  'Count/Second', 'None',
] as const;
export type StandardUnitName = (typeof STANDARD_UNITS)[number];
const UNIT_INDEX = new Map<string, number>(STANDARD_UNITS.map((u, i) => [u, i]));

/** One stored sample: a datum's Value, or one entry of its Values (with the matching Counts entry, default 1). */
export interface MetricSample {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  timestamp: Date;
  value: number;
  count: number;
  unit: StandardUnitName;
}

/** One accepted datum, before it is split into samples: `values[i]` was seen `counts[i]` times. */
export interface AcceptedDatum {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  timestampMs: number;
  unit: StandardUnitName;
  values: number[];
  counts: number[];
}

export type Stat =
  | { kind: 'Sum' | 'Average' | 'SampleCount' | 'Minimum' | 'Maximum' }
  | { kind: 'percentile'; p: number };

export interface StoreQuery {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  /** Only samples with this unit; all units when undefined. */
  unit: StandardUnitName | undefined;
  stat: Stat;
  /** The stat as the caller spelt it, for messages. */
  statName: string;
  periodMs: number;
  /** Buckets start at startMs + k * periodMs; samples in [startMs, endMs). */
  startMs: number;
  endMs: number;
}

/** The answer to one query: bucket starts (ms) in ascending order, and the stat of each. */
export interface StoreSeries {
  timestamps: number[];
  values: number[];
}

/** A query this store cannot answer; the message says what (the fake answers it as "does not implement ..."). */
export class UnsupportedQueryError extends Error {
  override name = 'UnsupportedQueryError';
}

export type StoreMode = 'scan' | 'index' | 'aggregate';

export interface SampleStore {
  readonly mode: StoreMode;
  /** Samples accepted so far (each entry of Values counts once, whatever its Count). */
  readonly sampleCount: number;
  add(datums: readonly AcceptedDatum[]): void;
  query(q: StoreQuery): StoreSeries;
  /** Every sample in arrival order; the aggregate store has none and throws. */
  samples(): MetricSample[];
  clear(): void;
}

export function createSampleStore(mode: StoreMode): SampleStore {
  switch (mode) {
    case 'scan':
      return new ScanStore();
    case 'index':
      return new IndexStore();
    case 'aggregate':
      return new AggregateStore();
  }
}

/**
 * The identity CloudWatch matches a query against: namespace, name and the exact set of dimensions (in any order).
 * Each part is length-prefixed, so no name or value can run into the next.
 */
export function metricKey(namespace: string, metricName: string, dimensions: Record<string, string>): string {
  const names = Object.keys(dimensions);
  if (names.length > 1) names.sort();
  let key = `${namespace.length}:${namespace}${metricName.length}:${metricName}`;
  for (const name of names) {
    const value = dimensions[name]!;
    key += `${name.length}:${name}${value.length}:${value}`;
  }
  return key;
}

// ---------------------------------------------------------------------------------------------------------------------
// Statistics over one bucket

/** What a bucket keeps: enough for every stat but percentiles, plus the samples themselves when percentiles need them. */
interface Bucket {
  count: number;
  sum: number;
  min: number;
  max: number;
  values: number[] | undefined;
  counts: number[] | undefined;
}

const newBucket = (keepSamples: boolean): Bucket => ({
  count: 0,
  sum: 0,
  min: Infinity,
  max: -Infinity,
  values: keepSamples ? [] : undefined,
  counts: keepSamples ? [] : undefined,
});

function addToBucket(b: Bucket, value: number, count: number): void {
  b.count += count;
  b.sum += value * count;
  if (value < b.min) b.min = value;
  if (value > b.max) b.max = value;
  b.values?.push(value);
  b.counts?.push(count);
}

/** Nearest rank over the samples expanded by their counts: the smallest value whose cumulative count reaches ceil(p/100 * N). */
function nearestRank(p: number, values: readonly number[], counts: readonly number[], total: number): number {
  const order = values.map((_, i) => i).sort((a, b) => values[a]! - values[b]!);
  const rank = Math.max(Math.ceil((p / 100) * total), Number.MIN_VALUE);
  let cumulative = 0;
  for (const i of order) {
    cumulative += counts[i]!;
    if (cumulative >= rank) return values[i]!;
  }
  return values[order[order.length - 1]!]!;
}

function bucketStat(stat: Stat, b: Bucket): number {
  switch (stat.kind) {
    case 'SampleCount':
      return b.count;
    case 'Sum':
      return b.sum;
    case 'Average':
      return b.sum / b.count;
    case 'Minimum':
      return b.min;
    case 'Maximum':
      return b.max;
    case 'percentile':
      return nearestRank(stat.p, b.values!, b.counts!, b.count);
  }
}

/** Collects buckets fed in ascending time order into a series. */
class SeriesBuilder {
  readonly out: StoreSeries = { timestamps: [], values: [] };
  private current: Bucket | undefined;
  private currentStart = 0;

  constructor(private readonly q: StoreQuery) {}

  add(timeMs: number, value: number, count: number): void {
    const { startMs, periodMs } = this.q;
    const bucketStart = startMs + Math.floor((timeMs - startMs) / periodMs) * periodMs;
    if (this.current === undefined || bucketStart !== this.currentStart) {
      this.flush();
      this.current = newBucket(this.q.stat.kind === 'percentile');
      this.currentStart = bucketStart;
    }
    addToBucket(this.current, value, count);
  }

  /** Adds a minute's aggregate (count > 0). */
  addAggregate(timeMs: number, count: number, sum: number, min: number, max: number): void {
    const { startMs, periodMs } = this.q;
    const bucketStart = startMs + Math.floor((timeMs - startMs) / periodMs) * periodMs;
    if (this.current === undefined || bucketStart !== this.currentStart) {
      this.flush();
      this.current = newBucket(false);
      this.currentStart = bucketStart;
    }
    const b = this.current;
    b.count += count;
    b.sum += sum;
    if (min < b.min) b.min = min;
    if (max > b.max) b.max = max;
  }

  finish(): StoreSeries {
    this.flush();
    return this.out;
  }

  private flush(): void {
    if (this.current === undefined) return;
    this.out.timestamps.push(this.currentStart);
    this.out.values.push(bucketStat(this.q.stat, this.current));
    this.current = undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// 'scan': the original implementation, the reference

function sameDimensions(a: Record<string, string>, b: Record<string, string>): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  return ak.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function computeStat(stat: Stat, samples: readonly MetricSample[]): number {
  let total = 0;
  let sum = 0;
  for (const s of samples) {
    total += s.count;
    sum += s.value * s.count;
  }
  switch (stat.kind) {
    case 'SampleCount':
      return total;
    case 'Sum':
      return sum;
    case 'Average':
      return sum / total;
    case 'Minimum':
      return samples.reduce((m, s) => Math.min(m, s.value), Infinity);
    case 'Maximum':
      return samples.reduce((m, s) => Math.max(m, s.value), -Infinity);
    case 'percentile': {
      const sorted = [...samples].sort((a, b) => a.value - b.value);
      const rank = Math.max(Math.ceil((stat.p / 100) * total), Number.MIN_VALUE);
      let cumulative = 0;
      for (const s of sorted) {
        cumulative += s.count;
        if (cumulative >= rank) return s.value;
      }
      return sorted[sorted.length - 1]!.value;
    }
  }
}

class ScanStore implements SampleStore {
  readonly mode = 'scan';
  private list: MetricSample[] = [];

  get sampleCount(): number {
    return this.list.length;
  }

  add(datums: readonly AcceptedDatum[]): void {
    for (const d of datums) {
      d.values.forEach((value, i) => {
        this.list.push({
          namespace: d.namespace,
          metricName: d.metricName,
          dimensions: { ...d.dimensions },
          timestamp: new Date(d.timestampMs),
          value,
          count: d.counts[i]!,
          unit: d.unit,
        });
      });
    }
  }

  query(q: StoreQuery): StoreSeries {
    const buckets = new Map<number, MetricSample[]>();
    for (const s of this.list) {
      const t = s.timestamp.getTime();
      if (t < q.startMs || t >= q.endMs || s.count <= 0) continue;
      if (s.namespace !== q.namespace || s.metricName !== q.metricName) continue;
      if (q.unit !== undefined && s.unit !== q.unit) continue;
      if (!sameDimensions(s.dimensions, q.dimensions)) continue;
      const bucket = q.startMs + Math.floor((t - q.startMs) / q.periodMs) * q.periodMs;
      const list = buckets.get(bucket);
      if (list) list.push(s);
      else buckets.set(bucket, [s]);
    }
    const keys = [...buckets.keys()].sort((a, b) => a - b);
    return { timestamps: keys, values: keys.map((k) => computeStat(q.stat, buckets.get(k)!)) };
  }

  samples(): MetricSample[] {
    return this.list.map((s) => ({ ...s, dimensions: { ...s.dimensions }, timestamp: new Date(s.timestamp) }));
  }

  clear(): void {
    this.list = [];
  }
}

// ---------------------------------------------------------------------------------------------------------------------
// 'index': every sample, in columns per metric identity, sorted by time on demand

class Float64Column {
  data: Float64Array = new Float64Array(16);
  length = 0;

  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }

  /** Reorders the first `length` entries: entry i becomes the old entry order[i]. */
  permute(order: Uint32Array): void {
    const next = new Float64Array(this.data.length);
    for (let i = 0; i < order.length; i++) next[i] = this.data[order[i]!]!;
    this.data = next;
  }
}

interface RawSeries {
  namespace: string;
  metricName: string;
  dimensions: Record<string, string>;
  time: Float64Column;
  value: Float64Column;
  count: Float64Column;
  /** Index into STANDARD_UNITS (a Float64Column too: one growth routine for all columns). */
  unit: Float64Column;
  /** Arrival number across the whole store, for samples() in arrival order. */
  seq: Float64Column;
  sorted: boolean;
}

/** First index whose time is ≥ t, in a sorted column. */
function lowerBound(col: Float64Column, t: number): number {
  let lo = 0;
  let hi = col.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (col.data[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

class IndexStore implements SampleStore {
  readonly mode = 'index';
  private series = new Map<string, RawSeries>();
  private nextSeq = 0;

  get sampleCount(): number {
    return this.nextSeq;
  }

  add(datums: readonly AcceptedDatum[]): void {
    for (const d of datums) {
      const key = metricKey(d.namespace, d.metricName, d.dimensions);
      let s = this.series.get(key);
      if (s === undefined) {
        s = {
          namespace: d.namespace,
          metricName: d.metricName,
          dimensions: { ...d.dimensions },
          time: new Float64Column(),
          value: new Float64Column(),
          count: new Float64Column(),
          unit: new Float64Column(),
          seq: new Float64Column(),
          sorted: true,
        };
        this.series.set(key, s);
      }
      const unit = UNIT_INDEX.get(d.unit)!;
      for (let i = 0; i < d.values.length; i++) {
        if (s.sorted && s.time.length > 0 && d.timestampMs < s.time.data[s.time.length - 1]!) s.sorted = false;
        s.time.push(d.timestampMs);
        s.value.push(d.values[i]!);
        s.count.push(d.counts[i]!);
        s.unit.push(unit);
        s.seq.push(this.nextSeq++);
      }
    }
  }

  query(q: StoreQuery): StoreSeries {
    const s = this.series.get(metricKey(q.namespace, q.metricName, q.dimensions));
    const builder = new SeriesBuilder(q);
    if (s === undefined) return builder.finish();
    sortSeries(s);
    const unit = q.unit === undefined ? -1 : UNIT_INDEX.get(q.unit)!;
    const { time, value, count } = s;
    for (let i = lowerBound(time, q.startMs); i < time.length; i++) {
      const t = time.data[i]!;
      if (t >= q.endMs) break;
      const c = count.data[i]!;
      if (c <= 0) continue;
      if (unit >= 0 && s.unit.data[i] !== unit) continue;
      builder.add(t, value.data[i]!, c);
    }
    return builder.finish();
  }

  samples(): MetricSample[] {
    const out: Array<{ seq: number; sample: MetricSample }> = [];
    for (const s of this.series.values()) {
      for (let i = 0; i < s.time.length; i++) {
        out.push({
          seq: s.seq.data[i]!,
          sample: {
            namespace: s.namespace,
            metricName: s.metricName,
            dimensions: { ...s.dimensions },
            timestamp: new Date(s.time.data[i]!),
            value: s.value.data[i]!,
            count: s.count.data[i]!,
            unit: STANDARD_UNITS[s.unit.data[i]!]!,
          },
        });
      }
    }
    return out.sort((a, b) => a.seq - b.seq).map((e) => e.sample);
  }

  clear(): void {
    this.series = new Map();
    this.nextSeq = 0;
  }
}

/** Sorts a series by (time, arrival) once samples arrived out of order. */
function sortSeries(s: RawSeries): void {
  if (s.sorted) return;
  const n = s.time.length;
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const time = s.time.data;
  const seq = s.seq.data;
  order.sort((a, b) => time[a]! - time[b]! || seq[a]! - seq[b]!);
  for (const col of [s.time, s.value, s.count, s.unit, s.seq]) col.permute(order);
  s.sorted = true;
}

// ---------------------------------------------------------------------------------------------------------------------
// 'aggregate': count/sum/min/max per (metric identity, unit, minute), in dense arrays

/** One metric identity and unit: minute `origin + i` is cell i. */
class MinuteCells {
  origin = 0;
  capacity = 0;
  count: Float64Array = new Float64Array(0);
  sum: Float64Array = new Float64Array(0);
  min: Float64Array = new Float64Array(0);
  max: Float64Array = new Float64Array(0);

  add(minute: number, value: number, count: number): void {
    this.ensure(minute);
    const i = minute - this.origin;
    if (this.count[i] === 0) {
      this.min[i] = value;
      this.max[i] = value;
    } else {
      if (value < this.min[i]!) this.min[i] = value;
      if (value > this.max[i]!) this.max[i] = value;
    }
    this.count[i]! += count;
    this.sum[i]! += value * count;
  }

  /** Grows the arrays (doubling, both ways) so that `minute` has a cell. */
  private ensure(minute: number): void {
    if (this.capacity === 0) {
      this.origin = minute;
      this.resize(minute, 64);
      return;
    }
    if (minute >= this.origin && minute < this.origin + this.capacity) return;
    const lo = Math.min(this.origin, minute);
    const hi = Math.max(this.origin + this.capacity, minute + 1);
    let capacity = this.capacity;
    while (capacity < hi - lo) capacity *= 2;
    // Leave the slack on the side that grew, so that data arriving in time order rarely reallocates.
    const origin = minute < this.origin ? hi - capacity : lo;
    this.resize(origin, capacity);
  }

  private resize(origin: number, capacity: number): void {
    const shift = this.origin - origin;
    const move = (old: Float64Array): Float64Array => {
      const next = new Float64Array(capacity);
      next.set(old, shift);
      return next;
    };
    this.count = move(this.count);
    this.sum = move(this.sum);
    this.min = move(this.min);
    this.max = move(this.max);
    this.origin = origin;
    this.capacity = capacity;
  }
}

interface AggregateSeries {
  /** Unit index → its minutes. */
  units: Map<number, MinuteCells>;
}

class AggregateStore implements SampleStore {
  readonly mode = 'aggregate';
  private series = new Map<string, AggregateSeries>();
  private accepted = 0;

  get sampleCount(): number {
    return this.accepted;
  }

  add(datums: readonly AcceptedDatum[]): void {
    for (const d of datums) {
      const key = metricKey(d.namespace, d.metricName, d.dimensions);
      let s = this.series.get(key);
      if (s === undefined) {
        s = { units: new Map() };
        this.series.set(key, s);
      }
      const unit = UNIT_INDEX.get(d.unit)!;
      let cells = s.units.get(unit);
      if (cells === undefined) {
        cells = new MinuteCells();
        s.units.set(unit, cells);
      }
      const minute = Math.floor(d.timestampMs / MINUTE_MS);
      for (let i = 0; i < d.values.length; i++) {
        this.accepted++;
        const c = d.counts[i]!;
        // A sample with count 0 never shows in any statistic (the other stores skip it at query time).
        if (c > 0) cells.add(minute, d.values[i]!, c);
      }
    }
  }

  query(q: StoreQuery): StoreSeries {
    if (q.stat.kind === 'percentile') {
      throw new UnsupportedQueryError(`percentiles (${q.statName}) in aggregate mode, which keeps only count, sum, minimum and maximum per metric and minute; start the fake without options.aggregate to query percentiles`);
    }
    if (q.periodMs % MINUTE_MS !== 0) {
      throw new UnsupportedQueryError(`a period of ${q.periodMs / 1000} s in aggregate mode, which keeps whole minutes: use a multiple of 60`);
    }
    if (q.startMs % MINUTE_MS !== 0 || q.endMs % MINUTE_MS !== 0) {
      throw new UnsupportedQueryError(`StartTime or EndTime off the minute (${new Date(q.startMs).toISOString()} .. ${new Date(q.endMs).toISOString()}) in aggregate mode, which keeps whole minutes`);
    }
    const builder = new SeriesBuilder(q);
    const s = this.series.get(metricKey(q.namespace, q.metricName, q.dimensions));
    if (s === undefined) return builder.finish();
    const wanted = q.unit === undefined ? [...s.units.values()] : [s.units.get(UNIT_INDEX.get(q.unit)!)].filter((c) => c !== undefined);
    if (wanted.length === 0) return builder.finish();
    const firstMinute = Math.max(q.startMs / MINUTE_MS, Math.min(...wanted.map((c) => c.origin)));
    const endMinute = Math.min(q.endMs / MINUTE_MS, Math.max(...wanted.map((c) => c.origin + c.capacity)));
    for (let m = firstMinute; m < endMinute; m++) {
      for (const cells of wanted) {
        const i = m - cells.origin;
        if (i < 0 || i >= cells.capacity) continue;
        const count = cells.count[i]!;
        if (count > 0) builder.addAggregate(m * MINUTE_MS, count, cells.sum[i]!, cells.min[i]!, cells.max[i]!);
      }
    }
    return builder.finish();
  }

  samples(): MetricSample[] {
    throw new Error('cloudwatch-fake: samples are not kept in aggregate mode (options.aggregate), only count/sum/min/max per metric and minute: read them back with GetMetricData');
  }

  clear(): void {
    this.series = new Map();
    this.accepted = 0;
  }
}
