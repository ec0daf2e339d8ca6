// `--format json`: the report for machines. The keys the issue fixes keep their exact names and meaning
// (availability in percent, errorBudgetRemaining a fraction of the budget, negative when overspent, null
// when nothing was counted; `incidents` the number of incidents); everything else is an extra key beside
// them. Absent values are null (JSON has no undefined), never 0: "no latency sample" is not "0 ms", and a
// range with no data has `covered: null`, not 100% of its budget left.
import type { BudgetBasis } from '../sla/report-budget.js';
import { groupMembership, type GroupEventKind, type GroupReport } from '../sla/report-groups.js';
import type { Percentiles, SlaReport, SloVerdict, TargetReport } from '../sla/report.js';
import type { CoveredSpan } from '../sla/report-coverage.js';
import { isoInstant, roundAvailability, roundBudget, roundBudgetMinutes, roundLatency, roundMinutes } from './format.js';

export interface JsonPercentiles {
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Extra: how many samples the percentiles come from. */
  samples: number;
}

export interface JsonIncident {
  start: string;
  end: string;
  durationMinutes: number;
  downMinutes: number;
  startedBefore: boolean;
  ongoing: boolean;
  failingRegions: string[];
  dominantFailureClass: string | null;
  /** The runbook the `down` alert links to: the dominant class's, or down.md. */
  runbookUrl: string;
}

/** A covered span in JSON; null: nothing covered (no data). */
export type JsonCovered = { from: string; to: string; minutes: number } | null;

export interface JsonPreviousPeriod {
  from: string;
  to: string;
  covered: JsonCovered;
  availability: number | null;
  verdict: SloVerdict;
  countedMinutes: number;
  downtimeMinutes: number;
}

export interface JsonTargetReport {
  target: string;
  slo: number;
  availability: number | null;
  downtimeMinutes: number;
  incidents: number;
  errorBudgetRemaining: number | null;
  latency: { connectMs: JsonPercentiles; controlMs: JsonPercentiles };
  failureClasses: Record<string, number>;
  regions: Array<{ region: string; availability: number | null; intervals: number; failedIntervals: number }>;
  // Extras.
  /** 'met' (availability ≥ SLO), 'missed', or 'no data' (availability null). */
  verdict: SloVerdict;
  /** The period of the same length just before this one, counted the same way. */
  previous: JsonPreviousPeriod;
  owner: string | null;
  tags: Record<string, string>;
  intervalMinutes: number;
  quorum: number;
  rangeMinutes: number;
  /** What the report covered: from the first record (or `from`) to the last interval complete when it was made; null: no data. */
  covered: JsonCovered;
  countedMinutes: number;
  unknownMinutes: number;
  maintenanceMinutesExcluded: number;
  errorBudget: {
    budgetMinutes: number;
    basis: BudgetBasis;
    windowDays: number;
    windowAllowanceMinutes: number;
    rangeShareMinutes: number;
    consumedMinutes: number;
    remainingMinutes: number;
  };
  incidentDetails: { longestMinutes: number; mttrMinutes: number | null; list: JsonIncident[] };
  /** Only on a gateway group's member: the group. Its downtime is the group's redundancy lost, not SLA downtime. */
  memberOf?: string;
}

/** A gateway group: its SLA is its virtual address's (that target's entry, summarised here). */
export interface JsonGroupReport {
  name: string;
  virtualAddress: { target: string; slo: number; availability: number | null; verdict: SloVerdict };
  /** Minutes with at least one member down while the virtual address was not. */
  redundancyLostMinutes: number;
  members: Array<{ target: string; redundancyLostMinutes: number; downtimeMinutes: number; incidents: number }>;
  events: Array<{ at: string; kind: GroupEventKind; text: string }>;
  /** Members answering with one identity: failover between them cannot be seen. */
  indistinguishable: string[][];
}

export interface JsonReport {
  from: string;
  to: string;
  targets: JsonTargetReport[];
  /** Only when the config has gateway groups. */
  groups?: JsonGroupReport[];
}

function percentiles(p: Percentiles): JsonPercentiles {
  return { p50: roundLatency(p.p50), p95: roundLatency(p.p95), p99: roundLatency(p.p99), samples: p.samples };
}

function coveredJson(covered: CoveredSpan | undefined): JsonCovered {
  return covered === undefined ? null : { from: isoInstant(covered.fromMs), to: isoInstant(covered.toMs), minutes: covered.minutes };
}

