// The SLA fold's cost per target and minute, against the stateless walk it replaces:
//   node scripts/build.mjs && node --expose-gc dist/bench/sla-fold-bench.js
// (or: npx esbuild bench/sla-fold-bench.ts --bundle --platform=node --format=esm --outfile=/tmp/b.mjs && node --expose-gc /tmp/b.mjs)
//
// Shapes, each for a shard of 100 targets × 3 regions probed every minute, with a latency objective:
//   healthy      a lone-region blip every ~13 hours (never bad), nothing open;
//   outage       a quorum outage open for 2 hours and still going (down, and the silenced budget page and ticket);
//   slow         control time above the objective in 2 regions for 2 hours and going (a latency ticket and its p95 samples);
//   slow burn    one bad minute every 4 hours for 3 days (the budget ticket open on its 3d/6h rule, 18 bad runs in its window).
// Each is replayed from the empty state over 8 days (what a rebuild costs), then stepped minute by minute
// for 6 hours as the evaluator would: CPU per target-minute for the step alone, and with the stored state
// parsed before and serialised after each step (what one invocation does per target). State sizes are the
// serialised JSON and its gzip. The walk's figure is evaluateTarget for one minute over the 8 days the
// evaluator reads, with its 4-day look-back, per target.
import { gzipSync } from 'node:zlib';
import { parseConfig, type ResolvedTarget } from '../shared/config/index.js';
import { LOOKBACK_MS } from '../shared/cycles/evaluation-window.js';
import { evaluateTarget } from '../shared/sla/evaluate.js';
import type { ProbeRecord } from '../shared/sla/probe-record.js';
import { emptyFoldState, parseFoldState, serializeFoldState, stepFold, type FoldState } from '../shared/sla/fold/index.js';
import { DAY_MS, HOUR_MS, MINUTE_MS } from '../shared/common/time.js';

const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'] as const;
const TARGETS = 100;
/** The measured stretch starts here; the 8 days before it are the history replayed. */
const T = Date.parse('2026-11-09T00:00:00Z');
const HISTORY_MS = 8 * DAY_MS;
const MEASURE_MS = 6 * HOUR_MS;
const print = (line: string): void => void process.stdout.write(`${line}\n`);
const gc = (globalThis as { gc?: () => void }).gc;

type Shape = 'healthy' | 'outage' | 'slow' | 'slow burn';

function fleet(): ResolvedTarget[] {
  const lines = ['version: 1', 'homeRegion: eu-central-1', `defaults: { regions: [${REGIONS.join(', ')}], latency: { controlP95Ms: 250 } }`, 'targets:'];
  for (let i = 0; i < TARGETS; i++) lines.push(`  - { name: gw-${i}, host: 192.0.2.${i % 250} }`);
  const parsed = parseConfig(lines.join('\n'), 'bench.yml');
  if (!parsed.ok) throw new Error('bench config');
  return parsed.config.targets;
}

/** The records of one minute for one target of a shape. */
function minuteOf(shape: Shape, target: string, seed: number, at: number): ProbeRecord[] {
  const k = Math.floor(at / MINUTE_MS) + seed * 97;
  const server = { hostname: target, vendor: 'linux', firmwareRevision: 1 };
  return REGIONS.map((region, r): ProbeRecord => {
    const blip = r === 2 && k % 787 === 0;
    const outage = shape === 'outage' && at >= T - 2 * HOUR_MS && r < 2;
    const burn = shape === 'slow burn' && at >= T - 3 * DAY_MS && (at - T) % (4 * HOUR_MS) === 0 && r < 2;
    if (blip || outage || burn) return { target, region, intervalStart: at, ok: false, failureClass: 'connect_timeout' };
    const slow = shape === 'slow' && at >= T - 2 * HOUR_MS && r < 2;
    return { target, region, intervalStart: at, ok: true, connectMs: 20 + (k % 7), controlMs: slow ? 300 + (k % 211) + (k % 7) / 8 : 40 + (k % 13) + (k % 5) / 8, server };
  });
}

function history(shape: Shape, target: string, seed: number, fromMs: number, toMs: number): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  for (let at = fromMs; at < toMs; at += MINUTE_MS) out.push(...minuteOf(shape, target, seed, at));
  return out;
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

