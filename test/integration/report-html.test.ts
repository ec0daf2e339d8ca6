// The HTML SLA report as a manager sees it: rendered to a file, opened from file:// in headless Chromium,
// and checked through the DOM: the charts exist, have one cell or point per bucket, and carry the report's
// numbers (hand-computed below); nothing is fetched and nothing is logged as an error. Without
// /usr/bin/chromium the test is skipped with a message, except under CI=true, where it fails.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AwsRegion } from '../../shared/config/regions.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { buildReport, type SlaReport } from '../../shared/sla/report.js';
import { formatAvailability, heatColour, renderHtml } from '../../shared/report/index.js';
import { launchChromium, skipWithoutChromium } from '../support/chromium.js';
import { AP, D0, DAY, EU, HOUR, MIN, US, failed, history, makeConfig, makeTarget, once } from '../support/sla-fixtures.js';

const SKIP_BROWSER = skipWithoutChromium('report-html', 'the browser test');

/** The report covers three days from D0 (Wednesday 1 January 2025, 00:00 UTC). */
const at = (day: number, hh: number, mm = 0): number => D0 + day * DAY + hh * HOUR + mm * MIN;

const maintenance = once(at(0, 2), at(0, 3), false, 'firmware <update>');

/**
 * hq-gw (1-minute, 3 regions, quorum 2), over 3 days = 72 hourly buckets:
 *   day 0 02:00-03:00 maintenance (excluded); 05:00-06:00 ap fails alone; 10:00-10:30 eu+us refuse;
 *   day 2 08:00-08:20 eu+us refuse. Control time 40 ms + the hour of the day, connect 20 ms.
 *   counted 4320 - 60 = 4260 min, down 50 → 4210 / 4260 = 98.826%; budget: the 30-day allowance, 43.2 min
 *   (the range's share is 4.26 min); burn-down 1 → 1 - 30/43.2 (day 0) → same (day 1) → 1 - 50/43.2 = -0.1574 (day 2).
 *   The 3 days before (the previous period) are all up: 100%, met; this period's 98.826% is missed.
 * branch-gw (5-minute, eu+us, quorum 2): no records for the first 6 hours, then always ok (met); no previous period.
 */
const hq = makeTarget({ name: 'hq-gw', maintenance: [maintenance], tags: { site: 'HQ & "main"' } });
const branch = makeTarget({ name: 'branch-gw', interval: '5m', intervalMinutes: 5, regions: [EU, US] as AwsRegion[] });
const config = makeConfig([hq, branch]);
const RANGE = { fromMs: D0, toMs: D0 + 3 * DAY };

function records(): Map<string, ProbeRecord[]> {
  // From three days before the range: the previous period (issue 14), all up.
  const hqRecords = history(hq, RANGE.fromMs - 3 * DAY, RANGE.toMs, (t, region) => {
    const apAlone = region === AP && t >= at(0, 5) && t < at(0, 6);
    const outage = region !== AP && ((t >= at(0, 10) && t < at(0, 10, 30)) || (t >= at(2, 8) && t < at(2, 8, 20)));
    if (apAlone || outage) return failed(apAlone ? 'connect_timeout' : 'connect_refused');
    return { controlMs: 40 + new Date(t).getUTCHours() };
  });
  const branchRecords = history(branch, at(0, 6), RANGE.toMs, () => undefined, { ok: { connectMs: 30, controlMs: 60 } });
  return new Map([
    ['hq-gw', hqRecords],
    ['branch-gw', branchRecords],
  ]);
}

/** Points of every polyline in a series group, as [x, y] pairs in drawing order. */
async function seriesPoints(page: Page, selector: string): Promise<number[][]> {
  return page.$$eval(`${selector} polyline`, (lines) =>
    lines.flatMap((line) =>
      (line.getAttribute('points') ?? '')
        .trim()
        .split(/\s+/)
        .map((pair: string) => pair.split(',').map(Number)),
    ),
  );
}

