// The small ports the cycles talk to the world through. A runner (a Lambda function, the CLI, an agent)
// builds the adapters that meet them (CloudWatch, SNS, the local store) and hands them to a cycle, so a
// cycle never imports an SDK and a test drives it with plain objects. Types only; adapters import this
// file, never the reverse.
import type { RenderContext } from '../alerts/render.js';
import type { ResolvedConfig } from '../config/types.js';
import type { Datum } from '../metrics/metric-design.js';
import type { ReportSummary } from '../report/report-summary.js';
import type { Notification, NotificationStatus } from '../sla/notification.js';
import type { ProbeRecord } from '../sla/probe-record.js';
import type { ReadReport } from '../store/local-store.js';
import type { ResultLine } from '../store/result-line.js';

// ---------------------------------------------------------------- probes

/**
 * The prober port is the probe contract's own (shared/probe): a cycle is handed probing by check kind,
 * bound by its runner to sockets and an abort signal, and never imports a prober.
 */
export type { ProbeByKind } from '../probe/registry.js';
export type { Prober } from '../probe/prober.js';

// ---------------------------------------------------------------- metrics out

export interface PublishReport {
  requests: number;
  /** Requests that needed at least one retry. */
  retried: number;
  /** Data points the sink accepted. */
  published: number;
  /** Data points written to the log as EMF because their request failed for good. */
  loggedAsEmf: number;
  /** The last error of each failed request, for the invocation's own report. */
  errors: string[];
}

/** Where data points go (CloudWatch in the Lambda runner). Never throws for a failed publish: the report says. */
export interface MetricSink {
  publish(points: readonly Datum[], signal?: AbortSignal): Promise<PublishReport>;
}

// ---------------------------------------------------------------- history in

/** Which probe shard probes each target from each region: what the heartbeats are keyed by. */
export interface ProbeShardMap {
  /** Shards per probe region. */
  shardCount(region: string): number;
  /** The shard that probes `target` from `region`, if the target is probed there. */
  shardOf(target: string, region: string): number | undefined;
}

/** The key of one probe shard's heartbeat in `HistoryRead.lastHeartbeat`. */
export const heartbeatKey = (region: string, shard: number): string => `${region}#${shard}`;

/** An interval with a ServerIdentity point: its start (ms) and the identity fingerprint (shared/sla/identity.ts). */
export interface IdentityPoint {
  intervalStart: number;
  fingerprint: number;
}

export interface HistoryRead {
  /** Probe records per target name. */
  records: Map<string, ProbeRecord[]>;
  /** Per probe shard (`heartbeatKey(region, shard)`), the last interval its heartbeat covers, if any. */
  lastHeartbeat: Map<string, number | undefined>;
  /** Metrics requested (what GetMetricData bills), and calls made. */
  metricsRequested: number;
  calls: number;
  /** Calls repeated after CloudWatch throttled them (or after a transient error). */
  retries?: number;
  /** Whether part of the range could only be read as 5-minute aggregates (CloudWatch keeps minutes for 15 days). */
  usedFiveMinuteData?: boolean;
  /**
   * Only when the identity was asked for: per target name, the intervals with a ServerIdentity point and
   * its value (shared/sla/identity.ts), ascending. Sparse: a location publishes it on a change, on its cold
   * start and once a day, so most intervals have none. 5-minute buckets where the read fell back to them
   * (where a change inside one bucket reads as the larger fingerprint).
   */
  identities?: Map<string, IdentityPoint[]>;
  /** Identity values dropped because they cannot be fingerprints (set with `identities`). */
  identitiesDropped?: number;
}

