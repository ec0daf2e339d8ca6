// What /metrics knows about the probes this process ran: per (target, region) the last result, when it
// came in, how many failed in a row, counters since start, and a histogram of each phase's duration.
// The caller owns the clock (recordResult takes the instant), so this file stays pure like the rest of
// the status folder; prometheus.ts turns a tally into text.
import type { ProbeResult } from '../probe/types.js';

/**
 * Upper bounds of the phase-duration histogram, in ms (exposed in seconds). 1 ms to 10 s in 1-2.5-5
 * steps, Prometheus's default buckets plus 1 ms and 2.5 ms: a LAN gateway answers its control
 * connection in a few ms, a login over a slow link takes seconds, and probes time out before 10 s.
 */
export const PHASE_BUCKET_BOUNDS_MS = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000] as const;

/**
 * The phases the histogram observes, in output order: the control conversation's, then a login's stages
 * (probe/types.ts LoginStageTimings). `total` is left out on purpose: summing a histogram over `phase`
 * should mean something, and total would count every phase twice. The last total is in the gauge.
 */
export const HISTOGRAM_PHASES = ['dns', 'connect', 'control', 'echo', 'call', 'gre', 'lcp', 'auth', 'ccp', 'ipcp', 'data'] as const;
export type HistogramPhase = (typeof HISTOGRAM_PHASES)[number];

/**
 * Emitted (at zero) for every (target, region) known before they are observed: every probe that gets
 * anywhere reaches them, and a histogram that appears with its first observation already counted hides
 * that observation from rate(). The other phases depend on the check and appear when first seen.
 */
export const ALWAYS_PHASES: readonly HistogramPhase[] = ['connect', 'control'];

/** The phases reported by the last-probe gauge pptp_probe_duration_seconds, in output order. */
export const DURATION_PHASES = ['connect', 'control', 'echo', 'total'] as const;
export type DurationPhase = (typeof DURATION_PHASES)[number];

/** The last probe of one (target, region). */
export interface LastProbeSample {
  ok: boolean;
  /** Phase durations in ms; a phase not reached (or that failed) is absent, and so is its series. */
  durationsMs: Partial<Record<DurationPhase, number>>;
}

export interface PhaseHistogram {
  /** Observations per bucket, not cumulative: index i counts values in (bound[i-1], bound[i]]; the extra last slot is above 10 s. */
  readonly perBucket: number[];
  count: number;
  /** Sum of the observations, in ms. */
  sumMs: number;
}

/** Everything known about one (target, region). */
export interface SeriesTally {
  readonly target: string;
  readonly region: string;
  last: LastProbeSample | undefined;
  /** When the last result came in, ms since the epoch; undefined when the caller gave no instant. */
  lastAtMs: number | undefined;
  /** Probes since start (the counter pptp_probes_total). */
  probes: number;
  /** Failed probes since the last success (0 after a success): what the `down` rule counts. */
  consecutiveFailures: number;
  /** Failed probes since start per failure class. */
  readonly failuresByClass: Map<string, number>;
  readonly phases: Map<HistogramPhase, PhaseHistogram>;
}

/**
 * What the process has seen since it started. The server keeps one and feeds it with recordResult; the
 * counters only grow, so `rate()` works across scrapes (and resets with the process, which Prometheus's
 * rate() handles).
 */
export interface ProbeTally {
  /** Keyed by seriesKey(target, region). */
  readonly series: Map<string, SeriesTally>;
}

export function createProbeTally(): ProbeTally {
  return { series: new Map() };
}

/** NUL cannot appear in a target or region name from the config, so the key cannot collide. */
export function seriesKey(target: string, region: string): string {
  return `${target}\u0000${region}`;
}

export function emptySeries(target: string, region: string): SeriesTally {
  return { target, region, last: undefined, lastAtMs: undefined, probes: 0, consecutiveFailures: 0, failuresByClass: new Map(), phases: new Map() };
}

export function emptyHistogram(): PhaseHistogram {
  return { perBucket: new Array<number>(PHASE_BUCKET_BOUNDS_MS.length + 1).fill(0), count: 0, sumMs: 0 };
}

/** Where a result was probed from and when it came in. */
export interface ResultOrigin {
  /** The config target name (the result's own `target` is the host as the user wrote it). */
  target: string;
  /** Where it was probed from (locally LOCAL_REGION). */
  region: string;
  /** When the result came in, ms since the epoch: the pptp_last_probe_timestamp_seconds sample. */
  atMs?: number;
}

/**
 * Counts one probe result: the last-probe values of (target, region) are replaced, its counters go up,
 * and each phase that completed is observed by its histogram.
 */
export function recordResult(tally: ProbeTally, result: Pick<ProbeResult, 'ok' | 'timings' | 'failure' | 'login'>, where: ResultOrigin): void {
  const key = seriesKey(where.target, where.region);
  let series = tally.series.get(key);
  if (series === undefined) tally.series.set(key, (series = emptySeries(where.target, where.region)));
  const t = result.timings;
  const durationsMs: Partial<Record<DurationPhase, number>> = {};
  if (t.connectMs !== undefined) durationsMs.connect = t.connectMs;
  if (t.controlMs !== undefined) durationsMs.control = t.controlMs;
  if (t.echoMs !== undefined) durationsMs.echo = t.echoMs;
  durationsMs.total = t.totalMs;
  series.last = { ok: result.ok, durationsMs };
  if (where.atMs !== undefined) series.lastAtMs = where.atMs;
  series.probes++;
  if (result.ok) {
    series.consecutiveFailures = 0;
  } else {
    series.consecutiveFailures++;
    // A failure always has a class; 'unknown' keeps a bug from losing the count rather than hiding it.
    const cls = result.failure?.class ?? 'unknown';
    series.failuresByClass.set(cls, (series.failuresByClass.get(cls) ?? 0) + 1);
  }
  const stages = result.login?.timings;
  const observed: Record<HistogramPhase, number | undefined> = {
    dns: t.dnsMs,
    connect: t.connectMs,
    control: t.controlMs,
    echo: t.echoMs,
    call: t.callMs,
    gre: stages?.greMs,
    lcp: stages?.lcpMs,
    auth: stages?.authMs,
    ccp: stages?.ccpMs,
    ipcp: stages?.ipcpMs,
    data: stages?.dataMs,
  };
  for (const phase of HISTOGRAM_PHASES) {
    const ms = observed[phase];
    // Only completed phases: a failed phase's time is in failure.elapsedMs, never in latency figures.
    if (ms === undefined || !Number.isFinite(ms)) continue;
    let histogram = series.phases.get(phase);
    if (histogram === undefined) series.phases.set(phase, (histogram = emptyHistogram()));
    observe(histogram, ms);
  }
}

function observe(histogram: PhaseHistogram, ms: number): void {
  let slot = PHASE_BUCKET_BOUNDS_MS.findIndex((bound) => ms <= bound);
  if (slot === -1) slot = PHASE_BUCKET_BOUNDS_MS.length;
  histogram.perBucket[slot]!++;
  histogram.count++;
  histogram.sumMs += ms;
}
