// `--format html`: one self-contained page a manager can open from a mail attachment or a file share.
// Inline CSS and inline SVG only: no script, no font, no image, nothing fetched, so it renders the same
// offline, in a mail client's sandbox and when printed. The only URLs are the incidents' runbook links,
// plain <a href> to http(s) runbooks (isLinkableUrl; a repository path is shown as text): a reader follows
// them, the page never loads them. Every text from the config (target names, owner, tags, runbook URLs)
// goes through escapeHtml.
//
// Per target: facts (with the verdict against the SLO and the previous period), a heat strip
// (heat-strip.ts), a line chart of the p95 connect and control time per bucket and the error-budget
// burn-down (line-charts.ts), then the region, failure-class and incident tables.
//
// Stable hooks for tests and for anyone scraping the page: `data-target` on each section, summary row and
// chart; `data-verdict`, `data-previous-availability` and `data-previous-verdict` on summary rows;
// `data-row` ('quorum' | 'region') and `data-region` on heat-strip rows; `data-start`,
// `data-availability` (formatted as in the tables, '' when there is nothing to show) and `data-state`
// ('counted' | 'no-data' | 'maintenance') on each cell; `data-series` and `data-points` on chart series;
// `a[data-runbook]` (or `code[data-runbook]`) in each incident row.
//
// With gateway groups: a "Redundant gateways" section (`section#groups`, a `div.group[data-group]` per
// group with `data-availability`, `data-verdict` and `data-redundancy-lost-minutes`; member rows
// `tr[data-member]`; the timeline `li[data-kind][data-at]`; `p.indistinguishable`), members' summary rows
// carry `data-member-of`, and the virtual address's heat strip its events as markers
// (`line.event-marker`). None of it is written for a report without groups.
import { groupMembership, type GroupReport } from '../sla/report-groups.js';
import type { SlaReport, TargetReport } from '../sla/report.js';
import type { ReportIncidents } from '../sla/report-incidents.js';
import { escapeHtml, isLinkableUrl } from './escape-html.js';
import {
  AVAILABILITY_NOTE,
  GROUPS_NOTE,
  coverageNote,
  formatAvailability,
  formatAvailabilityPercent,
  formatBucket,
  formatBudgetLeft,
  formatBudgetUse,
  formatCovered,
  formatDuration,
  formatIndistinguishable,
  formatInstant,
  formatPercentiles,
  formatPreviousAvailability,
  formatPreviousPeriod,
  formatTargetAvailability,
  formatVerdict,
  isoInstant,
  partlyCovered,
  roundBudget,
  runbookName,
} from './format.js';
import { heatLegend, heatStrip } from './heat-strip.js';
import { burnDownChart, latencyChart } from './line-charts.js';
import { timeAxis, type TimeAxis } from './svg-chart.js';

