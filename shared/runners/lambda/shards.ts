// Splitting a region's targets across invocations when one cannot probe them all in time.

export interface ShardLimits {
  /** Invocation budget for probing, in ms (Lambda timeout minus publish and safety margins). */
  budgetMs: number;
  /** Probes in flight at once in one invocation. */
  concurrency: number;
  /** Spacing between probe starts, in ms. */
  startIntervalMs: number;
  /** Hard cap per invocation (memory, PutMetricData volume, blast radius of one failed invocation). */
  maxTargetsPerInvocation: number;
}

/**
 * How many targets one invocation can probe with every probe still finishing in time: starts are spaced
 * and at most `concurrency` run at once, each taking up to the longest timeout (the worst case: all silent).
 */
export function targetsPerInvocation(limits: ShardLimits, longestTimeoutMs: number): number {
  const byPacing = Math.floor((limits.budgetMs - longestTimeoutMs) / Math.max(limits.startIntervalMs, 0.001)) + 1;
  const byConcurrency = Math.floor(limits.budgetMs / longestTimeoutMs) * limits.concurrency;
  return Math.max(1, Math.min(limits.maxTargetsPerInvocation, byPacing, byConcurrency));
}

/** Even shards (sizes differ by at most one), in config order, so a target stays in the same shard. */
export function planShards<T>(targets: readonly T[], perInvocation: number): T[][] {
  if (targets.length === 0) return [];
  const count = Math.ceil(targets.length / Math.max(1, perInvocation));
  const base = Math.floor(targets.length / count);
  const extra = targets.length % count;
  const shards: T[][] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    const size = base + (i < extra ? 1 : 0);
    shards.push(targets.slice(at, at + size));
    at += size;
  }
  return shards;
}
