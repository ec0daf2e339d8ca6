// `--format html`: one self-contained page a manager can open from a mail attachment or a file share.
// Inline CSS and inline SVG only: no script, no font, no image, no URL of any kind, so it renders the same
// offline, in a mail client's sandbox and when printed. Every text from the config (target names, owner,
// tags) goes through escapeHtml.
//
// Per target: facts, a heat strip (one row for the quorum verdicts, one per region; one cell per bucket,
// a <title> tooltip each with the counts), a line chart of the p95 connect and control time per bucket,
// and the error-budget burn-down with the even-burn line for comparison.
//
// A heat-strip cell's colour reflects only its counted intervals (availability against the SLO). Its
// no-data intervals (unknown, or outside the covered span: before the first record, not yet passed; for a
// region row, intervals it did not report) are never painted up or down: when they are most of the cell
// the whole cell is grey ('no-data'), otherwise a grey band at the cell's bottom, as tall as their share,
// shows them ('no-data-share'). An hour with 18 down minutes and 42 without data is grey, not red.
// Every text stays inside its SVG: time labels near an edge are anchored to it rather than centred on it.
//
// Stable hooks for tests and for anyone scraping the page: `data-target` on each section, summary row and
// chart; `data-row` ('quorum' | 'region') and `data-region` on heat-strip rows; `data-start`,
// `data-availability` (formatted as in the tables, '' when there is nothing to show) and `data-state`
// ('counted' | 'no-data' | 'maintenance') on each cell; `data-series` and `data-points` on chart series.
import type { SlaReport, TargetReport } from '../sla/report.js';
import { burnDownStepMs, type BurnDownPoint, type ReportBucket } from '../sla/report-series.js';
import {
  AVAILABILITY_NOTE,
  coverageNote,
  formatAvailability,
  formatAvailabilityPercent,
  formatBucket,
  formatBudgetLeft,
  formatBudgetPercent,
  formatBudgetUse,
  formatCovered,
  formatDuration,
  formatInstant,
  formatPercentiles,
  formatTargetAvailability,
  isoInstant,
  partlyCovered,
  roundBudget,
  roundLatency,
} from './format.js';

/** Width of every chart, in CSS px (the page is laid out for 1000 px and scales down). */
export const CHART_WIDTH_PX = 960;
/** Left column of a chart holding row labels or the y axis, in px. */
const LABEL_WIDTH_PX = 120;
/** Height of one heat-strip row, in px. */
const HEAT_ROW_PX = 18;
/** Gap between heat-strip rows, in px. */
const HEAT_GAP_PX = 3;
/** Height of the plot area of a line chart, in px. */
const LINE_PLOT_PX = 160;
/** Space above the plot and below it (for the time axis labels), in px. */
const PLOT_TOP_PX = 10;
const PLOT_BOTTOM_PX = 24;
/** Right margin so the last time label is not cut, in px. */
const PLOT_RIGHT_PX = 20;
/** About how many time labels an axis gets. */
const TIME_TICKS = 6;
/**
 * Width of one character of an 11 px axis label, in px, on the generous side (digits of system-ui are
 * about 6.2 px): used to keep labels near the edges inside the chart without measuring text.
 */
const LABEL_CHAR_PX = 7;

/** Heat-strip colours. Availability at or above the SLO is green whatever the SLO is. */
const COLOURS = {
  meetsSlo: '#2da44e',
  above99: '#d4a72c',
  above90: '#e16f24',
  below90: '#cf222e',
  maintenance: '#8cb4e0',
  noData: '#d0d7de',
  connect: '#0969da',
  control: '#8250df',
  budget: '#cf222e',
  ideal: '#8c959f',
  grid: '#d8dee4',
} as const;

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for HTML content and for a double- or single-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** SVG coordinates with two decimals: enough for a pixel, short enough for 800 cells × 4 rows. */
const px = (value: number): string => String(Math.round(value * 100) / 100);

