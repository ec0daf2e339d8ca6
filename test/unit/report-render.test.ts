// The renderers of the SLA report: exact JSON keys and rounding, RFC 4180 CSV, Markdown tables, and HTML
// that escapes config text and loads nothing. The browser-level checks of the charts are in
// test/integration/report-html.test.ts.
import { describe, expect, it } from 'vitest';
import type { ResolvedConfig, ResolvedTarget } from '../../shared/config/types.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { buildReport, type SlaReport } from '../../shared/sla/report.js';
import {
  CSV_COLUMNS,
  csvField,
  escapeHtml,
  formatAvailability,
  formatDuration,
  renderCsv,
  renderHtml,
  renderJson,
  renderMarkdown,
  renderReport,
  roundAvailability,
  type JsonReport,
} from '../../shared/report/index.js';
import { AP, D0, DAY, EU, HOUR, MIN, US, failed, history, makeConfig as makeSharedConfig, makeTarget } from '../support/sla-fixtures.js';

/** The config of these targets, listing the regions in the order they are probed (EU, US, AP), not sorted. */
const makeConfig = (targets: ResolvedTarget[]): ResolvedConfig => makeSharedConfig(targets, { regions: [EU, US, AP] });

/** One day from D0 of 1-minute results: refused where `fail` says so, ok otherwise. */
const dayHistory = (target: ResolvedTarget, fail: (start: number, region: string) => boolean): ProbeRecord[] =>
  history(target, D0, D0 + DAY, (start, region) => (fail(start, region) ? failed('connect_refused') : undefined));

/**
 * gw: eu and us refuse 05:00-05:30 → 97.917%, 30 min down of the 30-day budget of 43.2 min (30.6% left; the
 *     day's share is 1.44 min).
 * branch: five-minute, owner and tags with characters every format has to escape, never failing.
 * silent: no records at all.
 */
function sampleReport(): SlaReport {
  const gw = makeTarget({ owner: 'ops | net' });
  const branch = makeTarget({ name: 'branch', interval: '5m', intervalMinutes: 5, owner: 'Network, "EMEA"', tags: { site: '"Köln" & <HQ>', tier: 'gold' } });
  const silent = makeTarget({ name: 'silent' });
  const records = new Map<string, ProbeRecord[]>([
    ['gw', dayHistory(gw, (start, region) => region !== AP && start >= D0 + 5 * HOUR && start < D0 + 5 * HOUR + 30 * MIN)],
    ['branch', dayHistory(branch, () => false)],
  ]);
  return buildReport(makeConfig([gw, branch, silent]), records, { fromMs: D0, toMs: D0 + DAY });
}

describe('format helpers', () => {
  it('never rounds an availability below 100 up to 100', () => {
    expect(roundAvailability(99.99996)).toBe(99.999);
    expect(roundAvailability(97.916666)).toBe(97.917);
    expect(formatAvailability(100)).toBe('100.000');
    expect(formatAvailability(undefined)).toBe('n/a');
  });

  it('writes durations for people', () => {
    expect(formatDuration(0)).toBe('0m');
    expect(formatDuration(125)).toBe('2h 05m');
    expect(formatDuration(1510)).toBe('1d 1h 10m');
  });
});

