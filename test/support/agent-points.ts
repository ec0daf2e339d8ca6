// What the fault tests compare: a point's identity as CloudWatch files it (metric, dimensions, timestamp),
// counted, and the PutMetricData requests the fake stored, told apart by the responses a proxy saw.
import type { CloudWatchFake, MetricSample } from './cloudwatch-fake.js';

/** `metric {dimensions, sorted} timestamp`: one key per point CloudWatch would file separately. */
export function pointKey(p: Pick<MetricSample, 'metricName' | 'dimensions' | 'timestamp'>): string {
  const dims = Object.entries(p.dimensions).sort(([a], [b]) => a.localeCompare(b));
  return `${p.metricName} ${JSON.stringify(Object.fromEntries(dims))} ${p.timestamp.toISOString()}`;
}

/** How many times each key is stored. */
export function keyCounts(samples: readonly MetricSample[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of samples) counts.set(pointKey(s), (counts.get(pointKey(s)) ?? 0) + 1);
  return counts;
}

/** `key ×n` lines, sorted: a diff of two of them reads as the points missing or extra. */
export function countLines(counts: ReadonlyMap<string, number>): string[] {
  return [...counts].map(([key, n]) => `${key} ×${n}`).sort();
}

/** The distinct timestamps (ms) of some samples, ascending. */
export function minutesOf(samples: readonly MetricSample[]): number[] {
  return [...new Set(samples.map((s) => s.timestamp.getTime()))].sort((a, b) => a - b);
}

export interface StoredRequest {
  /** What the test was running when the fake answered (a run of the agent, a phase). */
  tag: number;
  samples: MetricSample[];
}

export interface StoredRequestLog {
  /** Give the proxy's onResponse this: notes where each stored request's samples end. */
  noteResponse(statusLine: string): void;
  /** The requests the fake stored (answered 200), in order, with their samples. */
  requests(): StoredRequest[];
}

/**
 * The fake stores a PutMetricData request's samples before it answers 200, and the agent sends one
 * request at a time: at each 200 response, fake.sampleCount is where that request's samples end.
 */
export function storedRequestLog(fake: CloudWatchFake, tagNow: () => number): StoredRequestLog {
  const ends: Array<{ tag: number; end: number }> = [];
  return {
    noteResponse(statusLine) {
      if (/^HTTP\/1\.[01] 200 /.test(statusLine)) ends.push({ tag: tagNow(), end: fake.sampleCount });
    },
    requests() {
      const samples = fake.datums;
      if (samples.length !== (ends.at(-1)?.end ?? 0)) throw new Error(`stored request log: the fake holds ${samples.length} samples, the responses seen account for ${ends.at(-1)?.end ?? 0}`);
      return ends.map(({ tag, end }, i) => ({ tag, samples: samples.slice(ends[i - 1]?.end ?? 0, end) }));
    },
  };
}