export function heatColour(availability: number | undefined, slo: number, onlyMaintenance: boolean): string {
  if (availability === undefined) return onlyMaintenance ? COLOURS.maintenance : COLOURS.noData;
  if (availability >= slo) return COLOURS.meetsSlo;
  if (availability >= 99) return COLOURS.above99;
  if (availability >= 90) return COLOURS.above90;
  return COLOURS.below90;
}

interface TimeAxis {
  fromMs: number;
  toMs: number;
  x(ms: number): number;
}

function timeAxis(report: SlaReport): TimeAxis {
  const plotWidth = CHART_WIDTH_PX - LABEL_WIDTH_PX - PLOT_RIGHT_PX;
  const span = report.toMs - report.fromMs;
  return { fromMs: report.fromMs, toMs: report.toMs, x: (ms) => LABEL_WIDTH_PX + ((ms - report.fromMs) / span) * plotWidth };
}

/** Time labels along the bottom of a plot whose bottom edge is at `y`: days for ranges over two days, hours otherwise. */
function timeLabels(axis: TimeAxis, y: number): string {
  const span = axis.toMs - axis.fromMs;
  const unitMs = span > 2 * 86_400_000 ? 86_400_000 : 3_600_000;
  const step = Math.max(1, Math.ceil(span / unitMs / TIME_TICKS)) * unitMs;
  const parts: string[] = [];
  for (let t = axis.fromMs; t <= axis.toMs; t += step) {
    const iso = isoInstant(t);
    const label = unitMs === 86_400_000 ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    const x = axis.x(t);
    // Centred on its tick, unless that would cut it at an edge of the chart: then it ends (or starts) at the tick.
    const half = (label.length * LABEL_CHAR_PX) / 2;
    const anchor = x + half > CHART_WIDTH_PX ? 'end' : x - half < 0 ? 'start' : 'middle';
    parts.push(`<line class="tick" x1="${px(x)}" x2="${px(x)}" y1="${px(y)}" y2="${px(y + 4)}" stroke="${COLOURS.ideal}"/>`);
    parts.push(`<text class="axis-label" x="${px(x)}" y="${px(y + 16)}" text-anchor="${anchor}">${escapeHtml(label)}</text>`);
  }
  return parts.join('');
}

/** One heat-strip cell's intervals: counted ones (with their availability), no-data ones, excluded ones. */
interface CellCounts {
  availability: number | undefined;
  counted: number;
  noData: number;
  excluded: number;
  detail: string;
}

/** How a cell is painted: by its counted intervals, grey when most of it has no data, blue when all of it is maintenance. */
function cellState(c: CellCounts): 'counted' | 'no-data' | 'maintenance' {
  if (c.counted === 0) return c.noData === 0 && c.excluded > 0 ? 'maintenance' : 'no-data';
  return 2 * c.noData > c.counted + c.noData + c.excluded ? 'no-data' : 'counted';
}

