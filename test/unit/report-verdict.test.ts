// Issue 14, the report for the people who read it: a met / missed verdict per target against its SLO, the
// previous period of the same length beside this one (values computed by hand in the comments), what the
// report reads for it, and the incidents' runbooks in every format.
import { describe, expect, it } from 'vitest';
import type { ResolvedTarget } from '../../shared/config/types.js';
import type { HistorySource } from '../../shared/cycles/ports.js';
import { reportFromHistory } from '../../shared/cycles/report-cycle.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { buildReport, previousRange, REPORT_LOOKBACK_MS, reportRecordsFromMs, sloVerdict, type ReportRange, type SlaReport } from '../../shared/sla/report.js';
import { renderCsv, renderHtml, renderJson, renderMarkdown, type JsonReport } from '../../shared/report/index.js';
import { reportSummary } from '../../shared/report/report-summary.js';
import { AP, D0, DAY, EU, HOUR, MIN, US, failed, history, makeConfig, makeTarget, once } from '../support/sla-fixtures.js';

const at = (hh: number, mm = 0): number => D0 + hh * HOUR + mm * MIN;
const ONE_DAY: ReportRange = { fromMs: D0, toMs: D0 + DAY };

function report(targets: ResolvedTarget[], records: Record<string, ProbeRecord[]>, range: ReportRange = ONE_DAY, nowMs = range.toMs + HOUR): SlaReport {
  return buildReport(makeConfig(targets), new Map(Object.entries(records)), range, { nowMs });
}

/** The field `column` of CSV row `row` (1 = the first target); the fields used here hold no comma. */
function csvField(csv: string, row: number, column: string): string {
  const rows = csv.split('\r\n');
  return rows[row]!.split(',')[rows[0]!.split(',').indexOf(column)]!;
}

describe('the verdict against the SLO', () => {
  it('is met at exactly the SLO, missed one interval below it, and no data without a counted interval', () => {
    // Prepare: an SLO of 97.5% of a day of 1-minute intervals allows 36 down minutes (1440 × 2.5%).
    const slo = { availability: 97.5, window: '30d', windowDays: 30 };
    const exact = makeTarget({ name: 'exact', slo });
    const below = makeTarget({ name: 'below', slo });
    const silent = makeTarget({ name: 'silent', slo });
    const down = (minutes: number) => (start: number, region: string) => (region !== AP && start >= at(5) && start < at(5, minutes) ? failed('connect_refused') : undefined);

    // Act
    const r = report([exact, below, silent], { exact: history(exact, D0, D0 + DAY, down(36)), below: history(below, D0, D0 + DAY, down(37)) });

    // Assess: 1404 / 1440 = 97.5% → met; 1403 / 1440 = 97.43% → missed; no record → no data.
    expect(r.targets.map((t) => [t.target, t.availability, t.verdict])).toEqual([
      ['exact', 97.5, 'met'],
      ['below', (100 * 1403) / 1440, 'missed'],
      ['silent', undefined, 'no data'],
    ]);
    expect(sloVerdict(99.8996, 99.9)).toBe('missed'); // prints 99.900, but is below
    expect(sloVerdict(100, 99.9)).toBe('met');
  });

  it('says the same in every format, and the monthly summary counts the missed ones as below SLO', () => {
    const ok = makeTarget({ name: 'ok' });
    const bad = makeTarget({ name: 'bad' });
    const silent = makeTarget({ name: 'silent' });
    const r = report([ok, bad, silent], {
      ok: history(ok, D0, D0 + DAY),
      bad: history(bad, D0, D0 + DAY, (start) => (start >= at(5) && start < at(5, 10) ? failed('control_timeout') : undefined)),
    });

    const json = JSON.parse(renderJson(r)) as JsonReport;
    expect(json.targets.map((t) => t.verdict)).toEqual(['met', 'missed', 'no data']);
    const csv = renderCsv(r);
    expect([1, 2, 3].map((row) => csvField(csv, row, 'slo_verdict'))).toEqual(['met', 'missed', 'no data']);
    const md = renderMarkdown(r);
    expect(md).toMatch(/^\| ok \| 99\.9 \| 100\.000 \| met \|/m);
    expect(md).toMatch(/^\| bad \| 99\.9 \| 99\.306 \| missed \|/m);
    expect(md).toMatch(/^\| silent \| 99\.9 \| no data \| no data \|/m);
    expect(md).toContain('## bad\n\nSLO 99.9%: missed; availability 99.306%;');
    const html = renderHtml(r);
    expect(html).toMatch(/<tr data-target="ok" [^>]*data-verdict="met"/);
    expect(html).toMatch(/<tr data-target="bad" [^>]*data-verdict="missed"/);
    expect(html).toMatch(/<tr data-target="silent" [^>]*data-verdict="no data"/);
    expect(html).toContain('<h2>bad <span class="availability">99.306%</span> <span class="verdict misses">missed</span></h2>');
    expect(reportSummary(r, 'hint').belowSlo).toEqual(['bad']);
  });
});

