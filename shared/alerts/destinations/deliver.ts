// Sends one formatted request: a timeout per try, retries for what can clear (429, honouring Retry-After;
// 5xx; network errors and timeouts) with exponential backoff and full jitter, none for what cannot (any
// other 4xx, a redirect). Never throws for a failed delivery: the outcome says what happened and the
// caller decides (the local monitor prints the body; in AWS a dead-letter queue keeps it).
//
// Secrets: a webhook URL is a credential (Slack's path, Teams' signed query string), and so are the
// routing key, API key and HMAC secret. Nothing this file writes or returns holds the URL: only the
// destination's name and the URL's host. Response excerpts pass through `redact` with the secrets the
// caller names, in case a service echoes one back.
import { abortableSleep } from '../../aws/retry.js';
import type { HttpRequest } from './common.js';

export interface DeliveryPolicy {
  /** Tries per delivery, the first included. */
  attempts: number;
  /** Backoff cap before jitter for the first retry, in ms; doubled each retry. */
  baseDelayMs: number;
  /** Largest backoff, in ms. */
  maxDelayMs: number;
  /** Deadline of one try (connect, send, answer), in ms. */
  timeoutMs: number;
  /**
   * Longest Retry-After honoured, in ms. A service asking for more is not waited for here (a local cycle
   * or a Lambda would stall): the outcome carries `retryAfterMs` for the caller to retry later.
   */
  maxRetryAfterMs: number;
}

/**
 * 4 tries, 1 s doubling to 8 s with full jitter, 5 s per try, Retry-After up to 60 s: at worst about a
 * minute and a half for a delivery that keeps failing, inside the 15-minute budget of a Lambda and short of
 * PagerDuty's advice (retry a 429 "after some time") without letting a local minute cycle stall for long.
 */
export const DEFAULT_DELIVERY_POLICY: DeliveryPolicy = { attempts: 4, baseDelayMs: 1000, maxDelayMs: 8000, timeoutMs: 5000, maxRetryAfterMs: 60_000 };

/** Longest excerpt of a response body kept in an error, in characters. */
export const RESPONSE_EXCERPT_MAX_CHARS = 200;

export interface DeliveryOutcome {
  /** The destination's name (config `name`, or '--webhook'). */
  destination: string;
  /** The URL's host (and port): all a log may say of where it went. */
  host: string;
  ok: boolean;
  /** The last HTTP status received, if any try got an answer. */
  status?: number;
  attempts: number;
  /** Why it failed, log-safe (no URL, secrets redacted). */
  error?: string;
  /** The service asked to wait longer than maxRetryAfterMs: when to try again, in ms from now. */
  retryAfterMs?: number;
}

export interface DeliverOptions {
  policy?: Partial<DeliveryPolicy>;
  /** Values that must never appear in a log line or an outcome (keys, URLs, HMAC secrets). */
  secrets?: readonly string[];
  /** One JSON line per retry. */
  log?: (line: string) => void;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** The caller's deadline: no try starts, and no wait lasts, past it. */
  signal?: AbortSignal;
  fetch?: typeof fetch;
}

/** `text` with every secret (and its URL-encoded spelling) replaced by '<redacted>'. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Longest first, so a URL is redacted whole before its path is.
  for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
    // Short values would redact ordinary words; no key, URL or HMAC secret worth the name is that short.
    if (secret.length < 6) continue;
    for (const spelling of new Set([secret, encodeURIComponent(secret)])) out = out.split(spelling).join('<redacted>');
  }
  return out;
}

/** The host of a URL, or a placeholder: never the URL itself. */
export function hostOf(url: string): string {
  try {
    return new URL(url).host || '(no host)';
  } catch {
    return '(invalid URL)';
  }
}

/** Retry-After as delta-seconds or an HTTP-date (RFC 9110 10.2.3), in ms from `nowMs`; undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

function printable(text: string): string {
  return text.replace(/\s+/g, ' ').replace(/[^\x20-\x7e]/g, '?').trim().slice(0, RESPONSE_EXCERPT_MAX_CHARS);
}

/** A thrown fetch error in words that never hold the URL (undici's messages can). */
function describeThrown(err: unknown, timeoutMs: number): string {
  const name = err instanceof Error ? err.name : '';
  if (name === 'TimeoutError') return `no answer within ${timeoutMs} ms`;
  if (name === 'AbortError') return 'aborted';
  const cause = err instanceof Error ? (err.cause as { code?: unknown } | undefined) : undefined;
  const code = typeof cause?.code === 'string' ? cause.code : typeof (err as { code?: unknown })?.code === 'string' ? String((err as { code: string }).code) : undefined;
  return code !== undefined ? `network error (${code})` : 'network error';
}

