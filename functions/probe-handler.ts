// The probe Lambda's wiring, as a factory so tests can hand it their own clients and config: find this
// invocation's shard of the region's targets, keep the ones due this minute, run the cycle inside the
// invocation's deadline, publish to the home region. All logic lives in shared/.
import type { Context } from 'aws-lambda';
import type { ProbeConfig } from '../shared/config/probe-config.js';
import type { Logger } from '../shared/log/logger.js';
import type { MetricPublisher } from '../shared/metrics/cloudwatch-publisher.js';
import { runProbeCycle, type CycleReport, type CycleTarget } from '../shared/cycles/probe-cycle.js';
import { INVOCATION_CONCURRENCY, isDue, PUBLISH_MARGIN_MS, regionShards, START_INTERVAL_MS } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { pickShard, scheduledMinute, ScheduleEventError, type ScheduleEvent } from '../shared/runners/lambda/schedule-event.js';
import { probeByKind, type ProbeDeps } from '../shared/probe/index.js';
import { checkKindOf, probeOptionsFor, PROBERS } from '../shared/probers/index.js';

/** Kept back at the very end so the EMF fallback of a publish still cut short gets written, in ms. */
export const FINAL_LOG_MARGIN_MS = 1000;

export interface ProbeHandlerConfig {
  /** The region this function runs in (AWS_REGION): the ProbeRegion dimension. */
  region: string;
  /** The probe's part of monitor.yml, packaged with the artifact and checked at init. */
  config: ProbeConfig;
  publisher: MetricPublisher;
  /** Per invocation, because the abort signal is per invocation. */
  probeDeps(signal: AbortSignal): ProbeDeps;
  log: Logger;
}

export type ProbeEvent = ScheduleEvent;

/** The interval a scheduled run belongs to: its scheduled minute, so every region agrees on it. */
export const intervalStartOf = scheduledMinute;

type ShardTarget = CycleTarget & { intervalMinutes: 1 | 5 };

function cycleTargetsOf(config: ProbeConfig, region: string): ShardTarget[][] {
  return regionShards(config, region).map((shard) =>
    shard.map((t) => ({ name: t.name, host: t.host, port: t.port, check: checkKindOf(t), options: probeOptionsFor(t), intervalMinutes: t.intervalMinutes })),
  );
}

/**
 * The targets this invocation probes: its shard of the plan made at deploy time, recomputed from the same
 * packaged config (`planned`, computed once per container by the handler).
 */
export function shardTargets(config: ProbeConfig, region: string, event: ProbeEvent, planned: ShardTarget[][] = cycleTargetsOf(config, region)): ShardTarget[] {
  if (planned.length === 0) throw new ScheduleEventError(`region ${region}: the packaged config probes no target from this region`);
  return planned[pickShard(event, planned.length, { what: 'shard(s)', where: ` for ${region}`, redeploy: 'this region' })] ?? [];
}

export type ProbeHandler = (event: ProbeEvent, context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>) => Promise<CycleReport>;

export function createProbeHandler(wiring: ProbeHandlerConfig): ProbeHandler {
  // The config and region are fixed for the container: plan the shards once, on the first invocation
  // (not at import, which every cold start waits for), not every minute.
  let planned: ShardTarget[][] | undefined;
  return async (event, context) => {
    planned ??= cycleTargetsOf(wiring.config, wiring.region);
    const remainingMs = context.getRemainingTimeInMillis();
    const intervalStart = intervalStartOf(event, Date.now());
    const shard = shardTargets(wiring.config, wiring.region, event, planned);
    const due = shard.filter((t) => isDue(t, intervalStart));
    const log = wiring.log.with({ requestId: context.awsRequestId, region: wiring.region, shard: event.shard ?? 0, interval: new Date(intervalStart).toISOString() });

    // Probes stop at the budget; the publish (with its retries) gets the margin, minus a last second in
    // which a publish cut short still writes its points as EMF.
    const budgetMs = remainingMs - PUBLISH_MARGIN_MS;
    const probeAbort = new AbortController();
    const publishAbort = new AbortController();
    const probeTimer = setTimeout(() => probeAbort.abort(), Math.max(0, budgetMs));
    const publishTimer = setTimeout(() => publishAbort.abort(), Math.max(0, remainingMs - FINAL_LOG_MARGIN_MS));
    try {
      const probeDeps = wiring.probeDeps(probeAbort.signal);
      const report = await runProbeCycle(
        due,
        {
          region: wiring.region,
          shard: event.shard ?? 0,
          intervalStart,
          deadlineAt: probeDeps.clock.now() + budgetMs,
          concurrency: INVOCATION_CONCURRENCY,
          startIntervalMs: START_INTERVAL_MS,
        },
        {
          probe: probeByKind(PROBERS, probeDeps),
          clock: probeDeps.clock,
          timers: probeDeps.timers,
          publisher: { publish: (points) => wiring.publisher.publish(points, publishAbort.signal) },
          log,
        },
      );
      const summary = { shardTargets: shard.length, due: due.length, ...report };
      if (report.publish.loggedAsEmf > 0) {
        log.error('probe cycle done; PutMetricData failed, points logged as EMF', summary);
        // A failed publish must not look like a healthy run: the data is in the log as EMF, and the
        // invocation reports the failure so that Lambda's Errors metric and our self-monitoring see it.
        throw new Error(`PutMetricData failed for ${report.publish.loggedAsEmf} data points (logged as EMF): ${report.publish.errors.join('; ')}`);
      }
      log.info('probe cycle done', summary);
      return report;
    } finally {
      clearTimeout(probeTimer);
      clearTimeout(publishTimer);
    }
  };
}