describe.skipIf(SKIP_BROWSER)('HTML report in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let dir: string;
  let report: SlaReport;
  const consoleErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    report = buildReport(config, records(), RANGE);
    dir = await mkdtemp(join(tmpdir(), 'report-html-'));
    const file = join(dir, 'report.html');
    await writeFile(file, renderHtml(report));
    page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(error.message));
    page.on('request', (request) => requests.push(request.url()));
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it('loads with no console errors and no request beyond the file itself', () => {
    expect(consoleErrors).toEqual([]);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatch(/^file:\/\/.*report\.html$/);
  });

  it('shows the summary with the hand-computed availability', async () => {
    const rows = await page.$$eval('#summary-table tbody tr', (trs) =>
      trs.map((tr) => ({
        target: tr.getAttribute('data-target'),
        availability: tr.getAttribute('data-availability'),
        downtime: tr.getAttribute('data-downtime-minutes'),
        budget: tr.getAttribute('data-error-budget-remaining'),
        // The project compiles without the DOM lib: innerText typed here.
        text: (tr as unknown as { innerText: string }).innerText,
      })),
    );

    expect(rows.map(({ text: _text, ...rest }) => rest)).toEqual([
      // Issue 9: against the 30-day allowance (before 1 - 50/4.26 = -10.7371).
      { target: 'hq-gw', availability: '98.826', downtime: '50', budget: '-0.1574' },
      { target: 'branch-gw', availability: '100.000', downtime: '0', budget: '1' },
    ]);
    expect(rows[0]!.text).toContain('98.826%');
    // Tags are escaped text, shown as written.
    expect(await page.locator('section[data-target="hq-gw"] .tag').innerText()).toBe('site=HQ & "main"');
  });

  it('shows the verdict, the previous period beside it, and links the incidents to their runbooks (issue 14)', async () => {
    const rows = await page.$$eval('#summary-table tbody tr', (trs) =>
      trs.map((tr) => ({
        target: tr.getAttribute('data-target'),
        verdict: tr.getAttribute('data-verdict'),
        previous: tr.getAttribute('data-previous-availability'),
        previousVerdict: tr.getAttribute('data-previous-verdict'),
        cells: [...tr.querySelectorAll('td')].slice(3, 5).map((td) => (td as unknown as { innerText: string }).innerText),
      })),
    );
    expect(rows).toEqual([
      { target: 'hq-gw', verdict: 'missed', previous: '100.000', previousVerdict: 'met', cells: ['missed', '100.000 (met)'] },
      { target: 'branch-gw', verdict: 'met', previous: '', previousVerdict: 'no data', cells: ['met', 'no data'] },
    ]);
    expect(await page.locator('p.note.previous').innerText()).toBe('Previous period: 2024-12-29 00:00 UTC – 2025-01-01 00:00 UTC, the same length just before this one.');
    expect(await page.locator('section[data-target="hq-gw"] h2 .verdict').innerText()).toBe('missed');

    // Two incidents (day 0 10:00, day 2 08:00), both refused: the connect_refused runbook, a link a reader can follow.
    const links = page.locator('section[data-target="hq-gw"] table.incidents a[data-runbook]');
    expect(await links.count()).toBe(2);
    expect(await links.evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.textContent]))).toEqual([
      ['https://runbooks.example/connect_refused.md', 'connect_refused.md'],
      ['https://runbooks.example/connect_refused.md', 'connect_refused.md'],
    ]);
    expect(await links.first().isVisible()).toBe(true);
  });

  it('draws a heat strip of one cell per hour for the quorum row and each region', async () => {
    const strip = page.locator('svg.heat-strip[data-target="hq-gw"]');
    const box = await strip.boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    expect(box!.height).toBeGreaterThan(50);
    expect(await strip.locator('rect.cell').count()).toBe(4 * 72);
    expect(await page.locator('svg.heat-strip[data-target="branch-gw"] rect.cell').count()).toBe(3 * 72);

    const row = async (selector: string): Promise<Array<{ start: string | null; availability: string | null; fill: string | null; title: string }>> =>
      strip.locator(selector).evaluateAll((rects) =>
        rects.map((rect) => ({
          start: rect.getAttribute('data-start'),
          availability: rect.getAttribute('data-availability'),
          fill: rect.getAttribute('fill'),
          title: rect.querySelector('title')?.textContent ?? '',
        })),
      );
    const quorum = await row('g[data-row="quorum"] rect.cell');
    const ap = await row(`g[data-region="${AP}"] rect.cell`);
    const eu = await row(`g[data-region="${EU}"] rect.cell`);

    // Every cell carries the report's number for its bucket.
    const expected = report.targets[0]!.series.buckets.map((b) => formatAvailability(b.quorum.availability, ''));
    expect(quorum.map((c) => c.availability)).toEqual(expected);
    // Hour 2 is maintenance, hour 5 ap alone (quorum still 100%), hour 10 half down, day 2 08:00 20 of 60 down.
    expect(quorum[2]).toMatchObject({ start: '2025-01-01T02:00:00.000Z', availability: '', fill: heatColour(undefined, 99.9, true) });
    expect(quorum[5]!.availability).toBe('100.000');
    expect(ap[5]).toMatchObject({ availability: '0.000', fill: heatColour(0, 99.9, false) });
    expect(ap[5]!.title).toContain('ap-southeast-1 2025-01-01 05:00 UTC – 2025-01-01 06:00 UTC: 0.000%');
    expect(quorum[10]).toMatchObject({ availability: '50.000', fill: heatColour(50, 99.9, false) });
    expect(eu[10]!.availability).toBe('50.000');
    expect(quorum[56]!.availability).toBe(formatAvailability((100 * 40) / 60));
    expect(quorum[11]).toMatchObject({ availability: '100.000', fill: heatColour(100, 99.9, false) });

    // branch-gw: the first six hours have no data.
    const branchQuorum = await page.locator('svg.heat-strip[data-target="branch-gw"] g[data-row="quorum"] rect.cell').evaluateAll((rects) => rects.map((r) => r.getAttribute('data-availability')));
    expect(branchQuorum.slice(0, 7)).toEqual(['', '', '', '', '', '', '100.000']);
  });

  it('draws p95 latency lines with a point per bucket that has samples, at the right height', async () => {
    const chart = 'svg.latency-chart[data-target="hq-gw"]';
    // 72 buckets, less the maintenance hour (no samples there).
    expect(await page.getAttribute(`${chart} g[data-series="control-p95"]`, 'data-points')).toBe('71');
    expect(await page.getAttribute(`${chart} g[data-series="connect-p95"]`, 'data-points')).toBe('71');
    const control = await seriesPoints(page, `${chart} g[data-series="control-p95"]`);
    expect(control).toHaveLength(71);
    // The gap splits the line in two at hour 2.
    expect(await page.locator(`${chart} g[data-series="control-p95"] polyline`).count()).toBe(2);
    // Control time is 40 ms + the hour; the axis tops at 100 ms over a 160 px plot starting at y = 10:
    // hour h sits at y = 10 + 160 · (1 − (40 + h) / 100).
    expect(await page.getAttribute(chart, 'data-max-ms')).toBe('100');
    expect(control[0]![1]).toBeCloseTo(10 + 160 * 0.6, 1);
    expect(control[2]![1]).toBeCloseTo(10 + 160 * (1 - 43 / 100), 1);
    expect(control[22]![1]).toBeCloseTo(10 + 160 * (1 - 63 / 100), 1);
    const xs = control.map((p) => p[0]!);
    expect([...xs].sort((a, b) => a - b)).toEqual(xs);

    // branch-gw: 66 points (6 empty hours), one unbroken line.
    const branchConnect = await seriesPoints(page, 'svg.latency-chart[data-target="branch-gw"] g[data-series="connect-p95"]');
    expect(branchConnect).toHaveLength(66);
  });

  it('draws the error-budget burn-down going below zero when overspent', async () => {
    const chart = 'svg.burn-down[data-target="hq-gw"]';
    // Issue 9: against the 30-day allowance of 43.2 min (before: the range's 4.26 min, -10.7371).
    expect(await page.getAttribute(chart, 'data-remaining')).toBe('-0.1574');
    const points = await seriesPoints(page, `${chart} g[data-series="budget-remaining"]`);
    // Start + one point per day.
    expect(points).toHaveLength(4);
    // Remaining 1, 1 − 30/43.2, the same, 1 − 50/43.2, on an axis from 1 down to −20% (160 px from y = 10).
    const y = (fraction: number): number => 10 + (160 * (1 - fraction)) / 1.2;
    expect(points.map((p) => p[1])).toEqual([y(1), y(1 - 30 / 43.2), y(1 - 30 / 43.2), y(1 - 50 / 43.2)].map((v) => Math.round(v * 100) / 100));
    expect(await page.locator(`${chart} line.ideal`).count()).toBe(1);

    const branchPoints = await seriesPoints(page, 'svg.burn-down[data-target="branch-gw"] g[data-series="budget-remaining"]');
    expect(new Set(branchPoints.map((p) => p[1]))).toEqual(new Set([10]));
  });
});

