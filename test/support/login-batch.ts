// Logins run by a process inside a client namespace: `count` logins, at most `concurrency` at a time,
// all through the process's one raw GRE socket (nodeLoginDeps), each timed from its start to the
// moment its result arrives, with the process's RSS sampled while they run and its CPU time. Used by
// the login child of the wire tests (login-runner-main.ts) and by bench/login-bench.ts.
import { performance } from 'node:perf_hooks';
import { runLoginSession, type LoginTarget } from '../../shared/probers/pptp-login/login-session.js';
import { nodeLoginDeps } from '../../shared/probers/pptp-login/login-node-deps.js';
import { DEFAULT_LOGIN_OPTIONS, type LoginCredentials, type LoginOptions, type LoginResult } from '../../shared/probers/pptp-login/login-types.js';

/** Classes a login gets when it failed before the call was up: where pptpd's own drops under load land. */
const CONTROL_PHASE_STAGES: ReadonlySet<string> = new Set(['connect', 'control', 'call']);

export interface LoginBatchInput {
  target: LoginTarget;
  credentials: LoginCredentials;
  options?: Partial<LoginOptions>;
  count: number;
  concurrency: number;
  /**
   * Run a login once more when it failed before its call was up (connect, control, call): pptpd
   * forks per connection and drops a few under load (TOOLING.md). Benchmarks only: a probe never
   * retries a login (account lockouts).
   */
  retryControlPhase?: boolean;
  /** Login i starts no earlier than i × this many ms after the batch (default 0: all at once). */
  startSpacingMs?: number;
  /** Sample RSS this often while logins run, in ms (default 10). */
  rssSampleMs?: number;
}

export interface LoginBatchEntry {
  result: LoginResult;
  /** When this login (its last attempt) started and delivered its result, in ms from the batch's start. */
  startedMs: number;
  endedMs: number;
  /** From the session's start to its result, by this process's clock, in ms. */
  wallMs: number;
  /** Process CPU time during this login, in ms: meaningful when logins run one at a time. */
  cpuMs: number;
  /** The failed first attempt, when retryControlPhase ran this login again. */
  firstAttempt?: LoginResult;
}

export interface LoginBatchOutput {
  entries: LoginBatchEntry[];
  /** Whole batch, in ms. */
  wallMs: number;
  cpu: { userMs: number; systemMs: number };
  /** RSS before the first login (raw socket already open), the highest sample, and after the last result, in bytes. */
  rss: { before: number; peak: number; after: number };
}

function isControlPhaseFailure(result: LoginResult): boolean {
  return !result.ok && result.failure !== undefined && CONTROL_PHASE_STAGES.has(result.failure.stage);
}

function once(input: LoginBatchInput, options: LoginOptions, deps: ReturnType<typeof nodeLoginDeps>, batchStart: number): Promise<Omit<LoginBatchEntry, 'firstAttempt'>> {
  return new Promise((resolve) => {
    const cpu = process.cpuUsage();
    const startedAt = performance.now();
    runLoginSession(input.target, input.credentials, options, deps, (result) => {
      const endedAt = performance.now();
      const used = process.cpuUsage(cpu);
      resolve({ result, startedMs: startedAt - batchStart, endedMs: endedAt - batchStart, wallMs: endedAt - startedAt, cpuMs: (used.user + used.system) / 1000 });
    });
  });
}

export async function runLoginBatch(input: LoginBatchInput): Promise<LoginBatchOutput> {
  const deps = nodeLoginDeps();
  const options: LoginOptions = { ...DEFAULT_LOGIN_OPTIONS, ...input.options };
  const rss = { before: process.memoryUsage().rss, peak: 0, after: 0 };
  rss.peak = rss.before;
  const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, process.memoryUsage().rss)), input.rssSampleMs ?? 10);
  const entries: LoginBatchEntry[] = new Array<LoginBatchEntry>(input.count);
  const cpuStart = process.cpuUsage();
  const startedAt = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < input.count) {
      const index = next++;
      const due = index * (input.startSpacingMs ?? 0) - (performance.now() - startedAt);
      if (due > 0) await new Promise((resolve) => setTimeout(resolve, due));
      const first = await once(input, options, deps, startedAt);
      if (input.retryControlPhase && isControlPhaseFailure(first.result)) {
        const second = await once(input, options, deps, startedAt);
        entries[index] = { ...second, firstAttempt: first.result };
      } else {
        entries[index] = first;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(input.concurrency, input.count) }, worker));
  const wallMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuStart);
  clearInterval(sampler);
  rss.after = process.memoryUsage().rss;
  rss.peak = Math.max(rss.peak, rss.after);
  return { entries, wallMs, cpu: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 }, rss };
}
