// /metrics in the Prometheus text exposition format 0.0.4, for people who already scrape with
// Prometheus. Pure: the probe series come from a tally the caller keeps (probe-tally.ts, fed with
// recordResult as each result comes in), the target series from the StatusModel; nothing here reads a clock.
//
// Format rules this file is written against (prometheus.io/docs/instrumenting/exposition_formats):
//   * one `# HELP` and one `# TYPE` line per family, before its samples; all samples of a family together;
//     a histogram's `_bucket` lines (cumulative, `le` ascending, `+Inf` last), then `_sum` and `_count`;
//   * label values escape backslash, double quote and line feed (`\\`, `\"`, `\n`); HELP text escapes
//     backslash and line feed only;
//   * values are Go floats: `+Inf`, `-Inf`, `NaN` spelled so; lines end with `\n`, the last one too.
// Names follow prometheus.io/docs/practices/naming: the `pptp_` prefix, base units (seconds, ratios 0-1)
// named as a suffix, `_total` on counters, `_timestamp_seconds` for Unix times.
// No timestamps on samples: Prometheus stamps them at scrape time, and an explicit old timestamp would
// make it drop the sample as out of order after a restart.
//
// Values are rounded to what they can mean (roundTo): a duration to 0.1 ms, a ratio to 4 decimals, a
// Unix time to the ms. Timings come from a monotonic clock in fractional ms, and 40.123456789 ms or
// 0.30000000000000004 would only be noise in every graph legend and alert annotation.
//
// Series are always emitted in the same order (family, then target, region, phase or class), so two
// scrapes of an unchanged monitor are byte-identical.
import type { GroupModel } from './status-groups.js';
import { FAILURE_CLASSES } from '../probe/failure-classes.js';
import type { StatusModel, TargetModel } from './status-model.js';
import { SECOND_MS } from '../common/time.js';
import {
  ALWAYS_PHASES,
  DURATION_PHASES,
  HISTOGRAM_PHASES,
  PHASE_BUCKET_BOUNDS_MS,
  emptyHistogram,
  emptySeries,
  seriesKey,
  type PhaseHistogram,
  type ProbeTally,
  type SeriesTally,
} from './probe-tally.js';

// The tally is part of this module's contract for its callers (run-command, tests): one import.
export { createProbeTally, recordResult, DURATION_PHASES, type DurationPhase, type LastProbeSample, type ProbeTally, type ResultOrigin } from './probe-tally.js';

/** The Content-Type of this format, for the HTTP response. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Decimals kept in seconds: 0.1 ms, finer than a probe's timing means anything. */
export const SECONDS_DECIMALS = 4;
/** Decimals kept in a measured ratio (1 = 100%): 0.01 percentage points. */
export const RATIO_DECIMALS = 4;
/** Decimals kept in a Unix time in seconds: the ms the monitor's clock has. */
export const TIMESTAMP_DECIMALS = 3;
/**
 * Decimals kept in a configured objective. More than a measured ratio's: an SLO of 99.995% is 0.99995,
 * and rounding it to 4 decimals would make it 1, a zero error budget that every burn-rate rule divides by.
 */
export const OBJECTIVE_DECIMALS = 6;

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

/**
 * `value` rounded half up to `decimals` places. An integer divided by a power of ten is the double
 * nearest that decimal, and String() prints the shortest text that reads back as it: 0.1 + 0.2 prints
 * 0.3. Non-finite values pass through.
 */
export function roundTo(value: number, decimals: number): number {
  if (!Number.isFinite(value)) return value;
  const scale = 10 ** decimals;
  const rounded = Math.round(value * scale) / scale;
  // A tiny negative rounds to -0, which prints as 0 but is a different value to Object.is (and toEqual).
  return rounded === 0 ? 0 : rounded;
}

const seconds = (ms: number): number => roundTo(ms / SECOND_MS, SECONDS_DECIMALS);

type Labels = ReadonlyArray<readonly [name: string, value: string]>;

interface Family {
  name: string;
  type: 'gauge' | 'counter' | 'histogram';
  help: string;
  /** Sample lines without the trailing newline; a histogram's carry their own suffixes. */
  lines: string[];
}

