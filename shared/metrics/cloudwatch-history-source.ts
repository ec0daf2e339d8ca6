// The cycles' HistorySource over CloudWatch in the home region: the evaluator's recent read, and a
// report's read of any range, which past CloudWatch's retention of 1-minute points has to fall back on
// 5-minute aggregates (see history-rebuild.ts for how those become intervals again).
import { DAY_MS, ceilTo } from '../common/time.js';
import type { HistoryRead, HistorySource, IdentityPoint, ProbeShardMap } from '../cycles/ports.js';
import type { Logger } from '../log/logger.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { readHistory, type GetMetricDataClient, type HistoryResult, type HistoryRetry } from './cloudwatch-history.js';
import type { ReadPacer } from './read-pacer.js';

/** CloudWatch keeps 1-minute points for 15 days; a day of margin so a read never falls off the edge. */
export const CLOUDWATCH_MINUTE_DATA_MS = 14 * DAY_MS;
/** Period of the aggregates read beyond that, in ms (CloudWatch keeps them for 63 days). */
const AGGREGATE_MS = 5 * 60_000;

export interface CloudWatchHistoryOptions {
  client: GetMetricDataClient;
  /** The probe shards of the whole config, as deployed: heartbeats are read per probe shard. */
  probeShards: ProbeShardMap;
  /** Where a read that found duplicated probe reports says so. */
  log?: Pick<Logger, 'warn'>;
  /** Throttled calls wait and try again (see HistoryRequest.retry). */
  retry?: HistoryRetry;
  /** Every read's calls wait for their points to fit this pace (see HistoryRequest.pace). */
  pace?: ReadPacer;
}

export function createCloudWatchHistory(options: CloudWatchHistoryOptions): HistorySource {
  const { client, probeShards } = options;
  const extra = { ...(options.log && { log: options.log }), ...(options.retry && { retry: options.retry }), ...(options.pace && { pace: options.pace }) };
  return {
    recent: (config, request, signal) => readHistory(client, config, { ...request, probeShards, ...extra }, signal),
    async range(config, request, signal) {
      const split = Math.min(request.toMs, Math.max(request.fromMs, ceilTo(request.nowMs - CLOUDWATCH_MINUTE_DATA_MS, AGGREGATE_MS)));
      const parts: HistoryResult[] = [];
      const full = { latency: false, full: true, identity: true, probeShards, ...extra };
      if (split > request.fromMs) parts.push(await readHistory(client, config, { ...full, fromMs: request.fromMs, toMs: split, periodS: 300 }, signal));
      if (request.toMs > split) parts.push(await readHistory(client, config, { ...full, fromMs: split, toMs: request.toMs }, signal));
      return joined(parts, split > request.fromMs);
    },
  };
}

/** The parts of a read, oldest first, as one. */
function joined(parts: readonly HistoryResult[], usedFiveMinuteData: boolean): HistoryRead {
  const records = new Map<string, ProbeRecord[]>();
  const lastHeartbeat = new Map<string, number | undefined>();
  const identities = new Map<string, IdentityPoint[]>();
  for (const part of parts) {
    for (const [target, list] of part.records) records.set(target, [...(records.get(target) ?? []), ...list]);
    for (const [key, last] of part.lastHeartbeat) lastHeartbeat.set(key, last ?? lastHeartbeat.get(key));
    for (const [target, list] of part.identities ?? []) identities.set(target, [...(identities.get(target) ?? []), ...list]);
  }
  return {
    records,
    lastHeartbeat,
    metricsRequested: parts.reduce((n, p) => n + p.metricsRequested, 0),
    calls: parts.reduce((n, p) => n + p.calls, 0),
    retries: parts.reduce((n, p) => n + p.retries, 0),
    usedFiveMinuteData,
    identities,
    identitiesDropped: parts.reduce((n, p) => n + (p.identitiesDropped ?? 0), 0),
  };
}