/**
 * A three-hour report, 17:00-20:00 of day 0, asked for at 19:30 (issue 9):
 *   17:00-18:00 ok; 18:00-18:18 every region refuses; 18:18-19:00 no record at all (42 minutes of no data);
 *   19:00-19:30 ok; nothing after 19:30 has happened yet.
 */
const SHORT_RANGE = { fromMs: at(0, 17), toMs: at(0, 20) };
const SHORT_NOW = at(0, 19, 30);
const edge = makeTarget({ name: 'edge-gw' });

function shortRecords(): Map<string, ProbeRecord[]> {
  return new Map([
    [
      'edge-gw',
      history(edge, SHORT_RANGE.fromMs, SHORT_NOW, (t) => {
        if (t >= at(0, 18) && t < at(0, 18, 18)) return failed('connect_refused');
        if (t >= at(0, 18, 18) && t < at(0, 19)) return 'missing';
        return undefined;
      }),
    ],
  ]);
}

/** Text elements of every SVG on the page whose box is not inside their SVG's box (0.5 px tolerance). */
async function textsOutsideTheirSvg(page: Page): Promise<string[]> {
  return page.$$eval('svg', (svgs) =>
    svgs.flatMap((svg) => {
      const box = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('text')]
        .filter((text) => {
          const r = text.getBoundingClientRect();
          return r.left < box.left - 0.5 || r.right > box.right + 0.5 || r.top < box.top - 0.5 || r.bottom > box.bottom + 0.5;
        })
        .map((text) => `${svg.getAttribute('class')} ${svg.getAttribute('data-target')}: '${text.textContent}'`);
    }),
  );
}

