// Splitting a region's targets across invocations when one cannot probe them all in time, and a config's
// targets across evaluator and report invocations (which keep a gateway group's targets together).
import type { ResolvedGroup } from '../../config/types.js';

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

/**
 * planShards for work that judges a gateway group's targets together (the evaluator, the report): the
 * virtual address and its members are never split. Shards are packed in config order with whole groups, a
 * shard taking units until it holds its share, so a group crossing the share joins it whole (a shard may
 * hold a group's size less one more), never beyond `perShard` unless one group alone is larger.
 */
export function planGroupedShards<T extends { name: string }>(targets: readonly T[], groups: readonly ResolvedGroup[], perShard: number): T[][] {
  if (groups.length === 0) return planShards(targets, perShard);
  const groupOf = new Map<string, ResolvedGroup>();
  for (const g of groups) for (const name of [g.name, ...g.members]) groupOf.set(name, g);
  const byName = new Map(targets.map((t) => [t.name, t]));
  const units: T[][] = [];
  const placed = new Set<string>();
  for (const target of targets) {
    if (placed.has(target.name)) continue;
    const group = groupOf.get(target.name);
    const unit = group === undefined ? [target] : [group.name, ...group.members].map((n) => byName.get(n)).filter((t): t is T => t !== undefined);
    for (const t of unit) placed.add(t.name);
    units.push(unit);
  }
  const share = Math.ceil(targets.length / Math.ceil(targets.length / Math.max(1, perShard)));
  const shards: T[][] = [[]];
  for (const unit of units) {
    const current = shards[shards.length - 1]!;
    if (current.length > 0 && (current.length >= share || current.length + unit.length > perShard)) shards.push([...unit]);
    else current.push(...unit);
  }
  return shards;
}
