// /metrics in the Prometheus text exposition format 0.0.4, for people who already scrape with
// Prometheus. Pure: the probe series come from a tally the caller keeps (updated with recordResult as
// each probe result comes in), the target series from the StatusModel; nothing here reads a clock.
//
// Format rules this file is written against (prometheus.io/docs/instrumenting/exposition_formats):
//   * one `# HELP` and one `# TYPE` line per family, before its samples; all samples of a family together;
//   * label values escape backslash, double quote and line feed (`\\`, `\"`, `\n`); HELP text escapes
//     backslash and line feed only;
//   * values are Go floats: `+Inf`, `-Inf`, `NaN` spelled so; lines end with `\n`, the last one too.
// No timestamps on samples: Prometheus stamps them at scrape time, and an explicit old timestamp would
// make it drop the sample as out of order after a restart.
//
// Series are always emitted in the same order (family, then target, region, phase or class), so two
// scrapes of an unchanged monitor are byte-identical.
import { FAILURE_CLASSES } from '../probe/failure-classes.js';
import type { ProbeResult } from '../probe/types.js';
import type { StatusModel } from './status-model.js';
import { SECOND_MS } from '../common/time.js';

/** The Content-Type of this format, for the HTTP response. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** The phases reported by pptp_probe_duration_seconds, in output order. */
export const DURATION_PHASES = ['connect', 'control', 'echo', 'total'] as const;
export type DurationPhase = (typeof DURATION_PHASES)[number];

/** The last probe of one (target, region). */
export interface LastProbeSample {
  ok: boolean;
  /** Phase durations in ms; a phase not reached (or that failed) is absent, and so is its series. */
  durationsMs: Partial<Record<DurationPhase, number>>;
}

/**
 * What the process has seen since it started. The server keeps one and feeds it with recordResult; the
 * counters only grow, so `rate(pptp_probe_failures_total[5m])` works across scrapes (and resets with the
 * process, which Prometheus's rate() handles).
 */
export interface ProbeTally {
  /** Keyed by seriesKey(target, region). */
  readonly last: Map<string, LastProbeSample & { target: string; region: string }>;
  /** Failed probes per (target, region) and failure class. */
  readonly failures: Map<string, { target: string; region: string; byClass: Map<string, number> }>;
}

export function createProbeTally(): ProbeTally {
  return { last: new Map(), failures: new Map() };
}

/** NUL cannot appear in a target or region name from the config, so the key cannot collide. */
function seriesKey(target: string, region: string): string {
  return `${target}\u0000${region}`;
}

/**
 * Counts one probe result: the last-probe gauges of (target, region) are replaced and, for a failure,
 * its class's counter goes up by one. `target` is the config target name (the result's own `target` is
 * the host as the user wrote it), `region` where it was probed from (locally LOCAL_REGION).
 */
export function recordResult(tally: ProbeTally, result: Pick<ProbeResult, 'ok' | 'timings' | 'failure'>, where: { target: string; region: string }): void {
  const key = seriesKey(where.target, where.region);
  const t = result.timings;
  const durationsMs: Partial<Record<DurationPhase, number>> = {};
  if (t.connectMs !== undefined) durationsMs.connect = t.connectMs;
  if (t.controlMs !== undefined) durationsMs.control = t.controlMs;
  if (t.echoMs !== undefined) durationsMs.echo = t.echoMs;
  durationsMs.total = t.totalMs;
  tally.last.set(key, { target: where.target, region: where.region, ok: result.ok, durationsMs });
  let failures = tally.failures.get(key);
  if (failures === undefined) tally.failures.set(key, (failures = { target: where.target, region: where.region, byClass: new Map() }));
  if (!result.ok) {
    // A failure always has a class; 'unknown' keeps a bug from losing the count rather than hiding it.
    const cls = result.failure?.class ?? 'unknown';
    failures.byClass.set(cls, (failures.byClass.get(cls) ?? 0) + 1);
  }
}

/** A label value as the format wants it: backslash, double quote and line feed escaped. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** HELP text: backslash and line feed escaped (quotes stay as they are there). */
export function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

/** A sample value as Go's ParseFloat reads it. */
export function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

type Labels = ReadonlyArray<readonly [name: string, value: string]>;