describe('the previous period', () => {
  /**
   * The range is 10:00-11:00; the previous period is 09:00-10:00. gw's records start at 09:30 (monitoring
   * began then), it is down in every region 09:40-09:46 (6 min) and 10:20-10:22 (2 min), and 09:50-09:55
   * is a maintenance window excluded from the SLA.
   *   previous: covered 09:30-10:00 (30 min), counted 30 − 5 = 25, down 6 → 19 / 25 = 76% → missed (SLO 99.9)
   *   this:     covered 10:00-11:00 (60 min), counted 60, down 2 → 58 / 60 = 96.667% → missed
   * fresh: records only from 10:00 → previous period no data.
   */
  function hourReport(): SlaReport {
    const gw = makeTarget({ maintenance: [once(at(9, 50), at(9, 55))] });
    const fresh = makeTarget({ name: 'fresh' });
    const down = (start: number): boolean => (start >= at(9, 40) && start < at(9, 46)) || (start >= at(10, 20) && start < at(10, 22));
    return report(
      [gw, fresh],
      { gw: history(gw, at(9, 30), at(11), (start) => (down(start) ? failed('connect_timeout') : undefined)), fresh: history(fresh, at(10), at(11)) },
      { fromMs: at(10), toMs: at(11) },
    );
  }

  it('is the same length just before, counted with the same coverage, maintenance and quorum rules', () => {
    const [gw, fresh] = hourReport().targets;

    expect(previousRange({ fromMs: at(10), toMs: at(11) })).toEqual({ fromMs: at(9), toMs: at(10) });
    expect(gw!.previous).toEqual({
      fromMs: at(9),
      toMs: at(10),
      covered: { fromMs: at(9, 30), toMs: at(10), minutes: 30 },
      availability: 76,
      verdict: 'missed',
      countedMinutes: 25,
      downtimeMinutes: 6,
    });
    expect(gw!.availability).toBeCloseTo((100 * 58) / 60, 10);
    expect(fresh!.previous).toMatchObject({ covered: undefined, availability: undefined, verdict: 'no data', countedMinutes: 0 });
    expect(fresh!.verdict).toBe('met');
  });

  it('stands beside this period in every format', () => {
    const r = hourReport();

    const json = JSON.parse(renderJson(r)) as JsonReport;
    expect(json.targets[0]!.previous).toEqual({
      from: '2025-01-01T09:00:00.000Z',
      to: '2025-01-01T10:00:00.000Z',
      covered: { from: '2025-01-01T09:30:00.000Z', to: '2025-01-01T10:00:00.000Z', minutes: 30 },
      availability: 76,
      verdict: 'missed',
      countedMinutes: 25,
      downtimeMinutes: 6,
    });
    expect(json.targets[1]!.previous).toMatchObject({ covered: null, availability: null, verdict: 'no data' });

    const csv = renderCsv(r);
    expect(['previous_from', 'previous_to', 'previous_availability_percent', 'previous_slo_verdict'].map((c) => csvField(csv, 1, c))).toEqual([
      '2025-01-01T09:00:00.000Z',
      '2025-01-01T10:00:00.000Z',
      '76.000',
      'missed',
    ]);
    expect(csvField(csv, 2, 'previous_availability_percent')).toBe('');

    const md = renderMarkdown(r);
    expect(md).toMatch(/^\| gw \| 99\.9 \| 96\.667 \| missed \| 76\.000 \(missed\) \|/m);
    expect(md).toMatch(/^\| fresh \| 99\.9 \| 100\.000 \| met \| no data \|/m);
    expect(md).toContain('Previous period: 2025-01-01 09:00 UTC – 2025-01-01 10:00 UTC, the same length just before this one.');
    expect(md).toContain('previous period 2025-01-01 09:00 UTC – 2025-01-01 10:00 UTC: 76.000%, missed (covered 2025-01-01 09:30 UTC – 2025-01-01 10:00 UTC);');

    const html = renderHtml(r);
    expect(html).toMatch(/<tr data-target="gw" [^>]*data-previous-availability="76\.000" data-previous-verdict="missed">/);
    expect(html).toContain('<td class="num misses">76.000 (missed)</td>');
    expect(html).toContain('<p class="note previous" data-previous-from="2025-01-01T09:00:00.000Z" data-previous-to="2025-01-01T10:00:00.000Z">');
  });

  it('of a month is read with the month: from the previous period’s start, or the look-back when that is earlier', async () => {
    // Prepare: a history source that only says what it was asked for.
    const asked: Array<{ fromMs: number; toMs: number }> = [];
    const source: HistorySource = {
      recent: () => Promise.reject(new Error('not used')),
      range: (_config, request) => {
        asked.push({ fromMs: request.fromMs, toMs: request.toMs });
        return Promise.resolve({ records: new Map(), lastHeartbeat: new Map(), metricsRequested: 0, calls: 0, retries: 0 });
      },
    };
    const december = { fromMs: Date.UTC(2024, 11, 1), toMs: Date.UTC(2025, 0, 1) };
    const anHour = { fromMs: at(10), toMs: at(11) };

    // Act
    await reportFromHistory(source, makeConfig([makeTarget()]), december, december.toMs + 6 * HOUR);
    await reportFromHistory(source, makeConfig([makeTarget()]), anHour, anHour.toMs);

    // Assess: December's 31 days and the 31 before them (they hold the 7-day look-back); an hour and 7 days before it.
    expect(asked).toEqual([
      { fromMs: Date.UTC(2024, 9, 31), toMs: december.toMs },
      { fromMs: anHour.fromMs - REPORT_LOOKBACK_MS, toMs: anHour.toMs },
    ]);
    expect(reportRecordsFromMs(december)).toBe(Date.UTC(2024, 9, 31));
  });

  it('counts what it was given for the previous month, and the first record bounds what it covers', () => {
    // A 31-day December whose previous period, 31 Oct – 1 Dec, has records from 20 November on: covered from there.
    const gw = makeTarget({ regions: [EU], quorum: 1 });
    const december = { fromMs: Date.UTC(2024, 11, 1), toMs: Date.UTC(2025, 0, 1) };
    const r = report([gw], { gw: history(gw, Date.UTC(2024, 10, 20), december.toMs, (start) => (start < Date.UTC(2024, 10, 20, 1) ? failed('connect_refused') : undefined)) }, december);

    // 11 days = 15,840 minutes covered, the first hour down: 15,780 / 15,840.
    expect(r.targets[0]!.previous).toMatchObject({
      fromMs: Date.UTC(2024, 9, 31),
      covered: { fromMs: Date.UTC(2024, 10, 20), toMs: december.fromMs, minutes: 15_840 },
      availability: (100 * 15_780) / 15_840,
      verdict: 'missed',
      downtimeMinutes: 60,
    });
    expect(r.targets[0]!.availability).toBe(100);
  });
});

