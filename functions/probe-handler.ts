// The probe Lambda's wiring, as a factory so tests can hand it their own clients and config: refuse an
// event that comes too late, find this invocation's shard of the region's targets, keep the ones due this
// minute, run the cycle inside the invocation's deadline, publish to the home region. All logic lives in
// shared/. `probeLambda` wraps it in the middleware the deployed function runs with (two deadline
// signals, error logging), so tests run the same composition as Lambda.
import middy from '@middy/core';
import type { Context } from 'aws-lambda';
import type { ProbeConfig } from '../shared/config/probe-config.js';
import type { Logger } from '../shared/log/logger.js';
import type { MetricPublisher } from '../shared/metrics/cloudwatch-publisher.js';
import { createIdentityMemory, type IdentityMemory } from '../shared/metrics/identity-memory.js';
import { runProbeCycle, type CycleReport, type CycleTarget } from '../shared/cycles/probe-cycle.js';
import {
  INVOCATION_CONCURRENCY,
  isDue,
  PROBE_SCHEDULE_PERIOD_MS,
  PUBLISH_MARGIN_MS,
  regionShards,
  STALE_EVENT_MARGIN_MS,
  START_INTERVAL_MS,
} from '../shared/runners/lambda/probe-lambda-sizing.js';
import { pickShard, scheduledMinute, ScheduleEventError, staleEvent, type ScheduleEvent } from '../shared/runners/lambda/schedule-event.js';
import { probeByKind, type ProbeDeps } from '../shared/probe/index.js';
import { checkKindOf, probeOptionsFor, PROBERS } from '../shared/probers/index.js';
import { deadline } from './middleware/deadline.js';
import { logErrors } from './middleware/log-errors.js';

/** Kept back at the very end so the EMF fallback of a publish still cut short gets written, in ms. */
export const FINAL_LOG_MARGIN_MS = 1000;

/** The context keys of the two deadline signals: probing stops at the first, publishing at the second. */
export const PROBE_DEADLINE_KEY = 'probeDeadline';
export const PUBLISH_DEADLINE_KEY = 'publishDeadline';

export interface ProbeHandlerConfig {
  /** The region this function runs in (AWS_REGION): the ProbeRegion dimension. */
  region: string;
  /** The probe's part of monitor.yml, packaged with the artifact and checked at init. */
  config: ProbeConfig;
  publisher: MetricPublisher;
  /** Per invocation, because the abort signal is per invocation. */
  probeDeps(signal: AbortSignal): ProbeDeps;
  log: Logger;
  /** Wall clock (ms since the epoch) that event times are compared with; Date.now by default. */
  now?: () => number;
  /**
   * What this container last published as each target's ServerIdentity; a new, empty one by default.
   * The handler is created once per container, so warm invocations share it and only a cold start
   * publishes every identity again.
   */
  identities?: IdentityMemory;
}

export type ProbeEvent = ScheduleEvent;

/** The Lambda context as the handler uses it; the two signals come from the deadline middleware. */
export type ProbeContext = Pick<Context, 'getRemainingTimeInMillis'> &
  Partial<Pick<Context, 'awsRequestId'>> &
  Record<typeof PROBE_DEADLINE_KEY | typeof PUBLISH_DEADLINE_KEY, AbortSignal>;

/** What an invocation did: probed its due targets, or refused an event that came too late. */
export type ProbeRun =
  | ({ outcome: 'probed'; shardTargets: number; due: number } & CycleReport)
  | { outcome: 'stale_event'; eventTime: string; ageMs: number; maxAgeMs: number };

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

export type ProbeHandler = (event: ProbeEvent, context: ProbeContext) => Promise<ProbeRun>;

