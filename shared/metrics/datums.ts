// Probe result -> data points. Pure.
import type { ProbeResult } from '../probe/index.js';
import { Dimension, MetricName, type Datum } from './metric-design.js';

export interface DatumContext {
  /** The config's target name (a dimension value), not the host. */
  target: string;
  region: string;
  /** Start of the probe interval in ms since the epoch. */
  intervalStart: number;
}

export function datumsForResult(result: Pick<ProbeResult, 'ok' | 'timings' | 'failure'>, ctx: DatumContext): Datum[] {
  const perRegion = { [Dimension.Target]: ctx.target, [Dimension.ProbeRegion]: ctx.region };
  const timestamp = ctx.intervalStart;
  const out: Datum[] = [
    { metricName: MetricName.ProbeFailed, dimensions: { [Dimension.Target]: ctx.target }, timestamp, value: result.ok ? 0 : 1, unit: 'Count' },
  ];
  if (result.timings.connectMs !== undefined) {
    out.push({ metricName: MetricName.ConnectTime, dimensions: perRegion, timestamp, value: result.timings.connectMs, unit: 'Milliseconds' });
  }
  if (result.timings.controlMs !== undefined) {
    out.push({ metricName: MetricName.ControlTime, dimensions: perRegion, timestamp, value: result.timings.controlMs, unit: 'Milliseconds' });
  }
  if (result.failure) {
    out.push({
      metricName: MetricName.ProbeFailures,
      dimensions: { ...perRegion, [Dimension.FailureClass]: result.failure.class },
      timestamp,
      value: 1,
      unit: 'Count',
    });
  }
  return out;
}

/**
 * The gateway's identity as a ServerIdentity point: {Target} only, so every location adds to one metric.
 * Whether to publish it at all is the caller's (identity-memory.ts): it is sparse, never one per probe.
 */
export function identityDatum(fingerprint: number, ctx: Pick<DatumContext, 'target' | 'intervalStart'>): Datum {
  return { metricName: MetricName.ServerIdentity, dimensions: { [Dimension.Target]: ctx.target }, timestamp: ctx.intervalStart, value: fingerprint, unit: 'None' };
}