function heatStrip(report: SlaReport, t: TargetReport, axis: TimeAxis): string {
  const buckets = t.series.buckets;
  const noDataNote = (noData: number, b: ReportBucket): string => `${noData} no data${b.notCovered > 0 ? ` (${b.notCovered} not covered)` : ''}`;
  const rows: Array<{ attrs: string; label: string; cell: (b: ReportBucket) => CellCounts }> = [
    {
      attrs: 'data-row="quorum"',
      label: `quorum (${t.quorum} of ${t.regions.length})`,
      cell: (b) => {
        const q = b.quorum;
        const noData = q.unknown + b.notCovered;
        return {
          availability: q.availability,
          counted: q.up + q.down,
          noData,
          excluded: q.excluded,
          detail: `${q.up} up, ${q.down} down, ${noDataNote(noData, b)}, ${q.excluded} in maintenance (intervals)`,
        };
      },
    },
    ...t.regions.map((region, r) => ({
      attrs: `data-row="region" data-region="${escapeHtml(region)}"`,
      label: region,
      cell: (b: ReportBucket): CellCounts => {
        const cell = b.regions[r]!;
        // Intervals of the bucket outside excluded maintenance that the region did not report.
        const noData = b.quorum.up + b.quorum.down + b.quorum.unknown + b.notCovered - cell.ok - cell.failed;
        return {
          availability: cell.availability,
          counted: cell.ok + cell.failed,
          noData,
          excluded: b.quorum.excluded,
          detail: `${cell.ok} of ${cell.ok + cell.failed} probe intervals ok, ${noDataNote(noData, b)}, no quorum`,
        };
      },
    })),
  ];
  const height = rows.length * (HEAT_ROW_PX + HEAT_GAP_PX) + PLOT_BOTTOM_PX;
  const body = rows
    .map((row, index) => {
      const y = index * (HEAT_ROW_PX + HEAT_GAP_PX);
      const cells = buckets
        .map((b) => {
          const counts = row.cell(b);
          const state = cellState(counts);
          const shown = formatAvailability(counts.availability, '');
          const what =
            state === 'maintenance'
              ? 'maintenance (excluded)'
              : counts.availability === undefined
                ? 'no data'
                : state === 'no-data'
                  ? `mostly no data (${shown}% of the ${counts.counted} counted)`
                  : `${shown}%`;
          const tooltip = `${row.label} ${formatInstant(b.startMs)} – ${formatInstant(b.endMs)}: ${what}; ${counts.detail}`;
          const fill = state === 'counted' ? heatColour(counts.availability, t.slo, false) : heatColour(undefined, t.slo, state === 'maintenance');
          const x = axis.x(b.startMs);
          const width = axis.x(b.endMs) - x;
          const total = counts.counted + counts.noData + counts.excluded;
          // The no-data share of a cell painted by its counted intervals, as a band at the bottom.
          const shareHeight = state === 'counted' && counts.noData > 0 ? Math.max(1, Math.round((HEAT_ROW_PX * counts.noData) / total)) : 0;
          const share =
            shareHeight > 0
              ? `<rect class="no-data-share" x="${px(x)}" y="${y + HEAT_ROW_PX - shareHeight}" width="${px(width)}" height="${shareHeight}" fill="${COLOURS.noData}"><title>${escapeHtml(tooltip)}</title></rect>`
              : '';
          return (
            `<rect class="cell" x="${px(x)}" y="${y}" width="${px(width)}" height="${HEAT_ROW_PX}" ` +
            `fill="${fill}" data-start="${isoInstant(b.startMs)}" data-availability="${shown}" data-state="${state}">` +
            `<title>${escapeHtml(tooltip)}</title></rect>${share}`
          );
        })
        .join('');
      return `<g class="row" ${row.attrs}><text class="row-label" x="0" y="${y + HEAT_ROW_PX - 5}">${escapeHtml(row.label)}</text>${cells}</g>`;
    })
    .join('');
  const label = `Availability of ${t.target} per ${formatBucket(report.bucketMs)} bucket, quorum and per region`;
  return (
    `<svg class="heat-strip" data-target="${escapeHtml(t.target)}" data-buckets="${buckets.length}" data-rows="${rows.length}" ` +
    `width="${CHART_WIDTH_PX}" height="${height}" viewBox="0 0 ${CHART_WIDTH_PX} ${height}" shape-rendering="crispEdges" role="img" aria-label="${escapeHtml(label)}">` +
    `<title>${escapeHtml(label)}</title>${body}${timeLabels(axis, rows.length * (HEAT_ROW_PX + HEAT_GAP_PX) - HEAT_GAP_PX)}</svg>`
  );
}

function heatLegend(slo: number): string {
  const items: Array<[string, string]> = [
    [COLOURS.meetsSlo, `≥ SLO (${slo}%)`],
    [COLOURS.above99, '≥ 99%'],
    [COLOURS.above90, '≥ 90%'],
    [COLOURS.below90, '< 90%'],
    [COLOURS.maintenance, 'maintenance (excluded)'],
    [COLOURS.noData, 'no data (a whole cell when it is most of the bucket, else a band as tall as its share)'],
  ];
  return `<p class="legend">${items.map(([colour, text]) => `<span class="swatch" style="background:${colour}"></span>${escapeHtml(text)}`).join(' ')}</p>`;
}