describe('renderJson', () => {
  it('has the keys the issue fixes, rounded, with null for what was not measured', () => {
    const json = JSON.parse(renderJson(sampleReport())) as JsonReport;

    expect(json.from).toBe('2025-01-01T00:00:00.000Z');
    expect(json.to).toBe('2025-01-02T00:00:00.000Z');
    const [gw, branch, silent] = json.targets;
    for (const t of json.targets) {
      expect(Object.keys(t)).toEqual(
        expect.arrayContaining(['target', 'slo', 'availability', 'downtimeMinutes', 'incidents', 'errorBudgetRemaining', 'latency', 'failureClasses', 'regions']),
      );
      expect(Object.keys(t.latency)).toEqual(['connectMs', 'controlMs']);
      expect(Object.keys(t.latency.connectMs)).toEqual(expect.arrayContaining(['p50', 'p95', 'p99']));
    }
    expect(gw).toMatchObject({
      target: 'gw',
      slo: 99.9,
      availability: 97.917,
      downtimeMinutes: 30,
      incidents: 1,
      // 1 - 30 / 43.2 (issue 9: against the 30-day allowance; before, 1 - 30 / 1.44 = -19.8333)
      errorBudgetRemaining: 0.3056,
      latency: { connectMs: { p50: 20, p95: 20, p99: 20 }, controlMs: { p50: 40, p95: 40, p99: 40 } },
      failureClasses: { connect_refused: 60 },
      regions: [
        { region: EU, availability: 97.917 },
        { region: US, availability: 97.917 },
        { region: AP, availability: 100 },
      ],
    });
    expect(gw!.incidentDetails.list).toEqual([
      {
        start: '2025-01-01T05:00:00.000Z',
        end: '2025-01-01T05:30:00.000Z',
        durationMinutes: 30,
        downMinutes: 30,
        startedBefore: false,
        ongoing: false,
        failingRegions: [EU, US],
        dominantFailureClass: 'connect_refused',
        runbookUrl: 'https://runbooks.example/connect_refused.md',
      },
    ]);
    expect(branch).toMatchObject({ availability: 100, errorBudgetRemaining: 1, failureClasses: {}, owner: 'Network, "EMEA"' });
    // Issue 9: no record, no data: before, errorBudgetRemaining 1 and 1440 unknown minutes.
    expect(silent).toMatchObject({
      availability: null,
      incidents: 0,
      errorBudgetRemaining: null,
      unknownMinutes: 0,
      latency: { connectMs: { p50: null, p95: null, p99: null, samples: 0 } },
      regions: [
        { region: EU, availability: null },
        { region: US, availability: null },
        { region: AP, availability: null },
      ],
    });
  });
});

describe('renderCsv', () => {
  /** A minimal RFC 4180 reader, to prove the writer's output reads back. */
  function parseCsv(text: string): string[][] {
    const rows: string[][] = [];
    let row: string[] = [];
    let field = '';
    let quoted = false;
    for (let i = 0; i < text.length; i++) {
      const c = text[i]!;
      if (quoted) {
        if (c === '"' && text[i + 1] === '"') {
          field += '"';
          i++;
        } else if (c === '"') quoted = false;
        else field += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        row.push(field);
        field = '';
      } else if (c === '\r' && text[i + 1] === '\n') {
        row.push(field);
        rows.push(row);
        row = [];
        field = '';
        i++;
      } else field += c;
    }
    return rows;
  }

  it('quotes fields as RFC 4180 says', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
  });

  it('writes a header and one CRLF-terminated row per target that read back exactly', () => {
    const csv = renderCsv(sampleReport());

    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv).toContain('"Network, ""EMEA"""');
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual([...CSV_COLUMNS]);
    for (const row of rows) expect(row).toHaveLength(CSV_COLUMNS.length);
    const record = (row: string[]): Record<string, string> => Object.fromEntries(CSV_COLUMNS.map((c, i) => [c, row[i]!]));
    expect(record(rows[1]!)).toMatchObject({
      target: 'gw',
      availability_percent: '97.917',
      downtime_minutes: '30',
      incidents: '1',
      // Issue 9: the 30-day allowance and 1 - 30 / 43.2 (before: the day's share, 1.4, and -19.8333).
      error_budget_minutes: '43.2',
      error_budget_remaining: '0.3056',
      region_availability_percent: 'eu-west-1=97.917;us-east-1=97.917;ap-southeast-1=100.000',
      failure_classes: 'connect_refused=60',
    });
    expect(record(rows[2]!)).toMatchObject({ target: 'branch', owner: 'Network, "EMEA"', tags: 'site="Köln" & <HQ>;tier=gold' });
    expect(record(rows[3]!)).toMatchObject({ target: 'silent', availability_percent: '', mttr_minutes: '', connect_p50_ms: '' });
  });
});

