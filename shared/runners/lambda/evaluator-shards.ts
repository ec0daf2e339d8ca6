// The evaluator's share of work per invocation. Each evaluation reads 8 days of 1-minute history per
// target (11,520 points; GetMetricData returns at most 100,800 per call) and walks 4 days of minutes
// through the SLA core (12-24 ms per target here). 100 targets per shard keep one run to about a dozen
// GetMetricData calls and a few seconds of CPU, well inside the 50 s a 1-minute schedule allows; larger
// fleets get one scheduled evaluator invocation per shard, each with its own watermark.
import type { ResolvedTarget } from '../../config/types.js';
import { planShards } from './shards.js';

export const EVALUATOR_TARGETS_PER_SHARD = 100;

export function evaluatorShards<T extends Pick<ResolvedTarget, 'name'>>(config: { targets: readonly T[] }): T[][] {
  return planShards(config.targets, EVALUATOR_TARGETS_PER_SHARD);
}
