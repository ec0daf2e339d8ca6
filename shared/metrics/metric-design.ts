// The metric design. Custom metrics cost $0.30 each per month (prorated by the hour they receive data),
// so the count per target and region is kept to two always-on metrics plus one per target shared by
// all regions; failure classes are a sparse dimension that costs only in hours with failures.

export const MetricName = {
  /** 0 or 1 per probe, dimensions {Target} only: the per-minute Sum is the number of failing regions
   * and the SampleCount the number of regions that reported, so quorum needs one metric per target. */
  ProbeFailed: 'ProbeFailed',
  /** TCP handshake time in ms, for every probe that connected. {Target, ProbeRegion}. */
  ConnectTime: 'ConnectTime',
  /** SCCRQ to SCCRP time in ms, for every probe that got a reply. {Target, ProbeRegion}. */
  ControlTime: 'ControlTime',
  /** 1 per failed probe, {Target, ProbeRegion, FailureClass}: published only when a probe fails. */
  ProbeFailures: 'ProbeFailures',
  /** Probes completed by one invocation, {ProbeRegion, Shard}: the heartbeat that the "probes stopped
   * reporting" alarms watch and the evaluator reads to know who reported. One metric per probe shard
   * (one per region unless a region has more than ~900 targets), sent in the cycle's own request. */
  ProbesRun: 'ProbesRun',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const Dimension = { Target: 'Target', ProbeRegion: 'ProbeRegion', FailureClass: 'FailureClass', Shard: 'Shard' } as const;

export type MetricUnit = 'Count' | 'Milliseconds';

/** One data point before batching: what a probe result turns into. */
export interface Datum {
  metricName: MetricName;
  dimensions: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch: the start of the probe interval, so every region lands in one bucket. */
  timestamp: number;
  value: number;
  unit: MetricUnit;
}
