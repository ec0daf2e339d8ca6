// Groups data points into PutMetricData requests within the API's limits. Pure.

import type { Datum, MetricUnit } from './metric-design.js';

/** PutMetricData: at most this many MetricDatum entries per request. */
export const MAX_DATUMS_PER_REQUEST = 1000;
/** PutMetricData: at most this many entries in one datum's Values (and Counts). */
export const MAX_VALUES_PER_DATUM = 150;
/** PutMetricData: the request body may not exceed 1 MiB; we stop well short to leave room for framing. */
export const MAX_REQUEST_BYTES = 900 * 1024;

/** One MetricDatum as sent: identical points (same metric, dimensions, unit, second) share Values/Counts. */
export interface BatchedDatum {
  metricName: string;
  dimensions: Readonly<Record<string, string>>;
  timestamp: number;
  unit: MetricUnit;
  values: number[];
  counts: number[];
  /** The points folded into this entry, kept so a failed request can be logged without loss. */
  points: Datum[];
}

function keyOf(d: Datum): string {
  const dims = Object.keys(d.dimensions)
    .sort()
    .map((k) => `${k}=${d.dimensions[k]}`)
    .join(',');
  return `${d.metricName}|${d.unit}|${Math.floor(d.timestamp / 1000)}|${dims}`;
}

/** Rough JSON size of one entry on the wire (AWS JSON 1.0), used only to stay under the payload limit. */
function estimateBytes(d: BatchedDatum): number {
  let n = 120 + d.metricName.length + d.values.length * 24;
  for (const [k, v] of Object.entries(d.dimensions)) n += 30 + k.length + v.length;
  return n;
}

export function foldDatums(points: readonly Datum[]): BatchedDatum[] {
  const byKey = new Map<string, BatchedDatum>();
  const out: BatchedDatum[] = [];
  for (const p of points) {
    const key = keyOf(p);
    let entry = byKey.get(key);
    if (!entry || entry.values.length >= MAX_VALUES_PER_DATUM) {
      entry = { metricName: p.metricName, dimensions: p.dimensions, timestamp: p.timestamp, unit: p.unit, values: [], counts: [], points: [] };
      byKey.set(key, entry);
      out.push(entry);
    }
    const i = entry.values.indexOf(p.value);
    if (i >= 0) entry.counts[i]!++;
    else {
      entry.values.push(p.value);
      entry.counts.push(1);
    }
    entry.points.push(p);
  }
  return out;
}

/** Splits folded entries into requests of at most MAX_DATUMS_PER_REQUEST entries and MAX_REQUEST_BYTES. */
export function planRequests(points: readonly Datum[]): BatchedDatum[][] {
  const requests: BatchedDatum[][] = [];
  let current: BatchedDatum[] = [];
  let bytes = 0;
  for (const entry of foldDatums(points)) {
    const size = estimateBytes(entry);
    if (current.length > 0 && (current.length >= MAX_DATUMS_PER_REQUEST || bytes + size > MAX_REQUEST_BYTES)) {
      requests.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length > 0) requests.push(current);
  return requests;
}
