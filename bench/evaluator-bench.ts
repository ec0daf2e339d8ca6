// `npm run bench:evaluator -- [--targets 1000] [--minutes 1440] [--before-minutes n] [--store dynalite|memory]`
//
// Plays N targets × 3 locations through the CloudWatch wire fake (aggregate store, GetMetricData quotas ON:
// 50 calls/s, 396,000 / 180,000 points/s, 100,800 points and 500 queries per call), with 8 days of history
// before a played day, and runs the evaluator the way the Lambda runs it: one invocation per evaluator shard
// of 100 targets, every shard's schedule firing in the same second of each minute, the real CloudWatchClient
// over HTTP, the handler of functions/ as deployed.
//
//   after:  the fold (functions/evaluate-handler.ts): state per shard in the state store (dynalite, the real
//           DynamoDBClient; or the in-memory store with the same item encoding and conditional writes, for
//           runs where dynalite's milliseconds per call would be most of the time); the first runs rebuild
//           every target from the 8 days of history, within the rebuild budget, reported apart.
//   before: the stateless evaluator this replaced (bench/support/stateless-evaluator.ts): for a short span
//           with the quotas on (it cannot keep up at these sizes: the figures say so), and for one minute on
//           a sample of shards with the quotas off, to show what each of its runs needs.
//
// Prints per target and minute: GetMetricData points and calls, peak TPS/DPS and throttles, SLA CPU, state
// bytes, notifications; checks the after path's notifications (dedup key, status, time) against a full
// replay of the same history (the fold from the empty state, i.e. backtest, with the dead-shard rule), and
// against the before path over the span both ran (latency tickets apart: the stateless evaluator decided
// latency only every fifth minute).
//
// Time is a WarpClock: real speed while anything works, idle waits (start offsets, backoff) skipped.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { createEvaluateHandler } from '../functions/evaluate-handler.js';
import { EVALUATOR_STATE_SCHEMA, type EvaluateReport } from '../shared/cycles/evaluate-cycle.js';
import type { AlertSink } from '../shared/cycles/ports.js';
import { replayWindow } from '../shared/cycles/target-fold.js';
import { MINUTE_MS } from '../shared/common/time.js';
import { createJsonLogger } from '../shared/log/logger.js';
import { evaluatorShards } from '../shared/runners/lambda/evaluator-shards.js';
import { createDynamoDbStateStore, type StateStore } from '../shared/state/index.js';
import { evaluatorStateStore } from '../shared/state/evaluator-state-port.js';
import { startCloudWatchFake, type CloudWatchFake, type GetMetricDataCounters } from '../test/support/cloudwatch-fake.js';
import { createStateTable, dynamoDbClient, startDynalite } from '../test/support/dynamodb.js';
import { createMemoryStateStore } from '../test/support/memory-state-store.js';
import { createScenario, deadShardCovers, NAMESPACE, type Scenario } from './support/evaluator-scenario.js';
import { createStatelessHandler } from './support/stateless-evaluator.js';
import { WarpClock } from './support/warp-clock.js';

// ------------------------------------------------------------------------------------------------ options

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}
const TARGETS = Number(option('targets', '1000'));
const MINUTES = Number(option('minutes', '1440'));
const BEFORE_MINUTES = Number(option('before-minutes', TARGETS >= 5000 ? '2' : '5'));
/** The before path's shards run without quotas (its decisions and needs), and minutes run with them on (all shards). */
const BEFORE_SAMPLE_SHARDS = Number(option('before-shards', '10'));
const BEFORE_THROTTLED_MINUTES = 2;
/** The stateless evaluator's catch-up cap (MAX_CATCH_UP_MS), in minutes. */
const CATCH_UP_MINUTES = 60;
const STORE = option('store', TARGETS >= 5000 ? 'memory' : 'dynalite');
const SEED = Number(option('seed', '13'));
/** A Monday, 00:00 UTC: the first evaluation instant of the played day. */
const T0 = Date.UTC(2026, 10, 2);

