// Retries and budget sharing for every prober: one deadline for the whole probe, DNS once, attempts that
// share what is left, and pauses between them. The prober supplies one attempt (its conversation over the
// attempt lifecycle); this file knows nothing of the protocol. Returns a value, never throws for an
// unhealthy gateway.
import type { AttemptOutcome } from './attempt-lifecycle.js';
import { socketErrorOf, type ProbeDeps, type ResolvedAddress } from './deps.js';
import { ipLiteralFamily } from './target.js';
import type { ProbeOptions, ProbeResult, ProbeTarget } from './types.js';

/** Below this many ms left there is no point in another attempt. */
const MIN_ATTEMPT_BUDGET_MS = 1;

/** One attempt against `resolved`, finished by `deadlineAt` (deps.clock time). */
export type RunOneAttempt = (resolved: ResolvedAddress, deadlineAt: number) => Promise<AttemptOutcome>;

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
        const { code, message } = socketErrorOf(err);
        failWith(`cannot resolve ${host}: ${code ?? message ?? String(err)}`, code);
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
 * Probes one target with `attempt`. `timeoutMs` bounds the whole probe, retries included. Each attempt gets
 * an equal share of the time left after the remaining pauses are set aside, so a silent gateway cannot eat
 * the budget of the retries, and time an early failure did not use passes on to the next attempt. Nothing
 * is awaited before the first attempt of an IP literal starts: its connect is issued in this call.
 */
export async function runAttempts(target: ProbeTarget, options: ProbeOptions, deps: ProbeDeps, attempt: RunOneAttempt): Promise<ProbeResult> {
  const { clock } = deps;
  const startedAt = clock.now();
  const deadlineAt = startedAt + options.timeoutMs;
  const literal = ipLiteralFamily(target.host);
  let resolved: ResolvedAddress | undefined = literal ? { address: target.host, family: literal } : undefined;
  let dnsMs: number | undefined;
  let outcome: AttemptOutcome = { ok: false, notes: [] };
  let attempts = 0;
  const maxAttempts = Math.max(1, Math.floor(options.attempts));
  const backoffs = planBackoffs(options, maxAttempts);

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
    if (resolved) outcome = await attempt(resolved, attemptDeadline);
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
  if (outcome.login) result.login = outcome.login;
  return result;
}
