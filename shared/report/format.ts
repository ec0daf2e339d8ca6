// Rounding and wording shared by the report renderers, so Markdown, CSV, JSON and HTML print the same
// number for the same thing. The report itself (shared/sla/report.ts) keeps exact values.
import type { SlaReport, SloVerdict, TargetReport } from '../sla/report.js';
import { HOUR_MS } from '../common/time.js';

/** Decimals of an availability percentage: 99.953 (a month at 1-minute intervals has 44,640 of them: 0.002%). */
export const AVAILABILITY_DECIMALS = 3;
/** Decimals of the error budget remaining, a fraction of the budget (0.1% of it). */
export const BUDGET_DECIMALS = 4;
/** Decimals of minutes that are not whole (MTTR): seconds are not worth reporting. */
export const MINUTES_DECIMALS = 1;
/** Decimals of budget minutes: a counted hour's share at 99.9% is 0.06 min, which one decimal would make 0.1. */
export const BUDGET_MINUTES_DECIMALS = 2;
/** Decimals of latencies in ms. */
export const LATENCY_DECIMALS = 1;

export function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  const rounded = Math.round(value * factor) / factor;
  // -0 prints as 0 in JSON but as "-0" through some formatters: normalise it.
  return rounded === 0 ? 0 : rounded;
}

/**
 * Availability percent rounded to 3 decimals, except that a value below 100 never rounds up to 100: a
 * period with any downtime must not read as perfect (99.99996 prints 99.999).
 */
export function roundAvailability(percent: number): number {
  const rounded = roundTo(percent, AVAILABILITY_DECIMALS);
  return rounded >= 100 && percent < 100 ? 100 - 10 ** -AVAILABILITY_DECIMALS : rounded;
}

/** '99.953' with exactly three decimals, or the placeholder when nothing was counted. */
export function formatAvailability(percent: number | undefined, none = 'n/a'): string {
  return percent === undefined ? none : roundAvailability(percent).toFixed(AVAILABILITY_DECIMALS);
}

/** '99.953%', or 'n/a' (no percent sign) when nothing was counted. */
export function formatAvailabilityPercent(percent: number | undefined): string {
  return percent === undefined ? 'n/a' : `${formatAvailability(percent)}%`;
}

export function roundBudget(fraction: number): number {
  return roundTo(fraction, BUDGET_DECIMALS);
}

/** Error budget remaining as a percentage of the budget: '67.8%', '-1883.3%'. */
export function formatBudgetPercent(fraction: number): string {
  return `${roundTo(fraction * 100, 1).toFixed(1)}%`;
}

export function roundMinutes(minutes: number): number {
  return roundTo(minutes, MINUTES_DECIMALS);
}

export function roundBudgetMinutes(minutes: number): number {
  return roundTo(minutes, BUDGET_MINUTES_DECIMALS);
}

/** What stands where a target's numbers would be when it has none: nothing covered, or nothing counted. */
export function noDataText(t: TargetReport): string | undefined {
  if (t.covered === undefined) return 'no data in this range';
  if (t.countedMinutes === 0) return 'nothing counted in this range';
  return undefined;
}

/** The "Budget left" cell: '72.2%', or 'no data' / 'n/a' when nothing was covered / counted. */
export function formatBudgetLeft(t: TargetReport): string {
  if (t.errorBudget.remaining === undefined) return t.covered === undefined ? 'no data' : 'n/a';
  return formatBudgetPercent(t.errorBudget.remaining);
}

/** The availability cell of a summary: '97.917', 'no data' when nothing was covered, 'n/a' when nothing counted. */
export function formatTargetAvailability(t: TargetReport): string {
  return t.covered === undefined ? 'no data' : formatAvailability(t.availability);
}

/**
 * The budget in one sentence, against the SLO window's allowance with the range's share beside it:
 * "used 12 min = 27.8% of the 30-day budget (43.2 min); this range's share of it is 0.06 min".
 */
export function formatBudgetUse(t: TargetReport): string {
  const none = noDataText(t);
  if (none !== undefined) return none;
  const b = t.errorBudget;
  const used = `used ${roundBudgetMinutes(b.consumedMinutes)} min = ${roundTo((100 * b.consumedMinutes) / b.budgetMinutes, 1).toFixed(1)}%`;
  if (b.basis === 'range') {
    return `${used} of this range's budget (${roundBudgetMinutes(b.budgetMinutes)} min: its share, more than the ${b.windowDays}-day allowance of ${roundBudgetMinutes(b.windowAllowanceMinutes)} min)`;
  }
  return `${used} of the ${b.windowDays}-day budget (${roundBudgetMinutes(b.windowAllowanceMinutes)} min); this range's share of it is ${roundBudgetMinutes(b.rangeShareMinutes)} min`;
}

/** '2025-01-01 10:35 UTC – 2025-01-01 11:00 UTC (25 of 60 min)', or 'no data in this range'. */
export function formatCovered(t: TargetReport): string {
  if (t.covered === undefined) return 'no data in this range';
  const of = t.rangeMinutes < 120 ? `${t.covered.minutes} of ${t.rangeMinutes} min` : `${formatDuration(t.covered.minutes)} of ${formatDuration(t.rangeMinutes)}`;
  return `${formatInstant(t.covered.fromMs)} – ${formatInstant(t.covered.toMs)} (${of})`;
}