/** The smallest 1, 2 or 5 × 10^k at or above `value` (a chart's top). */
function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

/** Polylines of the defined points, broken where a value is missing (a gap is no data, not zero). */
function seriesGroup(name: string, colour: string, points: ReadonlyArray<{ x: number; y: number } | undefined>, extraAttrs = ''): string {
  const segments: string[][] = [];
  let current: string[] | undefined;
  let count = 0;
  for (const point of points) {
    if (point === undefined) {
      current = undefined;
      continue;
    }
    if (current === undefined) segments.push((current = []));
    current.push(`${px(point.x)},${px(point.y)}`);
    count++;
  }
  const shapes = segments
    .map((segment) =>
      segment.length === 1
        ? // A lone point draws nothing as a polyline: mark it.
          `<polyline points="${segment[0]}" fill="none" stroke="${colour}" stroke-width="2"/><circle cx="${segment[0]!.split(',')[0]}" cy="${segment[0]!.split(',')[1]}" r="2" fill="${colour}"/>`
        : `<polyline points="${segment.join(' ')}" fill="none" stroke="${colour}" stroke-width="1.5" stroke-linejoin="round"/>`,
    )
    .join('');
  return `<g class="series" data-series="${name}" data-points="${count}"${extraAttrs}>${shapes}</g>`;
}

function yGrid(ticks: readonly number[], y: (v: number) => number, label: (v: number) => string): string {
  const right = CHART_WIDTH_PX - PLOT_RIGHT_PX;
  return ticks
    .map(
      (v) =>
        `<line class="grid" x1="${LABEL_WIDTH_PX}" x2="${right}" y1="${px(y(v))}" y2="${px(y(v))}" stroke="${COLOURS.grid}"/>` +
        `<text class="axis-label" x="${LABEL_WIDTH_PX - 6}" y="${px(y(v) + 4)}" text-anchor="end">${escapeHtml(label(v))}</text>`,
    )
    .join('');
}

function latencyChart(t: TargetReport, axis: TimeAxis): string {
  const buckets = t.series.buckets;
  const values = buckets.flatMap((b) => [b.connectP95Ms, b.controlP95Ms]).filter((v): v is number => v !== undefined);
  const top = niceCeil(Math.max(0, ...values));
  const height = PLOT_TOP_PX + LINE_PLOT_PX + PLOT_BOTTOM_PX;
  const y = (ms: number): number => PLOT_TOP_PX + LINE_PLOT_PX * (1 - ms / top);
  const pointsOf = (pick: (b: ReportBucket) => number | undefined): Array<{ x: number; y: number } | undefined> =>
    buckets.map((b) => {
      const v = pick(b);
      return v === undefined ? undefined : { x: axis.x((b.startMs + b.endMs) / 2), y: y(v) };
    });
  const label = `p95 connect and control time of ${t.target} per bucket, ms`;
  const empty = values.length === 0 ? `<text class="empty" x="${CHART_WIDTH_PX / 2}" y="${PLOT_TOP_PX + LINE_PLOT_PX / 2}" text-anchor="middle">no latency samples</text>` : '';
  return (
    `<svg class="latency-chart" data-target="${escapeHtml(t.target)}" data-max-ms="${top}" width="${CHART_WIDTH_PX}" height="${height}" ` +
    `viewBox="0 0 ${CHART_WIDTH_PX} ${height}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>` +
    yGrid([0, top / 4, top / 2, (3 * top) / 4, top], y, (v) => `${roundLatency(v)} ms`) +
    seriesGroup('connect-p95', COLOURS.connect, pointsOf((b) => b.connectP95Ms)) +
    seriesGroup('control-p95', COLOURS.control, pointsOf((b) => b.controlP95Ms)) +
    empty +
    timeLabels(axis, PLOT_TOP_PX + LINE_PLOT_PX) +
    '</svg>' +
    `<p class="legend"><span class="swatch" style="background:${COLOURS.connect}"></span>p95 TCP connect <span class="swatch" style="background:${COLOURS.control}"></span>p95 control connection (SCCRQ → SCCRP)</p>`
  );
}