interface Family {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: Array<{ labels: Labels; value: number }>;
}

const FAMILY_HELP = {
  pptp_probe_success: 'Whether the last PPTP probe of the target from the region succeeded (1) or failed (0).',
  pptp_probe_duration_seconds: 'Duration of each phase of the last PPTP probe, in seconds; a phase not reached has no sample.',
  pptp_probe_failures_total: 'Failed PPTP probes since the monitor process started, by failure class (docs/runbooks/<class>.md).',
  pptp_target_up: 'Whether the last complete probe interval was up (1) or down (0) across the quorum of regions; absent when unknown.',
  pptp_error_budget_remaining_ratio: 'Fraction of the SLO window error budget left (1 = untouched, below 0 = overspent).',
} as const;

/** The exposition text for the model's targets and the tally's probes. */
export function prometheusText(model: Pick<StatusModel, 'targets'>, tally: ProbeTally): string {
  const byTargetRegion = (a: { target: string; region: string }, b: { target: string; region: string }): number =>
    compare(a.target, b.target) || compare(a.region, b.region);
  const lasts = [...tally.last.values()].sort(byTargetRegion);

  const success: Family = { name: 'pptp_probe_success', type: 'gauge', help: FAMILY_HELP.pptp_probe_success, samples: [] };
  const duration: Family = { name: 'pptp_probe_duration_seconds', type: 'gauge', help: FAMILY_HELP.pptp_probe_duration_seconds, samples: [] };
  for (const last of lasts) {
    success.samples.push({ labels: [['target', last.target], ['region', last.region]], value: last.ok ? 1 : 0 });
    for (const phase of DURATION_PHASES) {
      const ms = last.durationsMs[phase];
      if (ms === undefined) continue;
      duration.samples.push({ labels: [['target', last.target], ['region', last.region], ['phase', phase]], value: ms / SECOND_MS });
    }
  }

  // Every known class starts at 0 for each (target, region) the model or the tally knows: a counter that
  // first appears at 1 hides its first increase from increase() and rate(), and alerts on it miss the
  // first failure. Local state from the model only names the regions; the tally adds what was probed.
  const failureSeries = new Map<string, { target: string; region: string; byClass: ReadonlyMap<string, number> }>();
  for (const target of model.targets) {
    for (const region of target.regions) failureSeries.set(seriesKey(target.name, region.region), { target: target.name, region: region.region, byClass: new Map() });
  }
  for (const [key, entry] of tally.failures) failureSeries.set(key, entry);
  const failures: Family = { name: 'pptp_probe_failures_total', type: 'counter', help: FAMILY_HELP.pptp_probe_failures_total, samples: [] };
  for (const entry of [...failureSeries.values()].sort(byTargetRegion)) {
    const extra = [...entry.byClass.keys()].filter((cls) => !(FAILURE_CLASSES as readonly string[]).includes(cls)).sort(compare);
    for (const cls of [...FAILURE_CLASSES, ...extra]) {
      failures.samples.push({ labels: [['target', entry.target], ['region', entry.region], ['class', cls]], value: entry.byClass.get(cls) ?? 0 });
    }
  }

  const up: Family = { name: 'pptp_target_up', type: 'gauge', help: FAMILY_HELP.pptp_target_up, samples: [] };
  const budget: Family = { name: 'pptp_error_budget_remaining_ratio', type: 'gauge', help: FAMILY_HELP.pptp_error_budget_remaining_ratio, samples: [] };
  for (const target of [...model.targets].sort((a, b) => compare(a.name, b.name))) {
    if (target.lastVerdict === 'up' || target.lastVerdict === 'down') up.samples.push({ labels: [['target', target.name]], value: target.lastVerdict === 'up' ? 1 : 0 });
    budget.samples.push({ labels: [['target', target.name]], value: target.errorBudgetRemaining });
  }

  return [success, duration, failures, up, budget].map(renderFamily).join('');
}

function renderFamily(family: Family): string {
  let text = `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
  for (const sample of family.samples) {
    const labels = sample.labels.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',');
    text += `${family.name}${labels === '' ? '' : `{${labels}}`} ${formatValue(sample.value)}\n`;
  }
  return text;
}

/** Code-unit order, not locale order: the output must not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