describe.skipIf(SKIP_BROWSER)('HTML report of a short range in Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    browser = await launchChromium();
    dir = await mkdtemp(join(tmpdir(), 'report-html-short-'));
  });

  afterAll(async () => {
    await browser?.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  async function open(report: SlaReport, name: string): Promise<Page> {
    const file = join(dir, name);
    await writeFile(file, renderHtml(report));
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return page;
  }

  it('keeps every label inside its chart, at both ends of the time axis', async () => {
    // Before: the last time label of every chart ("01-01 20:00", centred on the right edge) was cut to "01-01 20:".
    const short = await open(buildReport(makeConfig([edge]), shortRecords(), SHORT_RANGE, { nowMs: SHORT_NOW }), 'short.html');
    const long = await open(buildReport(config, records(), RANGE), 'long.html');

    expect(await short.locator('svg text').count()).toBeGreaterThan(10);
    expect(await textsOutsideTheirSvg(short)).toEqual([]);
    expect(await textsOutsideTheirSvg(long)).toEqual([]);
  });

  it('does not paint an hour down when 42 of its 60 minutes had no data', async () => {
    const report = buildReport(makeConfig([edge]), shortRecords(), SHORT_RANGE, { nowMs: SHORT_NOW });
    const page = await open(report, 'no-data.html');
    const cells = await page.locator('svg.heat-strip[data-target="edge-gw"] g[data-row="quorum"] rect.cell').evaluateAll((rects) =>
      rects.map((rect) => ({ fill: rect.getAttribute('fill'), state: rect.getAttribute('data-state'), title: rect.querySelector('title')?.textContent ?? '' })),
    );

    // Hour 18: 18 counted minutes, all down, and 42 without a verdict. Before: painted red (0% < 90%).
    expect(report.targets[0]!.series.buckets[1]!.quorum).toMatchObject({ up: 0, down: 18, unknown: 42 });
    expect(cells[1]!.fill).not.toBe(heatColour(0, 99.9, false));
    expect(cells[1]!.fill).toBe(heatColour(undefined, 99.9, false));
    expect(cells[1]!.state).toBe('no-data');
    expect(cells[1]!.title).toContain('0 up, 18 down, 42 no data');
    // Hour 19: 30 up minutes, and 30 that have not happened yet: coloured by its counted minutes, with the
    // no-data half drawn as its own grey share.
    expect(cells[2]).toMatchObject({ fill: heatColour(100, 99.9, false), state: 'counted' });
    expect(cells[2]!.title).toContain('30 up, 0 down, 30 no data (30 not covered)');
    const share = await page.locator('svg.heat-strip[data-target="edge-gw"] g[data-row="quorum"] rect.no-data-share').evaluateAll((rects) =>
      rects.map((rect) => ({ height: Number(rect.getAttribute('height')), fill: rect.getAttribute('fill') })),
    );
    expect(share).toEqual([{ height: 9, fill: heatColour(undefined, 99.9, false) }]);
    // The same rule holds for a region's row.
    const ap = await page.locator(`svg.heat-strip[data-target="edge-gw"] g[data-region="${AP}"] rect.cell`).evaluateAll((rects) => rects.map((rect) => rect.getAttribute('fill')));
    expect(ap[1]).toBe(heatColour(undefined, 99.9, false));
  });
});