/** Smallest gap between two y-axis labels, in px (one line of 11 px text). */
const MIN_LABEL_GAP_PX = 14;

/**
 * Labels of an overspent burn-down: 0 and the bottom, round steps between, and 100% only when it does not
 * collide with 0% (at -5000% they are 3 px apart and the 100% line is the chart's top edge anyway).
 */
function burnDownTicks(bottom: number, y: (fraction: number) => number): number[] {
  const step = niceCeil(-bottom / 4);
  const ticks: number[] = [];
  for (let v = 0; v >= bottom - 1e-9; v -= step) ticks.push(v);
  if (y(0) - y(1) >= MIN_LABEL_GAP_PX) ticks.unshift(1);
  return ticks;
}

function burnDownChart(report: SlaReport, t: TargetReport, axis: TimeAxis): string {
  const points: readonly BurnDownPoint[] = t.series.burnDown;
  const lowest = Math.min(0, ...points.map((p) => p.remaining));
  // Overspent budgets go below zero: extend the axis to a round negative number so the line stays visible.
  const bottom = lowest < 0 ? -niceCeil(-lowest) : 0;
  const height = PLOT_TOP_PX + LINE_PLOT_PX + PLOT_BOTTOM_PX;
  const y = (fraction: number): number => PLOT_TOP_PX + LINE_PLOT_PX * ((1 - fraction) / (1 - bottom));
  const remaining = t.errorBudget.remaining;
  const stepMs = burnDownStepMs(report.toMs - report.fromMs, report.bucketMs);
  const label = `Error budget remaining of ${t.target}, per ${stepMs === 86_400_000 ? 'day' : formatBucket(stepMs)}`;
  const ticks = bottom < 0 ? burnDownTicks(bottom, y) : [1, 0.5, 0];
  // Spending the range's share evenly: down to 0 when the budget is the range's own, else to 1 − share / allowance.
  const evenEnd = 1 - t.errorBudget.rangeShareMinutes / t.errorBudget.budgetMinutes;
  return (
    `<svg class="burn-down" data-target="${escapeHtml(t.target)}" data-remaining="${remaining === undefined ? '' : roundBudget(remaining)}" width="${CHART_WIDTH_PX}" height="${height}" ` +
    `viewBox="0 0 ${CHART_WIDTH_PX} ${height}" role="img" aria-label="${escapeHtml(label)}"><title>${escapeHtml(label)}</title>` +
    yGrid(ticks, y, (v) => `${Math.round(v * 100)}%`) +
    `<line class="ideal" x1="${px(axis.x(axis.fromMs))}" y1="${px(y(1))}" x2="${px(axis.x(axis.toMs))}" y2="${px(y(evenEnd))}" stroke="${COLOURS.ideal}" stroke-dasharray="4 4"/>` +
    seriesGroup(
      'budget-remaining',
      COLOURS.budget,
      points.map((p) => ({ x: axis.x(p.atMs), y: y(p.remaining) })),
    ) +
    timeLabels(axis, PLOT_TOP_PX + LINE_PLOT_PX) +
    '</svg>' +
    `<p class="legend"><span class="swatch" style="background:${COLOURS.budget}"></span>budget remaining (${escapeHtml(remaining === undefined ? formatBudgetUse(t) : `${formatBudgetPercent(remaining)} at the end of the covered span`)}) ` +
    `<span class="swatch" style="background:${COLOURS.ideal}"></span>this range's share spent evenly</p>`
  );
}

