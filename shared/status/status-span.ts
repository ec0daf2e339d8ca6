// The status page's last 24 hours: the availability strip (interval verdicts per ten-minute cell) and the
// latency series (pooled p95 per cell), read straight from the records through the SLA core's interval
// timeline, so verdicts (quorum, at-least-once duplicates, maintenance) mean what they mean for the SLO.
import type { ResolvedTarget } from '../config/types.js';
import { nearestRank } from '../common/percentile.js';
import { HOUR_MS, MINUTE_MS, ceilTo, floorTo } from '../common/time.js';
import { buildTimeline } from '../sla/intervals.js';
import type { ProbeRecord } from '../sla/probe-record.js';

/** Span of the availability strip and the latency chart, in ms. */
export const STATUS_SPAN_MS = 24 * HOUR_MS;
/**
 * One strip cell and one latency point, in ms. Ten minutes gives 144 cells: fine enough to see a
 * five-minute outage, coarse enough that a five-minute target still has two intervals per cell.
 */
export const STATUS_BUCKET_MS = 10 * MINUTE_MS;
/** Cells in the strip (and points in the latency series). */
export const STATUS_BUCKETS = STATUS_SPAN_MS / STATUS_BUCKET_MS;
/** Percentile of the latency series, in percent (nearest rank, as the latency policy uses). */
export const LATENCY_PERCENTILE = 95;

export interface StripCell {
  /** Cell start, ms since the epoch; the cell spans STATUS_BUCKET_MS. */
  start: number;
  /** Intervals complete by the model's instant whose start falls in the cell, by verdict. */
  up: number;
  down: number;
  /** No verdict: too few regions reported, or no record at all. */
  unknown: number;
  /** Of those intervals, how many were in a maintenance window. */
  maintenance: number;
}

export interface LatencyPoint {
  /** Bucket start, ms since the epoch; the bucket spans STATUS_BUCKET_MS. */
  start: number;
  /** p95 over every region's records in the bucket (pooled), in ms; absent without samples. */
  controlP95Ms?: number;
  connectP95Ms?: number;
  /** Records with a control time in the bucket. */
  samples: number;
}

/** Start of the first strip cell for a model at `nowMs`: the last cell holds now. */
export function spanStartAt(nowMs: number): number {
  return floorTo(nowMs, STATUS_BUCKET_MS) - (STATUS_BUCKETS - 1) * STATUS_BUCKET_MS;
}

/**
 * The strip and the latency series over [spanStart, now]: both from one timeline of the last 24 hours, and
 * the target's first record's interval (the timeline finds it among all the records, not only the span's).
 */
export function recentSpan(target: ResolvedTarget, records: readonly ProbeRecord[], nowMs: number, spanStart: number): { strip: StripCell[]; points: LatencyPoint[]; firstRecordMs: number | undefined } {
  const stepMs = target.intervalMinutes * MINUTE_MS;
  const strip: StripCell[] = [];
  const control: number[][] = [];
  const connect: number[][] = [];
  for (let b = 0; b < STATUS_BUCKETS; b++) {
    const start = spanStart + b * STATUS_BUCKET_MS;
    // Intervals starting in the cell and complete by now: the denominator every verdict count shares.
    const firstStart = ceilTo(start, stepMs);
    const lastStart = Math.min(start + STATUS_BUCKET_MS - 1, nowMs - stepMs);
    const expected = lastStart >= firstStart ? Math.floor((lastStart - firstStart) / stepMs) + 1 : 0;
    strip.push({ start, up: 0, down: 0, unknown: expected, maintenance: 0 });
    control.push([]);
    connect.push([]);
  }
  const timeline = buildTimeline(target, records, { fromMs: spanStart, toMs: nowMs });
  for (let i = 0; i < timeline.length; i++) {
    const start = timeline.startOf(i);
    const b = Math.floor((start - spanStart) / STATUS_BUCKET_MS);
    const cell = strip[b];
    if (cell === undefined || start + stepMs > nowMs) continue;
    const verdict = timeline.verdict(i);
    if (verdict !== 'unknown') {
      cell[verdict] += 1;
      cell.unknown -= 1;
    }
    if (timeline.inMaintenance(i)) cell.maintenance += 1;
    for (const record of timeline.recordsOf(i)) {
      if (record.controlMs !== undefined && Number.isFinite(record.controlMs)) control[b]!.push(record.controlMs);
      if (record.connectMs !== undefined && Number.isFinite(record.connectMs)) connect[b]!.push(record.connectMs);
    }
  }
  const points = strip.map((cell, b): LatencyPoint => {
    const controlP95Ms = percentile(control[b]!);
    const connectP95Ms = percentile(connect[b]!);
    return {
      start: cell.start,
      ...(controlP95Ms !== undefined ? { controlP95Ms } : {}),
      ...(connectP95Ms !== undefined ? { connectP95Ms } : {}),
      samples: control[b]!.length,
    };
  });
  return { strip, points, firstRecordMs: timeline.firstRecordMs };
}

function percentile(values: number[]): number | undefined {
  return nearestRank(values.sort((a, b) => a - b), LATENCY_PERCENTILE);
}