/** The families in output order, with their type and HELP text. */
export const FAMILIES = {
  pptp_probe_success: ['gauge', 'Whether the last PPTP probe of the target from the region succeeded (1) or failed (0).'],
  pptp_probe_duration_seconds: ['gauge', 'Duration of each phase of the last PPTP probe, in seconds; a phase not reached has no sample.'],
  pptp_probe_phase_duration_seconds: ['histogram', 'Durations of the completed phases of PPTP probes since the monitor started (login stages for pptp-login targets), in seconds.'],
  pptp_probes_total: ['counter', 'PPTP probes run since the monitor process started.'],
  pptp_probe_failures_total: ['counter', 'Failed PPTP probes since the monitor process started, by failure class (docs/runbooks/<class>.md).'],
  pptp_probe_consecutive_failures: ['gauge', 'Failed PPTP probes in a row up to the last one (0 after a success): the down alert counts these.'],
  pptp_last_probe_timestamp_seconds: ['gauge', 'Unix time at which the last PPTP probe result of the target from the region came in.'],
  pptp_target_up: ['gauge', 'Whether the last complete probe interval was up (1) or down (0) across the quorum of regions; absent when unknown.'],
  pptp_error_budget_remaining_ratio: ['gauge', 'Fraction of the SLO window error budget left (1 = untouched, below 0 = overspent).'],
  pptp_target_availability_objective_ratio: ['gauge', 'The availability objective (SLO) of the target, as a ratio (0.999 = 99.9%).'],
  pptp_target_control_p95_objective_seconds: ['gauge', "The target's latency objective: the 95th percentile of control-connection time must stay below this, in seconds."],
  pptp_group_redundant: ['gauge', 'Whether the gateway group is redundant (1): the virtual address and every member answer; 0 when a member, every member or the virtual address is down; absent when unknown.'],
  pptp_group_members_down: ['gauge', "Members of the gateway group whose own address is down (the virtual address's state is pptp_target_up of the group's name)."],
  pptp_group_failover_visible: ['gauge', 'Whether failovers of the gateway group can be seen (1): 0 when members answer with the same identity (Poptop pptpd says local/linux).'],
} as const satisfies Record<string, readonly [Family['type'], string]>;
type FamilyName = keyof typeof FAMILIES;

function family(name: FamilyName): Family {
  const [type, help] = FAMILIES[name];
  return { name, type, help, lines: [] };
}

function sample(f: Family, labels: Labels, value: number, suffix = ''): void {
  const text = labels.map(([name, v]) => `${name}="${escapeLabelValue(v)}"`).join(',');
  f.lines.push(`${f.name}${suffix}${text === '' ? '' : `{${text}}`} ${formatValue(value)}`);
}