function targetJson(t: TargetReport, memberOf: string | undefined): JsonTargetReport {
  const json: JsonTargetReport = {
    target: t.target,
    slo: t.slo,
    availability: t.availability === undefined ? null : roundAvailability(t.availability),
    downtimeMinutes: t.downtimeMinutes,
    incidents: t.incidents.count,
    errorBudgetRemaining: t.errorBudget.remaining === undefined ? null : roundBudget(t.errorBudget.remaining),
    latency: { connectMs: percentiles(t.latency.connectMs), controlMs: percentiles(t.latency.controlMs) },
    failureClasses: { ...t.failureClasses },
    regions: t.regionAvailability.map((r) => ({
      region: r.region,
      availability: r.availability === undefined ? null : roundAvailability(r.availability),
      intervals: r.intervals,
      failedIntervals: r.failedIntervals,
    })),
    verdict: t.verdict,
    previous: {
      from: isoInstant(t.previous.fromMs),
      to: isoInstant(t.previous.toMs),
      covered: coveredJson(t.previous.covered),
      availability: t.previous.availability === undefined ? null : roundAvailability(t.previous.availability),
      verdict: t.previous.verdict,
      countedMinutes: t.previous.countedMinutes,
      downtimeMinutes: t.previous.downtimeMinutes,
    },
    owner: t.owner ?? null,
    tags: { ...t.tags },
    intervalMinutes: t.intervalMinutes,
    quorum: t.quorum,
    rangeMinutes: t.rangeMinutes,
    covered: coveredJson(t.covered),
    countedMinutes: t.countedMinutes,
    unknownMinutes: t.unknownMinutes,
    maintenanceMinutesExcluded: t.maintenanceMinutesExcluded,
    errorBudget: {
      budgetMinutes: roundBudgetMinutes(t.errorBudget.budgetMinutes),
      basis: t.errorBudget.basis,
      windowDays: t.errorBudget.windowDays,
      windowAllowanceMinutes: roundBudgetMinutes(t.errorBudget.windowAllowanceMinutes),
      rangeShareMinutes: roundBudgetMinutes(t.errorBudget.rangeShareMinutes),
      consumedMinutes: t.errorBudget.consumedMinutes,
      remainingMinutes: roundBudgetMinutes(t.errorBudget.remainingMinutes),
    },
    incidentDetails: {
      longestMinutes: roundMinutes(t.incidents.longestMinutes),
      mttrMinutes: t.incidents.mttrMinutes === undefined ? null : roundMinutes(t.incidents.mttrMinutes),
      list: t.incidents.list.map((incident) => ({
        start: isoInstant(incident.startMs),
        end: isoInstant(incident.endMs),
        durationMinutes: roundMinutes(incident.durationMinutes),
        downMinutes: incident.downMinutes,
        startedBefore: incident.startedBefore,
        ongoing: incident.ongoing,
        failingRegions: [...incident.failingRegions],
        dominantFailureClass: incident.dominantFailureClass ?? null,
        runbookUrl: incident.runbookUrl,
      })),
    },
  };
  if (memberOf !== undefined) json.memberOf = memberOf;
  return json;
}

function groupJson(g: GroupReport): JsonGroupReport {
  const vip = g.virtualAddress;
  return {
    name: g.name,
    virtualAddress: { target: vip.target, slo: vip.slo, availability: vip.availability === undefined ? null : roundAvailability(vip.availability), verdict: vip.verdict },
    redundancyLostMinutes: roundMinutes(g.redundancyLostMinutes),
    members: g.members.map((m) => ({ target: m.target, redundancyLostMinutes: roundMinutes(m.redundancyLostMinutes), downtimeMinutes: m.downtimeMinutes, incidents: m.incidents })),
    events: g.events.map((e) => ({ at: isoInstant(e.at), kind: e.kind, text: e.text })),
    indistinguishable: g.indistinguishable.map((members) => [...members]),
  };
}

/** The JSON value (for callers that embed it, e.g. a Lambda response). */
export function reportToJson(report: SlaReport): JsonReport {
  const memberOf = groupMembership(report.groups);
  const json: JsonReport = { from: isoInstant(report.fromMs), to: isoInstant(report.toMs), targets: report.targets.map((t) => targetJson(t, memberOf.get(t.target))) };
  if (report.groups !== undefined) json.groups = report.groups.map(groupJson);
  return json;
}

/** The JSON document, pretty-printed, with a final newline. */
export function renderJson(report: SlaReport): string {
  return `${JSON.stringify(reportToJson(report), null, 2)}\n`;
}
