// `--format html`: one self-contained page a manager can open from a mail attachment or a file share.
// Inline CSS and inline SVG only: no script, no font, no image, no URL of any kind, so it renders the same
// offline, in a mail client's sandbox and when printed. Every text from the config (target names, owner,
// tags) goes through escapeHtml.
//
// Per target: facts, a heat strip (heat-strip.ts), a line chart of the p95 connect and control time per
// bucket and the error-budget burn-down (line-charts.ts), then the region, failure-class and incident tables.
//
// Stable hooks for tests and for anyone scraping the page: `data-target` on each section, summary row and
// chart; `data-row` ('quorum' | 'region') and `data-region` on heat-strip rows; `data-start`,
// `data-availability` (formatted as in the tables, '' when there is nothing to show) and `data-state`
// ('counted' | 'no-data' | 'maintenance') on each cell; `data-series` and `data-points` on chart series.
import type { SlaReport, TargetReport } from '../sla/report.js';
import { escapeHtml } from './escape-html.js';
import {
  AVAILABILITY_NOTE,
  coverageNote,
  formatAvailability,
  formatAvailabilityPercent,
  formatBucket,
  formatBudgetLeft,
  formatBudgetUse,
  formatCovered,
  formatDuration,
  formatInstant,
  formatPercentiles,
  formatTargetAvailability,
  isoInstant,
  partlyCovered,
  roundBudget,
} from './format.js';
import { heatLegend, heatStrip } from './heat-strip.js';
import { burnDownChart, latencyChart } from './line-charts.js';
import { timeAxis, type TimeAxis } from './svg-chart.js';

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