/** The probe history of the targets of `config` (CloudWatch in the home region). */
export interface HistorySource {
  /**
   * The evaluator's read of [fromMs, toMs): control times only when `latency`, identities only when
   * `identity` (one more billed metric per target), failure detail for the last hour.
   */
  recent(config: ResolvedConfig, request: { fromMs: number; toMs: number; latency: boolean; identity?: boolean; identityFromMs?: number; identityTargets?: readonly string[] }, signal?: AbortSignal): Promise<HistoryRead>;
  /** A report's read of [fromMs, toMs): every time, failure detail and identity, as fine as the source still holds it at `nowMs`. */
  range(config: ResolvedConfig, request: { fromMs: number; toMs: number; nowMs: number }, signal?: AbortSignal): Promise<HistoryRead>;
}

// ---------------------------------------------------------------- alerts out

export interface FailedAlert {
  dedupKey: string;
  status: NotificationStatus;
  /** The last error, `Name (HTTP status): message`. */
  error: string;
}

export interface AlertPublishReport {
  /** Notifications the sink accepted. */
  sent: number;
  /** Notifications that needed at least one retry (sent or not). */
  retried: number;
  /** Notifications not published; each was written to the log whole. */
  failed: FailedAlert[];
}

/** Where notifications go (SNS in the Lambda runner). Never throws for a failed publish: the report says. */
export interface AlertSink {
  /** Publishes one at a time, in order. */
  publish(notifications: readonly Notification[], context: (n: Notification) => RenderContext, signal?: AbortSignal): Promise<AlertPublishReport>;
}

/** Where the monthly report's summary goes (the ticket topic in the Lambda runner), with the sink's own retries. */
export interface SummarySink {
  publish(summary: ReportSummary, signal?: AbortSignal): Promise<{ ok: true } | { ok: false; error: unknown }>;
}

// ---------------------------------------------------------------- state

/** A notification claimed by a run and not yet confirmed published: its dedup key and its body (the Notification as JSON). */
export interface OutboxEntry {
  dedupKey: string;
  body: string;
}

/** What the evaluator keeps per evaluator shard: its state bytes, how far they reach, and its outbox. */
export interface EvaluatorStateRecord {
  state: Uint8Array;
  /** Every evaluation instant up to and including this one is folded into `state` (ms). */
  evaluatedUntil: number;
  outbox: readonly OutboxEntry[];
}

/** What a write expects to find: no item (undefined), this version, or an item whose version is unreadable. */
export type EvaluatorStateVersion = number | undefined | 'unreadable';

export type EvaluatorStateRead =
  | { kind: 'none' }
  /** The item cannot be used (damaged, another schema): rebuild, and overwrite it expecting `overwrite`. */
  | { kind: 'unreadable'; problem: string; overwrite: EvaluatorStateVersion }
  /** `updatedAt`: when the item was written, by its writer's clock (ms). */
  | { kind: 'loaded'; version: number; updatedAt: number; record: EvaluatorStateRecord };

/**
 * The evaluator's per-shard state with optimistic concurrency (DynamoDB in the Lambda runner). A claim or
 * a confirm that finds the item changed since `expected` does not throw: it answers `false`, and the run
 * that lost publishes nothing. Anything else that fails (unavailable, too large) throws.
 */
export interface EvaluatorStateStore {
  load(shard: number, signal?: AbortSignal): Promise<EvaluatorStateRead>;
  /** Writes the whole record if the item is still at `expected`. */
  claim(shard: number, record: EvaluatorStateRecord, expected: EvaluatorStateVersion, signal?: AbortSignal): Promise<{ claimed: true; version: number; stateBytes: number; storedBytes: number } | { claimed: false }>;
  /** Empties the outbox if the item is still at `expected`. */
  confirm(shard: number, expected: number, signal?: AbortSignal): Promise<{ confirmed: true; version: number } | { confirmed: false }>;
}

/** Where the local monitor keeps its probe results (the JSON Lines store under --data). */
export interface ResultStore {
  append(lines: readonly ResultLine[]): Promise<void>;
  /** Records whose interval starts in [fromMs, toMs), sorted by interval then target then region. */
  read(fromMs: number, toMs: number): Promise<ReadReport>;
}
