// `npm run bench:sla`: the CPU cost of the pure SLA work the evaluator and reports do, on synthetic
// histories shaped like production: 3 regions, one probe a minute, a few outages and lone-region blips.
//   * one evaluation (one minute) of one target over the 8 days the evaluator reads;
//   * one evaluator shard: 100 targets evaluated for one minute;
//   * the monthly report of 100 targets (31 days), built a batch of targets at a time like the report function.
import { parseConfig, type ResolvedConfig } from '../shared/config/index.js';
import { EVALUATOR_TARGETS_PER_SHARD } from '../shared/runners/lambda/evaluator-shards.js';
import { evaluateTarget } from '../shared/sla/evaluate.js';
import type { ProbeRecord } from '../shared/sla/probe-record.js';
import { REPORT_BATCH_TARGETS } from '../shared/cycles/report-cycle.js';
import { reportBucketMs, reportTarget } from '../shared/sla/report.js';
import { DAY_MS, MINUTE_MS } from '../shared/common/time.js';

const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'] as const;
const T = Date.parse('2026-11-01T00:00:00Z');
const print = (line: string): void => void process.stdout.write(`${line}\n`);

function fleet(n: number): ResolvedConfig {
  const lines = ['version: 1', 'homeRegion: eu-central-1', `defaults: { regions: [${REGIONS.join(', ')}], latency: { controlP95Ms: 250 } }`, 'targets:'];
  for (let i = 0; i < n; i++) lines.push(`  - { name: gw-${i}, host: 192.0.2.${i % 250} }`);
  const parsed = parseConfig(lines.join('\n'), 'bench.yml');
  if (!parsed.ok) throw new Error('bench config');
  return parsed.config;
}

/** Deterministic history: a 20-minute outage every ~2.3 days, a lone-region blip every ~13 hours. */
function history(target: string, seed: number, fromMs: number, toMs: number): ProbeRecord[] {
  const out: ProbeRecord[] = [];
  for (let at = fromMs; at < toMs; at += MINUTE_MS) {
    const k = Math.floor(at / MINUTE_MS) + seed * 97;
    for (const [r, region] of REGIONS.entries()) {
      const down = k % 3331 < 20 || (r === 2 && k % 787 === 0);
      out.push(down ? { target, region, intervalStart: at, ok: false, failureClass: 'connect_timeout', connectMs: undefined } : { target, region, intervalStart: at, ok: true, connectMs: 20 + (k % 7), controlMs: 40 + (k % 13) });
    }
  }
  return out;
}

const quantile = (xs: number[], q: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? Number.NaN;

const gc = (globalThis as { gc?: () => void }).gc;
const heapMiB = (): string => `${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MiB`;

function evaluatePhase(config: ResolvedConfig): void {
  const histories = new Map(config.targets.map((t, i) => [t.name, history(t.name, i, T - 8 * DAY_MS, T)]));
  print(`history: ${histories.get('gw-0')?.length ?? 0} records per target over 8 days`);

  const perTarget: number[] = [];
  let notifications = 0;
  const shardStart = performance.now();
  for (const target of config.targets) {
    const started = performance.now();
    notifications += evaluateTarget(target, histories.get(target.name) ?? [], { fromExclusive: T - MINUTE_MS, toInclusive: T }, { lookbackMs: 4 * DAY_MS }).length;
    perTarget.push(performance.now() - started);
  }
  const shardMs = performance.now() - shardStart;
  print(`evaluate one minute, per target: p50 ${quantile(perTarget, 0.5).toFixed(1)} ms, p95 ${quantile(perTarget, 0.95).toFixed(1)} ms, max ${Math.max(...perTarget).toFixed(1)} ms`);
  print(`one evaluator shard (${config.targets.length} targets): ${shardMs.toFixed(0)} ms of CPU, ${notifications} notification(s) due; heap with the shard's 8-day history held: ${heapMiB()}`);
}

function reportPhase(config: ResolvedConfig): void {
  // The report the way the report function builds it from CloudWatch: a batch of targets at a time.
  const reportStart = performance.now();
  const range = { fromMs: T - 31 * DAY_MS, toMs: T };
  const targets = [];
  let records = 0;
  for (let i = 0; i < config.targets.length; i += REPORT_BATCH_TARGETS) {
    const batch = config.targets.slice(i, i + REPORT_BATCH_TARGETS);
    const month = new Map(batch.map((t) => [t.name, history(t.name, config.targets.indexOf(t), T - 38 * DAY_MS, T)]));
    for (const t of batch) {
      records += month.get(t.name)?.length ?? 0;
      targets.push(reportTarget(t, month.get(t.name) ?? [], range, reportBucketMs(range.toMs - range.fromMs)));
    }
  }
  print(`monthly report of ${targets.length} targets, ${REPORT_BATCH_TARGETS} at a time (31 days + 7 days lookback, ${records} records): ${(performance.now() - reportStart).toFixed(0)} ms; gw-0 availability ${targets[0]?.availability?.toFixed(3)} %; heap after: ${heapMiB()}`);
}

function main(): void {
  const config = fleet(EVALUATOR_TARGETS_PER_SHARD);
  print(`node ${process.version}; ${config.targets.length} targets x ${REGIONS.length} regions, 1-minute probes`);
  evaluatePhase(config);
  gc?.();
  reportPhase(config);
  print(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
}

main();
