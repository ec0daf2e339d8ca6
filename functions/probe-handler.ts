// The probe Lambda's wiring, as a factory so tests can hand it their own clients and config: pick this
// region's targets, give the cycle the invocation's deadline, publish to the home region. All logic
// lives in shared/; nothing here decides anything about gateways or metrics.
import type { Context, ScheduledEvent } from 'aws-lambda';
import type { MetricPublisher } from '../shared/metrics/cloudwatch-publisher.js';
import { runProbeCycle, type CycleReport, type CycleTarget } from '../shared/monitor/probe-cycle.js';
import { probePptp, type ProbeDeps } from '../shared/probe/index.js';

/** Kept back from the Lambda deadline for publishing (with retries) and logging, in ms. */
export const PUBLISH_MARGIN_MS = 4000;
/** Probes in flight at once in one invocation. */
export const INVOCATION_CONCURRENCY = 100;
/** Preferred spacing of probe starts, in ms (see shared/probe/run-paced.ts for why). */
export const START_INTERVAL_MS = 2;

export interface ProbeHandlerConfig {
  region: string;
  /** This region's targets, already resolved from monitor.yml. */
  targets: readonly CycleTarget[];
  publisher: MetricPublisher;
  probeDeps: ProbeDeps;
  log(line: string): void;
}

export type ProbeEvent = Pick<ScheduledEvent, 'time'>;

/** The interval a scheduled run belongs to: its scheduled minute, so every region agrees on it. */
export function intervalStartOf(event: ProbeEvent, fallbackNowMs: number): number {
  const scheduled = Date.parse(event.time);
  const at = Number.isFinite(scheduled) ? scheduled : fallbackNowMs;
  return Math.floor(at / 60_000) * 60_000;
}

export function createProbeHandler(config: ProbeHandlerConfig): (event: ProbeEvent, context: Pick<Context, 'getRemainingTimeInMillis'>) => Promise<CycleReport> {
  const { probeDeps } = config;
  return async (event, context) => {
    const budgetMs = context.getRemainingTimeInMillis() - PUBLISH_MARGIN_MS;
    const report = await runProbeCycle(
      config.targets,
      {
        region: config.region,
        intervalStart: intervalStartOf(event, Date.now()),
        deadlineAt: probeDeps.clock.now() + budgetMs,
        concurrency: INVOCATION_CONCURRENCY,
        startIntervalMs: START_INTERVAL_MS,
      },
      {
        probe: (target, options) => probePptp(target, options, probeDeps),
        clock: probeDeps.clock,
        timers: probeDeps.timers,
        publisher: config.publisher,
        log: config.log,
      },
    );
    config.log(JSON.stringify({ level: report.publish.loggedAsEmf > 0 ? 'ERROR' : 'INFO', message: 'probe cycle done', region: config.region, ...report }));
    // A failed publish must not look like a healthy run: the data is in the log as EMF, and the
    // invocation reports the failure so that Lambda's Errors metric and our self-monitoring see it.
    if (report.publish.loggedAsEmf > 0) {
      throw new Error(`PutMetricData failed for ${report.publish.loggedAsEmf} data points (logged as EMF): ${report.publish.errors.join('; ')}`);
    }
    return report;
  };
}