/** The exposition text for the model's targets and the tally's probes. */
export function prometheusText(model: Pick<StatusModel, 'targets' | 'groups'>, tally: ProbeTally): string {
  const probed = [...tally.series.values()].filter((s) => s.last !== undefined).sort(byTargetRegion);
  const known = knownSeries(model.targets, tally);

  const success = family('pptp_probe_success');
  const duration = family('pptp_probe_duration_seconds');
  const consecutive = family('pptp_probe_consecutive_failures');
  const lastAt = family('pptp_last_probe_timestamp_seconds');
  for (const s of probed) {
    const where: Labels = [['target', s.target], ['region', s.region]];
    const last = s.last!;
    sample(success, where, last.ok ? 1 : 0);
    for (const phase of DURATION_PHASES) {
      const ms = last.durationsMs[phase];
      if (ms !== undefined) sample(duration, [...where, ['phase', phase]], seconds(ms));
    }
    sample(consecutive, where, s.consecutiveFailures);
    if (s.lastAtMs !== undefined) sample(lastAt, where, roundTo(s.lastAtMs / SECOND_MS, TIMESTAMP_DECIMALS));
  }

  // Counters and histograms start at 0 for each (target, region) the model or the tally knows: a series
  // that first appears at 1 hides its first increase from increase() and rate(), and alerts on it miss
  // the first failure.
  const histogram = family('pptp_probe_phase_duration_seconds');
  const probes = family('pptp_probes_total');
  const failures = family('pptp_probe_failures_total');
  for (const s of known) {
    const where: Labels = [['target', s.target], ['region', s.region]];
    for (const phase of HISTOGRAM_PHASES) {
      const observed = s.phases.get(phase) ?? (ALWAYS_PHASES.includes(phase) ? emptyHistogram() : undefined);
      if (observed !== undefined) histogramSamples(histogram, [...where, ['phase', phase]], observed);
    }
    sample(probes, where, s.probes);
    const extra = [...s.failuresByClass.keys()].filter((cls) => !(FAILURE_CLASSES as readonly string[]).includes(cls)).sort(compare);
    for (const cls of [...FAILURE_CLASSES, ...extra]) sample(failures, [...where, ['class', cls]], s.failuresByClass.get(cls) ?? 0);
  }

  const up = family('pptp_target_up');
  const budget = family('pptp_error_budget_remaining_ratio');
  const objective = family('pptp_target_availability_objective_ratio');
  const latencyObjective = family('pptp_target_control_p95_objective_seconds');
  for (const target of [...model.targets].sort((a, b) => compare(a.name, b.name))) {
    const named: Labels = [['target', target.name]];
    if (target.lastVerdict === 'up' || target.lastVerdict === 'down') sample(up, named, target.lastVerdict === 'up' ? 1 : 0);
    sample(budget, named, roundTo(target.errorBudgetRemaining, RATIO_DECIMALS));
    sample(objective, named, roundTo(target.slo / 100, OBJECTIVE_DECIMALS));
    if (target.latency.thresholdMs !== undefined) sample(latencyObjective, named, seconds(target.latency.thresholdMs));
  }

  const families = [success, duration, histogram, probes, failures, consecutive, lastAt, up, budget, objective, latencyObjective];
  // Only with groups configured, so the exposition of a config without them is as it was.
  if (model.groups !== undefined) families.push(...groupFamilies(model.groups));
  return families.map(renderFamily).join('');
}

function groupFamilies(groups: readonly GroupModel[]): Family[] {
  const redundant = family('pptp_group_redundant');
  const down = family('pptp_group_members_down');
  const visible = family('pptp_group_failover_visible');
  for (const g of [...groups].sort((a, b) => compare(a.name, b.name))) {
    const named: Labels = [['group', g.name]];
    if (g.state !== 'unknown') sample(redundant, named, g.state === 'redundant' ? 1 : 0);
    sample(down, named, g.members.filter((m) => m.state === 'down').length);
    sample(visible, named, g.indistinguishable.length === 0 ? 1 : 0);
  }
  return [redundant, down, visible];
}

/** Every (target, region) to give zeroed counters: the model's targets and regions, and whatever the tally has. */
function knownSeries(targets: readonly Pick<TargetModel, 'name' | 'regions'>[], tally: ProbeTally): SeriesTally[] {
  const known = new Map<string, SeriesTally>();
  for (const target of targets) {
    for (const { region } of target.regions) known.set(seriesKey(target.name, region), emptySeries(target.name, region));
  }
  for (const [key, s] of tally.series) known.set(key, s);
  return [...known.values()].sort(byTargetRegion);
}

/** One histogram series: cumulative buckets in seconds, then _sum and _count. */
function histogramSamples(f: Family, labels: Labels, h: PhaseHistogram): void {
  let cumulative = 0;
  PHASE_BUCKET_BOUNDS_MS.forEach((boundMs, i) => {
    cumulative += h.perBucket[i] ?? 0;
    sample(f, [...labels, ['le', formatValue(seconds(boundMs))]], cumulative, '_bucket');
  });
  sample(f, [...labels, ['le', '+Inf']], h.count, '_bucket');
  sample(f, labels, seconds(h.sumMs), '_sum');
  sample(f, labels, h.count, '_count');
}

function renderFamily(f: Family): string {
  const header = `# HELP ${f.name} ${escapeHelp(f.help)}\n# TYPE ${f.name} ${f.type}\n`;
  return header + f.lines.map((line) => `${line}\n`).join('');
}

function byTargetRegion(a: { target: string; region: string }, b: { target: string; region: string }): number {
  return compare(a.target, b.target) || compare(a.region, b.region);
}

/** Code-unit order, not locale order: the output must not depend on the machine's locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
