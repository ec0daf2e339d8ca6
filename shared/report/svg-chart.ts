// What every chart of the HTML report shares: its width and margins, the palette, a time axis over the
// report's range with labels that stay inside the SVG (near an edge a label is anchored to it rather than
// centred on it), line series broken where a value is missing, and y grid lines.
import type { SlaReport } from '../sla/report.js';
import { DAY_MS, HOUR_MS } from '../common/time.js';
import { escapeHtml } from './escape-html.js';
import { isoInstant } from './format.js';

/** Width of every chart, in CSS px (the page is laid out for 1000 px and scales down). */
export const CHART_WIDTH_PX = 960;
/** Left column of a chart holding row labels or the y axis, in px. */
export const LABEL_WIDTH_PX = 120;
/** Height of the plot area of a line chart, in px. */
export const LINE_PLOT_PX = 160;
/** Space above the plot and below it (for the time axis labels), in px. */
export const PLOT_TOP_PX = 10;
export const PLOT_BOTTOM_PX = 24;
/** Right margin so the last time label is not cut, in px. */
const PLOT_RIGHT_PX = 20;
/** About how many time labels an axis gets. */
const TIME_TICKS = 6;
/**
 * Width of one character of an 11 px axis label, in px, on the generous side (digits of system-ui are
 * about 6.2 px): used to keep labels near the edges inside the chart without measuring text.
 */
const LABEL_CHAR_PX = 7;

/** Chart colours. Heat-strip availability at or above the SLO is green whatever the SLO is. */
export const COLOURS = {
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
  /** Failover and identity-change markers on a virtual address's heat strip. */
  event: '#1f2328',
} as const;

/** SVG coordinates with two decimals: enough for a pixel, short enough for 800 cells × 4 rows. */
export const px = (value: number): string => String(Math.round(value * 100) / 100);

export interface TimeAxis {
  fromMs: number;
  toMs: number;
  x(ms: number): number;
}

/** The report's range across the plot area of a chart. */
export function timeAxis(report: SlaReport): TimeAxis {
  const plotWidth = CHART_WIDTH_PX - LABEL_WIDTH_PX - PLOT_RIGHT_PX;
  const span = report.toMs - report.fromMs;
  return { fromMs: report.fromMs, toMs: report.toMs, x: (ms) => LABEL_WIDTH_PX + ((ms - report.fromMs) / span) * plotWidth };
}

/** Time labels along the bottom of a plot whose bottom edge is at `y`: days for ranges over two days, hours otherwise. */
export function timeLabels(axis: TimeAxis, y: number): string {
  const span = axis.toMs - axis.fromMs;
  const unitMs = span > 2 * DAY_MS ? DAY_MS : HOUR_MS;
  const step = Math.max(1, Math.ceil(span / unitMs / TIME_TICKS)) * unitMs;
  const parts: string[] = [];
  for (let t = axis.fromMs; t <= axis.toMs; t += step) {
    const iso = isoInstant(t);
    const label = unitMs === DAY_MS ? iso.slice(5, 10) : `${iso.slice(5, 10)} ${iso.slice(11, 16)}`;
    const x = axis.x(t);
    // Centred on its tick, unless that would cut it at an edge of the chart: then it ends (or starts) at the tick.
    const half = (label.length * LABEL_CHAR_PX) / 2;
    const anchor = x + half > CHART_WIDTH_PX ? 'end' : x - half < 0 ? 'start' : 'middle';
    parts.push(`<line class="tick" x1="${px(x)}" x2="${px(x)}" y1="${px(y)}" y2="${px(y + 4)}" stroke="${COLOURS.ideal}"/>`);
    parts.push(`<text class="axis-label" x="${px(x)}" y="${px(y + 16)}" text-anchor="${anchor}">${escapeHtml(label)}</text>`);
  }
  return parts.join('');
}

/** The smallest 1, 2 or 5 × 10^k at or above `value` (a chart's top). */
export function niceCeil(value: number): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 5, 10]) if (m * power >= value) return m * power;
  return 10 * power;
}

/** Polylines of the defined points, broken where a value is missing (a gap is no data, not zero). */
export function seriesGroup(name: string, colour: string, points: ReadonlyArray<{ x: number; y: number } | undefined>): string {
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
  return `<g class="series" data-series="${name}" data-points="${count}">${shapes}</g>`;
}

/** Horizontal grid lines at `ticks` with their labels in the left column. */
export function yGrid(ticks: readonly number[], y: (v: number) => number, label: (v: number) => string): string {
  const right = CHART_WIDTH_PX - PLOT_RIGHT_PX;
  return ticks
    .map(
      (v) =>
        `<line class="grid" x1="${LABEL_WIDTH_PX}" x2="${right}" y1="${px(y(v))}" y2="${px(y(v))}" stroke="${COLOURS.grid}"/>` +
        `<text class="axis-label" x="${LABEL_WIDTH_PX - 6}" y="${px(y(v) + 4)}" text-anchor="end">${escapeHtml(label(v))}</text>`,
    )
    .join('');
}
