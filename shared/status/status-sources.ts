// The two functions startStatusServer wants (`model` and `metrics`), built from a config, the monitor's
// history, a probe tally and a clock, with the model cached briefly.
//
// Why a cache: a model walks each target's incident state machines over the evaluator's look-back
// (minutes × policies), about 6 ms per one-minute target with 8 days of history on our machines. A page
// reload and a Prometheus scrape every 15 s would otherwise block the event loop that also times the
// probes. The SLA part of the model only moves when the minute does (targetStatus floors to the minute
// and counts complete intervals only), so a model is reused while the minute is the same and it is
// younger than MODEL_CACHE_MS; the age bound keeps each region's "last result" no staler than that.
import type { ResolvedConfig, ResolvedTarget } from '../config/types.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import { MINUTE_MS, SECOND_MS, floorTo } from '../common/time.js';
import { prometheusText, type ProbeTally } from './prometheus.js';
import { statusModel, type StatusModel, type StatusModelOptions } from './status-model.js';

/** Longest a built model is reused, in ms. */
export const MODEL_CACHE_MS = 10 * SECOND_MS;

export interface StatusSourcesOptions {
  config: ResolvedConfig;
  /** The records of one configured target (the local monitor's in-memory history). */
  history(target: ResolvedTarget): readonly ProbeRecord[];
  /** Fed by recordResult as probe results come in. */
  tally: ProbeTally;
  /** ms since the epoch. */
  now(): number;
  /** statusModel options; locally `{ view: localView, evaluate: { lookbackMs: LOCAL_LOOKBACK_MS } }`. */
  model?: StatusModelOptions;
  /** Overrides MODEL_CACHE_MS (0 disables the cache). */
  cacheMs?: number;
}

export interface StatusSources {
  model(): StatusModel;
  /** Probe series from the tally (always live), target series from the (cached) model. */
  metrics(): string;
}

export function statusSources(options: StatusSourcesOptions): StatusSources {
  const cacheMs = options.cacheMs ?? MODEL_CACHE_MS;
  let cached: StatusModel | undefined;
  const model = (): StatusModel => {
    const now = options.now();
    const fresh = cached !== undefined && floorTo(now, MINUTE_MS) === cached.evaluatedAt && now >= cached.generatedAt && now - cached.generatedAt < cacheMs;
    if (!fresh) cached = statusModel(options.config, options.history, now, options.model);
    return cached!;
  };
  return { model, metrics: () => prometheusText(model(), options.tally) };
}
