// The probe Lambda's wiring, as a factory so tests can hand it their own clients and config: find this
// invocation's shard of the region's targets, keep the ones due this minute, run the cycle inside the
// invocation's deadline, publish to the home region. All logic lives in shared/.
import type { Context } from 'aws-lambda';
import { probeOptionsFor } from '../shared/config/targets.js';
import type { ProbeConfig } from '../shared/config/probe-config.js';
import type { Logger } from '../shared/log/logger.js';
import type { MetricPublisher } from '../shared/metrics/cloudwatch-publisher.js';
import { runProbeCycle, type CycleReport, type CycleTarget } from '../shared/monitor/probe-cycle.js';
import { INVOCATION_CONCURRENCY, isDue, PUBLISH_MARGIN_MS, regionShards, START_INTERVAL_MS } from '../shared/monitor/probe-lambda-sizing.js';
import { probePptp, type ProbeDeps } from '../shared/probe/index.js';

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

/** The EventBridge schedule's event: `time` from EventBridge, `shard`/`shards` from the rule's input. */
export interface ProbeEvent {
  time?: string;
  shard?: number;
  shards?: number;
}

export class ProbeEventError extends Error {
  override name = 'ProbeEventError';
}

/** The interval a scheduled run belongs to: its scheduled minute, so every region agrees on it. */
export function intervalStartOf(event: ProbeEvent, fallbackNowMs: number): number {
  const scheduled = typeof event.time === 'string' ? Date.parse(event.time) : Number.NaN;
  const at = Number.isFinite(scheduled) ? scheduled : fallbackNowMs;
  return Math.floor(at / 60_000) * 60_000;
}

/**
 * The targets this invocation probes. The schedule's input names a shard of a plan made at deploy time;
 * the plan is recomputed here from the same packaged config, and a disagreement (a schedule left over
 * from an older deployment) is an error rather than a silently unprobed or twice-probed target.
 */
export function shardTargets(config: ProbeConfig, region: string, event: ProbeEvent): Array<CycleTarget & { intervalMinutes: 1 | 5 }> {
  const shards = regionShards(config, region);
  const shard = event.shard ?? 0;
  const declared = event.shards ?? 1;
  if (!Number.isInteger(shard) || !Number.isInteger(declared) || shard < 0 || shard >= declared) {
    throw new ProbeEventError(`event: shard must be an integer in 0..shards-1, got shard=${String(event.shard)} shards=${String(event.shards)}`);
  }
  if (shards.length === 0) throw new ProbeEventError(`region ${region}: the packaged config probes no target from this region`);
  if (declared !== shards.length) {
    throw new ProbeEventError(`event: the schedule says ${declared} shard(s) but the packaged config plans ${shards.length} for ${region}: redeploy this region`);
  }
  return (shards[shard] ?? []).map((t) => ({ name: t.name, host: t.host, port: t.port, options: probeOptionsFor(t), intervalMinutes: t.intervalMinutes }));
}

export type ProbeHandler = (event: ProbeEvent, context: Pick<Context, 'getRemainingTimeInMillis'> & Partial<Pick<Context, 'awsRequestId'>>) => Promise<CycleReport>;

export function createProbeHandler(wiring: ProbeHandlerConfig): ProbeHandler {
  return async (event, context) => {
    const remainingMs = context.getRemainingTimeInMillis();
    const intervalStart = intervalStartOf(event, Date.now());
    const shard = shardTargets(wiring.config, wiring.region, event);
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
          probe: (target, options) => probePptp(target, options, probeDeps),
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
