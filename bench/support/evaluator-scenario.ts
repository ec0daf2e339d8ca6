// The fleet and history that bench/evaluator-bench.ts plays: N targets probed from 3 regions every minute
// (every 10th with a latency objective), 8 days of history before the played day and the day itself, with
// outages (2 or 3 regions failing together: pages), blips (one region alone: nothing), slow stretches of
// latency targets (tickets) and one probe shard that stops for 6 minutes (its no_data left to its alarm).
// Deterministic from a seed. Each interval becomes the datums the probe functions would publish to the
// home region, and each target's history can be regenerated as ProbeRecords for the reference replay.
//
// What is published: ProbeFailed per target (one datum per minute with the regions' 0/1 values as
// Values/Counts, as CloudWatch aggregates them anyway), ProbeFailures per failing probe, ControlTime per
// region for the latency targets, and ProbesRun per live probe shard. ConnectTime, and ControlTime of
// targets without a latency objective, are left out: the evaluator never reads them (ConnectTime only for a
// minute some location reported twice, and the benchmark plays no duplicates), and at 10,000 targets they
// would triple the fake's memory.
import type { MetricDatum } from '@aws-sdk/client-cloudwatch';
import { DAY_MS, MINUTE_MS } from '../../shared/common/time.js';
import { parseConfig, type ResolvedConfig, type ResolvedTarget } from '../../shared/config/index.js';
import type { FailureClass } from '../../shared/probe/failure-classes.js';
import { probeShardMap } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import type { ProbeShardMap } from '../../shared/cycles/ports.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';

export const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'] as const;
export const NAMESPACE = 'PPTPBench';
export const PRE_HISTORY_MS = 8 * DAY_MS;

interface Event {
  kind: 'outage' | 'blip' | 'slow';
  from: number;
  to: number;
  regions: readonly string[];
  cls: FailureClass;
  controlMs: number;
}

export interface DeadShard {
  region: string;
  shard: number;
  from: number;
  to: number;
}

export interface Scenario {
  config: ResolvedConfig;
  probeShards: ProbeShardMap;
  /** Start of the played day (the first evaluation instant), start of the history, end of the day. */
  t0: number;
  h0: number;
  end: number;
  dead: DeadShard;
  /** Targets whose history has any event (or that the dead shard probes): the only ones that can notify. */
  eventful: ResolvedTarget[];
  counts: { outages: number; blips: number; slow: number; preHistoryOutages: number };
  /** The datums the probe functions publish for interval `start`. */
  datumsAt(start: number): MetricDatum[];
  /** The target's probe results over [from, to), as the probes saw them. */
  records(target: ResolvedTarget, from: number, to: number): ProbeRecord[];
}