describe('renderMarkdown', () => {
  it('writes a summary table and one section per target, with config text escaped', () => {
    const md = renderMarkdown(sampleReport());

    expect(md.startsWith('# SLA report 2025-01-01 00:00 UTC – 2025-01-02 00:00 UTC\n')).toBe(true);
    expect(md).toContain(
      '| Target | SLO % | Availability % | Verdict | Previous period % | Downtime | Incidents | Longest | MTTR | Budget left | Maintenance excluded | Unknown | Connect p50/p95/p99 ms | Control p50/p95/p99 ms |',
    );
    // Issue 9: budget left against the 30-day allowance (before -1983.3%); silent has no data (before n/a,
    // 100.0% and 1d 0h 00m unknown).
    // Issue 14: the verdict and the previous day beside it (no records before D0 here: no data).
    expect(md).toContain('| gw | 99.9 | 97.917 | missed | no data | 30m | 1 | 30m | 30m | 30.6% | 0m | 0m | 20 / 20 / 20 | 40 / 40 / 40 |');
    expect(md).toContain('| silent | 99.9 | no data | no data | no data | 0m | 0 | - | - | no data | 0m | 0m | - / - / - | - / - / - |');
    expect(md).toContain('owner ops \\| net');
    expect(md).toContain('SLO 99.9%: no data; availability n/a; previous period 2024-12-31 00:00 UTC – 2025-01-01 00:00 UTC: no data; 3 regions, quorum 2;');
    expect(md).toContain('tags site="Köln" &amp; &lt;HQ&gt;, tier=gold');
    expect(md).toContain(
      '| 2025-01-01 05:00 UTC | 2025-01-01 05:30 UTC | 30m | 30m | eu-west-1, us-east-1 | `connect_refused` | [connect\\_refused.md](https://runbooks.example/connect_refused.md) | - |',
    );
    expect(md).toContain('| ap-southeast-1 | 100.000 | 1440 | 0 |');
  });
});

