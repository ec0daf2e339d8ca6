// `--format csv`: one row per target under a header row, for a spreadsheet. RFC 4180: CRLF line ends, a
// field with a comma, quote, CR or LF is quoted and its quotes doubled. Per-region availability and failure
// classes vary in number, so each is one field of `name=value` pairs joined by ';' (a spreadsheet user
// reads them; a program should use --format json); so are the runbooks of the period's incidents. New
// columns are added at the end, so a spreadsheet that reads columns by position keeps working.
//
// Gateway groups: a report with groups gets CSV_GROUP_COLUMNS after the others (and only then, so a
// report without groups keeps its exact columns): on the virtual address's row the group's total
// redundancy lost, its events (`<ISO time> <text>` joined by ';') and the members that cannot be told
// apart (`a+b`, sets joined by ';'); on a member's row its own redundancy lost.
import type { GroupReport } from '../sla/report-groups.js';
import type { SlaReport, TargetReport } from '../sla/report.js';
import { formatAvailability, isoInstant, roundBudget, roundBudgetMinutes, roundLatency, roundMinutes } from './format.js';

/** RFC 4180 line break. */
const CRLF = '\r\n';

export const CSV_COLUMNS = [
  'target',
  'owner',
  'tags',
  'slo_percent',
  'availability_percent',
  'downtime_minutes',
  'incidents',
  'longest_incident_minutes',
  'mttr_minutes',
  'error_budget_minutes',
  'error_budget_consumed_minutes',
  'error_budget_remaining',
  'maintenance_minutes_excluded',
  'unknown_minutes',
  'counted_minutes',
  'connect_p50_ms',
  'connect_p95_ms',
  'connect_p99_ms',
  'control_p50_ms',
  'control_p95_ms',
  'control_p99_ms',
  'region_availability_percent',
  'failure_classes',
  'covered_from',
  'covered_to',
  'covered_minutes',
  'error_budget_basis',
  'error_budget_window_allowance_minutes',
  'error_budget_range_share_minutes',
  'slo_verdict',
  'previous_from',
  'previous_to',
  'previous_availability_percent',
  'previous_slo_verdict',
  'incident_runbooks',
] as const;

/** The columns a report with gateway groups adds after CSV_COLUMNS. */
export const CSV_GROUP_COLUMNS = ['group', 'group_role', 'redundancy_lost_minutes', 'group_events', 'indistinguishable_members'] as const;

/** One field, quoted when RFC 4180 requires it. */
export function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

const num = (value: number | null | undefined): string => (value === undefined || value === null ? '' : String(value));

function row(t: TargetReport): string[] {
  const values: Record<(typeof CSV_COLUMNS)[number], string> = {
    target: t.target,
    owner: t.owner ?? '',
    tags: Object.entries(t.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(';'),
    slo_percent: String(t.slo),
    availability_percent: formatAvailability(t.availability, ''),
    downtime_minutes: String(t.downtimeMinutes),
    incidents: String(t.incidents.count),
    longest_incident_minutes: String(roundMinutes(t.incidents.longestMinutes)),
    mttr_minutes: t.incidents.mttrMinutes === undefined ? '' : String(roundMinutes(t.incidents.mttrMinutes)),
    error_budget_minutes: String(roundBudgetMinutes(t.errorBudget.budgetMinutes)),
    error_budget_consumed_minutes: String(t.errorBudget.consumedMinutes),
    error_budget_remaining: t.errorBudget.remaining === undefined ? '' : String(roundBudget(t.errorBudget.remaining)),
    maintenance_minutes_excluded: String(t.maintenanceMinutesExcluded),
    unknown_minutes: String(t.unknownMinutes),
    counted_minutes: String(t.countedMinutes),
    connect_p50_ms: num(roundLatency(t.latency.connectMs.p50)),
    connect_p95_ms: num(roundLatency(t.latency.connectMs.p95)),
    connect_p99_ms: num(roundLatency(t.latency.connectMs.p99)),
    control_p50_ms: num(roundLatency(t.latency.controlMs.p50)),
    control_p95_ms: num(roundLatency(t.latency.controlMs.p95)),
    control_p99_ms: num(roundLatency(t.latency.controlMs.p99)),
    region_availability_percent: t.regionAvailability.map((r) => `${r.region}=${formatAvailability(r.availability, '')}`).join(';'),
    failure_classes: Object.entries(t.failureClasses)
      .map(([cls, n]) => `${cls}=${n}`)
      .join(';'),
    covered_from: t.covered === undefined ? '' : isoInstant(t.covered.fromMs),
    covered_to: t.covered === undefined ? '' : isoInstant(t.covered.toMs),
    covered_minutes: String(t.covered?.minutes ?? 0),
    error_budget_basis: t.errorBudget.basis,
    error_budget_window_allowance_minutes: String(roundBudgetMinutes(t.errorBudget.windowAllowanceMinutes)),
    error_budget_range_share_minutes: String(roundBudgetMinutes(t.errorBudget.rangeShareMinutes)),
    slo_verdict: t.verdict,
    previous_from: isoInstant(t.previous.fromMs),
    previous_to: isoInstant(t.previous.toMs),
    previous_availability_percent: formatAvailability(t.previous.availability, ''),
    previous_slo_verdict: t.previous.verdict,
    // Each runbook once, in the order of the incidents that point to it.
    incident_runbooks: [...new Set(t.incidents.list.map((incident) => incident.runbookUrl))].join(';'),
  };
  return CSV_COLUMNS.map((column) => values[column]);
}

/** The group columns of target `name`: empty for a target in no group. */
function groupFields(name: string, groups: readonly GroupReport[]): string[] {
  const values: Record<(typeof CSV_GROUP_COLUMNS)[number], string> = { group: '', group_role: '', redundancy_lost_minutes: '', group_events: '', indistinguishable_members: '' };
  for (const g of groups) {
    if (g.name === name) {
      values.group = g.name;
      values.group_role = 'virtual_address';
      values.redundancy_lost_minutes = String(roundMinutes(g.redundancyLostMinutes));
      values.group_events = g.events.map((e) => `${isoInstant(e.at)} ${e.text}`).join(';');
      values.indistinguishable_members = g.indistinguishable.map((members) => members.join('+')).join(';');
      break;
    }
    const member = g.members.find((m) => m.target === name);
    if (member !== undefined) {
      values.group = g.name;
      values.group_role = 'member';
      values.redundancy_lost_minutes = String(roundMinutes(member.redundancyLostMinutes));
      break;
    }
  }
  return CSV_GROUP_COLUMNS.map((column) => values[column]);
}

export function renderCsv(report: SlaReport): string {
  const groups = report.groups;
  const header = groups === undefined ? [...CSV_COLUMNS] : [...CSV_COLUMNS, ...CSV_GROUP_COLUMNS];
  const fields = (t: TargetReport): string[] => (groups === undefined ? row(t) : [...row(t), ...groupFields(t.target, groups)]);
  const lines = [header.join(','), ...report.targets.map((t) => fields(t).map(csvField).join(','))];
  return lines.join(CRLF) + CRLF;
}
