// Which evaluation instants one evaluator run covers. Pure.
//
// The evaluator is stateless except for a watermark: the last instant whose notifications were all
// published. A run evaluates (watermark, t], so a run that failed to publish, or a run that never
// happened, is made up by the next one with the same dedup keys; catch-up is capped so that an evaluator
// that was down for a day does not replay a day of notifications.
//
// The history windows are here too, for every runner that evaluates (the Lambda evaluator, the local
// monitor, backtest): one lookback, one history length.
import { DAY_MS, MINUTE_MS, floorTo } from '../common/time.js';

/** Probe results reach CloudWatch within a minute or two; evaluating this far behind now sees them all. */
export const INGESTION_LAG_MS = 2 * MINUTE_MS;
/** The most a run catches up after missed or failed runs. */
export const MAX_CATCH_UP_MS = 60 * MINUTE_MS;
/** The latency policy needs ControlTime per region, a billed metric each: it is evaluated every 5 minutes. */
export const LATENCY_STEP_MS = 5 * MINUTE_MS;
/** The SLA core's walk before each window, in ms: the 3-day burn window + the 24 h ticket renotify. */
export const LOOKBACK_MS = 4 * DAY_MS;
/**
 * History read (Lambda) or kept in memory (local monitor), in ms: the lookback, up to a day more because the
 * walk starts at a UTC midnight, and the 3-day burn window behind the walk's first instant.
 */
export const HISTORY_MS = 8 * DAY_MS;

export interface EvaluationPlan {
  /** The evaluation instant: the scheduled minute minus the ingestion lag. */
  t: number;
  /** Instants in (fromExclusive, t] are evaluated; empty when fromExclusive >= t (already done). */
  fromExclusive: number;
  /** Instants at which the latency policy is evaluated in this run: (latencyFromExclusive, latencyTo]. */
  latencyFromExclusive: number;
  latencyTo: number;
  /** Whether this run evaluates latency at all (fetches ControlTime). */
  latency: boolean;
}

export function planEvaluation(scheduledMs: number, watermarkMs: number | undefined): EvaluationPlan {
  const t = floorTo(scheduledMs, MINUTE_MS) - INGESTION_LAG_MS;
  const from = watermarkMs === undefined ? t - MINUTE_MS : Math.max(floorTo(watermarkMs, MINUTE_MS), t - MAX_CATCH_UP_MS);
  // Latency instants are the multiples of 5 minutes; consecutive runs' latency windows tile like theirs.
  const latencyFromExclusive = floorTo(from, LATENCY_STEP_MS);
  const latencyTo = floorTo(t, LATENCY_STEP_MS);
  return { t, fromExclusive: Math.min(from, t), latencyFromExclusive, latencyTo, latency: latencyTo > latencyFromExclusive && from < t };
}
