// `--format md`: the report as Markdown (GitHub-flavoured tables), for a wiki page or a ticket. Text from
// the config (owner, tags, runbook URLs) is escaped so it cannot break a table or inject HTML into the
// rendered page. A runbook is a link only when its URL is http(s) (isLinkableUrl), else its path as code.
import { groupMembership, type GroupReport } from '../sla/report-groups.js';
import type { SlaReport, TargetReport } from '../sla/report.js';
import { isLinkableUrl } from './escape-html.js';
import {
  AVAILABILITY_NOTE,
  GROUPS_NOTE,
  coverageNote,
  formatAvailability,
  formatAvailabilityPercent,
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
  formatTargetName,
  formatVerdict,
  isoInstant,
  partlyCovered,
  runbookName,
} from './format.js';

/** Escapes text for a Markdown table cell or paragraph: table pipes, emphasis, links, inline HTML. */
export function escapeMarkdown(text: string): string {
  return text
    .replace(/\r\n|\r|\n/g, ' ')
    .replace(/[\\`*_[\]|#]/g, (c) => `\\${c}`)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * A runbook for a table cell: `[connect_refused.md](https://…)` for an http(s) URL, with the characters
 * that would end a Markdown link destination (parentheses, angle brackets, pipes, spaces) percent-encoded;
 * otherwise the path as inline code, which needs no escaping but its backticks (a path has none).
 */
export function markdownRunbook(url: string): string {
  if (isLinkableUrl(url)) {
    const destination = url.replace(/[()<>|\\ ]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
    return `[${escapeMarkdown(runbookName(url))}](${destination})`;
  }
  return `\`${url.replace(/`/g, "'").replace(/\|/g, '\\|')}\``;
}

function table(header: readonly string[], align: readonly ('l' | 'r')[], rows: readonly (readonly string[])[]): string[] {
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [line(header), line(align.map((a) => (a === 'r' ? '---:' : '---'))), ...rows.map(line)];
}

const tagsText = (tags: Record<string, string>): string =>
  Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

function summary(report: SlaReport): string[] {
  const note = coverageNote(report);
  const memberOf = groupMembership(report.groups);
  const rows = table(
    ['Target', 'SLO %', 'Availability %', 'Verdict', 'Previous period %', 'Downtime', 'Incidents', 'Longest', 'MTTR', 'Budget left', 'Maintenance excluded', 'Unknown', 'Connect p50/p95/p99 ms', 'Control p50/p95/p99 ms'],
    ['l', 'r', 'r', 'l', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r', 'r'],
    report.targets.map((t) => [
      escapeMarkdown(formatTargetName(t.target, memberOf.get(t.target))),
      String(t.slo),
      formatTargetAvailability(t),
      formatVerdict(t.verdict),
      formatPreviousAvailability(t),
      formatDuration(t.downtimeMinutes),
      String(t.incidents.count),
      t.incidents.count > 0 ? formatDuration(t.incidents.longestMinutes) : '-',
      formatDuration(t.incidents.mttrMinutes, '-'),
      formatBudgetLeft(t),
      formatDuration(t.maintenanceMinutesExcluded),
      formatDuration(t.unknownMinutes),
      formatPercentiles(t.latency.connectMs),
      formatPercentiles(t.latency.controlMs),
    ]),
  );
  const first = report.targets[0];
  const previous = first === undefined ? [] : [`Previous period: ${formatInstant(first.previous.fromMs)} – ${formatInstant(first.previous.toMs)}, the same length just before this one.`];
  return [...rows, '', ...previous, ...(note === undefined ? [] : ['', escapeMarkdown(note)])];
}

/** "Redundant gateways": per group the virtual address's verdict, the members' redundancy lost, the events. */
function groupsSection(groups: readonly GroupReport[]): string[] {
  const out: string[] = ['', '## Redundant gateways', '', GROUPS_NOTE];
  for (const g of groups) {
    const vip = g.virtualAddress;
    out.push('', `### ${escapeMarkdown(g.name)}`, '');
    out.push(
      `Virtual address ${escapeMarkdown(vip.target)}: availability ${formatAvailabilityPercent(vip.availability)}, SLO ${vip.slo}%: ${formatVerdict(vip.verdict)}. ` +
        `Redundancy lost: ${formatDuration(g.redundancyLostMinutes)} in total.`,
      '',
    );
    out.push(
      ...table(
        ['Member', 'Redundancy lost', 'Downtime', 'Incidents'],
        ['l', 'r', 'r', 'r'],
        g.members.map((m) => [escapeMarkdown(m.target), formatDuration(m.redundancyLostMinutes), formatDuration(m.downtimeMinutes), String(m.incidents)]),
      ),
    );
    out.push('', '#### Timeline', '');
    if (g.events.length === 0) out.push('No failover or identity change.');
    else out.push(...g.events.map((e) => `- ${isoInstant(e.at)} ${escapeMarkdown(e.text)}`));
    for (const members of g.indistinguishable) out.push('', escapeMarkdown(formatIndistinguishable(members)));
  }
  return out;
}

function targetSection(t: TargetReport, memberOf: string | undefined): string[] {
  const out: string[] = ['', `## ${escapeMarkdown(t.target)}`, ''];
  const facts = [
    ...(memberOf === undefined ? [] : [`member of ${escapeMarkdown(memberOf)}: its downtime is redundancy lost, not SLA downtime`]),
    `SLO ${t.slo}%: ${formatVerdict(t.verdict)}`,
    `availability ${formatAvailabilityPercent(t.availability)}`,
    formatPreviousPeriod(t),
    `${t.regions.length} region${t.regions.length === 1 ? '' : 's'}, quorum ${t.quorum}`,
    `${t.intervalMinutes}-minute intervals`,
    ...(t.covered !== undefined && partlyCovered(t) ? [`covered ${formatCovered(t)}`] : []),
    t.errorBudget.remaining === undefined ? formatBudgetUse(t) : `error budget: ${formatBudgetUse(t)} (${formatBudgetLeft(t)} left)`,
  ];
  if (t.owner !== undefined) facts.push(`owner ${escapeMarkdown(t.owner)}`);
  const tags = tagsText(t.tags);
  if (tags !== '') facts.push(`tags ${escapeMarkdown(tags)}`);
  out.push(`${facts.join('; ')}.`, '');
  out.push(
    ...table(
      ['Region', 'Raw availability %', 'Intervals', 'Failed'],
      ['l', 'r', 'r', 'r'],
      t.regionAvailability.map((r) => [escapeMarkdown(r.region), formatAvailability(r.availability), String(r.intervals), String(r.failedIntervals)]),
    ),
  );
  out.push('', '### Incidents', '');
  if (t.incidents.list.length === 0) {
    out.push('None.');
  } else {
    out.push(
      ...table(
        ['Start', 'End', 'Duration', 'Down', 'Regions', 'Cause', 'Runbook', 'Note'],
        ['l', 'l', 'r', 'r', 'l', 'l', 'l', 'l'],
        t.incidents.list.map((incident) => [
          formatInstant(incident.startMs),
          formatInstant(incident.endMs),
          formatDuration(incident.durationMinutes),
          formatDuration(incident.downMinutes),
          incident.failingRegions.map(escapeMarkdown).join(', '),
          incident.dominantFailureClass === undefined ? '-' : `\`${incident.dominantFailureClass}\``,
          markdownRunbook(incident.runbookUrl),
          [incident.startedBefore ? 'started before the period' : '', incident.ongoing ? 'ongoing at the end' : ''].filter((s) => s !== '').join('; ') || '-',
        ]),
      ),
    );
  }
  out.push('', '### Failure classes', '');
  const classes = Object.entries(t.failureClasses);
  if (classes.length === 0) out.push('No failed probes.');
  else out.push(...table(['Class', 'Failed probes'], ['l', 'r'], classes.map(([cls, n]) => [`\`${cls}\``, String(n)])));
  return out;
}

export function renderMarkdown(report: SlaReport): string {
  const memberOf = groupMembership(report.groups);
  const lines = [
    `# SLA report ${formatInstant(report.fromMs)} – ${formatInstant(report.toMs)}`,
    '',
    AVAILABILITY_NOTE,
    '',
    ...summary(report),
    ...(report.groups === undefined ? [] : groupsSection(report.groups)),
    ...report.targets.flatMap((t) => targetSection(t, memberOf.get(t.target))),
  ];
  return `${lines.join('\n')}\n`;
}
