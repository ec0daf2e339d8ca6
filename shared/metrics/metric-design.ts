// The metric design. Custom metrics cost $0.30 each per month (prorated by the hour they receive data),
// so the count per target and region is kept to two always-on metrics plus one per target shared by
// all regions; failure classes are a sparse dimension that costs only in hours with failures, and the
// gateway's identity a sparse metric that costs only in hours it changes or is refreshed.

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
  /**
   * 1 per target an invocation could not start a probe for in time (its deadline), {Target, ProbeRegion}:
   * published only then, so it costs only in hours with a skip. The same invocation adds a second ProbesRun
   * point (value 0): a heartbeat SampleCount above 1 is what tells the evaluator to read these (a duplicated
   * invocation looks the same, and costs one read that finds nothing). Without it, a location whose
   * heartbeat arrived was taken to have reported every target of its shard.
   */
  ProbeSkipped: 'ProbeSkipped',
  /**
   * Who answered: the gateway's identity fingerprint (shared/sla/identity.ts, a whole number below 2^48,
   * exact in CloudWatch's doubles), unit None, dimensions {Target} only: shared by every location, so ONE
   * custom metric per target however many locations probe it. Read back as Maximum: locations that
   * publish in the same minute normally publish the same value; where two reach different gateways, the
   * larger fingerprint.
   *
   * Sparse, because of how it is billed: a custom metric costs per metric-hour with data ($0.30 a month
   * prorated by the hour), so a metric published only when something changes costs only the hours it
   * receives data. A location publishes it when the fingerprint differs from what that process last
   * published (a failover, a firmware update, and a cold start, which knows nothing yet), and once a day
   * at the target's refresh minute, the same minute in every location (identity-memory.ts), so an
   * evaluator rebuilding from 8 days of history always finds a recent value. That is the refresh hour
   * plus the hours with a change or a cold start (each new Lambda container's first minute publishes
   * every identity of its shard, so this depends on how often Lambda recycles containers): typically a
   * few hours a day, a few cents a month per target, and never more than an always-on metric's $0.30.
   */
  ServerIdentity: 'ServerIdentity',
} as const;
export type MetricName = (typeof MetricName)[keyof typeof MetricName];

export const Dimension = { Target: 'Target', ProbeRegion: 'ProbeRegion', FailureClass: 'FailureClass', Shard: 'Shard' } as const;

/** The units our points carry: None for values that are not quantities (the identity fingerprint). */
export const METRIC_UNITS = ['Count', 'Milliseconds', 'None'] as const;
export type MetricUnit = (typeof METRIC_UNITS)[number];

/** One data point before batching: what a probe result turns into. */
export interface Datum {
  metricName: MetricName;
  dimensions: Readonly<Record<string, string>>;
  /** Milliseconds since the epoch: the start of the probe interval, so every region lands in one bucket. */
  timestamp: number;
  value: number;
  unit: MetricUnit;
}