describe('incidents with their runbooks', () => {
  /** gw: two incidents, 05:00-05:10 refused in eu and us, 08:00-08:05 failing without a class (down.md). */
  function incidentsReport(runbookBaseUrl: string): SlaReport {
    const gw = makeTarget({ runbookBaseUrl });
    const records = history(gw, D0, D0 + DAY, (start, region) => {
      if (region === AP) return undefined;
      if (start >= at(5) && start < at(5, 10)) return failed('connect_refused');
      if (start >= at(8) && start < at(8, 5)) return { ok: false, connectMs: undefined, controlMs: undefined };
      return undefined;
    });
    return report([gw], { gw: records });
  }

  it('picks the runbook as the down alert does: the dominant class’s, down.md without one', () => {
    const r = incidentsReport('https://wiki.example/runbooks/');

    expect(r.targets[0]!.incidents.list.map((i) => [i.dominantFailureClass, i.runbookUrl])).toEqual([
      ['connect_refused', 'https://wiki.example/runbooks/connect_refused.md'],
      [undefined, 'https://wiki.example/runbooks/down.md'],
    ]);
    const json = JSON.parse(renderJson(r)) as JsonReport;
    expect(json.targets[0]!.incidentDetails.list.map((i) => i.runbookUrl)).toEqual(['https://wiki.example/runbooks/connect_refused.md', 'https://wiki.example/runbooks/down.md']);
    expect(csvField(renderCsv(r), 1, 'incident_runbooks')).toBe('https://wiki.example/runbooks/connect_refused.md;https://wiki.example/runbooks/down.md');
  });

  it('links an http(s) runbook in Markdown and HTML', () => {
    const r = incidentsReport('https://wiki.example/runbooks/');

    const md = renderMarkdown(r);
    expect(md).toContain('| `connect_refused` | [connect\\_refused.md](https://wiki.example/runbooks/connect_refused.md) | - |');
    expect(md).toContain('| - | [down.md](https://wiki.example/runbooks/down.md) | - |');
    const html = renderHtml(r);
    const links = [...html.matchAll(/<a class="runbook" data-runbook href="([^"]+)" rel="noopener noreferrer">([^<]+)<\/a>/g)].map((m) => [m[1], m[2]]);
    expect(links).toEqual([
      ['https://wiki.example/runbooks/connect_refused.md', 'connect_refused.md'],
      ['https://wiki.example/runbooks/down.md', 'down.md'],
    ]);
  });

  it('shows a repository path as text, never as a link, and never makes another scheme clickable', () => {
    // The default base: as an href it would resolve against wherever the file is opened.
    const path = incidentsReport('docs/runbooks/');
    const md = renderMarkdown(path);
    expect(md).toContain('| `connect_refused` | `docs/runbooks/connect_refused.md` | - |');
    expect(md).not.toContain('](docs/');
    const html = renderHtml(path);
    expect(html).toContain('<code data-runbook title="path in the pptp-monitor source tree">docs/runbooks/connect_refused.md</code>');
    expect(html).not.toMatch(/href="docs/);

    const script = incidentsReport('javascript:alert(1)//');
    expect(renderHtml(script)).not.toMatch(/href="javascript/i);
    expect(renderMarkdown(script)).not.toMatch(/\]\(javascript/i);
  });

  it('escapes what would break out of a Markdown link or an HTML attribute', () => {
    const r = incidentsReport('https://wiki.example/a(b)/"x"/');

    expect(renderMarkdown(r)).toContain('[connect\\_refused.md](https://wiki.example/a%28b%29/"x"/connect_refused.md)');
    expect(renderHtml(r)).toContain('href="https://wiki.example/a(b)/&quot;x&quot;/connect_refused.md"');
    // A URL with white space is no URL a browser would follow as written: text, not a link.
    expect(renderHtml(incidentsReport('https://wiki.example/a b/'))).not.toContain('href="https://wiki.example/a');
  });
});
