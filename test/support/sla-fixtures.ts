// Fixture builders shared by the SLA, report and status tests: a ResolvedTarget and a ResolvedConfig with
// defaults, probe-record histories, one-off maintenance windows, and the fixed instants and regions the
// scenarios are written against. Every builder takes overrides, so a test states only what it depends on.
import type { OneOffWindow, ResolvedConfig, ResolvedTarget } from '../../shared/config/types.js';
import { isAwsRegion } from '../../shared/config/regions.js';
import { LOCAL_REGION } from '../../shared/cycles/local-view.js';
import type { FailureClass } from '../../shared/probe/failure-classes.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';

/** One minute, in ms. */
export const MIN = 60_000;
/** One hour, in ms. */
export const HOUR = 60 * MIN;
/** One day, in ms. */
export const DAY = 24 * HOUR;
/** Wednesday 1 January 2025, 00:00 UTC: where the report scenarios start. */
export const D0 = Date.UTC(2025, 0, 1);
/** Wednesday 15 January 2025, 12:00 UTC, plus 30 s: the status page is looked at between two probe cycles. */
export const NOW = Date.UTC(2025, 0, 15, 12, 0, 30);
/** Minute of NOW, the start of the interval being probed right now (not complete, so never counted). */
export const NOW_MINUTE = Math.floor(NOW / MIN) * MIN;

/** The three probe regions of the multi-region scenarios. */
export const EU = 'eu-west-1';
export const US = 'us-east-1';
export const AP = 'ap-southeast-1';
/** The single region of the status-page scenarios (the local monitor writes its records as LOCAL_REGION). */
export const EU_CENTRAL = 'eu-central-1';

/** A 1-minute target probed from EU, US and AP with quorum 2, no latency objective, runbooks at runbooks.example. */
export function makeTarget(overrides: Partial<ResolvedTarget> = {}): ResolvedTarget {
  return {
    name: 'gw',
    host: 'gw.example',
    port: 1723,
    regions: [EU, US, AP],
    interval: '1m',
    intervalMinutes: 1,
    checks: { echo: true, call: false },
    timeout: 5000,
    attempts: 1,
    tags: {},
    owner: undefined,
    runbookBaseUrl: 'https://runbooks.example/',
    slo: { availability: 99.9, window: '30d', windowDays: 30 },
    latency: undefined,
    quorum: 2,
    down: { for: 3 },
    maintenance: [],
    ...overrides,
  };
}

/** makeTarget with one region (EU_CENTRAL) and quorum 1: a target as the local monitor and status page see it. */
export function makeLocalTarget(overrides: Partial<ResolvedTarget> = {}): ResolvedTarget {
  return makeTarget({ regions: [EU_CENTRAL], quorum: 1, ...overrides });
}

/** A config of `targets`, home region EU, whose regions are the targets' regions, sorted. */
export function makeConfig(targets: ResolvedTarget[], overrides: Partial<ResolvedConfig> = {}): ResolvedConfig {
  return {
    version: 1,
    namespace: 'PptpMonitor',
    homeRegion: EU,
    runbookBaseUrl: 'https://runbooks.example/',
    dashboardBaseUrl: undefined,
    targets,
    maintenance: [],
    alerts: { page: undefined, ticket: undefined },
    regions: [...new Set(targets.flatMap((t) => t.regions))].filter(isAwsRegion).sort(),
    ...overrides,
  };
}

/** The fields of a probe record a scenario may set. */
export type RecordFields = Partial<Omit<ProbeRecord, 'target' | 'region' | 'intervalStart'>>;
/** How `shape` changes one interval's record: fields to patch, 'missing' for no record, undefined for the ok default. */
export type Patch = RecordFields | 'missing' | undefined;

export interface HistoryOptions {
  /** Timing fields of an ok record before `shape` patches it; connect 20 ms and control 40 ms unless given. */
  ok?: RecordFields;
  /** Regions that write records; the target's own unless given. */
  regions?: readonly string[];
}

/** One record per region per interval in [fromMs, toMs): ok with `options.ok`'s timings unless `shape` says otherwise. */
export function history(
  target: ResolvedTarget,
  fromMs: number,
  toMs: number,
  shape: (start: number, region: string) => Patch = () => undefined,
  options: HistoryOptions = {},
): ProbeRecord[] {
  const ok = options.ok ?? { connectMs: 20, controlMs: 40 };
  const regions = options.regions ?? target.regions;
  const records: ProbeRecord[] = [];
  for (let start = fromMs; start < toMs; start += target.intervalMinutes * MIN) {
    for (const region of regions) {
      const patch = shape(start, region);
      if (patch === 'missing') continue;
      records.push({ target: target.name, region, intervalStart: start, ok: true, ...ok, ...patch });
    }
  }
  return records;
}

/** Local results (LOCAL_REGION) every interval in [fromMs, toMs): ok with connect 4 ms and control 40 ms unless `ok` or `shape` say otherwise. */
export function localHistory(
  target: ResolvedTarget,
  fromMs: number,
  toMs: number,
  shape: (start: number) => Patch = () => undefined,
  ok: RecordFields = { connectMs: 4, controlMs: 40 },
): ProbeRecord[] {
  return history(target, fromMs, toMs, (start) => shape(start), { ok, regions: [LOCAL_REGION] });
}

/** A failed probe of `failureClass`: no phase times. */
export const failed = (failureClass: FailureClass = 'connect_timeout'): Patch => ({ ok: false, failureClass, connectMs: undefined, controlMs: undefined });
/** Whether an interval starting at `start` lies in [fromMs, toMs). */
export const between = (start: number, fromMs: number, toMs: number): boolean => start >= fromMs && start < toMs;

/** A one-off maintenance window over [startMs, endMs), excluded from the SLA unless `countsAgainstSla`. */
export function once(startMs: number, endMs: number, countsAgainstSla = false, description = 'planned work'): OneOffWindow {
  const iso = (ms: number): string => new Date(ms).toISOString();
  return { kind: 'once', start: iso(startMs), end: iso(endMs), startMs, endMs, countsAgainstSla, description, scope: 'target' };
}