describe('renderHtml', () => {
  it('is self-contained: no script, nothing to fetch, no URL but the runbook links', () => {
    const html = renderHtml(sampleReport());

    expect(html).not.toMatch(/<script/i);
    // Issue 14: the incidents' runbooks are links (a reader follows them; the page loads nothing).
    const urls = [...html.matchAll(/https?:\/\/[^"<\s]*/gi)].map((m) => m[0]);
    expect(urls).toEqual(['https://runbooks.example/connect_refused.md']);
    expect(html.replace(/<a class="runbook" data-runbook href="https:\/\/runbooks\.example\/connect_refused\.md" rel="noopener noreferrer">/, '')).not.toMatch(/https?:|\/\/[a-z]/i);
    expect(html).not.toMatch(/\bsrc=|url\(|@import|<link/i);
    expect(html).not.toMatch(/\bon[a-z]+=/i);
  });

  it('escapes every text from the config', () => {
    const report = sampleReport();
    // Names are validated by the config loader; the renderer must not rely on it.
    report.targets[0]!.target = '<img src=x onerror=alert(1)>';

    const html = renderHtml(report);

    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('data-target="&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain('site=&quot;Köln&quot; &amp; &lt;HQ&gt;');
    expect(html).toContain('owner Network, &quot;EMEA&quot;');
    expect(escapeHtml(`'"&<>`)).toBe('&#39;&quot;&amp;&lt;&gt;');
  });

  it('draws one heat-strip cell per bucket for the quorum row and each region', () => {
    const html = renderHtml(sampleReport());

    const strips = html.match(/<svg class="heat-strip"[^>]*>/g) ?? [];
    expect(strips).toHaveLength(3);
    expect(strips[0]).toContain('data-buckets="24"');
    // 3 targets × (quorum + 3 regions) × 24 hourly buckets.
    expect(html.match(/<rect class="cell"/g)).toHaveLength(3 * 4 * 24);
    // Issue 9: the budget against the 30-day allowance (before -19.8333), and the covered minutes.
    expect(html).toContain(
      '<tr data-target="gw" data-availability="97.917" data-slo="99.9" data-downtime-minutes="30" data-incidents="1" data-error-budget-remaining="0.3056" data-covered-minutes="1440" data-verdict="missed" data-previous-availability="" data-previous-verdict="no data">',
    );
  });

  it('is what renderReport returns for html', () => {
    const report = sampleReport();
    expect(renderReport(report, 'html')).toBe(renderHtml(report));
    expect(renderReport(report, 'json')).toBe(renderJson(report));
  });
});

describe('short ranges and ranges without data (issue 9)', () => {
  /**
   * A one-hour range, 10:00-11:00, of gw refusing 10:00-10:12 in every region (12 min down), plus a target
   * whose monitoring started at 10:35, and one without records; asked for at 11:30.
   */
  function hourReport(): SlaReport {
    const gw = makeTarget();
    const late = makeTarget({ name: 'late' });
    const silent = makeTarget({ name: 'silent' });
    const from = D0 + 10 * HOUR;
    const records = new Map<string, ProbeRecord[]>([
      ['gw', history(gw, D0, D0 + DAY, (start) => (start >= from && start < from + 12 * MIN ? failed('connect_refused') : undefined))],
      ['late', history(late, from + 35 * MIN, D0 + DAY)],
    ]);
    return buildReport(makeConfig([gw, late, silent]), records, { fromMs: from, toMs: from + HOUR }, { nowMs: from + 90 * MIN });
  }

  it('states the budget against the SLO window allowance and the range share in Markdown', () => {
    const md = renderMarkdown(hourReport());

    // Before: "error budget 0.1 min, consumed 12 min (-19900.0% left)".
    expect(md).toContain("used 12 min = 27.8% of the 30-day budget (43.2 min); this range's share of it is 0.06 min");
    // gw's previous hour, 09:00-10:00, was all up.
    expect(md).toContain('| gw | 99.9 | 80.000 | missed | 100.000 (met) | 12m | 1 | 12m | 12m | 72.2% | 0m | 0m |');
    // Before: "100.0%" of the budget left and 1d 0h 00m unknown for a target with no record.
    expect(md).toContain('| silent | 99.9 | no data | no data | no data | 0m | 0 | - | - | no data | 0m | 0m |');
    expect(md).toContain(
      '## silent\n\nSLO 99.9%: no data; availability n/a; previous period 2025-01-01 09:00 UTC – 2025-01-01 10:00 UTC: no data; 3 regions, quorum 2; 1-minute intervals; no data in this range.',
    );
    // What each target covered, said once under the summary when it is not the whole range.
    expect(md).toContain('Covered: late: 2025-01-01 10:35 UTC – 2025-01-01 11:00 UTC (25 of 60 min); silent: no data in this range.');
    expect(md).toContain('covered 2025-01-01 10:35 UTC – 2025-01-01 11:00 UTC (25 of 60 min)');
  });

  it('carries the covered span and the budget parts in JSON, null where there is no data', () => {
    const json = JSON.parse(renderJson(hourReport())) as JsonReport;
    const [gw, late, silent] = json.targets;

    expect(gw).toMatchObject({
      errorBudgetRemaining: 0.7222,
      covered: { from: '2025-01-01T10:00:00.000Z', to: '2025-01-01T11:00:00.000Z', minutes: 60 },
      errorBudget: { budgetMinutes: 43.2, basis: 'slo-window', windowDays: 30, windowAllowanceMinutes: 43.2, rangeShareMinutes: 0.06, consumedMinutes: 12 },
    });
    expect(late).toMatchObject({ covered: { from: '2025-01-01T10:35:00.000Z', to: '2025-01-01T11:00:00.000Z', minutes: 25 }, unknownMinutes: 0, countedMinutes: 25 });
    expect(silent).toMatchObject({ covered: null, availability: null, errorBudgetRemaining: null, unknownMinutes: 0 });
  });

  it('has the covered span and the range share in CSV', () => {
    const rows = renderCsv(hourReport()).split('\r\n');
    const header = rows[0]!.split(',');
    const field = (row: number, column: string): string => rows[row]!.split(',')[header.indexOf(column)]!;

    expect(field(1, 'error_budget_minutes')).toBe('43.2');
    expect(field(1, 'error_budget_range_share_minutes')).toBe('0.06');
    expect(field(1, 'error_budget_remaining')).toBe('0.7222');
    expect(field(2, 'covered_from')).toBe('2025-01-01T10:35:00.000Z');
    expect(field(2, 'covered_minutes')).toBe('25');
    expect(field(3, 'covered_minutes')).toBe('0');
    expect(field(3, 'error_budget_remaining')).toBe('');
  });
});