function summaryTable(report: SlaReport): string {
  const note = coverageNote(report);
  const rows = report.targets
    .map((t) => {
      const meets = t.availability === undefined ? '' : t.availability >= t.slo ? 'meets' : 'misses';
      const remaining = t.errorBudget.remaining;
      return (
        `<tr data-target="${escapeHtml(t.target)}" data-availability="${formatAvailability(t.availability, '')}" data-slo="${t.slo}" ` +
        `data-downtime-minutes="${t.downtimeMinutes}" data-incidents="${t.incidents.count}" data-error-budget-remaining="${remaining === undefined ? '' : roundBudget(remaining)}" ` +
        `data-covered-minutes="${t.covered?.minutes ?? 0}">` +
        `<td><a href="#target-${report.targets.indexOf(t)}">${escapeHtml(t.target)}</a></td>` +
        `<td class="num">${t.slo}%</td>` +
        `<td class="num ${meets}">${t.covered === undefined ? formatTargetAvailability(t) : formatAvailabilityPercent(t.availability)}</td>` +
        `<td class="num">${formatDuration(t.downtimeMinutes)}</td>` +
        `<td class="num">${t.incidents.count}</td>` +
        `<td class="num">${formatDuration(t.incidents.mttrMinutes, '-')}</td>` +
        `<td class="num ${remaining !== undefined && remaining < 0 ? 'misses' : ''}">${formatBudgetLeft(t)}</td>` +
        `<td class="num">${formatDuration(t.maintenanceMinutesExcluded)}</td>` +
        `<td class="num">${formatDuration(t.unknownMinutes)}</td>` +
        `<td class="num">${formatPercentiles(t.latency.controlMs)}</td>` +
        '</tr>'
      );
    })
    .join('');
  return (
    '<table class="summary" id="summary-table"><thead><tr><th>Target</th><th>SLO</th><th>Availability</th><th>Downtime</th><th>Incidents</th>' +
    '<th>MTTR</th><th>Budget left</th><th>Maintenance excluded</th><th>Unknown</th><th>Control p50 / p95 / p99 ms</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>` +
    (note === undefined ? '' : `<p class="note coverage">${escapeHtml(note)}</p>`)
  );
}

