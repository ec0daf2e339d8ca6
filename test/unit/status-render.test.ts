import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow, ResolvedConfig, ResolvedTarget } from '../../shared/config/types.js';
import { localView } from '../../shared/cycles/local-view.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { escapeHtml } from '../../shared/report/escape-html.js';
import { pageTitle, renderStatusPage } from '../../shared/status/render-status.js';
import { statusModel, type StatusModel, type TargetState } from '../../shared/status/status-model.js';
import { STATUS_BUCKETS } from '../../shared/status/status-span.js';
import { DAY, HOUR, MIN, NOW, NOW_MINUTE, failed, localHistory, makeLocalTarget, type Patch } from '../support/sla-fixtures.js';

/** A one-region, quorum-1 target with a 250 ms control p95 objective. */
const makeTarget = (overrides: Partial<ResolvedTarget> = {}): ResolvedTarget => makeLocalTarget({ latency: { controlP95Ms: 250 }, ...overrides });

function modelFor(targets: ResolvedTarget[], failFromMs: number | undefined, runbookBaseUrl?: string): StatusModel {
  const config = { targets } as unknown as ResolvedConfig;
  // The last day of local results, connect 3 ms and control 40 ms, refused from failFromMs on.
  const history = (t: ResolvedTarget): ProbeRecord[] =>
    localHistory(t, NOW_MINUTE - DAY, NOW_MINUTE, (start) => (failFromMs !== undefined && start >= failFromMs ? failed('connect_refused') : undefined), { connectMs: 3, controlMs: 40 });
  return statusModel(config, history, NOW, { view: localView, ...(runbookBaseUrl !== undefined ? { runbookBaseUrl } : {}) });
}

