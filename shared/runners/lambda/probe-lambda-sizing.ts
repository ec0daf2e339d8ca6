// How the probe Lambda is sized and how a region's targets are split across its scheduled invocations.
// Shared by the deploy step (which creates one schedule per shard) and the handler (which recomputes the
// same plan from the same packaged config to find its shard), so the two can never disagree silently.
import type { ResolvedTarget } from '../../config/types.js';
import { targetsForRegion } from '../../config/targets.js';
import type { ProbeShardMap } from '../../cycles/ports.js';
import { planShards, targetsPerInvocation, type ShardLimits } from './shards.js';

// The due rule is the cycles' (every runner probes in the same intervals); re-exported for the probe handler.
export { isDue } from '../../cycles/due.js';

/** Lambda timeout of the probe function: results of a 1-minute interval must be in before the next. */
export const PROBE_LAMBDA_TIMEOUT_S = 50;
/** arm64 memory: CPU share scales with memory, and 256 MB keeps 1,000 probes well under 5 s. */
export const PROBE_LAMBDA_MEMORY_MB = 256;
/** Kept back from the Lambda deadline for publishing (with retries) and logging, in ms. */
export const PUBLISH_MARGIN_MS = 4000;
/** Probes in flight at once in one invocation. */
export const INVOCATION_CONCURRENCY = 100;
/** Preferred spacing of probe starts, in ms (see shared/probe/run-paced.ts for why). */
export const START_INTERVAL_MS = 2;
/** Hard cap per invocation: bounds memory, PutMetricData volume and the blast radius of one failed run. */
export const MAX_TARGETS_PER_INVOCATION = 1000;

/**
 * The probe schedule's period, in ms: every shard is invoked once a minute whatever its targets' intervals
 * (5-minute targets are probed on the minutes they are due), and each invocation files its results under
 * its scheduled minute.
 */
export const PROBE_SCHEDULE_PERIOD_MS = 60_000;
/**
 * How long after its minute has ended a probe event may still start, in ms. EventBridge and Lambda's queue
 * normally deliver within seconds; a run that starts this late still has its points in before the evaluator
 * reads the minute (2 minutes behind it). Anything later is a retry, a redelivery or a backlog: refused.
 */
export const STALE_EVENT_MARGIN_MS = 10_000;
/**
 * Lambda drops a probe event that waited this long in its asynchronous queue, in s: AWS's minimum, and
 * the schedule's period. A probe of a minute that has passed measures the wrong minute.
 */
export const PROBE_MAX_EVENT_AGE_S = 60;

export const PROBE_SHARD_LIMITS: ShardLimits = {
  budgetMs: PROBE_LAMBDA_TIMEOUT_S * 1000 - PUBLISH_MARGIN_MS,
  concurrency: INVOCATION_CONCURRENCY,
  startIntervalMs: START_INTERVAL_MS,
  maxTargetsPerInvocation: MAX_TARGETS_PER_INVOCATION,
};

/**
 * The shards of one region, in config order. Every target of the region is in exactly one shard, sized
 * so that even with every target silent until its timeout all of them finish inside the budget.
 */
export function regionShards<T extends Pick<ResolvedTarget, 'regions' | 'timeout'>>(config: { targets: readonly T[] }, region: string, limits: ShardLimits = PROBE_SHARD_LIMITS): T[][] {
  const targets = targetsForRegion(config, region);
  if (targets.length === 0) return [];
  const longest = Math.max(...targets.map((t) => t.timeout));
  return planShards(targets, targetsPerInvocation(limits, longest));
}

/**
 * From the whole config: a subset of its targets would plan different shards. An agent is one shard (0)
 * of its location: one process probes all its targets each minute and sends one heartbeat.
 */
export function probeShardMap<T extends Pick<ResolvedTarget, 'name' | 'regions' | 'timeout'>>(config: { targets: readonly T[]; regions: readonly string[]; agents?: readonly { name: string }[] }): ProbeShardMap {
  const counts = new Map<string, number>();
  const of = new Map<string, number>();
  for (const region of config.regions) {
    const shards = regionShards(config, region);
    counts.set(region, shards.length);
    shards.forEach((shard, k) => shard.forEach((t) => of.set(`${t.name}\u0000${region}`, k)));
  }
  for (const agent of config.agents ?? []) {
    const targets = targetsForRegion(config, agent.name);
    counts.set(agent.name, targets.length > 0 ? 1 : 0);
    for (const t of targets) of.set(`${t.name}\u0000${agent.name}`, 0);
  }
  return { shardCount: (region) => counts.get(region) ?? 0, shardOf: (target, region) => of.get(`${target}\u0000${region}`) };
}