type Try = { done: true; outcome: Omit<DeliveryOutcome, 'destination' | 'host' | 'attempts'> } | { done: false; status?: number; error: string; waitMs?: number };

export async function deliver(destination: string, request: HttpRequest | ((attempt: number) => HttpRequest), options: DeliverOptions = {}): Promise<DeliveryOutcome> {
  const policy = { ...DEFAULT_DELIVERY_POLICY, ...options.policy };
  const secrets = options.secrets ?? [];
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const send = options.fetch ?? fetch;
  const build = typeof request === 'function' ? request : () => request;
  const first = build(1);
  const host = hostOf(first.url);
  const result = (attempts: number, rest: Omit<DeliveryOutcome, 'destination' | 'host' | 'attempts'>): DeliveryOutcome => ({ destination, host, attempts, ...rest });
  let parsed: URL | undefined;
  try {
    parsed = new URL(first.url);
  } catch {
    parsed = undefined;
  }
  if (parsed === undefined || (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')) return result(0, { ok: false, error: 'the URL is not an http(s) URL' });

  async function attempt(req: HttpRequest): Promise<Try> {
    const signal = options.signal ? AbortSignal.any([options.signal, AbortSignal.timeout(policy.timeoutMs)]) : AbortSignal.timeout(policy.timeoutMs);
    let response: Response;
    try {
      // A redirect is not followed: the body carries a key, and goes only where it was configured to go.
      response = await send(req.url, { method: req.method, headers: req.headers, body: req.body, redirect: 'manual', signal });
    } catch (err) {
      return { done: false, error: describeThrown(err, policy.timeoutMs) };
    }
    let text = '';
    try {
      text = await response.text();
    } catch {
      // The status is what matters; an unreadable body only loses the excerpt.
    }
    const status = response.status;
    if (status >= 200 && status < 300) return { done: true, outcome: { ok: true, status } };
    const excerpt = printable(redact(text, secrets));
    const error = `HTTP ${status}${excerpt !== '' ? `: ${excerpt}` : ''}`;
    const asked = retryAfterMs(response.headers.get('retry-after'), Date.now());
    if (status === 429 || status >= 500) {
      if (asked !== undefined && asked > policy.maxRetryAfterMs) return { done: true, outcome: { ok: false, status, error: `${error} (asked to retry after ${Math.ceil(asked / 1000)} s)`, retryAfterMs: asked } };
      return { done: false, status, error, ...(asked !== undefined ? { waitMs: asked } : {}) };
    }
    // Any other 4xx (a bad key, a rejected body) and redirects will not get better by repeating them.
    return { done: true, outcome: { ok: false, status, error: status >= 300 && status < 400 ? `HTTP ${status}: a redirect, not followed` : error } };
  }

  let last: Extract<Try, { done: false }> = { done: false, error: 'not attempted' };
  for (let n = 1; n <= policy.attempts; n++) {
    if (options.signal?.aborted) return result(n - 1, { ok: false, error: `aborted before try ${n}; last: ${last.error}`, ...(last.status !== undefined ? { status: last.status } : {}) });
    const tried = await attempt(n === 1 ? first : build(n));
    if (tried.done) return result(n, tried.outcome);
    last = tried;
    if (n === policy.attempts) break;
    const backoff = random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (n - 1));
    // Retry-After is the service's own word: waited in full, never less.
    const delayMs = Math.round(tried.waitMs ?? backoff);
    options.log?.(JSON.stringify({ level: 'WARN', message: 'delivery failed, retrying', destination, host, attempt: n, ...(tried.status !== undefined ? { status: tried.status } : {}), error: tried.error, delayMs }));
    await sleep(delayMs, options.signal);
  }
  return result(policy.attempts, { ok: false, error: last.error, ...(last.status !== undefined ? { status: last.status } : {}) });
}
