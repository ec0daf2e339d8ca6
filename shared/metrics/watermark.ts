// The evaluator's watermark in CloudWatch (see shared/cycles/evaluation-window.ts for why it exists).
import { GetMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { MetricPublisher } from './cloudwatch-publisher.js';
import { Dimension, MetricName } from './metric-design.js';

/** How far back the watermark is looked for: the evaluator never catches up further than this anyway. */
export const WATERMARK_LOOKBACK_MS = 2 * 60 * 60_000;

export async function readWatermark(client: Pick<CloudWatchClient, 'send'>, namespace: string, shard: number, nowMs: number, signal?: AbortSignal): Promise<number | undefined> {
  const end = Math.floor(nowMs / 60_000) * 60_000 + 60_000;
  const out = await client.send(
    new GetMetricDataCommand({
      MetricDataQueries: [{ Id: 'w', MetricStat: { Metric: { Namespace: namespace, MetricName: MetricName.EvaluatedUntil, Dimensions: [{ Name: Dimension.Shard, Value: String(shard) }] }, Period: 60, Stat: 'SampleCount' }, ReturnData: true }],
      StartTime: new Date(end - WATERMARK_LOOKBACK_MS),
      EndTime: new Date(end),
      ScanBy: 'TimestampDescending',
    }),
    signal ? { abortSignal: signal } : {},
  );
  const times = (out.MetricDataResults?.[0]?.Timestamps ?? []).map((d) => (d instanceof Date ? d.getTime() : Number.NaN)).filter(Number.isFinite);
  return times.length > 0 ? Math.max(...times) : undefined;
}

export async function writeWatermark(publisher: MetricPublisher, shard: number, t: number, signal?: AbortSignal): Promise<boolean> {
  const report = await publisher.publish([{ metricName: MetricName.EvaluatedUntil, dimensions: { [Dimension.Shard]: String(shard) }, timestamp: t, value: 1, unit: 'Count' }], signal);
  return report.published === 1;
}