const silent = createJsonLogger({ service: 'bench', write: (line) => void (process.env['BENCH_LOG'] && process.stderr.write(`${line.slice(0, 400)}\n`)) });
const context = { getRemainingTimeInMillis: () => 45_000 };

interface Sent {
  key: string;
  target: string;
  policy: string;
  at: number;
}

function recordingSink(into: Sent[]): AlertSink {
  return {
    async publish(notifications) {
      for (const n of notifications) into.push({ key: `${new Date(n.at).toISOString()} ${n.dedupKey} ${n.status}`, target: n.target, policy: n.policy, at: n.at });
      return { sent: notifications.length, retried: 0, failed: [] };
    },
  };
}

const fmt = (n: number, digits = 1): string => (Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 }) : '–');
const seconds = (ms: number): string => `${fmt(ms / 1000, 1)} s`;

// ------------------------------------------------------------------------------------------------ phases

interface Phase {
  name: string;
  /** Target-minutes evaluated (targets × runs' minutes). */
  targetMinutes: number;
  runs: number;
  failedRuns: number;
  counters: GetMetricDataCounters;
  metricsRequested: number;
  slaMs: number;
  wallMs: number;
  errors: Map<string, number>;
}

function emptyPhase(name: string): Phase {
  return { name, targetMinutes: 0, runs: 0, failedRuns: 0, counters: { calls: 0, throttles: 0, throttledForTps: 0, throttledForDps: 0, pointsReturned: 0, peakTps: 0, peakDps: 0 }, metricsRequested: 0, slaMs: 0, wallMs: 0, errors: new Map() };
}

function noteError(phase: Phase, reason: unknown): void {
  phase.failedRuns++;
  const text = reason instanceof Error ? `${reason.name}: ${reason.message}`.slice(0, 120) : String(reason);
  phase.errors.set(text, (phase.errors.get(text) ?? 0) + 1);
}

function closePhase(phase: Phase, cw: CloudWatchFake, startedAt: number): void {
  phase.counters = cw.getMetricData;
  phase.wallMs = performance.now() - startedAt;
}

function cloudwatchClient(cw: CloudWatchFake, maxAttempts: number): CloudWatchClient {
  return new CloudWatchClient({ endpoint: cw.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts });
}

// ------------------------------------------------------------------------------------------------ main

async function main(): Promise<void> {
  const started = performance.now();
  const clock = new WarpClock(T0 - 8 * 24 * 60 * MINUTE_MS);
  const scenario = createScenario({ targets: TARGETS, seed: SEED, t0: T0, minutes: MINUTES });
  const plan = evaluatorShards(scenario.config);
  console.log(`evaluator bench: ${TARGETS} targets × 3 locations (${scenario.config.targets.filter((t) => t.latency).length} with a latency objective), ${plan.length} evaluator shards, 8 days of history + ${MINUTES} minutes played; state store: ${STORE}`);
  console.log(`  events: ${scenario.counts.preHistoryOutages} outages in the history, ${scenario.counts.outages} outages, ${scenario.counts.blips} one-region blips, ${scenario.counts.slow} slow stretches in the day; probe shard ${scenario.dead.region}#${scenario.dead.shard} silent 6 minutes`);

  const cw = await startCloudWatchFake({ aggregate: true, quotas: true, now: () => new Date(clock.now()) });
  try {
    // History: 8 days, published as the probes would (ingest: the fake's validation without HTTP).
    const ingestStart = performance.now();
    for (let at = scenario.h0; at < T0; at += MINUTE_MS) {
      clock.setTo(at + 10_000);
      cw.ingest(NAMESPACE, scenario.datumsAt(at));
    }
    console.log(`  history ingested: ${fmt(cw.sampleCount / 1e6, 1)} M samples in ${seconds(performance.now() - ingestStart)}`);

    const after = await runAfter(scenario, cw, clock, plan.length);
    const before = await runBefore(scenario, cw, clock, plan.length, after.sent);
    const reference = referenceNotifications(scenario);
    report(scenario, plan.length, after, before, reference);
  } finally {
    await cw.close();
  }
  console.log(`\nwall time ${seconds(performance.now() - started)}; virtual time skipped while idle ${seconds(clock.skippedMs)}`);
}

