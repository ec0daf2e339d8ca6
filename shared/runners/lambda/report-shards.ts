// The monthly report's share of work per invocation, and its pace. A month's report reads, per target, the
// month and the 7 days before it (incidents open at its start): 1-minute points for the last 14 days
// (CloudWatch keeps them 15), 5-minute aggregates before, for ProbeFailed, ConnectTime and ControlTime per
// region (about 190,000 points a target for a 30-day month with 3 regions, ~240,000 with the previous period read
// beside it as 5-minute aggregates: README, "Monthly report"),
// plus failure detail where there were failures. 10,000 targets are ~2.4 billion points: about 100 minutes
// of the account's whole GetMetricData quota for reads that start more than 3 hours back, which no single
// invocation (15 minutes at most) can take, and which must leave the evaluators and dashboards their share.
// So the report is split into shards of REPORT_TARGETS_PER_SHARD targets, each its own schedule on the 1st,
// REPORT_SHARD_SPACING_MINUTES apart from 06:00 UTC, each reading at REPORT_POINTS_PER_SECOND and
// publishing its own summary ("part k/n").
import type { RetryPolicy } from '../../aws/retry.js';
import type { ResolvedGroup, ResolvedTarget } from '../../config/types.js';
import { planGroupedShards } from './shards.js';

/**
 * Targets per report invocation: 700 × ~242,000 points (the month and its previous period, measured by
 * bench/report-read-bench.ts) at 250,000 points/s is about 11 minutes, inside the 15-minute timeout and the
 * 15-minute spacing with room for throttled calls retried.
 */
export const REPORT_TARGETS_PER_SHARD = 700;
/** The report's pace, in GetMetricData points per second: under two thirds of the account's 396,000. */
export const REPORT_POINTS_PER_SECOND = 250_000;
/** Minutes between two report shards' schedules: one has finished before the next starts. */
export const REPORT_SHARD_SPACING_MINUTES = 15;
/** The first shard's time on the 1st, in minutes after 00:00 UTC: the previous month is complete and ingested. */
const FIRST_REPORT_MINUTE = 6 * 60;
/** Shards that fit between 06:00 and midnight of the 1st. */
export const MAX_REPORT_SHARDS = (24 * 60 - FIRST_REPORT_MINUTE) / REPORT_SHARD_SPACING_MINUTES;
/** A throttled call (the evaluators' minute, a dashboard) waits with full jitter and tries again. */
export const REPORT_READ_RETRY: RetryPolicy = { attempts: 10, baseDelayMs: 500, maxDelayMs: 10_000 };

/** A gateway group's targets stay in one shard: its report (redundancy-lost time, failovers) needs them all. */
export function reportShards<T extends Pick<ResolvedTarget, 'name'>>(config: { targets: readonly T[]; groups?: readonly ResolvedGroup[] }): T[][] {
  const shards = planGroupedShards(config.targets, config.groups ?? [], REPORT_TARGETS_PER_SHARD);
  if (shards.length > MAX_REPORT_SHARDS) throw new RangeError(`${config.targets.length} targets need ${shards.length} report shards; at most ${MAX_REPORT_SHARDS} fit on the 1st`);
  return shards;
}

/** The EventBridge cron of report shard `shard`: the 1st of each month, 06:00 UTC plus REPORT_SHARD_SPACING_MINUTES per shard. */
export function reportSchedule(shard: number): string {
  const minute = FIRST_REPORT_MINUTE + shard * REPORT_SHARD_SPACING_MINUTES;
  return `cron(${minute % 60} ${Math.floor(minute / 60)} 1 * ? *)`;
}
