// The evaluator's time constants, defined once for every runner that evaluates (the Lambda evaluator, the
// local monitor, backtest, the status page). Pure.
import { DAY_MS, MINUTE_MS } from '../common/time.js';

/** Probe results reach CloudWatch within a minute or two; evaluating this far behind now sees them all. */
export const INGESTION_LAG_MS = 2 * MINUTE_MS;
/** The most notifications a run catches up on after missed or failed runs: older ones are folded quietly. */
export const MAX_CATCH_UP_MS = 60 * MINUTE_MS;
/**
 * The stateless SLA walk's look-back before a window, in ms: the 3-day burn window + the 24 h ticket
 * renotify (the status page's targetStatus and the tests that compare the fold with the walk use it).
 */
export const LOOKBACK_MS = 4 * DAY_MS;
/**
 * History the SLA needs behind an instant, in ms: the look-back, up to a day more because the walk starts at
 * a UTC midnight, and the 3-day burn window behind its first instant. The local monitor keeps this much in
 * memory; the Lambda evaluator reads this much to rebuild a target's fold state.
 */
export const HISTORY_MS = 8 * DAY_MS;
