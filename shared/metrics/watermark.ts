// The evaluator's watermark in CloudWatch (see shared/cycles/evaluation-window.ts for why it exists): one
// `EvaluatedUntil{Shard}` point per run, timestamped with the instant evaluated; the newest point is the
// watermark. Meets the cycles' WatermarkStore port.
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { MetricSink, WatermarkStore } from '../cycles/ports.js';
import { HOUR_MS, MINUTE_MS, floorTo } from '../common/time.js';
import { Dimension, MetricName } from './metric-design.js';

/** How far back the watermark is looked for: the evaluator never catches up further than this anyway. */
export const WATERMARK_LOOKBACK_MS = 2 * HOUR_MS;

export interface WatermarkStoreOptions {
  /** Reads the watermark (GetMetricData). */
  client: Pick<CloudWatchClient, 'send'>;
  /** Writes it (namespace-scoped PutMetricData, with the publisher's retries). */
  publisher: MetricSink;
  namespace: string;
}

export function createCloudWatchWatermarks(options: WatermarkStoreOptions): WatermarkStore {
  return {
    async read(shard, nowMs, signal) {
      const end = floorTo(nowMs, MINUTE_MS) + MINUTE_MS;
      const out = await options.client.send(
        new GetMetricDataCommand({
          MetricDataQueries: [
            { Id: 'w', MetricStat: { Metric: { Namespace: options.namespace, MetricName: MetricName.EvaluatedUntil, Dimensions: [{ Name: Dimension.Shard, Value: String(shard) }] }, Period: 60, Stat: 'SampleCount' }, ReturnData: true },
          ],
          StartTime: new Date(end - WATERMARK_LOOKBACK_MS),
          EndTime: new Date(end),
          ScanBy: 'TimestampDescending',
        }),
        signal ? { abortSignal: signal } : {},
      );
      const times = (out.MetricDataResults?.[0]?.Timestamps ?? []).map((d) => (d instanceof Date ? d.getTime() : Number.NaN)).filter(Number.isFinite);
      return times.length > 0 ? Math.max(...times) : undefined;
    },
    async write(shard, t, signal) {
      const report = await options.publisher.publish([{ metricName: MetricName.EvaluatedUntil, dimensions: { [Dimension.Shard]: String(shard) }, timestamp: t, value: 1, unit: 'Count' }], signal);
      return report.published === 1;
    },
  };
}
