// The agent's schedule: one probe cycle per wall-clock minute, for the targets of its location that are
// due in that minute (5-minute targets on minutes divisible by 5), timestamped with the minute's start,
// exactly as a probe Lambda shard runs them. The cycle itself is the runner-agnostic one
// (shared/cycles/probe-cycle.ts); the metric sink the agent hands it spools before it publishes.
//
// Wall time is injected as an AgentWallClock so that a fire drill (and the fault campaign in the tests)
// can run minutes faster than real time; probes always run at real speed on the monotonic clock.
import type { MetricSink } from '../../cycles/ports.js';
import { runProbeCycle, type CycleReport, type CycleTarget } from '../../cycles/probe-cycle.js';
import { isDue } from '../../cycles/due.js';
import { MINUTE_MS } from '../../common/time.js';
import type { Logger } from '../../log/logger.js';
import type { IdentityMemory } from '../../metrics/identity-memory.js';
import type { Clock, ProbeByKind, Timers } from '../../probe/index.js';

/**
 * Probing stops this long after the minute starts, in ms of the minute: the probe Lambda's budget
 * (50 s timeout less its 4 s publish margin), so an agent's results mean what a region's mean.
 */
export const AGENT_PROBE_BUDGET_MS = 46_000;
/** Probes in flight at once: the probe Lambda's. */
export const AGENT_CONCURRENCY = 100;
/** Preferred spacing of probe starts, in ms: the probe Lambda's (see shared/probe/run-paced.ts). */
export const AGENT_START_INTERVAL_MS = 2;
/**
 * A cycle that starts this late into its minute is skipped (logged), in ms: the machine slept or the
 * previous cycle overran; probing now would file a late measurement under the minute. The Lambda's
 * stale-event rule, for the same reason.
 */
export const AGENT_LATE_START_MS = 10_000;

export type AgentTarget = CycleTarget & { intervalMinutes: 1 | 5 };

/** Wall-clock time as the agent sees it (ms since the epoch), and real waits measured in it. */
export interface AgentWallClock {
  now(): number;
  /** Resolves at wall time `at` (or at once when aborted). */
  sleepUntil(at: number, signal: AbortSignal): Promise<void>;
  /** A span of wall time in real (monotonic) ms: equal unless a drill runs time faster. */
  toRealMs(wallMs: number): number;
}

export interface AgentLoopOptions {
  location: string;
  targets: readonly AgentTarget[];
  /** Stop after this many cycles (tests, drills); until the signal by default. */
  cycles?: number;
}

export interface AgentLoopDeps {
  probe: ProbeByKind;
  clock: Clock;
  timers: Timers;
  wall: AgentWallClock;
  /**
   * The sink of one minute's points: spools them, publishes them, then works off the backlog until
   * shortly before the next minute, which it must never delay.
   */
  publisherFor(intervalStart: number): MetricSink;
  log: Logger;
  signal: AbortSignal;
  /** After each cycle (metrics of the agent itself, tests). */
  onCycle?(intervalStart: number, report: CycleReport): void | Promise<void>;
  /**
   * What this agent last published as each target's ServerIdentity, kept for the loop's life (one per
   * process). Without it the agent publishes no identity. An identity spooled and re-sent after a crash
   * is the same value again: harmless.
   */
  identities?: IdentityMemory;
}

export interface AgentLoopReport {
  cycles: number;
  /** Minutes skipped because their cycle could not start in time. */
  skippedMinutes: number;
}

/** The start of the minute after `at`. */
export const nextMinute = (at: number): number => (Math.floor(at / MINUTE_MS) + 1) * MINUTE_MS;

export async function runAgentLoop(options: AgentLoopOptions, deps: AgentLoopDeps): Promise<AgentLoopReport> {
  const report: AgentLoopReport = { cycles: 0, skippedMinutes: 0 };
  // The first cycle waits for the next minute: a minute joined halfway would be probed late.
  let minute = nextMinute(deps.wall.now());
  while (!deps.signal.aborted && (options.cycles === undefined || report.cycles < options.cycles)) {
    await deps.wall.sleepUntil(minute, deps.signal);
    if (deps.signal.aborted) break;
    const lateMs = deps.wall.now() - minute;
    if (lateMs > AGENT_LATE_START_MS) {
      const resumeAt = nextMinute(deps.wall.now());
      const skipped = (resumeAt - minute) / MINUTE_MS;
      report.skippedMinutes += skipped;
      deps.log.warn('agent cycle skipped: started too late into its minute', { interval: new Date(minute).toISOString(), lateMs, skippedMinutes: skipped });
      minute = resumeAt;
      continue;
    }
    const due = options.targets.filter((t) => isDue(t, minute));
    const budgetRealMs = deps.wall.toRealMs(minute + AGENT_PROBE_BUDGET_MS - deps.wall.now());
    const cycle = await runProbeCycle(
      due,
      {
        region: options.location,
        shard: 0,
        intervalStart: minute,
        deadlineAt: deps.clock.now() + budgetRealMs,
        concurrency: AGENT_CONCURRENCY,
        startIntervalMs: AGENT_START_INTERVAL_MS,
      },
      { probe: deps.probe, clock: deps.clock, timers: deps.timers, publisher: deps.publisherFor(minute), log: deps.log, identities: deps.identities },
    );
    report.cycles++;
    deps.log.info('agent cycle done', { interval: new Date(minute).toISOString(), due: due.length, probed: cycle.probed, ok: cycle.ok, failures: cycle.failures, skipped: cycle.skipped.length, points: cycle.points, publish: cycle.publish });
    await deps.onCycle?.(minute, cycle);
    minute = nextMinute(minute);
  }
  return report;
}
