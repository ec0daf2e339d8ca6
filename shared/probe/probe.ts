// probePptp: the probe the CLI, the Lambda and the local monitor all call. It returns a value and never
// throws for an unhealthy gateway; the caller owns publishing and verdict bookkeeping.
import type { ProbeDeps, ResolvedAddress } from './deps.js';
import { encodeStartRequest, runProbeAttempt, type AttemptOutcome } from './probe-attempt.js';
import { ipLiteralFamily } from './target.js';
import { DEFAULT_PROBE_OPTIONS, type ProbeOptions, type ProbeResult, type ProbeTarget } from './types.js';

/** Below this many ms left there is no point in another attempt. */
const MIN_ATTEMPT_BUDGET_MS = 1;

const startRequestCache = new Map<string, Uint8Array>();

function startRequestFor(options: ProbeOptions): Uint8Array {
  const key = `${options.hostname}\u0000${options.vendor}`;
  let bytes = startRequestCache.get(key);
  if (!bytes) {
    bytes = encodeStartRequest(options);
    if (startRequestCache.size < 64) startRequestCache.set(key, bytes);
  }
  return bytes;
}

function attemptOnce(
  resolved: ResolvedAddress,
  target: ProbeTarget,
  options: ProbeOptions,
  deadlineAt: number,
  deps: ProbeDeps,
): Promise<AttemptOutcome> {
  const random = deps.random ?? Math.random;
  return new Promise((resolve) => {
    runProbeAttempt(
      {
        address: resolved.address,
        family: resolved.family,
        port: target.port,
        options,
        deadlineAt,
        echoIdentifier: Math.floor(random() * 0x1_0000_0000) >>> 0,
        // Call ID 0 is legal but some PACs treat it as "none"; stay within 1..65535.
        callId: 1 + Math.floor(random() * 0xfffe),
        callSerialNumber: Math.floor(random() * 0x10000),
        startRequest: startRequestFor(options),
      },
      deps,
      resolve,
    );
  });
}

interface DnsOutcome {
  resolved?: ResolvedAddress;
  dnsMs?: number;
  failure?: AttemptOutcome;
}

/** Resolves with the deadline and the abort signal honoured, even though getaddrinfo itself cannot be cancelled. */
function resolveWithin(host: string, deadlineAt: number, deps: ProbeDeps): Promise<DnsOutcome> {
  const { clock, timers } = deps;
  const startedAt = clock.now();
  const controller = new AbortController();
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: DnsOutcome): void => {
      if (settled) return;
      settled = true;
      timers.clear(timer);
      deps.signal?.removeEventListener('abort', onAbort);
      controller.abort();
      resolve(outcome);
    };
    const failWith = (message: string, code?: string): void => {
      const failure: AttemptOutcome = {
        ok: false,
        notes: [],
        failure: { class: 'dns_failure', message, phase: 'dns', elapsedMs: clock.now() - startedAt },
      };
      if (code) failure.failure!.code = code;
      settle({ failure });
    };
    const onAbort = (): void => failWith(`lookup of ${host} aborted (invocation deadline)`);
    const timer = timers.set(Math.max(0, deadlineAt - startedAt), () => failWith(`lookup of ${host} did not finish before the deadline`));
    if (deps.signal?.aborted) return onAbort();
    deps.signal?.addEventListener('abort', onAbort, { once: true });
    deps.resolve(host, controller.signal).then(
      (resolved) => settle({ resolved, dnsMs: clock.now() - startedAt }),
      (err: unknown) => {
        const e = err as { code?: string; message?: string };
        failWith(`cannot resolve ${host}: ${e.code ?? e.message ?? String(err)}`, e.code);
      },
    );
  });
}

function sleep(ms: number, deps: ProbeDeps): Promise<void> {
  return new Promise((resolve) => {
    const onAbort = (): void => {
      deps.timers.clear(timer);
      resolve();
    };
    const timer = deps.timers.set(ms, () => {
      deps.signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    deps.signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Pauses between attempts, planned up front so that attempt budgets can set them aside. Together they
 * never take more than half the deadline: the rest belongs to the attempts.
 */
function planBackoffs(options: ProbeOptions, attempts: number): number[] {
  const plan = Array.from({ length: attempts - 1 }, (_, i) => options.retryBackoffMs * 2 ** i);
  const total = plan.reduce((a, b) => a + b, 0);
  const cap = options.timeoutMs / 2;
  return total > cap ? plan.map((b) => (b * cap) / total) : plan;
}

/**
 * Probes one gateway. `timeoutMs` bounds the whole probe, retries included. Each attempt gets an equal
 * share of the time left after the remaining pauses are set aside, so a silent gateway cannot eat the
 * budget of the retries, and time an early failure did not use passes on to the next attempt.
 */
export async function probePptp(target: ProbeTarget, options: Partial<ProbeOptions>, deps: ProbeDeps): Promise<ProbeResult> {
  const opts: ProbeOptions = { ...DEFAULT_PROBE_OPTIONS, ...options };
  const { clock } = deps;
  const startedAt = clock.now();
  const deadlineAt = startedAt + opts.timeoutMs;
  const literal = ipLiteralFamily(target.host);
  let resolved: ResolvedAddress | undefined = literal ? { address: target.host, family: literal } : undefined;
  let dnsMs: number | undefined;
  let outcome: AttemptOutcome = { ok: false, notes: [] };
  let attempts = 0;
  const maxAttempts = Math.max(1, Math.floor(opts.attempts));
  const backoffs = planBackoffs(opts, maxAttempts);

  while (attempts < maxAttempts) {
    attempts++;
    const now = clock.now();
    const pausesLeft = backoffs.slice(attempts - 1).reduce((a, b) => a + b, 0);
    const share = (deadlineAt - now - pausesLeft) / (maxAttempts - attempts + 1);
    const attemptDeadline = attempts === maxAttempts ? deadlineAt : now + share;
    if (!resolved) {
      const dns = await resolveWithin(target.host, attemptDeadline, deps);
      if (dns.failure) outcome = dns.failure;
      else {
        resolved = dns.resolved;
        dnsMs = dns.dnsMs;
      }
    }
    if (resolved) outcome = await attemptOnce(resolved, target, opts, attemptDeadline, deps);
    if (outcome.ok || attempts >= maxAttempts || deps.signal?.aborted) break;
    const backoff = Math.min(backoffs[attempts - 1]!, deadlineAt - clock.now() - MIN_ATTEMPT_BUDGET_MS);
    if (backoff < 0) break;
    if (backoff > 0) await sleep(backoff, deps);
    if (deadlineAt - clock.now() < MIN_ATTEMPT_BUDGET_MS) break;
  }

  const result: ProbeResult = {
    target: target.target,
    host: target.host,
    port: target.port,
    ok: outcome.ok,
    attempts,
    timings: {
      dnsMs,
      connectMs: outcome.connectMs,
      controlMs: outcome.controlMs,
      echoMs: outcome.echoMs,
      callMs: outcome.callMs,
      totalMs: clock.now() - startedAt,
    },
    notes: outcome.notes,
  };
  if (resolved) result.address = resolved.address;
  if (outcome.server) result.server = outcome.server;
  if (outcome.failure) result.failure = outcome.failure;
  if (outcome.localPort !== undefined) result.localPort = outcome.localPort;
  return result;
}
