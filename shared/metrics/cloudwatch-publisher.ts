// The CloudWatch edge: sends planned PutMetricData requests, retries throttling, 5xx and network errors
// with exponential backoff and full jitter, and writes every point of a request that still fails to the
// log in Embedded Metric Format, so that nothing is dropped. The client is injectable.
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { DEFAULT_RETRY_POLICY, describeAwsError, withRetries, type RetryPolicy } from '../aws/retry.js';
import type { MetricSink, PublishReport } from '../cycles/ports.js';
import { planRequests, type BatchedDatum } from './batch.js';
import { emfLine } from './emf.js';

export type { PublishReport } from '../cycles/ports.js';

export interface PublisherLog {
  /** One line of structured output (JSON); EMF lines go here too. */
  write(line: string): void;
}

export interface PublisherOptions {
  namespace: string;
  region: string;
  client?: Pick<CloudWatchClient, 'send'>;
  retry?: RetryPolicy;
  log?: PublisherLog;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
}

/** The CloudWatch publisher is the cycles' metric sink. */
export type MetricPublisher = MetricSink;

function toSdkDatum(entry: BatchedDatum): MetricDatum {
  const datum: MetricDatum = {
    MetricName: entry.metricName,
    Dimensions: Object.entries(entry.dimensions).map(([Name, Value]) => ({ Name, Value })),
    Timestamp: new Date(entry.timestamp),
    Unit: entry.unit,
  };
  if (entry.values.length === 1 && entry.counts[0] === 1) datum.Value = entry.values[0];
  else {
    datum.Values = entry.values;
    datum.Counts = entry.counts;
  }
  return datum;
}

export function createMetricPublisher(options: PublisherOptions): MetricPublisher {
  const client = options.client ?? new CloudWatchClient({ region: options.region, maxAttempts: 1 });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const log = options.log ?? { write: (line: string) => process.stdout.write(`${line}\n`) };

  async function send(entries: BatchedDatum[], report: PublishReport, signal?: AbortSignal): Promise<void> {
    const input = { Namespace: options.namespace, MetricData: entries.map(toSdkDatum) };
    const outcome = await withRetries(() => client.send(new PutMetricDataCommand(input), signal ? { abortSignal: signal } : {}), {
      policy: retry,
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.random && { random: options.random }),
      ...(signal && { signal }),
      onRetry: (attempt, delay, err) =>
        log.write(JSON.stringify({ level: 'WARN', message: 'PutMetricData failed, retrying', attempt, delayMs: Math.round(delay), error: describeAwsError(err) })),
    });
    report.requests += outcome.attempts;
    if (outcome.ok) {
      report.published += entries.reduce((n, e) => n + e.points.length, 0);
      if (outcome.attempts > 1) report.retried++;
      return;
    }
    const lastError = outcome.error;
    const points = entries.flatMap((e) => e.points);
    report.errors.push(describeAwsError(lastError));
    log.write(
      JSON.stringify({
        level: 'ERROR',
        message: 'PutMetricData failed for good; every data point of the request follows as EMF',
        points: points.length,
        error: describeAwsError(lastError),
      }),
    );
    for (const p of points) log.write(emfLine(options.namespace, p));
    report.loggedAsEmf += points.length;
  }

  return {
    async publish(points, signal) {
      const report: PublishReport = { requests: 0, retried: 0, published: 0, loggedAsEmf: 0, errors: [] };
      for (const entries of planRequests(points)) await send(entries, report, signal);
      return report;
    },
  };
}
