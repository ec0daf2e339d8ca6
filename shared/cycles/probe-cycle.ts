// One probe cycle in one region: probe every assigned target with the prober of its check kind, with
// bounded, paced concurrency inside the invocation's deadline, log one line per probe, and publish the
// data points. Runner-agnostic (the probe Lambda runs it); I/O comes in through deps.
import type { MetricPublisher, PublishReport } from '../metrics/cloudwatch-publisher.js';
import type { IdentityMemory } from '../metrics/identity-memory.js';
import { datumsForResult, Dimension, identityDatum, MetricName, type Datum } from '../metrics/index.js';
import type { Logger } from '../log/logger.js';
import { runPaced, type Clock, type ProbeByKind, type ProbeOptions, type Timers } from '../probe/index.js';
import { describeIdentity, identityFingerprint } from '../sla/identity.js';

export interface CycleTarget {
  /** Config name: the metrics' Target dimension. */
  name: string;
  host: string;
  port: number;
  /** The check kind: which prober probes it. */
  check: string;
  options: Partial<ProbeOptions> & { timeoutMs: number };
}

export interface CycleOptions {
  region: string;
  /** The probe shard this invocation runs (0 when a region has one): the heartbeat's Shard dimension. */
  shard: number;
  /** Start of the probe interval (ms since the epoch): every region timestamps its points with it. */
  intervalStart: number;
  /** Monotonic (deps.clock) time by which every probe must have returned. */
  deadlineAt: number;
  concurrency: number;
  /** Preferred spacing of probe starts, in ms; shrunk when the deadline needs it. */
  startIntervalMs: number;
}

export interface CycleDeps {
  /** Runs the prober registered for a kind (the runner binds the registry to its sockets and abort signal). */
  probe: ProbeByKind;
  clock: Clock;
  timers: Timers;
  publisher: MetricPublisher;
  /** One line per probe, one per skipped target. */
  log: Logger;
  /**
   * What this process last published as each target's ServerIdentity (the runner keeps one across
   * cycles). Without it no identity is published.
   */
  identities?: IdentityMemory;
}

export interface CycleReport {
  probed: number;
  ok: number;
  failures: Record<string, number>;
  /** Targets whose probe could not start before the deadline: reported as missing, never as down. */
  skipped: string[];
  points: number;
  publish: PublishReport;
}

/** Below this many ms of budget a probe is not started at all: it could only report a false timeout. */
export const MIN_PROBE_BUDGET_MS = 100;

/**
 * Spacing that spreads the starts but still lets the last probe finish by the deadline: the last start
 * must leave a full timeout before the deadline.
 */
export function startSpacingMs(targets: readonly CycleTarget[], budgetMs: number, preferredMs: number): number {
  if (targets.length <= 1) return 0;
  const longest = Math.max(...targets.map((t) => t.options.timeoutMs));
  const room = (budgetMs - longest) / (targets.length - 1);
  return Math.max(0, Math.min(preferredMs, room));
}

export async function runProbeCycle(targets: readonly CycleTarget[], options: CycleOptions, deps: CycleDeps): Promise<CycleReport> {
  const spacing = startSpacingMs(targets, options.deadlineAt - deps.clock.now(), options.startIntervalMs);
  const skipped: string[] = [];
  const points: Datum[] = [];
  const failures: Record<string, number> = {};
  /** Identities put in this cycle's points, remembered once the publish went through. */
  const identities: Array<{ target: string; fingerprint: number }> = [];
  let ok = 0;
  await runPaced(
    targets,
    async (t) => {
      const budget = options.deadlineAt - deps.clock.now();
      if (budget < MIN_PROBE_BUDGET_MS) {
        skipped.push(t.name);
        points.push({ metricName: MetricName.ProbeSkipped, dimensions: { [Dimension.Target]: t.name, [Dimension.ProbeRegion]: options.region }, timestamp: options.intervalStart, value: 1, unit: 'Count' });
        deps.log.warn('probe skipped: invocation deadline', { target: t.name, region: options.region });
        return;
      }
      // The deadline is the smaller of the target's timeout and what the invocation has left.
      const result = await deps.probe(t.check, { target: t.name, host: t.host, port: t.port }, { ...t.options, timeoutMs: Math.min(t.options.timeoutMs, budget) });
      if (result.ok) ok++;
      else if (result.failure) failures[result.failure.class] = (failures[result.failure.class] ?? 0) + 1;
      points.push(...datumsForResult(result, { target: t.name, region: options.region, intervalStart: options.intervalStart }));
      const identity = result.server && (result.login?.peerName !== undefined ? { ...result.server, peerName: result.login.peerName } : result.server);
      const fingerprint = deps.identities && identity ? identityFingerprint(identity) : undefined;
      const announce = fingerprint !== undefined && deps.identities?.shouldPublish(t.name, fingerprint, options.intervalStart) === true;
      if (announce) {
        points.push(identityDatum(fingerprint, { target: t.name, intervalStart: options.intervalStart }));
        identities.push({ target: t.name, fingerprint });
      }
      // Host and port stay out: the target name identifies it, and the log never carries the config.
      (result.ok ? deps.log.info : deps.log.warn)('probe', {
        target: t.name,
        region: options.region,
        ok: result.ok,
        failureClass: result.failure?.class,
        failure: result.failure?.message,
        attempts: result.attempts,
        timings: result.timings,
        // CloudWatch gets only the number: the names behind it are in the log where it was published.
        ...(announce && identity ? { identity: describeIdentity(fingerprint, identity) } : {}),
      });
    },
    { concurrency: options.concurrency, startIntervalMs: spacing },
    deps.clock,
    deps.timers,
  );
  const probed = targets.length - skipped.length;
  if (targets.length > 0) {
    const heartbeat = { metricName: MetricName.ProbesRun, dimensions: { [Dimension.ProbeRegion]: options.region, [Dimension.Shard]: String(options.shard) }, timestamp: options.intervalStart, unit: 'Count' } as const;
    points.push({ ...heartbeat, value: probed });
    // The mark that makes the evaluator read ProbeSkipped for this shard and minute (see metric-design.ts).
    if (skipped.length > 0) points.push({ ...heartbeat, value: 0 });
  }
  const publish = await deps.publisher.publish(points);
  // The report cannot say which points of a request failed, so only a publish with no failure at all
  // counts: after any failure every identity of the cycle is due again next minute (the same value twice
  // is harmless).
  if (publish.loggedAsEmf === 0 && publish.errors.length === 0) {
    for (const { target, fingerprint } of identities) deps.identities?.published(target, fingerprint, options.intervalStart);
  }
  return { probed, ok, failures, skipped, points: points.length, publish };
}
