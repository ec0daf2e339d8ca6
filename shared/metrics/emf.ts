// CloudWatch Embedded Metric Format: a log line that CloudWatch Logs turns into metrics. Used as the
// fallback when PutMetricData keeps failing, so a data point is never dropped: in Lambda the log line
// itself is ingested as the metric. Pure.
import type { Datum } from './metric-design.js';

export function emfLine(namespace: string, datum: Datum): string {
  const dimensionNames = Object.keys(datum.dimensions).sort();
  return JSON.stringify({
    _aws: {
      Timestamp: datum.timestamp,
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [dimensionNames], Metrics: [{ Name: datum.metricName, Unit: datum.unit }] }],
    },
    ...datum.dimensions,
    [datum.metricName]: datum.value,
  });
}
