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
 *   counted 4320 - 60 = 4260 min, down 50 → 4210 / 4260 = 98.826%; budget 4.26 min;
 *   burn-down 1 → 1 - 30/4.26 (day 0) → same (day 1) → 1 - 50/4.26 = -10.7371 (day 2).
 * branch-gw (5-minute, eu+us, quorum 2): no records for the first 6 hours, then always ok.
 */
const hq = makeTarget({ name: 'hq-gw', maintenance: [maintenance], tags: { site: 'HQ & "main"' } });
const branch = makeTarget({ name: 'branch-gw', interval: '5m', intervalMinutes: 5, regions: [EU, US] as AwsRegion[] });
const config = makeConfig([hq, branch]);
const RANGE = { fromMs: D0, toMs: D0 + 3 * DAY };

function records(): Map<string, ProbeRecord[]> {
  const hqRecords = history(hq, RANGE.fromMs, RANGE.toMs, (t, region) => {
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
      { target: 'hq-gw', availability: '98.826', downtime: '50', budget: '-10.7371' },
      { target: 'branch-gw', availability: '100.000', downtime: '0', budget: '1' },
    ]);
    expect(rows[0]!.text).toContain('98.826%');
    // Tags are escaped text, shown as written.
    expect(await page.locator('section[data-target="hq-gw"] .tag').innerText()).toBe('site=HQ & "main"');
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
    expect(await page.getAttribute(chart, 'data-remaining')).toBe('-10.7371');
    const points = await seriesPoints(page, `${chart} g[data-series="budget-remaining"]`);
    // Start + one point per day.
    expect(points).toHaveLength(4);
    // Remaining 1, 1 − 30/4.26, the same, 1 − 50/4.26, on an axis from 1 down to −20 (160 px from y = 10).
    const y = (fraction: number): number => 10 + (160 * (1 - fraction)) / 21;
    expect(points.map((p) => p[1])).toEqual([y(1), y(1 - 30 / 4.26), y(1 - 30 / 4.26), y(1 - 50 / 4.26)].map((v) => Math.round(v * 100) / 100));
    expect(await page.locator(`${chart} line.ideal`).count()).toBe(1);

    const branchPoints = await seriesPoints(page, 'svg.burn-down[data-target="branch-gw"] g[data-series="budget-remaining"]');
    expect(new Set(branchPoints.map((p) => p[1]))).toEqual(new Set([10]));
  });
});