function summaryTable(report: SlaReport): string {
  const note = coverageNote(report);
  const memberOf = groupMembership(report.groups);
  const rows = report.targets
    .map((t) => {
      const remaining = t.errorBudget.remaining;
      const group = memberOf.get(t.target);
      return (
        `<tr data-target="${escapeHtml(t.target)}"${group === undefined ? '' : ` data-member-of="${escapeHtml(group)}"`} data-availability="${formatAvailability(t.availability, '')}" data-slo="${t.slo}" ` +
        `data-downtime-minutes="${t.downtimeMinutes}" data-incidents="${t.incidents.count}" data-error-budget-remaining="${remaining === undefined ? '' : roundBudget(remaining)}" ` +
        `data-covered-minutes="${t.covered?.minutes ?? 0}" data-verdict="${t.verdict}" ` +
        `data-previous-availability="${formatAvailability(t.previous.availability, '')}" data-previous-verdict="${t.previous.verdict}">` +
        `<td><a href="#target-${report.targets.indexOf(t)}">${escapeHtml(t.target)}</a>${group === undefined ? '' : ` <span class="member-of">member of ${escapeHtml(group)}</span>`}</td>` +
        `<td class="num">${t.slo}%</td>` +
        `<td class="num ${verdictClass(t.verdict)}">${t.covered === undefined ? formatTargetAvailability(t) : formatAvailabilityPercent(t.availability)}</td>` +
        `<td class="verdict ${verdictClass(t.verdict)}">${formatVerdict(t.verdict)}</td>` +
        `<td class="num ${verdictClass(t.previous.verdict)}">${formatPreviousAvailability(t)}</td>` +
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
    '<table class="summary" id="summary-table"><thead><tr><th>Target</th><th>SLO</th><th>Availability</th><th>Verdict</th><th>Previous period</th><th>Downtime</th><th>Incidents</th>' +
    '<th>MTTR</th><th>Budget left</th><th>Maintenance excluded</th><th>Unknown</th><th>Control p50 / p95 / p99 ms</th></tr></thead>' +
    `<tbody>${rows}</tbody></table>` +
    previousNote(report) +
    (note === undefined ? '' : `<p class="note coverage">${escapeHtml(note)}</p>`)
  );
}

/** Which way a verdict is coloured: met green, missed red, no data plain. */
function verdictClass(verdict: TargetReport['verdict']): string {
  return verdict === 'met' ? 'meets' : verdict === 'missed' ? 'misses' : '';
}

function previousNote(report: SlaReport): string {
  const first = report.targets[0];
  if (first === undefined) return '';
  const { fromMs, toMs } = first.previous;
  return `<p class="note previous" data-previous-from="${isoInstant(fromMs)}" data-previous-to="${isoInstant(toMs)}">Previous period: ${escapeHtml(`${formatInstant(fromMs)} – ${formatInstant(toMs)}`)}, the same length just before this one.</p>`;
}

/** A runbook as a link when it is http(s), else its path as text (isLinkableUrl says why). */
function runbookCell(url: string): string {
  if (isLinkableUrl(url)) return `<a class="runbook" data-runbook href="${escapeHtml(url)}" rel="noopener noreferrer">${escapeHtml(runbookName(url))}</a>`;
  return `<code data-runbook title="path in the pptp-monitor source tree">${escapeHtml(url)}</code>`;
}

function incidentsTable(incidents: ReportIncidents): string {
  if (incidents.list.length === 0) return '<p>No incidents.</p>';
  const rows = incidents.list.map((incident) => {
    const note = [incident.startedBefore ? 'started before the period' : '', incident.ongoing ? 'ongoing at the end' : ''].filter((s) => s !== '').join('; ');
    return (
      `<tr data-start="${isoInstant(incident.startMs)}" data-duration-minutes="${incident.durationMinutes}"><td>${formatInstant(incident.startMs)}</td><td>${formatInstant(incident.endMs)}</td>` +
      `<td class="num">${formatDuration(incident.durationMinutes)}</td><td class="num">${formatDuration(incident.downMinutes)}</td>` +
      `<td>${escapeHtml(incident.failingRegions.join(', '))}</td><td>${escapeHtml(incident.dominantFailureClass ?? '-')}</td><td>${runbookCell(incident.runbookUrl)}</td><td>${escapeHtml(note || '-')}</td></tr>`
    );
  });
  return `<table class="incidents"><thead><tr><th>Start</th><th>End</th><th>Duration</th><th>Down</th><th>Regions</th><th>Cause</th><th>Runbook</th><th>Note</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

/** A link to target `name`'s section, or its name when the report has no section for it. */
function targetLink(report: SlaReport, name: string): string {
  const index = report.targets.findIndex((t) => t.target === name);
  return index < 0 ? escapeHtml(name) : `<a href="#target-${index}">${escapeHtml(name)}</a>`;
}

function groupsSection(report: SlaReport, groups: readonly GroupReport[]): string {
  const parts = groups.map((g) => {
    const vip = g.virtualAddress;
    const members = g.members
      .map(
        (m) =>
          `<tr data-member="${escapeHtml(m.target)}" data-redundancy-lost-minutes="${m.redundancyLostMinutes}"><td>${targetLink(report, m.target)}</td>` +
          `<td class="num">${formatDuration(m.redundancyLostMinutes)}</td><td class="num">${formatDuration(m.downtimeMinutes)}</td><td class="num">${m.incidents}</td></tr>`,
      )
      .join('');
    const events =
      g.events.length === 0
        ? '<p>No failover or identity change.</p>'
        : `<ol class="group-events">${g.events.map((e) => `<li data-kind="${e.kind}" data-at="${isoInstant(e.at)}"><time datetime="${isoInstant(e.at)}">${isoInstant(e.at)}</time> ${escapeHtml(e.text)}</li>`).join('')}</ol>`;
    const hidden = g.indistinguishable.map((m) => `<p class="note indistinguishable">${escapeHtml(formatIndistinguishable(m))}</p>`).join('');
    return (
      `<div class="group" data-group="${escapeHtml(g.name)}" data-availability="${formatAvailability(vip.availability, '')}" data-verdict="${vip.verdict}" data-redundancy-lost-minutes="${g.redundancyLostMinutes}">` +
      `<h3>${escapeHtml(g.name)}</h3>` +
      `<p class="facts">Virtual address ${targetLink(report, vip.target)}: availability ${formatAvailabilityPercent(vip.availability)}, SLO ${vip.slo}%: ` +
      `<span class="verdict ${verdictClass(vip.verdict)}">${formatVerdict(vip.verdict)}</span> · redundancy lost ${formatDuration(g.redundancyLostMinutes)} in total</p>` +
      `<table class="members"><thead><tr><th>Member</th><th>Redundancy lost</th><th>Downtime</th><th>Incidents</th></tr></thead><tbody>${members}</tbody></table>` +
      `<h4>Timeline</h4>${events}${hidden}</div>`
    );
  });
  return `<section id="groups"><h2>Redundant gateways</h2><p class="note">${escapeHtml(GROUPS_NOTE)}</p>${parts.join('')}</section>`;
}

function targetSection(report: SlaReport, t: TargetReport, index: number, axis: TimeAxis, memberOf: string | undefined): string {
  const tags = Object.entries(t.tags)
    .map(([k, v]) => `<span class="tag">${escapeHtml(k)}=${escapeHtml(v)}</span>`)
    .join(' ');
  const facts = [
    `SLO ${t.slo}%: ${formatVerdict(t.verdict)}`,
    formatPreviousPeriod(t),
    `${t.regions.length} region${t.regions.length === 1 ? '' : 's'}, quorum ${t.quorum}`,
    `${t.intervalMinutes}-minute intervals`,
    ...(t.covered !== undefined && partlyCovered(t) ? [`covered ${formatCovered(t)}`] : []),
    ...(memberOf === undefined ? [] : [`member of ${memberOf}: its downtime is redundancy lost, not SLA downtime`]),
    t.errorBudget.remaining === undefined ? formatBudgetUse(t) : `error budget: ${formatBudgetUse(t)}`,
    `connect p50/p95/p99 ${formatPercentiles(t.latency.connectMs)} ms`,
    `control p50/p95/p99 ${formatPercentiles(t.latency.controlMs)} ms`,
  ].map(escapeHtml);
  if (t.owner !== undefined) facts.push(`owner ${escapeHtml(t.owner)}`);
  const regions = t.regionAvailability
    .map((r) => `<tr data-region="${escapeHtml(r.region)}" data-availability="${formatAvailability(r.availability, '')}"><td>${escapeHtml(r.region)}</td><td class="num">${formatAvailabilityPercent(r.availability)}</td><td class="num">${r.intervals}</td><td class="num">${r.failedIntervals}</td></tr>`)
    .join('');
  const classes = Object.entries(t.failureClasses);
  const failures =
    classes.length === 0
      ? '<p>No failed probes.</p>'
      : `<table class="failure-classes"><thead><tr><th>Failure class</th><th>Failed probes</th></tr></thead><tbody>${classes
          .map(([cls, n]) => `<tr data-class="${escapeHtml(cls)}"><td>${escapeHtml(cls)}</td><td class="num">${n}</td></tr>`)
          .join('')}</tbody></table>`;
  return (
    `<section class="target" id="target-${index}" data-target="${escapeHtml(t.target)}" data-verdict="${t.verdict}">` +
    `<h2>${escapeHtml(t.target)} <span class="availability">${formatAvailabilityPercent(t.availability)}</span> <span class="verdict ${verdictClass(t.verdict)}">${formatVerdict(t.verdict)}</span></h2>` +
    `<p class="facts">${facts.join(' · ')}</p>${tags === '' ? '' : `<p class="tags">${tags}</p>`}` +
    `<h3>Availability over time</h3>${heatStrip(report, t, axis, report.groups?.find((g) => g.name === t.target)?.events ?? [])}${heatLegend(t.slo)}` +
    `<h3>Latency (p95 per bucket)</h3>${latencyChart(t, axis)}` +
    `<h3>Error budget burn-down</h3>${burnDownChart(report, t, axis)}` +
    '<div class="tables">' +
    `<div><h3>Regions (raw, no quorum)</h3><table class="regions"><thead><tr><th>Region</th><th>Availability</th><th>Intervals</th><th>Failed</th></tr></thead><tbody>${regions}</tbody></table></div>` +
    `<div><h3>Failure classes</h3>${failures}</div>` +
    '</div>' +
    `<h3>Incidents</h3>${incidentsTable(t.incidents)}` +
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
td.verdict { white-space: nowrap; }
h2 .availability { font-weight: 400; color: #57606a; }
h2 .verdict { font-size: 13px; font-weight: 600; border-radius: 4px; padding: 1px 6px; background: #eaeef2; color: #57606a; vertical-align: 2px; }
h2 .verdict.meets { background: #dafbe1; color: #1a7f37; } h2 .verdict.misses { background: #ffebe9; color: #cf222e; }
svg { display: block; max-width: 100%; height: auto; font-size: 11px; fill: #57606a; }
svg .row-label, svg .axis-label { fill: #57606a; }
.swatch { display: inline-block; width: 10px; height: 10px; margin: 0 4px 0 10px; vertical-align: -1px; border-radius: 2px; }
.tables { display: flex; gap: 24px; flex-wrap: wrap; }
a { color: #0969da; }
@media print { body { margin: 0; } section.target { break-inside: avoid-page; } }
`;

/** Only in reports with groups, so the page of a report without them is unchanged. */
const GROUP_STYLE = `
.member-of { color: #57606a; font-size: 12px; }
h4 { font-size: 13px; margin: 10px 0 4px; color: #57606a; }
.group .verdict.meets { color: #1a7f37; } .group .verdict.misses { color: #cf222e; font-weight: 600; }
`;

export function renderHtml(report: SlaReport): string {
  const axis = timeAxis(report);
  const memberOf = groupMembership(report.groups);
  const range = `${formatInstant(report.fromMs)} – ${formatInstant(report.toMs)}`;
  return (
    '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    `<title>SLA report ${escapeHtml(range)}</title><style>${STYLE}${report.groups === undefined ? '' : GROUP_STYLE}</style></head><body>` +
    `<header><h1>SLA report</h1><p class="range" data-from="${isoInstant(report.fromMs)}" data-to="${isoInstant(report.toMs)}">${escapeHtml(range)}</p>` +
    `<p class="note">${escapeHtml(AVAILABILITY_NOTE)} Charts use ${escapeHtml(formatBucket(report.bucketMs))} buckets.</p></header>` +
    `<section id="summary"><h2>Summary</h2>${summaryTable(report)}</section>` +
    (report.groups === undefined ? '' : groupsSection(report, report.groups)) +
    report.targets.map((t, index) => targetSection(report, t, index, axis, memberOf.get(t.target))).join('') +
    '</body></html>\n'
  );
}