export function createProbeHandler(wiring: ProbeHandlerConfig): ProbeHandler {
  const now = wiring.now ?? Date.now;
  // The config and region are fixed for the container: plan the shards once, on the first invocation
  // (not at import, which every cold start waits for), not every minute.
  let planned: ShardTarget[][] | undefined;
  const identities = wiring.identities ?? createIdentityMemory();
  return async (event, context) => {
    const nowMs = now();
    const intervalStart = scheduledMinute(event, nowMs);
    const log = wiring.log.with({ requestId: context.awsRequestId, region: wiring.region, shard: event.shard ?? 0, interval: new Date(intervalStart).toISOString() });

    // A retry, a second delivery or a backlog of the schedule: its minute has passed, so a probe now would
    // measure another minute than the one it files under, and would add a second set of points to a minute
    // already reported. Nothing is probed or published, and the invocation succeeds, so nothing retries it.
    // The whole event, 5-minute targets too: probing only part of a shard would send the shard's heartbeat,
    // which says every target of the shard reported.
    const stale = staleEvent(event, nowMs, { periodMs: PROBE_SCHEDULE_PERIOD_MS, marginMs: STALE_EVENT_MARGIN_MS });
    if (stale) {
      log.warn('probe event refused: older than its interval, nothing probed or published', { eventTime: stale.eventTime, ageMs: stale.ageMs, maxAgeMs: stale.maxAgeMs });
      return { outcome: 'stale_event', eventTime: stale.eventTime, ageMs: stale.ageMs, maxAgeMs: stale.maxAgeMs };
    }

    planned ??= cycleTargetsOf(wiring.config, wiring.region);
    const shard = shardTargets(wiring.config, wiring.region, event, planned);
    const due = shard.filter((t) => isDue(t, intervalStart));
    const probeDeps = wiring.probeDeps(context[PROBE_DEADLINE_KEY]);
    // Probes stop at the budget (when the probe signal fires); the publish, with its retries, gets the
    // margin up to the publish signal, and a publish cut short there still writes its points as EMF.
    const report = await runProbeCycle(
      due,
      {
        region: wiring.region,
        shard: event.shard ?? 0,
        intervalStart,
        deadlineAt: probeDeps.clock.now() + context.getRemainingTimeInMillis() - PUBLISH_MARGIN_MS,
        concurrency: INVOCATION_CONCURRENCY,
        startIntervalMs: START_INTERVAL_MS,
      },
      {
        probe: probeByKind(PROBERS, probeDeps),
        clock: probeDeps.clock,
        timers: probeDeps.timers,
        publisher: { publish: (points) => wiring.publisher.publish(points, context[PUBLISH_DEADLINE_KEY]) },
        log,
        identities,
      },
    );
    const summary = { shardTargets: shard.length, due: due.length, ...report };
    if (report.publish.loggedAsEmf > 0) {
      log.error('probe cycle done; PutMetricData failed, points logged as EMF', summary);
      // A failed publish must not look like a healthy run: the data is in the log as EMF, and the
      // invocation reports the failure so that Lambda's Errors metric and our self-monitoring see it.
      // Lambda does not retry it (ASYNC_INVOKE in infra/functions.ts): a retry would publish the minute again.
      throw new Error(`PutMetricData failed for ${report.publish.loggedAsEmf} data points (logged as EMF): ${report.publish.errors.join('; ')}`);
    }
    log.info('probe cycle done', summary);
    return { outcome: 'probed', ...summary };
  };
}

/**
 * The probe handler as the deployed function runs it. The deadline is ours (two signals, the probe budget
 * 4 s and the publish 1 s before Lambda's), not middy's early timeout, which would answer in the handler's
 * place.
 */
export function probeLambda(probe: ProbeHandler, log: Logger): middy.MiddyfiedHandler<ProbeEvent, ProbeRun, Error, Context & ProbeContext> {
  return middy<ProbeEvent, ProbeRun, Error, Context & ProbeContext>({ timeoutEarlyInMillis: 0 })
    .use(deadline({ marginMs: PUBLISH_MARGIN_MS, contextKey: PROBE_DEADLINE_KEY }))
    .use(deadline({ marginMs: FINAL_LOG_MARGIN_MS, contextKey: PUBLISH_DEADLINE_KEY }))
    .use(logErrors(log))
    .handler((event, context) => probe(event, context));
}
