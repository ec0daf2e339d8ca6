// The CloudWatch edge: sends planned PutMetricData requests, retries throttling, 5xx and network errors
// with exponential backoff and full jitter, and writes every point of a request that still fails to the
// log in Embedded Metric Format, so that nothing is dropped. The client is injectable.
// createMetricSender is the same send without the EMF fallback, one request at a time, for a caller that
// keeps what fails itself (the agent's spool); both go through sendRequest, the one copy of the send.
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { DEFAULT_RETRY_POLICY, describeAwsError, withRetries, type RetryPolicy } from '../aws/retry.js';
import type { MetricSink, PublishReport } from '../cycles/ports.js';
import { planRequests, type BatchedDatum } from './batch.js';
import { emfLine } from './emf.js';
import type { Datum } from './metric-design.js';

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

/** What one PutMetricData request came to, retries included. */
export type SendOutcome =
  | { ok: true; attempts: number }
  /** `error`: the last error, `Name (HTTP status): message`. `refused`: CloudWatch refused the request's
   * content (a bad parameter, a timestamp out of its window): sending it again can never succeed. */
  | { ok: false; attempts: number; error: string; refused: boolean };

/** Sends points that fit one PutMetricData request; never throws for a failed send, the outcome says. */
export interface MetricSender {
  send(points: readonly Datum[], signal?: AbortSignal): Promise<SendOutcome>;
}

// Error names (SDK v3 exception names and the wire codes) CloudWatch gives a request whose content it
// will never accept. Only these make a failure `refused`: an access or credential error is not retryable
// either, yet says nothing about the request, and a caller that drops refused requests must not drop
// everything it holds while a role is misconfigured.
const REFUSED_ERROR_NAMES = new Set([
  'InvalidParameterValueException',
  'InvalidParameterValue',
  'InvalidParameterCombinationException',
  'InvalidParameterCombination',
  'MissingRequiredParameterException',
  'MissingParameter',
]);

function isRefusal(err: unknown): boolean {
  return err instanceof Error && REFUSED_ERROR_NAMES.has(err.name);
}

type SendRequest = (entries: readonly BatchedDatum[], signal?: AbortSignal) => Promise<SendOutcome>;

function requestSender(options: PublisherOptions, log: PublisherLog): SendRequest {
  const client = options.client ?? new CloudWatchClient({ region: options.region, maxAttempts: 1 });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  return async (entries, signal) => {
    const input = { Namespace: options.namespace, MetricData: entries.map(toSdkDatum) };
    const outcome = await withRetries(() => client.send(new PutMetricDataCommand(input), signal ? { abortSignal: signal } : {}), {
      policy: retry,
      ...(options.sleep && { sleep: options.sleep }),
      ...(options.random && { random: options.random }),
      ...(signal && { signal }),
      onRetry: (attempt, delay, err) =>
        log.write(JSON.stringify({ level: 'WARN', message: 'PutMetricData failed, retrying', attempt, delayMs: Math.round(delay), error: describeAwsError(err) })),
    });
    if (outcome.ok) return { ok: true, attempts: outcome.attempts };
    return { ok: false, attempts: outcome.attempts, error: describeAwsError(outcome.error), refused: isRefusal(outcome.error) };
  };
}

const defaultLog = (): PublisherLog => ({ write: (line: string) => process.stdout.write(`${line}\n`) });

export function createMetricSender(options: PublisherOptions): MetricSender {
  const sendRequest = requestSender(options, options.log ?? defaultLog());
  return {
    async send(points, signal) {
      const requests = planRequests(points);
      // The caller relies on all-or-nothing: a sent batch is acknowledged whole. Splitting here would
      // break that silently, so a batch that is not exactly one request is the caller's bug.
      if (requests.length !== 1) throw new RangeError(`createMetricSender: send takes points that make exactly one PutMetricData request, got ${points.length} points making ${requests.length}`);
      return sendRequest(requests[0]!, signal);
    },
  };
}

export function createMetricPublisher(options: PublisherOptions): MetricPublisher {
  const log = options.log ?? defaultLog();
  const sendRequest = requestSender(options, log);

  async function send(entries: BatchedDatum[], report: PublishReport, signal?: AbortSignal): Promise<void> {
    const outcome = await sendRequest(entries, signal);
    report.requests += outcome.attempts;
    if (outcome.ok) {
      report.published += entries.reduce((n, e) => n + e.points.length, 0);
      if (outcome.attempts > 1) report.retried++;
      return;
    }
    const points = entries.flatMap((e) => e.points);
    report.errors.push(outcome.error);
    log.write(
      JSON.stringify({
        level: 'ERROR',
        message: 'PutMetricData failed for good; every data point of the request follows as EMF',
        points: points.length,
        error: outcome.error,
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
