// The report's two line charts: the p95 connect and control time per bucket, and the error-budget
// burn-down with the even-burn line for comparison (an overspent budget extends the axis below zero).
import type { SlaReport, TargetReport } from '../sla/report.js';
import { burnDownStepMs, type BurnDownPoint, type ReportBucket } from '../sla/report-series.js';
import { DAY_MS } from '../common/time.js';
import { escapeHtml } from './escape-html.js';
import { formatBucket, formatBudgetPercent, formatBudgetUse, roundBudget, roundLatency } from './format.js';
import { CHART_WIDTH_PX, COLOURS, LINE_PLOT_PX, PLOT_BOTTOM_PX, PLOT_TOP_PX, niceCeil, px, seriesGroup, timeLabels, yGrid, type TimeAxis } from './svg-chart.js';

export function latencyChart(t: TargetReport, axis: TimeAxis): string {
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

export function burnDownChart(report: SlaReport, t: TargetReport, axis: TimeAxis): string {
  const points: readonly BurnDownPoint[] = t.series.burnDown;
  const lowest = Math.min(0, ...points.map((p) => p.remaining));
  // Overspent budgets go below zero: extend the axis to a round negative number so the line stays visible.
  const bottom = lowest < 0 ? -niceCeil(-lowest) : 0;
  const height = PLOT_TOP_PX + LINE_PLOT_PX + PLOT_BOTTOM_PX;
  const y = (fraction: number): number => PLOT_TOP_PX + LINE_PLOT_PX * ((1 - fraction) / (1 - bottom));
  const remaining = t.errorBudget.remaining;
  const stepMs = burnDownStepMs(report.toMs - report.fromMs, report.bucketMs);
  const label = `Error budget remaining of ${t.target}, per ${stepMs === DAY_MS ? 'day' : formatBucket(stepMs)}`;
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