describe('renderStatusPage', () => {
  it('escapes every piece of text from the config, in text and in attributes', () => {
    const hostile = makeTarget({ name: '<script>alert(1)</script>', host: '"><img src=x onerror=alert(1)>', owner: "O'Brien & <co>" });
    const html = renderStatusPage(modelFor([hostile], NOW_MINUTE - 10 * MIN));

    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).toContain('data-target="&lt;script&gt;alert(1)&lt;/script&gt;"');
    expect(html).toContain('&quot;&gt;&lt;img src=x onerror=alert(1)&gt;:1723');
    expect(html).toContain('owner O&#39;Brien &amp; &lt;co&gt;');
  });

  it('escapes the five HTML characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('is self-contained: no script, no external resource, only runbook links leave the page', () => {
    const html = renderStatusPage(modelFor([makeTarget()], NOW_MINUTE - 10 * MIN));

    expect(html).not.toMatch(/<script|<iframe|<object|<embed|\ssrc=|url\(|@import/i);
    const urls = [...html.matchAll(/(?:href|src)="([^"]*)"/g)].map((m) => m[1]);
    // The favicon (inline, so the browser asks nothing), then the runbooks of the three open incidents
    // (down, and the error-budget page and ticket the same outage burns).
    expect(urls).toEqual(['data:,', ...Array<string>(3).fill('https://runbooks.example/connect_refused.md')]);
    expect(html).toContain('<meta http-equiv="refresh" content="60">');
  });

  it('has the stable hooks: target and state, region, incident with runbook, 144 strip cells, latency polylines', () => {
    const html = renderStatusPage(modelFor([makeTarget({ name: 'gw-down' }), makeTarget({ name: 'gw-ok' })], undefined));

    expect(html).toMatch(/<section class="target" data-target="gw-down" data-state="up"/);
    expect(html).toMatch(/<tr data-region="local" data-status="ok">/);
    expect(html.match(/<rect data-cell /g)).toHaveLength(2 * STATUS_BUCKETS);
    expect(html).toMatch(/<polyline data-series="control" class="line-control" points="[\d., ]+"\/>/);
    expect(html).toMatch(/<polyline data-series="connect"/);
    expect(html).toContain('data-no-incidents');
  });

  it('links an open incident to its runbook, and shows a relative runbook base as text, not a link', () => {
    const linked = renderStatusPage(modelFor([makeTarget()], NOW_MINUTE - 10 * MIN));
    expect(linked).toMatch(/<li data-incident="down" data-severity="page">.*<a class="runbook" data-runbook href="https:\/\/runbooks\.example\/connect_refused\.md" rel="noopener noreferrer">runbook<\/a><\/li>/);

    // The default base is the repository path docs/runbooks/: as an href it would resolve against this server.
    const relative = renderStatusPage(modelFor([makeTarget()], NOW_MINUTE - 10 * MIN, 'docs/runbooks/'));
    expect(relative).not.toMatch(/href="docs/);
    expect(relative).toContain('runbook: <code>docs/runbooks/connect_refused.md</code>');
    const script = renderStatusPage(modelFor([makeTarget()], NOW_MINUTE - 10 * MIN, 'javascript:alert(1)//'));
    expect(script).not.toMatch(/href="javascript/i);
  });

  it('renders the same bytes for the same model, and says when nothing is configured', () => {
    const model = modelFor([makeTarget()], undefined);
    expect(renderStatusPage(model)).toBe(renderStatusPage(structuredClone(model)));
    expect(renderStatusPage({ ...model, targets: [] })).toContain('<p>No targets configured.</p>');
  });

  it('shows a maintenance window and its description', () => {
    const window: MaintenanceWindow = {
      kind: 'once',
      start: '2025-01-15T11:00:00Z',
      end: '2025-01-15T13:00:00Z',
      startMs: NOW_MINUTE - 60 * MIN,
      endMs: NOW_MINUTE + 60 * MIN,
      countsAgainstSla: false,
      description: 'swap <the> PSU',
      scope: 'global',
    };
    const html = renderStatusPage(modelFor([makeTarget({ maintenance: [window] })], undefined));
    expect(html).toContain('data-state="maintenance"');
    expect(html).toContain('in a maintenance window: swap &lt;the&gt; PSU');
  });

  it('labels availability with the span it was measured over until it has the whole SLO window', () => {
    const target = makeTarget();
    const page = (fromMs: number, failFromMs?: number): string => {
      const history = (): ProbeRecord[] => localHistory(target, fromMs, NOW_MINUTE, (start) => (failFromMs !== undefined && start >= failFromMs ? failed('connect_refused') : undefined));
      return renderStatusPage(statusModel({ targets: [target] } as unknown as ResolvedConfig, history, NOW, { view: localView }));
    };

    // Before: "Availability (30d) 40.000%" after five minutes.
    const fresh = page(NOW_MINUTE - 5 * MIN, NOW_MINUTE - 3 * MIN);
    expect(fresh).toContain('<dt>Availability (since 11:55, 5 min)</dt><dd data-availability>40.000%</dd>');
    expect(fresh).toContain('<dd data-budget class="">93.1% <span class="muted">(3 of 43.2 min used)</span></dd>');
    expect(page(NOW_MINUTE - 52 * HOUR)).toContain('<dt>Availability (2d 4h)</dt>');
    expect(page(NOW_MINUTE - 30 * DAY)).toContain('<dt>Availability (30d)</dt>');
    // No record at all: nothing measured, nothing to show as a budget.
    const empty = renderStatusPage(statusModel({ targets: [target] } as unknown as ResolvedConfig, () => [], NOW, { view: localView }));
    expect(empty).toContain('<dt>Availability</dt><dd data-availability>no data yet</dd>');
    expect(empty).toContain('<dd data-budget class="">no data yet</dd>');
  });
});

describe('the status page for the people who read it (issue 14)', () => {
  /** A day of local results of `target`, `shape` changing what it says. */
  const pageOf = (targets: ResolvedTarget[], shape: (t: ResolvedTarget, start: number) => Patch = () => undefined): string =>
    renderStatusPage(statusModel({ targets } as unknown as ResolvedConfig, (t) => localHistory(t, NOW_MINUTE - DAY, NOW_MINUTE, (start) => shape(t, start)), NOW, { view: localView }));
  const titleOf = (html: string): string | undefined => /<title>([^<]*)<\/title>/.exec(html)?.[1];
  const states = (...list: TargetState[]): Pick<StatusModel, 'targets'> => ({ targets: list.map((state) => ({ state })) as StatusModel['targets'] });

  it('titles the page with the worst state and how many targets are in it', () => {
    expect(pageTitle(states('up', 'down', 'degraded', 'down'))).toBe('DOWN (2) - pptp-monitor');
    expect(pageTitle(states('degraded', 'up', 'degraded', 'no_data', 'maintenance'))).toBe('DEGRADED (2) - pptp-monitor');
    expect(pageTitle(states('up', 'no_data', 'maintenance'))).toBe('NO DATA (1) - pptp-monitor');
    expect(pageTitle(states('maintenance', 'up'))).toBe('MAINTENANCE (1) - pptp-monitor');
    expect(pageTitle(states('up', 'up'))).toBe('OK - pptp-monitor');
    expect(pageTitle(states())).toBe('NO TARGETS - pptp-monitor');
  });

  it('puts that title on the rendered page: down, degraded and all up', () => {
    // gw-down refused the last 10 minutes (the down page); gw-flaky failed its last interval only (degraded).
    const down = pageOf([makeTarget({ name: 'gw-ok' }), makeTarget({ name: 'gw-down' }), makeTarget({ name: 'gw-flaky' })], (t, start) =>
      (t.name === 'gw-down' && start >= NOW_MINUTE - 10 * MIN) || (t.name === 'gw-flaky' && start === NOW_MINUTE - MIN) ? failed('connect_refused') : undefined,
    );
    expect(titleOf(down)).toBe('DOWN (1) - pptp-monitor');
    const degraded = pageOf([makeTarget({ name: 'gw-a' }), makeTarget({ name: 'gw-b' }), makeTarget({ name: 'gw-ok' })], (t, start) => (t.name !== 'gw-ok' && start === NOW_MINUTE - MIN ? failed('echo_timeout') : undefined));
    expect(titleOf(degraded)).toBe('DEGRADED (2) - pptp-monitor');
    expect(titleOf(pageOf([makeTarget({ name: 'gw-a' }), makeTarget({ name: 'gw-b' })]))).toBe('OK - pptp-monitor');
    // A target name never reaches the title unescaped: the title holds only states and counts.
    expect(titleOf(pageOf([makeTarget({ name: '</title><script>' })]))).toBe('OK - pptp-monitor');
  });

  /** The latency chart of a one-target page whose control time is `controlMs` and connect time a tenth of it. */
  function latencyChart(controlMs: number): { svg: string; yMax: number; yLabels: string[]; xLabels: string[]; caption: string } {
    const html = pageOf([makeTarget()], () => ({ controlMs, connectMs: controlMs / 10 }));
    const svg = /<svg data-chart="latency"[\s\S]*?<\/svg>/.exec(html)![0];
    return {
      svg,
      yMax: Number(/data-y-max="([^"]+)"/.exec(svg)![1]),
      yLabels: [...svg.matchAll(/<text class="label" data-axis="y"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!),
      xLabels: [...svg.matchAll(/<text class="label" data-axis="x"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!),
      caption: /<figure class="latency">[\s\S]*?<figcaption>([\s\S]*?)<\/figcaption>/.exec(html)![1]!,
    };
  }

  it('scales the latency axis to the data, not to a fixed maximum or the objective, with ms labels', () => {
    // 12 ms under a 250 ms objective: the axis ends at 20 ms, so 12 ms is most of the chart's height.
    const small = latencyChart(12);
    expect(small.yMax).toBe(20);
    expect(small.yLabels).toEqual(['0 ms', '5 ms', '10 ms', '15 ms', '20 ms']);
    // The objective is above the scale: named in the caption, not drawn at the top edge.
    expect(small.svg).not.toContain('class="threshold"');
    expect(small.caption).toContain('(objective 250 ms, above this scale)');
    // The control line's points sit at 12/20 of the plot's height (y from 140 at 0 ms up to 8 at 20 ms).
    const controlY = new Set([.../<polyline data-series="control" class="line-control" points="([^"]+)"/.exec(small.svg)![1]!.matchAll(/,([\d.]+)/g)].map((m) => Number(m[1])));
    expect([...controlY]).toEqual([140 - (12 / 20) * 132]);

    // 800 ms: the axis reaches at least the data (1000 ms), and the 250 ms objective is drawn inside it.
    const large = latencyChart(800);
    expect(large.yMax).toBeGreaterThanOrEqual(800);
    expect(large.yMax).toBe(1000);
    expect(large.yLabels).toEqual(['0 ms', '200 ms', '400 ms', '600 ms', '800 ms', '1000 ms']);
    expect(large.svg).toContain('<title>latency objective: p95 control 250 ms</title>');
    expect(large.caption).toContain('<span class="key threshold">objective</span>');

    // Under a millisecond (a gateway on the LAN) the labels stay readable: 0.1 steps, not 0.30000000000000004.
    expect(latencyChart(0.3).yLabels).toEqual(['0 ms', '0.1 ms', '0.2 ms', '0.3 ms', '0.4 ms', '0.5 ms']);
  });

  it('labels the time axis in UTC hours, every 4 hours across the 24', () => {
    // The span runs from 2025-01-14 12:10 to 2025-01-15 12:10 UTC (144 ten-minute cells up to NOW's).
    const chart = latencyChart(40);
    expect(chart.xLabels).toEqual(['16:00', '20:00', '00:00', '04:00', '08:00', '12:00']);
    expect(chart.caption).toContain('times in UTC');
    // The last label is anchored at its end, so it stays inside the chart.
    expect(chart.svg).toMatch(/text-anchor="end">12:00<\/text>/);
  });
});