/** mulberry32: small, fast, deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CLASSES: readonly FailureClass[] = ['connect_timeout', 'connect_refused', 'control_timeout'];

export function createScenario(options: { targets: number; seed: number; t0: number; minutes: number }): Scenario {
  const { t0 } = options;
  const h0 = t0 - PRE_HISTORY_MS;
  const end = t0 + options.minutes * MINUTE_MS;
  const lines = [`version: 1`, `namespace: ${NAMESPACE}`, `homeRegion: eu-central-1`, `defaults: { regions: [${REGIONS.join(', ')}] }`, `targets:`];
  for (let i = 0; i < options.targets; i++) {
    const name = `gw-${String(i).padStart(5, '0')}`;
    const latency = i % 10 === 9 ? ', latency: { controlP95Ms: 250, for: 15 }' : '';
    lines.push(`  - { name: ${name}, host: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}${latency} }`);
  }
  const parsed = parseConfig(`${lines.join('\n')}\n`, 'bench.yml');
  if (!parsed.ok) throw new Error(`bench config: ${JSON.stringify(parsed.errors.slice(0, 3))}`);
  const config = parsed.config;
  const probeShards = probeShardMap(config);
  const rand = prng(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)]!;
  const minuteIn = (from: number, to: number): number => from + Math.floor((rand() * (to - from)) / MINUTE_MS) * MINUTE_MS;
  const events = new Map<string, Event[]>();
  const add = (target: ResolvedTarget, event: Event): void => void events.set(target.name, [...(events.get(target.name) ?? []), event]);
  const counts = { outages: 0, blips: 0, slow: 0, preHistoryOutages: 0 };
  const dayEnd = Math.max(t0 + MINUTE_MS, end - 60 * MINUTE_MS);
  for (const target of config.targets) {
    // 1% with an outage in the first 6 days of history (closed, budget drained, well before the day).
    if (rand() < 0.01) {
      const from = minuteIn(h0, h0 + 6 * DAY_MS);
      add(target, { kind: 'outage', from, to: from + (5 + Math.floor(rand() * 20)) * MINUTE_MS, regions: rand() < 0.5 ? REGIONS : REGIONS.slice(0, 2), cls: pick(CLASSES), controlMs: 0 });
      counts.preHistoryOutages++;
    }
    // 2% with an outage during the day, 3% with one region failing alone for a few minutes.
    if (rand() < 0.02) {
      const from = minuteIn(t0 + 30 * MINUTE_MS, dayEnd);
      add(target, { kind: 'outage', from, to: from + (3 + Math.floor(rand() * 28)) * MINUTE_MS, regions: rand() < 0.5 ? REGIONS : [REGIONS[1], REGIONS[2]], cls: pick(CLASSES), controlMs: 0 });
      counts.outages++;
    }
    if (rand() < 0.03) {
      const from = minuteIn(t0, dayEnd);
      add(target, { kind: 'blip', from, to: from + (1 + Math.floor(rand() * 4)) * MINUTE_MS, regions: [pick(REGIONS)], cls: pick(CLASSES), controlMs: 0 });
      counts.blips++;
    }
    // 10% of the latency targets slow from 2 or 3 regions for 20-60 minutes.
    if (target.latency && rand() < 0.1) {
      const from = minuteIn(t0 + 30 * MINUTE_MS, dayEnd);
      add(target, { kind: 'slow', from, to: from + (20 + Math.floor(rand() * 40)) * MINUTE_MS, regions: rand() < 0.5 ? REGIONS : REGIONS.slice(0, 2), cls: 'connect_timeout', controlMs: 300 + Math.floor(rand() * 300) });
      counts.slow++;
    }
  }
  const deadFrom = Math.min(t0 + 600 * MINUTE_MS, t0 + Math.floor(options.minutes / 2) * MINUTE_MS);
  const dead: DeadShard = { region: 'us-east-1', shard: 0, from: deadFrom, to: deadFrom + 6 * MINUTE_MS };
  const isDead = (region: string, shard: number | undefined, at: number): boolean => region === dead.region && shard === dead.shard && at >= dead.from && at < dead.to;
  const probedByDead = (t: ResolvedTarget): boolean => probeShards.shardOf(t.name, dead.region) === dead.shard;
  const shardOf = new Map(config.targets.map((t) => [t.name, REGIONS.map((r) => probeShards.shardOf(t.name, r))]));
  const eventful = config.targets.filter((t) => events.has(t.name) || probedByDead(t));

  /** The outcome of one probe: undefined when the shard was dead. */
  function outcome(target: ResolvedTarget, regionIndex: number, at: number, list: readonly Event[] | undefined): { ok: boolean; cls?: FailureClass; controlMs: number } | undefined {
    const region = REGIONS[regionIndex]!;
    if (isDead(region, shardOf.get(target.name)?.[regionIndex], at)) return undefined;
    let controlMs = 30 + ((at / MINUTE_MS + regionIndex * 7) % 23);
    for (const e of list ?? []) {
      if (at < e.from || at >= e.to || !e.regions.includes(region)) continue;
      if (e.kind === 'slow') controlMs = e.controlMs + (at / MINUTE_MS) % 17;
      else return { ok: false, cls: e.cls, controlMs: 0 };
    }
    return { ok: true, controlMs };
  }

  return {
    config,
    probeShards,
    t0,
    h0,
    end,
    dead,
    eventful,
    counts,
    datumsAt(start) {
      const timestamp = new Date(start);
      const out: MetricDatum[] = [];
      for (const target of config.targets) {
        const list = events.get(target.name);
        let ok = 0;
        let failed = 0;
        for (let r = 0; r < REGIONS.length; r++) {
          const o = outcome(target, r, start, list);
          if (o === undefined) continue;
          const region = REGIONS[r]!;
          if (o.ok) {
            ok++;
            if (target.latency) out.push({ MetricName: 'ControlTime', Dimensions: [{ Name: 'Target', Value: target.name }, { Name: 'ProbeRegion', Value: region }], Timestamp: timestamp, Value: o.controlMs, Unit: 'Milliseconds' });
          } else {
            failed++;
            out.push({ MetricName: 'ProbeFailures', Dimensions: [{ Name: 'Target', Value: target.name }, { Name: 'ProbeRegion', Value: region }, { Name: 'FailureClass', Value: o.cls! }], Timestamp: timestamp, Value: 1, Unit: 'Count' });
          }
        }
        if (ok + failed === 0) continue;
        const values = [...(ok > 0 ? [0] : []), ...(failed > 0 ? [1] : [])];
        const counts = [...(ok > 0 ? [ok] : []), ...(failed > 0 ? [failed] : [])];
        out.push({ MetricName: 'ProbeFailed', Dimensions: [{ Name: 'Target', Value: target.name }], Timestamp: timestamp, Values: values, Counts: counts, Unit: 'Count' });
      }
      for (const region of REGIONS) {
        for (let shard = 0; shard < probeShards.shardCount(region); shard++) {
          if (isDead(region, shard, start)) continue;
          out.push({ MetricName: 'ProbesRun', Dimensions: [{ Name: 'ProbeRegion', Value: region }, { Name: 'Shard', Value: String(shard) }], Timestamp: timestamp, Value: 1, Unit: 'Count' });
        }
      }
      return out;
    },
    records(target, from, to) {
      const list = events.get(target.name);
      const out: ProbeRecord[] = [];
      for (let at = from; at < to; at += MINUTE_MS) {
        for (let r = 0; r < REGIONS.length; r++) {
          const o = outcome(target, r, at, list);
          if (o === undefined) continue;
          const record: ProbeRecord = { target: target.name, region: REGIONS[r]!, intervalStart: at, ok: o.ok };
          if (!o.ok && o.cls) record.failureClass = o.cls;
          if (o.ok && target.latency) record.controlMs = o.controlMs;
          out.push(record);
        }
      }
      return out;
    },
  };
}

/** Whether the dead shard's alarm covers a no_data of `target` at `at` (the evaluator's rule: its heartbeat missing for 3 minutes). */
export function deadShardCovers(scenario: Scenario, target: string, affected: readonly string[], at: number): boolean {
  const { dead, probeShards } = scenario;
  const lastHeartbeat = (region: string): number => (at - MINUTE_MS >= dead.from && at - MINUTE_MS < dead.to && region === dead.region ? dead.from - MINUTE_MS : at - MINUTE_MS);
  return affected.length > 0 && affected.every((region) => region === dead.region && probeShards.shardOf(target, region) === dead.shard && lastHeartbeat(region) < at - 3 * MINUTE_MS);
}
