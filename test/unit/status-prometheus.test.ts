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
  type ProbeTally,
} from '../../shared/status/prometheus.js';
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

/** `{labels} value` lines of one family as 'k=v,k=v value', for compact expectations. */
function samples(text: string, name: string): string[] {
  return family(text, name).metrics.map((m) => `${Object.entries(m.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(',')} ${m.value}`);
}

describe('prometheusText', () => {
  it('writes one HELP and one TYPE line before the samples of each family, and ends with a newline', () => {
    const tally = createProbeTally();
    recordResult(tally, ok({ connectMs: 3, controlMs: 40, echoMs: 2, totalMs: 50 }), { target: 'gw', region: 'local' });

    const text = prometheusText({ targets: [target('gw')] }, tally);

    const expected = [
      ['pptp_probe_success', 'gauge'],
      ['pptp_probe_duration_seconds', 'gauge'],
      ['pptp_probe_failures_total', 'counter'],
      ['pptp_target_up', 'gauge'],
      ['pptp_error_budget_remaining_ratio', 'gauge'],
    ];
    const lines = text.split('\n');
    expect(text.endsWith('\n')).toBe(true);
    for (const [name, type] of expected) {
      const help = lines.filter((l) => l.startsWith(`# HELP ${name} `));
      const typeLines = lines.filter((l) => l.startsWith(`# TYPE ${name} `));
      expect(help, name).toHaveLength(1);
      expect(typeLines, name).toEqual([`# TYPE ${name} ${type}`]);
      const firstSample = lines.findIndex((l) => l.startsWith(`${name}{`));
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
