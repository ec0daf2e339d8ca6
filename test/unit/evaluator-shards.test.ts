import { describe, expect, it } from 'vitest';
import { evaluatorShardOf } from '../../functions/evaluate-handler.js';
import { buildStack } from '../../infra/stack.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { EVALUATOR_TARGETS_PER_SHARD } from '../../shared/runners/lambda/evaluator-shards.js';

function fleet(n: number): ResolvedConfig {
  const lines = ['version: 1', 'homeRegion: eu-central-1', 'defaults: { regions: [eu-central-1, eu-west-1] }', 'targets:'];
  for (let i = 0; i < n; i++) lines.push(`  - { name: gw-${i}, host: 192.0.2.${i % 250} }`);
  const parsed = parseConfig(lines.join('\n'), 'fleet.yml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors.slice(0, 3)));
  return parsed.config;
}

describe('evaluator shards', () => {
  it('schedules one evaluator invocation per 100 targets, each with its shard in the event', () => {
    // Prepare
    const config = fleet(250);
    // Act
    const stack = buildStack(config, { service: 'pptp-monitor', stage: 'prod', region: 'eu-central-1', artifacts: { probe: 'p.zip', evaluate: 'e.zip' } });
    // Assess
    const events = stack.functions['evaluate']?.events ?? [];
    expect(EVALUATOR_TARGETS_PER_SHARD).toBe(100);
    // Sized to the largest shard (84 targets): 256 MB + 8 MB per target.
    expect(stack.functions['evaluate']?.memorySize).toBe(256 + 8 * 84);
    expect(events.map((e) => e.schedule.inputTransformer?.inputTemplate)).toEqual([
      '{"time": "<time>", "shard": 0, "shards": 3}',
      '{"time": "<time>", "shard": 1, "shards": 3}',
      '{"time": "<time>", "shard": 2, "shards": 3}',
    ]);
  });

  it('gives each invocation its own targets, every target exactly once, and refuses a stale schedule', () => {
    const config = fleet(250);
    const seen = [0, 1, 2].flatMap((shard) => evaluatorShardOf(config, { shard, shards: 3 }).config.targets.map((t) => t.name));
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
    expect(evaluatorShardOf(config, { shard: 1, shards: 3 }).config.targets[0]?.name).toBe('gw-84');
    expect(() => evaluatorShardOf(config, { shard: 0, shards: 2 })).toThrow('event: the schedule says 2 evaluator shard(s) but the packaged config plans 3: redeploy the home region');
    expect(() => evaluatorShardOf(config, { shard: 3, shards: 3 })).toThrow('event: shard must be an integer in 0..shards-1, got shard=3 shards=3');
    expect(evaluatorShardOf(fleet(5), {}).config.targets).toHaveLength(5);
  });
});