interface AfterResult {
  rebuild: Phase;
  steady: Phase;
  rebuildMinutes: number;
  sent: Sent[];
  stateBytes: number;
  storedBytes: number;
  maxStoredBytes: number;
  superseded: number;
}

async function runAfter(scenario: Scenario, cw: CloudWatchFake, clock: WarpClock, shards: number): Promise<AfterResult> {
  let store: StateStore;
  let close = async (): Promise<void> => undefined;
  if (STORE === 'dynalite') {
    const server = await startDynalite();
    const client = dynamoDbClient(server.endpoint, 1);
    await createStateTable(client, 'bench-state');
    store = createDynamoDbStateStore({ tableName: 'bench-state', namespace: NAMESPACE, schemaVersion: EVALUATOR_STATE_SCHEMA, client, now: () => Math.floor(clock.now()) });
    close = async () => {
      client.destroy();
      await server.close();
    };
  } else store = createMemoryStateStore({ namespace: NAMESPACE, schemaVersion: EVALUATOR_STATE_SCHEMA, now: () => Math.floor(clock.now()) });
  const sent: Sent[] = [];
  const handler = createEvaluateHandler({
    config: scenario.config,
    cloudwatch: cloudwatchClient(cw, 1),
    state: evaluatorStateStore(store),
    alerts: recordingSink(sent),
    log: silent,
    now: clock.now,
    sleep: clock.sleep,
  });
  const result: AfterResult = { rebuild: emptyPhase('after: rebuild'), steady: emptyPhase('after: steady'), rebuildMinutes: 0, sent, stateBytes: 0, storedBytes: 0, maxStoredBytes: 0, superseded: 0 };
  cw.resetGetMetricData();
  let phase = result.rebuild;
  let phaseStart = performance.now();
  const lastMinute: EvaluateReport[] = [];
  try {
    for (let m = 0; m < MINUTES; m++) {
      const scheduled = T0 + (m + 2) * MINUTE_MS;
      // The probes' results for the interval that ended a minute ago (the next run needs it).
      if (m > 0) cw.ingest(NAMESPACE, scenario.datumsAt(T0 + (m - 1) * MINUTE_MS));
      if (clock.now() < scheduled) clock.setTo(scheduled);
      const settled = await clock.all(Array.from({ length: shards }, (_, shard) => () => handler({ time: new Date(scheduled).toISOString(), shard, shards }, context)));
      let pending = 0;
      lastMinute.length = 0;
      for (const s of settled) {
        phase.runs++;
        if (s.status === 'rejected') {
          noteError(phase, s.reason);
          pending++;
          continue;
        }
        const r = s.value;
        phase.targetMinutes += r.targets;
        phase.metricsRequested += r.metricsRequested;
        phase.slaMs += r.slaMs;
        pending += r.pending;
        if (r.outcome === 'superseded') result.superseded++;
        lastMinute.push(r);
      }
      if (phase === result.rebuild && pending === 0) {
        result.rebuildMinutes = m + 1;
        closePhase(phase, cw, phaseStart);
        cw.resetGetMetricData();
        phase = result.steady;
        phaseStart = performance.now();
      }
      if ((m + 1) % 120 === 0 || process.env['BENCH_TRACE']) process.stderr.write(`  after: ${m + 1}/${MINUTES} minutes, ${seconds(performance.now() - phaseStart)}\n`);
    }
  } finally {
    closePhase(phase, cw, phaseStart);
    await close();
  }
  result.stateBytes = lastMinute.reduce((n, r) => n + r.stateBytes, 0) / scenario.config.targets.length;
  result.storedBytes = lastMinute.reduce((n, r) => n + r.storedBytes, 0) / scenario.config.targets.length;
  result.maxStoredBytes = Math.max(...lastMinute.map((r) => r.storedBytes));
  return result;
}