function measure(shape: Shape, targets: readonly ResolvedTarget[]): void {
  // Rebuild: replay 8 days from the empty state (one step, as a runner rebuilding a lost state would).
  const histories = targets.map((t, i) => history(shape, t.name, i, T - HISTORY_MS, T));
  gc?.();
  let started = cpuMs();
  let states: FoldState[] = targets.map((t, i) => stepFold(t, emptyFoldState(t), histories[i]!, T).state);
  const replayUs = ((cpuMs() - started) * 1000) / (targets.length * (HISTORY_MS / MINUTE_MS));
  const sizes = states.map((s) => serializeFoldState(s));
  const json = sizes.reduce((a, s) => a + s.length, 0) / sizes.length;
  const gzip = sizes.reduce((a, s) => a + gzipSync(s).length, 0) / sizes.length;
  const shardGzip = gzipSync(`[${sizes.join(',')}]`).length;
  histories.length = 0;

  // Steady state, step only: the state stays in memory between minutes.
  const minutes = MEASURE_MS / MINUTE_MS;
  const inMemory = states.slice();
  let notifications = 0;
  gc?.();
  started = cpuMs();
  for (let m = 1; m <= minutes; m++) {
    const at = T + m * MINUTE_MS;
    for (let i = 0; i < targets.length; i++) {
      const step = stepFold(targets[i]!, inMemory[i]!, minuteOf(shape, targets[i]!.name, i, at - MINUTE_MS), at);
      inMemory[i] = step.state;
      notifications += step.notifications.length;
    }
  }
  const stepUs = ((cpuMs() - started) * 1000) / (targets.length * minutes);

  // As an invocation does it: parse the stored state, step, serialise.
  let stored = states.map((s) => serializeFoldState(s));
  let maxJson = 0;
  gc?.();
  started = cpuMs();
  for (let m = 1; m <= minutes; m++) {
    const at = T + m * MINUTE_MS;
    for (let i = 0; i < targets.length; i++) {
      const step = stepFold(targets[i]!, parseFoldState(stored[i]!), minuteOf(shape, targets[i]!.name, i, at - MINUTE_MS), at);
      stored[i] = serializeFoldState(step.state);
      if (stored[i]!.length > maxJson) maxJson = stored[i]!.length;
    }
  }
  const storedUs = ((cpuMs() - started) * 1000) / (targets.length * minutes);
  states = [];
  stored = [];
  print(
    `${shape.padEnd(10)} step ${stepUs.toFixed(1).padStart(5)} µs, with parse+serialise ${storedUs.toFixed(1).padStart(5)} µs per target-minute; ` +
      `state ${Math.round(json)} B JSON (max ${maxJson} B while stepping), ${Math.round(gzip)} B gzip, shard of ${targets.length} ${(shardGzip / 1024).toFixed(1)} KiB gzip; ` +
      `rebuild ${replayUs.toFixed(1)} µs per replayed minute; ${notifications} notification(s) in ${minutes} min`,
  );
}

function walkFigure(shape: Shape, targets: readonly ResolvedTarget[]): void {
  const sample = targets.slice(0, 20);
  const histories = sample.map((t, i) => history(shape, t.name, i, T - HISTORY_MS, T));
  evaluateTarget(sample[0]!, histories[0]!, { fromExclusive: T - MINUTE_MS, toInclusive: T }, { lookbackMs: LOOKBACK_MS }); // JIT warm-up
  gc?.();
  const started = cpuMs();
  sample.forEach((t, i) => evaluateTarget(t, histories[i]!, { fromExclusive: T - MINUTE_MS, toInclusive: T }, { lookbackMs: LOOKBACK_MS }));
  const perTarget = (cpuMs() - started) / sample.length;
  print(`${shape.padEnd(10)} evaluateTarget (stateless walk, 8 days read, 4-day look-back): ${(perTarget * 1000).toFixed(0)} µs per target-minute`);
}

function main(): void {
  const targets = fleet();
  print(`node ${process.version}; ${TARGETS} targets x ${REGIONS.length} regions, 1-minute probes, latency objective 250 ms`);
  // Warm the JIT on one shape first so the first line is not the compiler's.
  measure('healthy', targets.slice(0, 10));
  print('--- fold (shared/sla/fold) ---');
  for (const shape of ['healthy', 'outage', 'slow', 'slow burn'] as const) measure(shape, targets);
  print('--- stateless walk (shared/sla/evaluate.ts) ---');
  for (const shape of ['healthy', 'outage', 'slow burn'] as const) walkFigure(shape, targets);
}

main();
