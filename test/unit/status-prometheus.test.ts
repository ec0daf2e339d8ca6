import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { FAILURE_CLASSES } from '../../shared/probe/failure-classes.js';
import type { ProbeResult, Timings } from '../../shared/probe/types.js';
import {
  createProbeTally,
  escapeHelp,
  escapeLabelValue,
  formatValue,
  prometheusText,
  recordResult,
  roundTo,
  type ProbeTally,
} from '../../shared/status/prometheus.js';
import type { LoginStageTimings } from '../../shared/probe/types.js';
import type { TargetModel } from '../../shared/status/status-model.js';

/** parse-prometheus-text-format ships no types; this is the part of its output the tests read. */
interface ParsedFamily {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value: string; labels?: Record<string, string> }>;
}
const parsePrometheus = createRequire(import.meta.url)('parse-prometheus-text-format') as (text: string) => ParsedFamily[];

const timings = (t: Partial<Timings>): Timings => ({ dnsMs: undefined, connectMs: undefined, controlMs: undefined, echoMs: undefined, callMs: undefined, totalMs: 0, ...t });
const ok = (t: Partial<Timings>): Pick<ProbeResult, 'ok' | 'timings' | 'failure'> => ({ ok: true, timings: timings(t) });
const failedWith = (cls: (typeof FAILURE_CLASSES)[number], t: Partial<Timings> = {}): Pick<ProbeResult, 'ok' | 'timings' | 'failure'> => ({
  ok: false,
  timings: timings(t),
  failure: { class: cls, message: 'x', phase: 'connect', elapsedMs: 1 },
});

/** The target fields prometheusText reads. */
function target(name: string, overrides: Partial<TargetModel> = {}): TargetModel {
  return {
    name,
    host: 'h',
    port: 1723,
    owner: undefined,
    intervalMinutes: 1,
    state: 'up',
    stateReason: '',
    lastVerdict: 'up',
    slo: 99.9,
    sloWindow: '30d',
    availability: 100,
    availabilitySpan: { fromMs: 0, toMs: 30 * 86_400_000, minutes: 30 * 1440, wholeWindow: true },
    errorBudgetRemaining: 1,
    errorBudget: { allowanceMinutes: 43.2, usedMinutes: 0 },
    maintenance: undefined,
    regions: [{ region: 'local', status: 'ok' }],
    incidents: [],
    strip: [],
    latency: { thresholdMs: undefined, points: [] },
    ...overrides,
  };
}

function family(text: string, name: string): ParsedFamily {
  const found = parsePrometheus(text).find((f) => f.name === name);
  if (found === undefined) throw new Error(`no family ${name} in:\n${text}`);
  return found;
}

interface HistogramSeries {
  labels: Record<string, string>;
  /** le -> cumulative count, in output order. */
  buckets: Array<[le: string, count: string]>;
  sum?: string;
  count?: string;
}

/**
 * The series of a histogram family, read line by line: parse-prometheus-text-format folds labelled
 * histograms into one series and drops their labels, _sum and _count. Label values here need no unescaping.
 */