interface BeforeResult {
  /** All shards with the quotas on: what happens to it at this size. */
  throttled: Phase;
  /** A sample of shards with the quotas off: what each of its runs reads and computes, and what it decides. */
  unthrottled: Phase;
  /** The span both paths ran: evaluation instants (fromExclusive, toInclusive], and the targets of the sampled shards. */
  span: { fromExclusive: number; toInclusive: number };
  sampledTargets: Set<string>;
  sampledShards: number;
  /** What the unthrottled sample sent (compared with the after path), and what the throttled runs sent. */
  sent: Sent[];
  sentThrottled: Sent[];
}

/**
 * The first minute the before path runs: its first run starts from a watermark an hour back (the stateless
 * evaluator's catch-up cap), so it decides the hour before it too; the hour and minutes with the most
 * notifications of the after path for the sampled targets, so the comparison has something to compare.
 */
function busiestSpan(after: readonly Sent[], sampled: ReadonlySet<string>): number {
  let best = CATCH_UP_MINUTES;
  let bestCount = -1;
  for (let m = CATCH_UP_MINUTES; m + BEFORE_MINUTES <= MINUTES; m += 5) {
    const from = T0 + (m - CATCH_UP_MINUTES) * MINUTE_MS;
    const count = after.filter((s) => s.at > from - MINUTE_MS && s.at <= T0 + (m + BEFORE_MINUTES - 1) * MINUTE_MS && s.policy !== 'latency' && sampled.has(s.target)).length;
    if (count > bestCount) {
      best = m;
      bestCount = count;
    }
  }
  return best;
}

async function runBefore(scenario: Scenario, cw: CloudWatchFake, clock: WarpClock, shards: number, afterSent: readonly Sent[]): Promise<BeforeResult> {
  const all = Array.from({ length: shards }, (_, i) => i);
  const sample = all.slice(0, Math.min(shards, BEFORE_SAMPLE_SHARDS));
  const plan = evaluatorShards(scenario.config);
  const sampledTargets = new Set(sample.flatMap((shard) => (plan[shard] ?? []).map((t) => t.name)));
  const first = busiestSpan(afterSent, sampledTargets);
  const result: BeforeResult = {
    throttled: emptyPhase('before, quotas on'),
    unthrottled: emptyPhase('before, quotas off'),
    span: { fromExclusive: T0 + (first - CATCH_UP_MINUTES) * MINUTE_MS, toInclusive: T0 + (first + BEFORE_MINUTES - 1) * MINUTE_MS },
    sampledTargets,
    sampledShards: sample.length,
    sent: [],
    sentThrottled: [],
  };
  // As deployed before: the SDK's own 3 attempts, a watermark per pass so the two passes do not see each other's.
  const handlerOf = (into: Sent[], label: string) => createStatelessHandler({ config: scenario.config, cloudwatch: cloudwatchClient(cw, 3), alerts: recordingSink(into), log: silent, now: clock.now, watermarkLabel: label });
  const pass = async (phase: Phase, which: readonly number[], handler: ReturnType<typeof handlerOf>, minutes: number): Promise<void> => {
    const start = performance.now();
    clock.setTo(T0 + (first + 2) * MINUTE_MS);
    for (let minute = first; minute < first + minutes; minute++) {
      const scheduled = T0 + (minute + 2) * MINUTE_MS;
      if (clock.now() < scheduled) clock.setTo(scheduled);
      const settled = await clock.all(which.map((shard) => () => handler({ time: new Date(scheduled).toISOString(), shard, shards }, context)));
      for (const s of settled) {
        phase.runs++;
        if (s.status === 'rejected') {
          noteError(phase, s.reason);
          continue;
        }
        phase.targetMinutes += s.value.targets;
        phase.metricsRequested += s.value.metricsRequested;
        phase.slaMs += s.value.slaMs ?? 0;
      }
      process.stderr.write(`  ${phase.name}: minute ${minute - first + 1}/${minutes}, ${seconds(performance.now() - start)}\n`);
    }
    closePhase(phase, cw, start);
  };
  cw.resetGetMetricData({ quotas: false });
  // The sampled shards' watermark an hour back: their first run decides that hour too (its catch-up).
  clock.setTo(T0 + first * MINUTE_MS);
  cw.ingest(NAMESPACE, sample.map((shard) => ({ MetricName: 'EvaluatedUntil', Dimensions: [{ Name: 'Shard', Value: `off-${shard}` }], Timestamp: new Date(T0 + (first - CATCH_UP_MINUTES) * MINUTE_MS), Value: 1, Unit: 'Count' })));
  await pass(result.unthrottled, sample, handlerOf(result.sent, 'off-'), BEFORE_MINUTES);
  cw.resetGetMetricData({ quotas: true });
  await pass(result.throttled, all, handlerOf(result.sentThrottled, 'on-'), Math.min(BEFORE_MINUTES, BEFORE_THROTTLED_MINUTES));
  return result;
}

