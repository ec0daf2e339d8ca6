// Where a report's probe records come from: the local store, a history file, or CloudWatch. Each returns
// the records per target and the view to evaluate them with (local results: one region 'local').
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { readFile } from 'node:fs/promises';
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import { readHistory } from '../metrics/cloudwatch-history.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { REPORT_LOOKBACK_MS, reportBucketMs, reportTarget, type ReportRange, type SlaReport, type TargetReport } from '../sla/report.js';
import { createLocalStore, parseResultLines, sortRecords } from '../store/local-store.js';
import { isLocalHistory, localView } from './local-view.js';
import { probeShardMap, type ProbeShardMap } from '../runners/lambda/probe-lambda-sizing.js';

/** CloudWatch keeps 1-minute points for 15 days; a day of margin so a read never falls off the edge. */
export const CLOUDWATCH_MINUTE_DATA_MS = 14 * 86_400_000;

export interface ReportRecords {
  records: Map<string, ProbeRecord[]>;
  view?: (t: ResolvedTarget) => ResolvedTarget;
  /** Lines or data points that could not be used, for the caller to report. */
  skipped: string[];
  /** CloudWatch only: metrics requested (billed) and whether 5-minute aggregates were needed. */
  metricsRequested?: number;
  usedFiveMinuteData?: boolean;
}

function group(records: readonly ProbeRecord[]): Map<string, ProbeRecord[]> {
  const out = new Map<string, ProbeRecord[]>();
  for (const r of records) {
    const list = out.get(r.target) ?? [];
    list.push(r);
    out.set(r.target, list);
  }
  return out;
}

/** Records from the local store or a history file, with the local view when `local`, else the configured regions. */
function fromRecords(records: ProbeRecord[], skipped: string[], local: boolean): ReportRecords {
  return { records: group(sortRecords(records)), skipped, ...(local ? { view: localView } : {}) };
}

/**
 * The local store holds only what the local monitor wrote, under the region 'local': it always gets the
 * local view, also when the range holds no record (a report of nothing is still a report of 'local', not
 * of the configured regions). A store that holds other regions' results was filled by hand: those get
 * the configured regions, as before.
 */
export async function recordsFromStore(dir: string, range: ReportRange): Promise<ReportRecords> {
  const read = await createLocalStore(dir).read(range.fromMs - REPORT_LOOKBACK_MS, range.toMs);
  const local = read.records.length === 0 || isLocalHistory(read.records);
  return fromRecords(read.records, read.skipped.map((s) => `${s.file}:${s.line}: ${s.problem}`), local);
}

/** A history file is local when every record in it is, whether or not any falls in the range. */
export async function recordsFromHistoryFile(path: string, range: ReportRange): Promise<ReportRecords> {
  const read = parseResultLines(await readFile(path, 'utf8'), path);
  const from = range.fromMs - REPORT_LOOKBACK_MS;
  const inRange = read.records.filter((r) => r.intervalStart >= from && r.intervalStart < range.toMs);
  return fromRecords(inRange, read.skipped.map((s) => `${s.file}:${s.line}: ${s.problem}`), isLocalHistory(read.records));
}

/**
 * Records rebuilt from CloudWatch in the home region: 1-minute points for the last 14 days, 5-minute
 * aggregates before that (see readHistory for the approximation that needs).
 */
export async function recordsFromCloudWatch(
  client: Pick<CloudWatchClient, 'send'>,
  config: ResolvedConfig,
  range: ReportRange,
  nowMs: number,
  /** The probe shards of the whole config when `config` holds a batch of its targets (heartbeats are per probe shard). */
  probeShards: ProbeShardMap = probeShardMap(config),
): Promise<ReportRecords> {
  const from = range.fromMs - REPORT_LOOKBACK_MS;
  const split = Math.min(range.toMs, Math.max(from, Math.ceil((nowMs - CLOUDWATCH_MINUTE_DATA_MS) / 300_000) * 300_000));
  const parts = [];
  if (split > from) parts.push(await readHistory(client, config, { fromMs: from, toMs: split, latency: false, full: true, periodS: 300, probeShards }));
  if (range.toMs > split) parts.push(await readHistory(client, config, { fromMs: split, toMs: range.toMs, latency: false, full: true, probeShards }));
  const records = new Map<string, ProbeRecord[]>();
  for (const part of parts) for (const [target, list] of part.records) records.set(target, [...(records.get(target) ?? []), ...list]);
  return { records, skipped: [], metricsRequested: parts.reduce((n, p) => n + p.metricsRequested, 0), usedFiveMinuteData: split > from };
}

/** Targets read from CloudWatch and reported at a time: a month of 3-region minutes is ~134k records per target. */
export const CLOUDWATCH_REPORT_BATCH_TARGETS = 10;

/**
 * The report straight from CloudWatch, a batch of targets at a time, so memory stays bounded by the batch
 * (about 200 MB) rather than growing with the fleet (100 targets held at once took 2.3 GB in bench:sla).
 */
export async function reportFromCloudWatch(
  client: Pick<CloudWatchClient, 'send'>,
  config: ResolvedConfig,
  range: ReportRange,
  nowMs: number,
): Promise<{ report: SlaReport; metricsRequested: number; usedFiveMinuteData: boolean }> {
  if (!(range.toMs > range.fromMs)) throw new RangeError('report range must have from < to');
  const bucketMs = reportBucketMs(range.toMs - range.fromMs);
  const targets: TargetReport[] = [];
  let metricsRequested = 0;
  let usedFiveMinuteData = false;
  const probeShards = probeShardMap(config);
  for (let i = 0; i < config.targets.length; i += CLOUDWATCH_REPORT_BATCH_TARGETS) {
    const batch = config.targets.slice(i, i + CLOUDWATCH_REPORT_BATCH_TARGETS);
    const read = await recordsFromCloudWatch(client, { ...config, targets: batch }, range, nowMs, probeShards);
    metricsRequested += read.metricsRequested ?? 0;
    usedFiveMinuteData ||= read.usedFiveMinuteData === true;
    for (const target of batch) targets.push(reportTarget(target, read.records.get(target.name) ?? [], range, bucketMs, nowMs));
  }
  return { report: { fromMs: range.fromMs, toMs: range.toMs, bucketMs, targets }, metricsRequested, usedFiveMinuteData };
}