/** Whether a target's report covers less than its whole range. */
export function partlyCovered(t: TargetReport): boolean {
  return t.covered === undefined || t.covered.minutes < t.rangeMinutes;
}

/** One line naming the targets that cover less than the range, or undefined when every one covers all of it. */
export function coverageNote(report: SlaReport): string | undefined {
  const partial = report.targets.filter(partlyCovered);
  if (partial.length === 0) return undefined;
  return `Covered: ${partial.map((t) => `${t.target}: ${formatCovered(t)}`).join('; ')}.`;
}

export function roundLatency(ms: number | undefined): number | null {
  return ms === undefined ? null : roundTo(ms, LATENCY_DECIMALS);
}

/** Minutes for a human: '0m', '45m', '2h 05m', '3d 4h 10m'. Fractions of a minute round. */
export function formatDuration(minutes: number | undefined, none = 'n/a'): string {
  if (minutes === undefined) return none;
  const total = Math.round(minutes);
  if (total < 60) return `${total}m`;
  const days = Math.floor(total / 1440);
  const hours = Math.floor((total % 1440) / 60);
  const mins = String(total % 60).padStart(2, '0');
  return days > 0 ? `${days}d ${hours}h ${mins}m` : `${hours}h ${mins}m`;
}

/** A chart bucket's width in words: '1 hour', '1 day', '2 days'. */
export function formatBucket(bucketMs: number): string {
  const hours = bucketMs / HOUR_MS;
  if (hours % 24 === 0) return hours === 24 ? '1 day' : `${hours / 24} days`;
  return hours === 1 ? '1 hour' : `${hours} hours`;
}

/** '2025-01-31 23:30 UTC': reports are read across time zones, so one zone, named. */
export function formatInstant(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** ISO 8601 with milliseconds, UTC: what machine-readable outputs carry. */
export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}

/** 'p50 / p95 / p99' in ms, '-' for a missing percentile. */
export function formatPercentiles(p: { p50: number | undefined; p95: number | undefined; p99: number | undefined }): string {
  const one = (v: number | undefined): string => (v === undefined ? '-' : String(roundLatency(v)));
  return `${one(p.p50)} / ${one(p.p95)} / ${one(p.p99)}`;
}

/** The verdict as every format prints it: 'met', 'missed', 'no data'. */
export function formatVerdict(verdict: SloVerdict): string {
  return verdict;
}

/** The previous period's availability and verdict in one cell: '99.950 (met)', 'no data'. */
export function formatPreviousAvailability(t: TargetReport): string {
  const p = t.previous;
  return p.availability === undefined ? 'no data' : `${formatAvailability(p.availability)} (${formatVerdict(p.verdict)})`;
}

/**
 * The previous period in a sentence: 'previous period 2024-12-01 00:00 UTC – 2025-01-01 00:00 UTC: 99.950%,
 * met', with what it covered when that is less than all of it, or 'no data' for it.
 */
export function formatPreviousPeriod(t: TargetReport): string {
  const p = t.previous;
  const range = `previous period ${formatInstant(p.fromMs)} – ${formatInstant(p.toMs)}`;
  if (p.covered === undefined) return `${range}: no data`;
  const partly = p.covered.toMs - p.covered.fromMs < p.toMs - p.fromMs ? ` (covered ${formatInstant(p.covered.fromMs)} – ${formatInstant(p.covered.toMs)})` : '';
  return p.availability === undefined ? `${range}: nothing counted${partly}` : `${range}: ${formatAvailabilityPercent(p.availability)}, ${formatVerdict(p.verdict)}${partly}`;
}

/** The runbook's file name, what a link to it says: 'connect_refused.md'. */
export function runbookName(url: string): string {
  return url.slice(url.lastIndexOf('/') + 1) || url;
}

/** One line per report saying what the availability counts (the definitions live beside the code, in shared/sla/report-*.ts). */
export const AVAILABILITY_NOTE =
  'Availability counts probe intervals with a quorum verdict (up or down) outside maintenance windows that are excluded from the SLA; unknown intervals (too few regions reported) are listed separately and count neither way. Time before a target\'s first result and time that had not passed when the report was made are not covered and count neither way. Budget left is a share of the SLO window\'s error budget (43.2 min at 99.9% over 30 days), as on the status page. Raw region availability ignores the quorum. The verdict is met when availability is at or above the SLO, missed below it, no data when nothing was counted; the previous period is the same length just before this one, counted the same way.';

/** What a report with gateway groups says once about them (every format's "Redundant gateways" section). */
export const GROUPS_NOTE =
  'A gateway group is held to its SLA on its virtual address only (the address users connect to). A member\'s downtime is redundancy lost, not SLA downtime: the minutes it was down while the virtual address was not (while the address was down too, the outage is the address\'s). The group\'s total counts minutes with at least one member down once. Failovers and identity changes come from the identity each address announced.';

/** The indistinguishable members' note: 'Failover cannot be seen between a and b: they answer with one identity.' */
export function formatIndistinguishable(members: readonly string[]): string {
  return `Failover cannot be seen between ${members.join(' and ')}: they answer with one identity.`;
}

/** A summary row's target name, marked when the target is a group member: 'vpn-a (member of vpn)'. */
export function formatTargetName(target: string, memberOf: string | undefined): string {
  return memberOf === undefined ? target : `${target} (member of ${memberOf})`;
}
