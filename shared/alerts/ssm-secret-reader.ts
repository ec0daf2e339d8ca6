// The AWS notifier's SecretReader: SSM Parameter Store SecureString parameters (`{ ssm: /name }`), read
// with GetParameter and WithDecryption at first use, then kept for the container's life for `ttlMs` so a
// rotated key is picked up within that time without a redeploy. Throttling, 5xx and network errors are
// retried with the shared backoff; a value is never logged, returned in an error or cached after a
// failure (while SSM is unavailable, a value read before is used past its time). Concurrent reads of one
// parameter share one request. The client is injectable.
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { DEFAULT_RETRY_POLICY, describeAwsError, isRetryable, withRetries, type RetryPolicy } from '../aws/retry.js';
import { rejectUnknownOptions } from '../common/options.js';
import type { Logger } from '../log/logger.js';
import { SecretUnavailableError, type SecretReader } from './destinations/secrets.js';

/**
 * How long a value read from SSM is used before it is read again, in ms: a rotated key reaches the notifier
 * within 5 minutes, and a busy container makes at most one GetParameter per parameter per 5 minutes (SSM's
 * standard throughput is 40 GetParameter calls a second per account and region, shared with everything else).
 */
export const SECRET_CACHE_TTL_MS = 5 * 60 * 1000;

export interface SsmSecretReaderOptions {
  /** Built for `region` with `maxAttempts: 1` when omitted: this reader owns the retries. */
  client?: Pick<SSMClient, 'send'>;
  region?: string;
  ttlMs?: number;
  retry?: RetryPolicy;
  /** Ms since the epoch, for the cache. */
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Lines about parameters (a plain String where a SecureString is expected, retries): names only, never values. */
  log?: Pick<Logger, 'warn'>;
}

const OPTION_NAMES = ['client', 'region', 'ttlMs', 'retry', 'now', 'sleep', 'log'] as const;

export interface CachingSecretReader {
  read: SecretReader;
  /** Forgets every cached value (tests; a caller that saw a key refused). */
  clear(): void;
}

export function createSsmSecretReader(options: SsmSecretReaderOptions = {}): CachingSecretReader {
  rejectUnknownOptions('createSsmSecretReader', options, OPTION_NAMES);
  const client = options.client ?? new SSMClient({ ...(options.region && { region: options.region }), maxAttempts: 1 });
  const ttlMs = options.ttlMs ?? SECRET_CACHE_TTL_MS;
  const now = options.now ?? Date.now;
  const cache = new Map<string, { value: string; readAtMs: number }>();
  const inFlight = new Map<string, Promise<string>>();

  async function fetchParameter(name: string, where: string): Promise<string> {
    const outcome = await withRetries(() => client.send(new GetParameterCommand({ Name: name, WithDecryption: true })), {
      policy: options.retry ?? DEFAULT_RETRY_POLICY,
      ...(options.sleep && { sleep: options.sleep }),
      onRetry: (attempt, delayMs, err) => options.log?.warn('SSM GetParameter failed, retrying', { parameter: name, attempt, delayMs: Math.round(delayMs), error: describeAwsError(err) }),
    });
    if (!outcome.ok) {
      const stale = cache.get(name);
      // A value read before is better than none while SSM is unavailable: a key that was rotated meanwhile
      // is refused by the service, and that delivery goes to the dead-letter queue like any refused one.
      if (stale !== undefined && isRetryable(outcome.error)) {
        options.log?.warn('SSM GetParameter failed: using the value read before', { parameter: name, ageMs: now() - stale.readAtMs, error: describeAwsError(outcome.error) });
        return stale.value;
      }
      // The AWS error names the parameter and the role, never the value (there is none to name).
      throw new SecretUnavailableError(`${where} is { ssm: ${name} }: the SSM parameter could not be read after ${outcome.attempts} attempt(s): ${describeAwsError(outcome.error)}`, { cause: outcome.error });
    }
    const value = outcome.value.Parameter?.Value;
    if (value === undefined || value === '') throw new SecretUnavailableError(`${where} is { ssm: ${name} }: the SSM parameter has no value`);
    if (outcome.value.Parameter?.Type !== 'SecureString') {
      options.log?.warn('SSM parameter holding a secret is not a SecureString: it is stored unencrypted; recreate it with --type SecureString', { parameter: name, type: outcome.value.Parameter?.Type });
    }
    cache.set(name, { value, readAtMs: now() });
    return value;
  }

  const read: SecretReader = async (ref, where) => {
    if (!('ssm' in ref)) throw new SecretUnavailableError(`${where} is { env: ${ref.env} }: the Lambda functions read secrets from SSM Parameter Store only; write { ssm: <SecureString parameter name> }`);
    const name = ref.ssm;
    const cached = cache.get(name);
    if (cached !== undefined && now() - cached.readAtMs < ttlMs) return cached.value;
    const pending = inFlight.get(name);
    if (pending !== undefined) return pending;
    const request = fetchParameter(name, where).finally(() => inFlight.delete(name));
    inFlight.set(name, request);
    return request;
  };

  return { read, clear: () => cache.clear() };
}
