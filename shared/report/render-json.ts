// `--format json`: the report for machines. The keys the issue fixes keep their exact names and meaning
// (availability in percent, errorBudgetRemaining a fraction of the budget, negative when overspent, null
// when nothing was counted; `incidents` the number of incidents); everything else is an extra key beside
// them. Absent values are null (JSON has no undefined), never 0: "no latency sample" is not "0 ms", and a
// range with no data has `covered: null`, not 100% of its budget left.
import type { BudgetBasis } from '../sla/report-budget.js';
import type { Percentiles, SlaReport, TargetReport } from '../sla/report.js';
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
  owner: string | null;
  tags: Record<string, string>;
  intervalMinutes: number;
  quorum: number;
  rangeMinutes: number;
  /** What the report covered: from the first record (or `from`) to the last interval complete when it was made; null: no data. */
  covered: { from: string; to: string; minutes: number } | null;
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
}

export interface JsonReport {
  from: string;
  to: string;
  targets: JsonTargetReport[];
}

function percentiles(p: Percentiles): JsonPercentiles {
  return { p50: roundLatency(p.p50), p95: roundLatency(p.p95), p99: roundLatency(p.p99), samples: p.samples };
}

function targetJson(t: TargetReport): JsonTargetReport {
  return {
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
    owner: t.owner ?? null,
    tags: { ...t.tags },
    intervalMinutes: t.intervalMinutes,
    quorum: t.quorum,
    rangeMinutes: t.rangeMinutes,
    covered: t.covered === undefined ? null : { from: isoInstant(t.covered.fromMs), to: isoInstant(t.covered.toMs), minutes: t.covered.minutes },
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
      })),
    },
  };
}

/** The JSON value (for callers that embed it, e.g. a Lambda response). */
export function reportToJson(report: SlaReport): JsonReport {
  return { from: isoInstant(report.fromMs), to: isoInstant(report.toMs), targets: report.targets.map(targetJson) };
}

/** The JSON document, pretty-printed, with a final newline. */
export function renderJson(report: SlaReport): string {
  return `${JSON.stringify(reportToJson(report), null, 2)}\n`;
}
