// The evaluator's share of work per invocation, and when in the minute each shard starts. A run steps the
// fold states of its shard's targets (tens of microseconds each) on the minutes that arrived since the last
// run, so a shard's size is bounded by its state item (one DynamoDB item of at most 400 KB: a healthy
// target is ~300 bytes gzipped, one with a latency incident open for hours up to ~15 KB) and by the
// rebuild of a lost state (8 days of history per target, spread over runs: see shared/cycles/evaluate-cycle.ts).
// 100 targets per shard keep the item far from the limit; larger fleets get one scheduled evaluator
// invocation per shard, each with its own state item.
import type { RetryPolicy } from '../../aws/retry.js';
import type { ResolvedGroup, ResolvedTarget } from '../../config/types.js';
import { planGroupedShards } from './shards.js';

export const EVALUATOR_TARGETS_PER_SHARD = 100;

/**
 * The targets of each evaluator shard, in config order. A gateway group's virtual address and members are
 * judged together (redundancy lost, failover), so a group is never split: shards are packed with whole
 * groups, and hold up to a group's size beyond the usual share when one straddles the boundary.
 */
export function evaluatorShards<T extends Pick<ResolvedTarget, 'name'>>(config: { targets: readonly T[]; groups?: readonly ResolvedGroup[] }): T[][] {
  return planGroupedShards(config.targets, config.groups ?? [], EVALUATOR_TARGETS_PER_SHARD);
}

/**
 * Every shard's schedule fires in the same second, and GetMetricData allows 50 calls a second per account:
 * shard s waits (s mod EVALUATOR_START_SLOTS) × EVALUATOR_START_STEP_MS after its minute begins, 25 shards a
 * second (one or two calls each), so 100 shards start within 4 s and 150 or more within 6 s.
 */
export const EVALUATOR_START_STEP_MS = 40;
export const EVALUATOR_START_SLOTS = 150;

export const evaluatorStartOffsetMs = (shard: number): number => (shard % EVALUATOR_START_SLOTS) * EVALUATOR_START_STEP_MS;

/**
 * A throttled GetMetricData call (or a 5xx) waits with full jitter and tries again until the run's deadline
 * (16 tries, backoff up to 8 s: about 50 s in all, which the deadline cuts first): throttling is the account's
 * other readers (reports, dashboards, other shards rebuilding at once), not a fault, and a run that gives up
 * makes no progress (its rebuild is read again next minute).
 */
export const EVALUATOR_READ_RETRY: RetryPolicy = { attempts: 16, baseDelayMs: 250, maxDelayMs: 8000 };