function histograms(text: string, name: string): HistogramSeries[] {
  const bySeries = new Map<string, HistogramSeries>();
  for (const line of text.split('\n')) {
    const m = new RegExp(`^${name}_(bucket|sum|count)\\{(.*)\\} (\\S+)$`).exec(line);
    if (!m) continue;
    const labels = Object.fromEntries([...m[2]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    const { le, ...rest } = labels;
    const key = JSON.stringify(rest);
    const series = bySeries.get(key) ?? { labels: rest, buckets: [] };
    bySeries.set(key, series);
    if (m[1] === 'bucket') series.buckets.push([le!, m[3]!]);
    else series[m[1] as 'sum' | 'count'] = m[3]!;
  }
  return [...bySeries.values()];
}

/** `{labels} value` lines of one family as 'k=v,k=v value', for compact expectations. */
function samples(text: string, name: string): string[] {
  return family(text, name).metrics.map((m) => `${Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')} ${m.value}`);
}

describe('prometheusText', () => {
  it('writes one HELP and one TYPE line before the samples of each family, and ends with a newline', () => {
    const tally = createProbeTally();
    recordResult(tally, ok({ connectMs: 3, controlMs: 40, echoMs: 2, totalMs: 50 }), { target: 'gw', region: 'local', atMs: 1_764_700_000_000 });

    const text = prometheusText({ targets: [target('gw', { latency: { thresholdMs: 250, points: [] } })] }, tally);

    const expected = [
      ['pptp_probe_success', 'gauge'],
      ['pptp_probe_duration_seconds', 'gauge'],
      ['pptp_probe_phase_duration_seconds', 'histogram'],
      ['pptp_probes_total', 'counter'],
      ['pptp_probe_failures_total', 'counter'],
      ['pptp_probe_consecutive_failures', 'gauge'],
      ['pptp_last_probe_timestamp_seconds', 'gauge'],
      ['pptp_target_up', 'gauge'],
      ['pptp_error_budget_remaining_ratio', 'gauge'],
      ['pptp_target_availability_objective_ratio', 'gauge'],
      ['pptp_target_control_p95_objective_seconds', 'gauge'],
    ];
    const lines = text.split('\n');
    expect(text.endsWith('\n')).toBe(true);
    for (const [name, type] of expected) {
      const help = lines.filter((l) => l.startsWith(`# HELP ${name} `));
      const typeLines = lines.filter((l) => l.startsWith(`# TYPE ${name} `));
      expect(help, name).toHaveLength(1);
      expect(typeLines, name).toEqual([`# TYPE ${name} ${type}`]);
      // A histogram's first sample is a _bucket line.
      const firstSample = lines.findIndex((l) => l.startsWith(`${name}{`) || l.startsWith(`${name}_bucket{`));
      expect(lines.indexOf(typeLines[0]!), name).toBe(lines.indexOf(help[0]!) + 1);
      expect(firstSample, name).toBe(lines.indexOf(typeLines[0]!) + 1);
    }
    // A parser sees the same families with their types and help.
    expect(parsePrometheus(text).map((f) => [f.name, f.type])).toEqual(expected.map(([n, t]) => [n, t!.toUpperCase()]));
    expect(family(text, 'pptp_probe_success').help).toMatch(/^Whether the last PPTP probe/);
  });

  it('reports the last probe: success, and the duration of each phase reached, in seconds', () => {
    const tally = createProbeTally();
    recordResult(tally, ok({ connectMs: 3, controlMs: 40, echoMs: 2.5, totalMs: 50 }), { target: 'gw', region: 'local' });
    const first = prometheusText({ targets: [] }, tally);
    recordResult(tally, failedWith('control_timeout', { connectMs: 4, totalMs: 2000 }), { target: 'gw', region: 'local' });

    const text = prometheusText({ targets: [] }, tally);

    expect(samples(first, 'pptp_probe_success')).toEqual(['target=gw,region=local 1']);
    expect(samples(first, 'pptp_probe_duration_seconds')).toEqual([
      'target=gw,region=local,phase=connect 0.003',
      'target=gw,region=local,phase=control 0.04',
      'target=gw,region=local,phase=echo 0.0025',
      'target=gw,region=local,phase=total 0.05',
    ]);
    // The failed probe never finished control or echo: those series go, they do not keep the old values.
    expect(samples(text, 'pptp_probe_success')).toEqual(['target=gw,region=local 0']);
    expect(samples(text, 'pptp_probe_duration_seconds')).toEqual(['target=gw,region=local,phase=connect 0.004', 'target=gw,region=local,phase=total 2']);
  });

  it('counts failures by class since the tally was created, every known class starting at 0', () => {
    const tally: ProbeTally = createProbeTally();
    for (let i = 0; i < 3; i++) recordResult(tally, failedWith('connect_refused'), { target: 'gw-down', region: 'local' });
    recordResult(tally, failedWith('echo_timeout'), { target: 'gw-down', region: 'local' });
    recordResult(tally, ok({ totalMs: 10 }), { target: 'gw-down', region: 'local' });

    const text = prometheusText({ targets: [target('gw-down'), target('gw-ok')] }, tally);

    const counts = family(text, 'pptp_probe_failures_total').metrics;
    // Both targets × 13 classes: the model's targets get zeros before their first failure.
    expect(counts).toHaveLength(2 * FAILURE_CLASSES.length);
    const of = (t: string, cls: string): string | undefined => counts.find((m) => m.labels?.target === t && m.labels.class === cls)?.value;
    expect(of('gw-down', 'connect_refused')).toBe('3');
    expect(of('gw-down', 'echo_timeout')).toBe('1');
    expect(of('gw-down', 'dns_failure')).toBe('0');
    expect(of('gw-ok', 'connect_refused')).toBe('0');
    // Classes are listed in taxonomy order, targets and regions sorted: the output is stable.
    expect(counts.slice(0, FAILURE_CLASSES.length).map((m) => m.labels?.class)).toEqual([...FAILURE_CLASSES]);
    expect(prometheusText({ targets: [target('gw-ok'), target('gw-down')] }, tally)).toBe(text);
  });

  it('reports target up only when the last interval had a verdict, and the error budget as a ratio', () => {
    const text = prometheusText(
      {
        targets: [
          target('a', { lastVerdict: 'down', errorBudgetRemaining: -0.25 }),
          target('b', { lastVerdict: 'unknown', errorBudgetRemaining: 1 }),
          target('c', { lastVerdict: 'up', errorBudgetRemaining: 0.5 }),
        ],
      },
      createProbeTally(),
    );

    expect(samples(text, 'pptp_target_up')).toEqual(['target=a 0', 'target=c 1']);
    expect(samples(text, 'pptp_error_budget_remaining_ratio')).toEqual(['target=a -0.25', 'target=b 1', 'target=c 0.5']);
    // No probe yet in this process: the families are still announced, with no samples.
    expect(text).toContain('# TYPE pptp_probe_success gauge\n# HELP pptp_probe_duration_seconds');
  });

  it('escapes backslash, double quote and newline in label values so a parser reads them back', () => {
    const nasty = 'gw\\1 "quoted"\nnext';
    const tally = createProbeTally();
    recordResult(tally, failedWith('protocol_error'), { target: nasty, region: 're"gion' });

    const text = prometheusText({ targets: [] }, tally);

    expect(text).toContain('pptp_probe_success{target="gw\\\\1 \\"quoted\\"\\nnext",region="re\\"gion"} 0\n');
    expect(family(text, 'pptp_probe_success').metrics[0]?.labels).toEqual({ target: nasty, region: 're"gion' });
    // Every line is one sample, comment or the final empty string: no raw newline leaked.
    expect(text.split('\n').filter((l) => l !== '' && !l.startsWith('#') && !/^pptp_[a-z_]+(\{.*\})? \S+$/.test(l))).toEqual([]);
  });

  it('rounds durations to 0.1 ms, ratios to 4 decimals and timestamps to the ms', () => {
    const tally = createProbeTally();
    recordResult(tally, ok({ connectMs: 0.1 + 0.2, controlMs: 40.123456, echoMs: 2.44999, totalMs: 50.00004 }), { target: 'gw', region: 'local', atMs: 1_764_700_000_123.4 });

    const text = prometheusText({ targets: [target('gw', { errorBudgetRemaining: 0.1 + 0.2, slo: 99.995 })] }, tally);

    expect(samples(text, 'pptp_probe_duration_seconds')).toEqual([
      'target=gw,region=local,phase=connect 0.0003',
      'target=gw,region=local,phase=control 0.0401',
      'target=gw,region=local,phase=echo 0.0024',
      'target=gw,region=local,phase=total 0.05',
    ]);
    expect(samples(text, 'pptp_error_budget_remaining_ratio')).toEqual(['target=gw 0.3']);
    expect(samples(text, 'pptp_last_probe_timestamp_seconds')).toEqual(['target=gw,region=local 1764700000.123']);
    // An objective keeps 6 decimals: 99.995% at 4 would be 1, an error budget of zero.
    expect(samples(text, 'pptp_target_availability_objective_ratio')).toEqual(['target=gw 0.99995']);
    expect(histograms(text, 'pptp_probe_phase_duration_seconds').find((h) => h.labels.phase === 'control')?.sum).toBe('0.0401');
    expect([roundTo(0.1 + 0.2, 4), roundTo(-0.123449, 4), roundTo(Number.NaN, 4), roundTo(-0.00001, 4)]).toEqual([0.3, -0.1234, Number.NaN, 0]);
  });

  it('observes each completed phase in a cumulative histogram from 1 ms to 10 s, in seconds', () => {
    const tally = createProbeTally();
    for (const controlMs of [1, 1.01, 40, 40, 9_999, 12_000]) recordResult(tally, ok({ connectMs: 2, controlMs, totalMs: controlMs + 2 }), { target: 'gw', region: 'local' });

    const text = prometheusText({ targets: [] }, tally);

    const control = histograms(text, 'pptp_probe_phase_duration_seconds').find((h) => h.labels.phase === 'control');
    // Cumulative counts in le order, +Inf last; a value on a bound belongs to that bucket (le = less or
    // equal); 12 s only in +Inf.
    expect(control?.buckets).toEqual([
      ['0.001', '1'],
      ['0.0025', '2'],
      ['0.005', '2'],
      ['0.01', '2'],
      ['0.025', '2'],
      ['0.05', '4'],
      ['0.1', '4'],
      ['0.25', '4'],
      ['0.5', '4'],
      ['1', '4'],
      ['2.5', '4'],
      ['5', '4'],
      ['10', '5'],
      ['+Inf', '6'],
    ]);
    expect(control?.count).toBe('6');
    expect(control?.sum).toBe('22.081');
    expect(control?.labels).toEqual({ target: 'gw', region: 'local', phase: 'control' });
    // _sum and _count follow the buckets, as the format requires.
    const lines = text.split('\n').filter((l) => l.startsWith('pptp_probe_phase_duration_seconds') && l.includes('phase="control"'));
    expect(lines.at(-3)).toBe('pptp_probe_phase_duration_seconds_bucket{target="gw",region="local",phase="control",le="+Inf"} 6');
    expect(lines.slice(-2)).toEqual([
      'pptp_probe_phase_duration_seconds_sum{target="gw",region="local",phase="control"} 22.081',
      'pptp_probe_phase_duration_seconds_count{target="gw",region="local",phase="control"} 6',
    ]);
  });

  it("observes a login's stages beside the control phases, and never a phase that was not completed", () => {
    const tally = createProbeTally();
    const stages: LoginStageTimings = { greMs: 3, lcpMs: 20, authMs: 30, ccpMs: 10, ipcpMs: undefined, dataMs: undefined };
    recordResult(tally, { ...failedWith('no_address', { connectMs: 2, controlMs: 5, callMs: 4, totalMs: 3000 }), login: { timings: stages } }, { target: 'login', region: 'local' });

    const text = prometheusText({ targets: [] }, tally);

    const phases = histograms(text, 'pptp_probe_phase_duration_seconds').map((h) => `${h.labels.phase} ${h.count}`);
    // Output order is the probe's: control conversation, then the login stages; ipcp failed, data not reached.
    expect(phases).toEqual(['connect 1', 'control 1', 'call 1', 'gre 1', 'lcp 1', 'auth 1', 'ccp 1']);
  });

  it('starts the connect and control histograms and the counters at 0 for a target known but not probed yet', () => {
    const text = prometheusText({ targets: [target('fresh')] }, createProbeTally());

    const zeroed = histograms(text, 'pptp_probe_phase_duration_seconds');
    expect(zeroed.map((h) => [h.labels.phase, h.count, h.sum, h.buckets.at(-1)?.[1]])).toEqual([
      ['connect', '0', '0', '0'],
      ['control', '0', '0', '0'],
    ]);
    expect(samples(text, 'pptp_probes_total')).toEqual(['target=fresh,region=local 0']);
    // Not probed: no last-probe values, whose absence says "nothing yet" rather than a made-up 0.
    expect(text).not.toContain('pptp_probe_consecutive_failures{');
    expect(text).not.toContain('pptp_last_probe_timestamp_seconds{');
  });

  it('counts probes and failures in a row, reset by a success, and stamps when the last result came in', () => {
    const tally = createProbeTally();
    const where = { target: 'gw', region: 'local' };
    recordResult(tally, failedWith('connect_refused'), { ...where, atMs: 60_000 });
    recordResult(tally, failedWith('connect_refused'), { ...where, atMs: 120_000 });
    const twoDown = prometheusText({ targets: [] }, tally);
    recordResult(tally, ok({ connectMs: 1, totalMs: 1 }), { ...where, atMs: 180_500 });
    recordResult(tally, failedWith('echo_timeout'), { ...where, atMs: 240_000 });

    const text = prometheusText({ targets: [] }, tally);

    expect(samples(twoDown, 'pptp_probe_consecutive_failures')).toEqual(['target=gw,region=local 2']);
    expect(samples(text, 'pptp_probe_consecutive_failures')).toEqual(['target=gw,region=local 1']);
    expect(samples(text, 'pptp_probes_total')).toEqual(['target=gw,region=local 4']);
    expect(samples(twoDown, 'pptp_last_probe_timestamp_seconds')).toEqual(['target=gw,region=local 120']);
    expect(samples(text, 'pptp_last_probe_timestamp_seconds')).toEqual(['target=gw,region=local 240']);
  });

  it("exposes each target's availability objective, and its control p95 objective only when it has one", () => {
    const text = prometheusText({ targets: [target('b', { slo: 99.5 }), target('a', { latency: { thresholdMs: 250, points: [] } })] }, createProbeTally());

    expect(samples(text, 'pptp_target_availability_objective_ratio')).toEqual(['target=a 0.999', 'target=b 0.995']);
    expect(samples(text, 'pptp_target_control_p95_objective_seconds')).toEqual(['target=a 0.25']);
  });
});

describe('escaping and values', () => {
  it('escapes label values and HELP text as the format says', () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    // HELP leaves quotes alone.
    expect(escapeHelp('a\\b"c\nd')).toBe('a\\\\b"c\\nd');
  });

  it('spells non-finite values as Go does', () => {
    expect([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0.25, -1, 1e-7].map(formatValue)).toEqual(['NaN', '+Inf', '-Inf', '0.25', '-1', '1e-7']);
  });
});
