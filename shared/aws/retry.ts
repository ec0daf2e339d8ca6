// Retries for AWS calls, shared by the CloudWatch publisher, the SNS alert publisher and the report
// function: exponential backoff with full jitter (spreads the retries of many invocations apart), only
// for errors that can clear (throttling, server faults, network), and stopping once the caller's deadline
// signal fires.

export interface RetryPolicy {
  /** Tries per request, the first included. */
  attempts: number;
  /** Backoff cap before jitter for the first retry, in ms; doubled each retry. */
  baseDelayMs: number;
  /** Largest backoff, in ms. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 100, maxDelayMs: 2000 };

const THROTTLING_NAMES = new Set(['Throttling', 'ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded']);
const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT', 'EPIPE', 'EAI_AGAIN', 'ENOTFOUND', 'ECONNABORTED']);

/** A field of a thrown value, read without trusting its shape: anything can be thrown, SDK errors or not. */
function field(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && key in value ? Reflect.get(value, key) : undefined;
}

/** The HTTP status an SDK error carries in `$metadata`, when it is a number. */
function httpStatusOf(err: unknown): number | undefined {
  const status = field(field(err, '$metadata'), 'httpStatusCode');
  return typeof status === 'number' ? status : undefined;
}

/** Throttling, server faults and network errors are worth another try; a rejected request is not. */
export function isRetryable(err: unknown): boolean {
  if (field(err, '$retryable')) return true;
  const name = field(err, 'name');
  if (typeof name === 'string' && THROTTLING_NAMES.has(name)) return true;
  if (field(err, '$fault') === 'server') return true;
  const status = httpStatusOf(err);
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const code = field(err, 'code');
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  return name === 'TimeoutError';
}

/** `Name (HTTP status): message`, for logs and reports. */
export function describeAwsError(err: unknown): string {
  const name = field(err, 'name');
  const message = field(err, 'message');
  const status = httpStatusOf(err);
  return `${typeof name === 'string' ? name : 'Error'}${status ? ` (HTTP ${status})` : ''}: ${typeof message === 'string' ? message : String(err)}`;
}

/** Waits `ms`, or less when the signal fires. Not unref'd: a pending retry is work the process must wait for. */
export const abortableSleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });

export interface RetryOptions {
  policy: RetryPolicy;
  retryable?: (err: unknown) => boolean;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  signal?: AbortSignal;
  /** Called before each pause, e.g. to log a WARN line. */
  onRetry?: (attempt: number, delayMs: number, err: unknown) => void;
}

export type RetryOutcome<T> = { ok: true; value: T; attempts: number } | { ok: false; error: unknown; attempts: number };

/** Runs `call` until it succeeds, fails with an error not worth retrying, runs out of tries, or the signal fires. */
export async function withRetries<T>(call: () => Promise<T>, options: RetryOptions): Promise<RetryOutcome<T>> {
  const retryable = options.retryable ?? isRetryable;
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const { policy, signal } = options;
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await call(), attempts: attempt };
    } catch (err) {
      if (!retryable(err) || attempt >= policy.attempts || signal?.aborted) return { ok: false, error: err, attempts: attempt };
      const delay = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      options.onRetry?.(attempt, delay, err);
      await sleep(delay, signal);
    }
  }
}