function targetSection(report: SlaReport, t: TargetReport, index: number, axis: TimeAxis): string {
  const tags = Object.entries(t.tags)
    .map(([k, v]) => `<span class="tag">${escapeHtml(k)}=${escapeHtml(v)}</span>`)
    .join(' ');
  const facts = [
    `SLO ${t.slo}%`,
    `${t.regions.length} region${t.regions.length === 1 ? '' : 's'}, quorum ${t.quorum}`,
    `${t.intervalMinutes}-minute intervals`,
    ...(t.covered !== undefined && partlyCovered(t) ? [`covered ${formatCovered(t)}`] : []),
    t.errorBudget.remaining === undefined ? formatBudgetUse(t) : `error budget: ${formatBudgetUse(t)}`,
    `connect p50/p95/p99 ${formatPercentiles(t.latency.connectMs)} ms`,
    `control p50/p95/p99 ${formatPercentiles(t.latency.controlMs)} ms`,
  ].map(escapeHtml);
  if (t.owner !== undefined) facts.push(`owner ${escapeHtml(t.owner)}`);
  const regions = t.regionAvailability
    .map((r) => `<tr data-region="${escapeHtml(r.region)}" data-availability="${formatAvailability(r.availability, '')}"><td>${escapeHtml(r.region)}</td><td class="num">${formatAvailabilityPercent(r.availability)}</td><td class="num">${r.intervals}</td><td class="num">${r.failedIntervals}</td></tr>`)
    .join('');
  const incidents =
    t.incidents.list.length === 0
      ? '<p>No incidents.</p>'
      : '<table class="incidents"><thead><tr><th>Start</th><th>End</th><th>Duration</th><th>Down</th><th>Regions</th><th>Cause</th><th>Note</th></tr></thead><tbody>' +
        t.incidents.list
          .map((incident) => {
            const note = [incident.startedBefore ? 'started before the period' : '', incident.ongoing ? 'ongoing at the end' : ''].filter((s) => s !== '').join('; ');
            return (
              `<tr data-start="${isoInstant(incident.startMs)}" data-duration-minutes="${incident.durationMinutes}"><td>${formatInstant(incident.startMs)}</td><td>${formatInstant(incident.endMs)}</td>` +
              `<td class="num">${formatDuration(incident.durationMinutes)}</td><td class="num">${formatDuration(incident.downMinutes)}</td>` +
              `<td>${escapeHtml(incident.failingRegions.join(', '))}</td><td>${escapeHtml(incident.dominantFailureClass ?? '-')}</td><td>${escapeHtml(note || '-')}</td></tr>`
            );
          })
          .join('') +
        '</tbody></table>';
  const classes = Object.entries(t.failureClasses);
  const failures =
    classes.length === 0
      ? '<p>No failed probes.</p>'
      : `<table class="failure-classes"><thead><tr><th>Failure class</th><th>Failed probes</th></tr></thead><tbody>${classes
          .map(([cls, n]) => `<tr data-class="${escapeHtml(cls)}"><td>${escapeHtml(cls)}</td><td class="num">${n}</td></tr>`)
          .join('')}</tbody></table>`;
  return (
    `<section class="target" id="target-${index}" data-target="${escapeHtml(t.target)}">` +
    `<h2>${escapeHtml(t.target)} <span class="availability">${formatAvailabilityPercent(t.availability)}</span></h2>` +
    `<p class="facts">${facts.join(' · ')}</p>${tags === '' ? '' : `<p class="tags">${tags}</p>`}` +
    `<h3>Availability over time</h3>${heatStrip(report, t, axis)}${heatLegend(t.slo)}` +
    `<h3>Latency (p95 per bucket)</h3>${latencyChart(t, axis)}` +
    `<h3>Error budget burn-down</h3>${burnDownChart(report, t, axis)}` +
    '<div class="tables">' +
    `<div><h3>Regions (raw, no quorum)</h3><table class="regions"><thead><tr><th>Region</th><th>Availability</th><th>Intervals</th><th>Failed</th></tr></thead><tbody>${regions}</tbody></table></div>` +
    `<div><h3>Failure classes</h3>${failures}</div>` +
    '</div>' +
    `<h3>Incidents</h3>${incidents}` +
    '</section>'
  );
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 32px 0 4px; border-top: 1px solid #d0d7de; padding-top: 16px; }
h3 { font-size: 14px; margin: 16px 0 6px; color: #57606a; }
.note, .facts, .tags, .legend { color: #57606a; font-size: 12px; margin: 4px 0; }
.tag { background: #eaeef2; border-radius: 4px; padding: 1px 6px; }
table { border-collapse: collapse; margin: 6px 0; } th, td { border: 1px solid #d0d7de; padding: 4px 8px; text-align: left; font-size: 13px; }
th { background: #f6f8fa; } td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.meets { color: #1a7f37; } td.misses { color: #cf222e; font-weight: 600; }
h2 .availability { font-weight: 400; color: #57606a; }
svg { display: block; max-width: 100%; height: auto; font-size: 11px; fill: #57606a; }
svg .row-label, svg .axis-label { fill: #57606a; }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: -1px; border-radius: 2px; }
.tables { display: flex; gap: 24px; flex-wrap: wrap; }
a { color: #0969da; }
@media print { body { margin: 0; } section.target { break-inside: avoid-page; } }
`;

export function renderHtml(report: SlaReport): string {
  const axis = timeAxis(report);
  const range = `${formatInstant(report.fromMs)} – ${formatInstant(report.toMs)}`;
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>SLA report ${escapeHtml(range)}</title><style>${STYLE}</style></head><body>` +
    `<header><h1>SLA report</h1><p class="range" data-from="${isoInstant(report.fromMs)}" data-to="${isoInstant(report.toMs)}">${escapeHtml(range)}</p>` +
    `<p class="note">${escapeHtml(AVAILABILITY_NOTE)} Charts use ${escapeHtml(formatBucket(report.bucketMs))} buckets.</p></header>` +
    `<section id="summary"><h2>Summary</h2>${summaryTable(report)}</section>` +
    report.targets.map((t, index) => targetSection(report, t, index, axis)).join('') +
    '</body></html>\n'
  );
}
