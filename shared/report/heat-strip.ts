// The report's heat strip: one row for the quorum verdicts and one per region, one cell per chart bucket,
// each with a <title> tooltip giving its counts.
//
// A cell's colour reflects only its counted intervals (availability against the SLO). Its no-data
// intervals (unknown, or outside the covered span: before the first record, not yet passed; for a region
// row, intervals it did not report) are never painted up or down: when they are most of the cell the
// whole cell is grey ('no-data'), otherwise a grey band at the cell's bottom, as tall as their share,
// shows them ('no-data-share'). An hour with 18 down minutes and 42 without data is grey, not red.
//
// A gateway group's virtual address gets its failovers and identity changes as markers: a vertical line
// across the rows at the event's instant, with the event's text as its tooltip.
import type { GroupEvent } from '../sla/report-groups.js';
import type { SlaReport, TargetReport } from '../sla/report.js';
import type { ReportBucket } from '../sla/report-series.js';
import { escapeHtml } from './escape-html.js';
import { formatAvailability, formatBucket, formatInstant, isoInstant } from './format.js';
import { CHART_WIDTH_PX, COLOURS, PLOT_BOTTOM_PX, px, timeLabels, type TimeAxis } from './svg-chart.js';

/** Height of one heat-strip row, in px. */
const HEAT_ROW_PX = 18;
/** Gap between heat-strip rows, in px. */
const HEAT_GAP_PX = 3;

/** One heat-strip cell's intervals: counted ones (with their availability), no-data ones, excluded ones. */
interface CellCounts {
  availability: number | undefined;
  counted: number;
  noData: number;
  excluded: number;
  detail: string;
}

type CellState = 'counted' | 'no-data' | 'maintenance';

/** One row of the strip: its hook attributes, its label and how a bucket becomes its cell. */
interface HeatRow {
  attrs: string;
  label: string;
  cell(b: ReportBucket): CellCounts;
}

/** The colour of availability against the SLO; `undefined` is no data (or maintenance, when that is all there was). */
export function heatColour(availability: number | undefined, slo: number, onlyMaintenance: boolean): string {
  if (availability === undefined) return onlyMaintenance ? COLOURS.maintenance : COLOURS.noData;
  if (availability >= slo) return COLOURS.meetsSlo;
  if (availability >= 99) return COLOURS.above99;
  if (availability >= 90) return COLOURS.above90;
  return COLOURS.below90;
}

/** How a cell is painted: by its counted intervals, grey when most of it has no data, blue when all of it is maintenance. */
function cellState(c: CellCounts): CellState {
  if (c.counted === 0) return c.noData === 0 && c.excluded > 0 ? 'maintenance' : 'no-data';
  return 2 * c.noData > c.counted + c.noData + c.excluded ? 'no-data' : 'counted';
}

const noDataNote = (noData: number, b: ReportBucket): string => `${noData} no data${b.notCovered > 0 ? ` (${b.notCovered} not covered)` : ''}`;

/** The quorum row, then one row per region in the target's order. */
function heatRows(t: TargetReport): HeatRow[] {
  const quorum: HeatRow = {
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
  };
  const regions = t.regions.map(
    (region, r): HeatRow => ({
      attrs: `data-row="region" data-region="${escapeHtml(region)}"`,
      label: region,
      cell: (b) => {
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
    }),
  );
  return [quorum, ...regions];
}

/** One cell of `row` for bucket `b`, at height `y`: its rect, tooltip and hooks, and the no-data band when it has one. */
function heatCell(row: HeatRow, b: ReportBucket, y: number, slo: number, axis: TimeAxis): string {
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
  const fill = state === 'counted' ? heatColour(counts.availability, slo, false) : heatColour(undefined, slo, state === 'maintenance');
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
}

/** The markers of `events` over rows ending at `bottom`; empty without events, so a strip without them is unchanged. */
function eventMarkers(events: readonly GroupEvent[], bottom: number, axis: TimeAxis): string {
  if (events.length === 0) return '';
  const lines = events
    .filter((e) => e.at >= axis.fromMs && e.at <= axis.toMs)
    .map((e) => {
      const x = px(axis.x(e.at));
      return (
        `<line class="event-marker" data-kind="${e.kind}" data-at="${isoInstant(e.at)}" x1="${x}" x2="${x}" y1="0" y2="${bottom}" stroke="${COLOURS.event}" stroke-width="2">` +
        `<title>${escapeHtml(`${formatInstant(e.at)} ${e.text}`)}</title></line>`
      );
    });
  return `<g class="events">${lines.join('')}</g>`;
}

export function heatStrip(report: SlaReport, t: TargetReport, axis: TimeAxis, events: readonly GroupEvent[] = []): string {
  const buckets = t.series.buckets;
  const rows = heatRows(t);
  const height = rows.length * (HEAT_ROW_PX + HEAT_GAP_PX) + PLOT_BOTTOM_PX;
  const body = rows
    .map((row, index) => {
      const y = index * (HEAT_ROW_PX + HEAT_GAP_PX);
      const cells = buckets.map((b) => heatCell(row, b, y, t.slo, axis)).join('');
      return `<g class="row" ${row.attrs}><text class="row-label" x="0" y="${y + HEAT_ROW_PX - 5}">${escapeHtml(row.label)}</text>${cells}</g>`;
    })
    .join('');
  const label = `Availability of ${t.target} per ${formatBucket(report.bucketMs)} bucket, quorum and per region`;
  return (
    `<svg class="heat-strip" data-target="${escapeHtml(t.target)}" data-buckets="${buckets.length}" data-rows="${rows.length}" ` +
    `width="${CHART_WIDTH_PX}" height="${height}" viewBox="0 0 ${CHART_WIDTH_PX} ${height}" shape-rendering="crispEdges" role="img" aria-label="${escapeHtml(label)}">` +
    `<title>${escapeHtml(label)}</title>${body}${eventMarkers(events, rows.length * (HEAT_ROW_PX + HEAT_GAP_PX) - HEAT_GAP_PX, axis)}` +
    `${timeLabels(axis, rows.length * (HEAT_ROW_PX + HEAT_GAP_PX) - HEAT_GAP_PX)}</svg>`
  );
}

export function heatLegend(slo: number): string {
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