/**
 * The full replay: every eventful target from the empty fold state over its whole history, with the
 * dead-shard rule (a no_data left to the alarm, and its resolved notice). Also the keys so left.
 */
function referenceNotifications(scenario: Scenario): { sent: Sent[]; covered: Set<string> } {
  const sent: Sent[] = [];
  const covered = new Set<string>();
  const last = T0 + (MINUTES - 1) * MINUTE_MS;
  for (const target of scenario.eventful) {
    const records = scenario.records(target, scenario.h0, last);
    const open = new Set<string>();
    for (const n of replayWindow(target, records, { fromExclusive: T0 - MINUTE_MS, toInclusive: last })) {
      if (n.policy === 'no_data' && n.status === 'resolved' && open.delete(n.dedupKey)) continue;
      if (n.policy === 'no_data' && deadShardCovers(scenario, n.target, n.regions.affected, n.at)) {
        if (n.status === 'firing') {
          open.add(n.dedupKey);
          covered.add(n.dedupKey);
        }
        continue;
      }
      sent.push({ key: `${new Date(n.at).toISOString()} ${n.dedupKey} ${n.status}`, target: n.target, policy: n.policy, at: n.at });
    }
  }
  return { sent, covered };
}

function compare(label: string, got: readonly Sent[], expected: readonly Sent[]): boolean {
  const g = new Map<string, number>();
  for (const s of got) g.set(s.key, (g.get(s.key) ?? 0) + 1);
  const e = new Map<string, number>();
  for (const s of expected) e.set(s.key, (e.get(s.key) ?? 0) + 1);
  const missing = [...e.keys()].filter((k) => !g.has(k));
  const extra = [...g.keys()].filter((k) => !e.has(k));
  const twice = [...g].filter(([, n]) => n > 1).map(([k]) => k);
  const ok = missing.length === 0 && extra.length === 0 && twice.length === 0;
  console.log(`  ${label}: ${ok ? 'SAME' : 'DIFFERENT'} (${got.length} vs ${expected.length}${missing.length ? `; missing ${missing.length}: ${missing.slice(0, 3).join(' | ')}` : ''}${extra.length ? `; extra ${extra.length}: ${extra.slice(0, 3).join(' | ')}` : ''}${twice.length ? `; sent twice ${twice.length}` : ''})`);
  return ok;
}

