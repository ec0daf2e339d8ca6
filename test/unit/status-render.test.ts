import { describe, expect, it } from 'vitest';
import type { MaintenanceWindow, ResolvedConfig, ResolvedTarget } from '../../shared/config/types.js';
import { localView } from '../../shared/cycles/local-view.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { escapeHtml } from '../../shared/report/escape-html.js';
import { renderStatusPage } from '../../shared/status/render-status.js';
import { statusModel, type StatusModel } from '../../shared/status/status-model.js';
import { STATUS_BUCKETS } from '../../shared/status/status-span.js';
import { DAY, HOUR, MIN, NOW, NOW_MINUTE, failed, localHistory, makeLocalTarget } from '../support/sla-fixtures.js';

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
