// The CloudWatch edge: sends planned PutMetricData requests, retries throttling, 5xx and network errors
// with exponential backoff and full jitter, and writes every point of a request that still fails to the
// log in Embedded Metric Format, so that nothing is dropped. The client is injectable.
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { emfLine } from './emf.js';
import { planRequests, type BatchedDatum } from './batch.js';
import type { Datum } from './metric-design.js';

export interface RetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  /** Backoff cap before jitter for the first retry, in ms; doubled each retry. */
  baseDelayMs: number;
  /** Largest backoff, in ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

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

export interface PublishReport {
  requests: number;
  /** Requests that needed at least one retry. */
  retried: number;
  /** Data points CloudWatch accepted. */
  published: number;
  /** Data points written to the log as EMF because their request failed for good. */
  loggedAsEmf: number;
  /** The last error of each failed request, for the invocation's own report. */
  errors: string[];
}

export interface MetricPublisher {
  publish(points: readonly Datum[], signal?: AbortSignal): Promise<PublishReport>;
}

const THROTTLING_NAMES = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

interface SdkErrorLike {
  name?: string;
  code?: string;
  $fault?: 'client' | 'server';
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number };
}

/** Throttling, server faults and network errors are worth another try; a rejected request is not. */
export function isRetryable(err: unknown): boolean {
  const e = err as SdkErrorLike;
  if (e.$retryable) return true;
  if (e.name && THROTTLING_NAMES.has(e.name)) return true;
  if (e.$fault === 'server') return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  if (e.code && NETWORK_CODES.has(e.code)) return true;
  return e.name === 'TimeoutError';
}

const defaultSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

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

function describe(err: unknown): string {
  const e = err as SdkErrorLike & { message?: string };
  return `${e.name ?? 'Error'}${e.$metadata?.httpStatusCode ? ` (HTTP ${e.$metadata.httpStatusCode})` : ''}: ${e.message ?? String(err)}`;
}

export function createMetricPublisher(options: PublisherOptions): MetricPublisher {
  const client = options.client ?? new CloudWatchClient({ region: options.region, maxAttempts: 1 });
  const retry = options.retry ?? DEFAULT_RETRY_POLICY;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const log = options.log ?? { write: (line: string) => process.stdout.write(`${line}\n`) };

  async function send(entries: BatchedDatum[], report: PublishReport, signal?: AbortSignal): Promise<void> {
    const input = { Namespace: options.namespace, MetricData: entries.map(toSdkDatum) };
    let lastError: unknown;
    for (let attempt = 1; attempt <= retry.attempts; attempt++) {
      report.requests++;
      try {
        await client.send(new PutMetricDataCommand(input), signal ? { abortSignal: signal } : {});
        report.published += entries.reduce((n, e) => n + e.points.length, 0);
        if (attempt > 1) report.retried++;
        return;
      } catch (err) {
        lastError = err;
        if (!isRetryable(err) || attempt === retry.attempts || signal?.aborted) break;
        const cap = Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1));
        const delay = random() * cap; // full jitter: spreads the retries of many invocations apart
        log.write(JSON.stringify({ level: 'WARN', message: 'PutMetricData failed, retrying', attempt, delayMs: Math.round(delay), error: describe(err) }));
        await sleep(delay, signal);
      }
    }
    const points = entries.flatMap((e) => e.points);
    report.errors.push(describe(lastError));
    log.write(
      JSON.stringify({
        level: 'ERROR',
        message: 'PutMetricData failed for good; every data point of the request follows as EMF',
        points: points.length,
        error: describe(lastError),
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