function report(scenario: Scenario, shards: number, after: AfterResult, before: BeforeResult, reference: { sent: Sent[]; covered: Set<string> }): void {
  const perTM = (phase: Phase, n: number): string => fmt(phase.targetMinutes > 0 ? n / phase.targetMinutes : Number.NaN, 2);
  const row = (phase: Phase): string[] => [
    phase.name,
    `${fmt(phase.targetMinutes / scenario.config.targets.length, 0)}`,
    perTM(phase, phase.counters.pointsReturned),
    perTM(phase, phase.metricsRequested),
    fmt(phase.runs > 0 ? phase.counters.calls / phase.runs : Number.NaN, 2),
    fmt(phase.counters.peakTps, 0),
    fmt(phase.counters.peakDps, 0),
    `${fmt(phase.counters.throttles, 0)} (${fmt(phase.counters.throttledForTps, 0)} TPS, ${fmt(phase.counters.throttledForDps, 0)} DPS)`,
    `${fmt(phase.failedRuns, 0)}/${fmt(phase.runs, 0)}`,
    phase.targetMinutes > 0 ? fmt((phase.slaMs * 1000) / phase.targetMinutes, 1) : '–',
    seconds(phase.wallMs),
  ];
  const header = ['path', 'minutes', 'points/target-min', 'metrics/target-min', 'calls/run', 'peak TPS', 'peak DPS', 'throttles', 'failed runs', 'SLA µs/target-min', 'wall'];
  const rows = [header, row(after.rebuild), row(after.steady), row(before.throttled), row(before.unthrottled)];
  const widths = header.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  console.log('');
  for (const r of rows) console.log(`  ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')}`);
  console.log(`\n  after: rebuild of all ${TARGETS} targets took ${after.rebuildMinutes} run(s) per shard; ${fmt(after.rebuild.counters.pointsReturned / TARGETS, 0)} points per target rebuilt`);
  console.log(`  after: state ${fmt(after.stateBytes, 0)} B JSON, ${fmt(after.storedBytes, 0)} B stored (gzip + item) per target at the end of the day; largest shard item ${fmt(after.maxStoredBytes / 1024, 1)} KiB; runs that stood down (another run's claim): ${after.superseded}`);
  for (const [label, phase] of [['after', after.rebuild], ['after', after.steady], ['before', before.throttled], ['before', before.unthrottled]] as const) {
    for (const [error, count] of phase.errors) console.log(`  ${label} ${phase.name} failed runs: ${count}× ${error}`);
  }
  console.log(`  before: quotas off: ${before.sampledShards} of ${shards} shard(s) for ${BEFORE_MINUTES} minute(s), the first from a watermark ${CATCH_UP_MINUTES} minutes back; quotas on: all ${shards} shard(s) for ${Math.min(BEFORE_MINUTES, BEFORE_THROTTLED_MINUTES)} minute(s)`);
  console.log(`\n  notifications: after ${after.sent.length} over the day (${after.sent.filter((s) => s.policy === 'latency').length} latency); before ${before.sent.length} in its span (quotas off), ${before.sentThrottled.length} (quotas on)`);
  compare('after vs full replay of the history (backtest)', after.sent, reference.sent);
  // The stateless path could not remember which no_data it had left to a dead shard's alarm: it sent their resolved notices.
  const leftResolved = (s: Sent): boolean => s.policy === 'no_data' && s.key.endsWith(' resolved') && reference.covered.has(s.key.split(' ')[1] ?? '');
  console.log(`  before sent ${before.sent.filter(leftResolved).length} resolved notice(s) of no_data incidents whose firing it had left to the dead shard's alarm; after leaves them to the alarm (not compared)`);
  const inSpan = (s: Sent): boolean => s.at > before.span.fromExclusive && s.at <= before.span.toInclusive && before.sampledTargets.has(s.target);
  const notLatency = (s: Sent): boolean => s.policy !== 'latency';
  const span = `${new Date(before.span.fromExclusive).toISOString().slice(11, 16)}-${new Date(before.span.toInclusive).toISOString().slice(11, 16)}`;
  compare(`before (quotas off, ${before.sampledTargets.size} targets) vs after over ${span}, latency apart`, before.sent.filter((s) => notLatency(s) && !leftResolved(s)), after.sent.filter((s) => inSpan(s) && notLatency(s)));
  console.log(`  latency notifications there: before ${before.sent.filter((s) => !notLatency(s)).length}, after ${after.sent.filter((s) => inSpan(s) && !notLatency(s)).length} (before decided latency only at multiples of 5 minutes)`);
}

await main();
