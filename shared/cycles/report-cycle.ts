// The report use-case over ports: an SLA report of a range built from a history source a batch of targets
// at a time, and the monthly run that summarises it to a sink. Used by the report function (CloudWatch
// history, the ticket topic) and by `pptp-monitor report --source cloudwatch`.
import { groupsOf, type ResolvedConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { reportSummary } from '../report/report-summary.js';
import { observationsOf, type IdentityObservation } from '../sla/groups/identity-events.js';
import { groupReports } from '../sla/report-groups.js';
import { reportBucketMs, reportRecordsFromMs, reportTarget, type ReportRange, type SlaReport, type TargetReport } from '../sla/report.js';
import type { HistorySource, SummarySink } from './ports.js';

/** Targets read and reported at a time: a month of 3-region minutes is ~134k records per target. */
export const REPORT_BATCH_TARGETS = 10;

export interface HistoryReport {
  report: SlaReport;
  metricsRequested: number;
  usedFiveMinuteData: boolean;
}

/**
 * The report of `range`, a batch of targets at a time, so memory stays bounded by the batch (about 200 MB)
 * rather than growing with the fleet (100 targets held at once took 2.3 GB in bench:sla).
 *
 * Gateway groups are reported once every batch is in: a group's targets may fall in different batches, so
 * who answered (CloudWatch's sparse ServerIdentity points, and the SCCRP identity of records that carry
 * one) is kept for the grouped targets across batches; it is a point per change or per day, not per minute.
 */
export async function reportFromHistory(history: HistorySource, config: ResolvedConfig, range: ReportRange, nowMs: number, signal?: AbortSignal): Promise<HistoryReport> {
  if (!(range.toMs > range.fromMs)) throw new RangeError('report range must have from < to');
  const bucketMs = reportBucketMs(range.toMs - range.fromMs);
  const targets: TargetReport[] = [];
  let metricsRequested = 0;
  let usedFiveMinuteData = false;
  const groups = groupsOf(config);
  const grouped = new Set(groups.flatMap((g) => [g.name, ...g.members]));
  const observations: IdentityObservation[] = [];
  for (let i = 0; i < config.targets.length; i += REPORT_BATCH_TARGETS) {
    const batch = config.targets.slice(i, i + REPORT_BATCH_TARGETS);
    // From the previous period's start (shown beside this one), which also holds the look-back that
    // recognises an incident open at the range's start.
    const read = await history.range({ ...config, targets: batch }, { fromMs: reportRecordsFromMs(range), toMs: range.toMs, nowMs }, signal);
    metricsRequested += read.metricsRequested;
    usedFiveMinuteData ||= read.usedFiveMinuteData === true;
    for (const target of batch) {
      const records = read.records.get(target.name) ?? [];
      targets.push(reportTarget(target, records, range, bucketMs, nowMs));
      if (!grouped.has(target.name)) continue;
      for (const point of read.identities?.get(target.name) ?? []) observations.push({ target: target.name, intervalStart: point.intervalStart, fingerprint: point.fingerprint });
      observations.push(...observationsOf(records));
    }
  }
  const report: SlaReport = { fromMs: range.fromMs, toMs: range.toMs, bucketMs, targets };
  if (groups.length > 0) report.groups = groupReports(config, targets, observations, range);
  return { report, metricsRequested, usedFiveMinuteData };
}

export interface ReportCycleInput {
  config: ResolvedConfig;
  range: ReportRange;
  nowMs: number;
  /** This run's part of a report split over several invocations (a large fleet), named in the summary. */
  part?: { shard: number; shards: number };
}

export interface ReportPorts {
  history: HistorySource;
  summaries: SummarySink;
  log: Logger;
}

export interface ReportRun {
  targets: number;
  belowSlo: string[];
  metricsRequested: number;
}

/** One report run: build, summarise, publish. A summary that could not be published goes to the log whole, then the run fails. */
export async function runReportCycle(input: ReportCycleInput, ports: ReportPorts, signal?: AbortSignal): Promise<ReportRun> {
  const { range } = input;
  const from = new Date(range.fromMs).toISOString();
  const to = new Date(range.toMs).toISOString();
  const source = await reportFromHistory(ports.history, input.config, range, input.nowMs, signal);
  const report = source.report;
  const summary = reportSummary(report, `pptp-monitor report --source cloudwatch --from ${from} --to ${to} --format html`, input.part);
  const outcome = await ports.summaries.publish(summary, signal);
  if (outcome.ok) {
    ports.log.info('report published', { from, to, targets: report.targets.length, belowSlo: summary.belowSlo, metricsRequested: source.metricsRequested });
    return { targets: report.targets.length, belowSlo: summary.belowSlo, metricsRequested: source.metricsRequested };
  }
  // Nothing lost: the whole summary goes to the log, from where it can be re-sent.
  ports.log.error('report publish failed; the summary follows', { error: outcome.error, subject: summary.subject, message: summary.message });
  throw new Error(`report publish failed: ${outcome.error instanceof Error ? outcome.error.message : String(outcome.error)}`, { cause: outcome.error });
}
