// Random targets and probe histories for the tests that compare the SLA fold with the stateless walk. The
// histories mix what the policies react to: outages of every length and quorum, blips, one flaky region,
// silent regions, slow control times in some locations, failed probes that still have a control time,
// duplicate deliveries, server identities, records of other targets and regions, one-off maintenance
// windows that count or not, weekly and cron windows in zones crossing a DST change, 1-minute and
// 5-minute targets, quorums from 1 to all regions, `down.for` and `latency.for` values, SLO windows from 1
// to 30 days, shorter renotify periods and a 5-minute latency step. `seed` decides everything.
import type { MaintenanceWindow, ResolvedTarget } from '../../shared/config/types.js';
import type { FailureClass } from '../../shared/probe/failure-classes.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import type { FoldOptions } from '../../shared/sla/fold/index.js';
import { mulberry32 } from './prng.js';
import { AP, DAY, EU, EU_CENTRAL, HOUR, MIN, US, makeTarget, once } from './sla-fixtures.js';

const CLASSES: FailureClass[] = ['connect_timeout', 'connection_reset', 'control_timeout', 'dns_failure', 'echo_timeout'];
const SERVERS = [
  { hostname: 'gw1', vendor: 'linux', firmwareRevision: 1 },
  { hostname: 'gw2', vendor: 'MikroTik', firmwareRevision: 7 },
];
/** Starts a few days before DST changes: Europe 30 March and 26 October 2025, United States 9 March and 2 November 2025. */
const STARTS = [Date.UTC(2025, 2, 27, 7, 13), Date.UTC(2025, 9, 23, 22, 0), Date.UTC(2025, 2, 6, 0, 0), Date.UTC(2025, 9, 30, 13, 37), Date.UTC(2025, 0, 14, 0, 0)];
const ZONES = ['Europe/Berlin', 'America/New_York', 'UTC'];

export interface Scenario {
  target: ResolvedTarget;
  records: ProbeRecord[];
  fromMs: number;
  toMs: number;
  fold: FoldOptions;
}

function pick<T>(rand: () => number, items: readonly T[]): T {
  return items[Math.floor(rand() * items.length)]!;
}

function maintenanceFor(rand: () => number, startMs: number, spanMs: number): MaintenanceWindow[] {
  const windows: MaintenanceWindow[] = [];
  const count = Math.floor(rand() * 4);
  for (let i = 0; i < count; i++) {
    const countsAgainstSla = rand() < 0.4;
    const zone = pick(rand, ZONES);
    const kind = pick(rand, ['once', 'once', 'weekly', 'cron'] as const);
    if (kind === 'once') {
      const from = startMs + Math.floor(rand() * spanMs / MIN) * MIN + (rand() < 0.3 ? 30_000 : 0);
      windows.push(once(from, from + (10 + Math.floor(rand() * 180)) * MIN, countsAgainstSla));
    } else if (kind === 'weekly') {
      const day = pick(rand, ['sun', 'mon', 'sat', 'wed'] as const);
      const start = `${String(Math.floor(rand() * 24)).padStart(2, '0')}:${pick(rand, ['00', '15', '30', '45'])}`;
      windows.push({ kind: 'weekly', weekly: { day, start, durationMinutes: 20 + Math.floor(rand() * 200) }, timezone: zone, countsAgainstSla, description: undefined, scope: 'target' });
    } else {
      const cron = pick(rand, ['0 3 * * *', '30 2 * * *', '*/45 1-4 * * 0', '15 22 * * 1-5', '0 0 1 * *']);
      windows.push({ kind: 'cron', cron, durationMinutes: 5 + Math.floor(rand() * 60), timezone: zone, countsAgainstSla, description: undefined, scope: 'global' });
    }
  }
  return windows;
}

/** A random target and history; `seed` decides everything. */
export function randomScenario(seed: number, options: { calmDays?: number } = {}): Scenario {
  const rand = mulberry32(seed);
  const intervalMinutes = rand() < 0.3 ? 5 : 1;
  const stepMs = intervalMinutes * MIN;
  const regions = [EU, US, AP, EU_CENTRAL].slice(0, 1 + Math.floor(rand() * 4)) as ResolvedTarget['regions'];
  const quorum = 1 + Math.floor(rand() * regions.length);
  const startMs = Math.floor(pick(rand, STARTS) / stepMs) * stepMs + (rand() < 0.5 ? Math.floor(rand() * 300) * stepMs : 0);
  // A calm prefix (every region answering, nothing slow) before the eventful part, when asked for.
  const calmMs = (options.calmDays ?? 0) * DAY;
  const spanMs = calmMs + (intervalMinutes === 5 ? 7 + Math.floor(rand() * 4) : 3 + Math.floor(rand() * 3)) * DAY;
  const latency = rand() < 0.6 ? { controlP95Ms: pick(rand, [200, 500]), ...(rand() < 0.7 ? { forMinutes: pick(rand, [1, 5, 15, 30, 60]) } : {}) } : undefined;
  const target = makeTarget({
    regions,
    quorum,
    interval: intervalMinutes === 5 ? '5m' : '1m',
    intervalMinutes,
    down: { for: pick(rand, [1, 2, 3, 3, 5]) },
    slo: pick(rand, [
      { availability: 99.9, window: '30d', windowDays: 30 },
      { availability: 99, window: '1d', windowDays: 1 },
      { availability: 99.5, window: '7d', windowDays: 7 },
      { availability: 99.95, window: '3d', windowDays: 3 },
    ]),
    latency,
    maintenance: maintenanceFor(rand, startMs, spanMs),
  });
  // How eventful this history is: some calm, some chaotic.
  const chaos = 0.3 + rand() * 2.5;
  const perInterval = stepMs / MIN;
  const records: ProbeRecord[] = [];
  let outageLeft = 0;
  let outageRegions = 0;
  let outageClass: FailureClass = 'connect_timeout';
  let slowLeft = 0;
  let slowRegions = 0;
  const silentLeft = regions.map(() => 0);
  const flaky = Math.floor(rand() * regions.length);
  const flakyRate = rand() < 0.5 ? 0.02 : 0.2;
  let server = rand() < 0.8 ? SERVERS[0] : undefined;
  for (let start = startMs; start < startMs + spanMs; start += stepMs) {
    const calm = start < startMs + calmMs;
    if (calm) {
      regions.forEach((region) => records.push({ target: target.name, region, intervalStart: start, ok: true, connectMs: 10, controlMs: 40, ...(server !== undefined ? { server } : {}) }));
      continue;
    }
    if (outageLeft === 0 && rand() < (chaos * perInterval) / 1200) {
      outageLeft = 1 + Math.floor(rand() * (rand() < 0.2 ? 400 : 40) / perInterval);
      outageRegions = 1 + Math.floor(rand() * regions.length);
      outageClass = pick(rand, CLASSES);
    }
    const blip = rand() < (chaos * perInterval) / 400 ? 1 + Math.floor(rand() * regions.length) : 0;
    if (slowLeft === 0 && rand() < (chaos * perInterval) / 900) {
      slowLeft = 2 + Math.floor(rand() * (rand() < 0.2 ? 300 : 40) / perInterval);
      slowRegions = 1 + Math.floor(rand() * regions.length);
    }
    silentLeft.forEach((left, r) => {
      if (left === 0 && rand() < (chaos * perInterval) / 2500) silentLeft[r] = 1 + Math.floor(rand() * (rand() < 0.1 ? 200 : 12) / perInterval);
    });
    if (rand() < 0.002) server = pick(rand, SERVERS);
    regions.forEach((region, r) => {
      if (silentLeft[r]! > 0) return;
      const failing = (outageLeft > 0 && r < outageRegions) || r < blip || (r === flaky && rand() < flakyRate);
      const slow = slowLeft > 0 && r < slowRegions && rand() < 0.9;
      const controlMs = slow ? 300 + Math.round(rand() * 900) + rand() : 20 + Math.round(rand() * 60) + Math.round(rand() * 1000) / 1000;
      const record: ProbeRecord = failing
        ? rand() < 0.2
          ? { target: target.name, region, intervalStart: start, ok: false, failureClass: 'echo_timeout', controlMs }
          : { target: target.name, region, intervalStart: start, ok: false, ...(rand() < 0.95 ? { failureClass: outageLeft > 0 ? outageClass : pick(rand, CLASSES) } : {}) }
        : { target: target.name, region, intervalStart: start, ok: true, connectMs: 10, controlMs, ...(server !== undefined && rand() < 0.9 ? { server } : {}) };
      records.push(record);
      // At-least-once delivery: the same region again, sometimes with the other outcome.
      if (rand() < 0.01) records.push(rand() < 0.5 ? { ...record } : { ...record, ok: !record.ok, failureClass: record.ok ? 'connection_reset' : undefined });
    });
    if (rand() < 0.005) records.push({ target: 'other', region: regions[0]!, intervalStart: start, ok: false, failureClass: 'dns_failure' });
    if (rand() < 0.005) records.push({ target: target.name, region: 'sa-east-1', intervalStart: start, ok: false, failureClass: 'dns_failure' });
    if (outageLeft > 0) outageLeft--;
    if (slowLeft > 0) slowLeft--;
    silentLeft.forEach((left, r) => (silentLeft[r] = Math.max(0, left - 1)));
  }
  const fold: FoldOptions = {};
  if (rand() < 0.3) fold.renotify = { pageMs: pick(rand, [HOUR, 4 * HOUR]), ticketMs: pick(rand, [6 * HOUR, DAY]) };
  if (latency !== undefined && rand() < 0.3) fold.latencyStepMs = 5 * MIN;
  // Evaluate past the last record sometimes: the monitor going blind at the end.
  const toMs = startMs + spanMs + (rand() < 0.3 ? Math.floor(rand() * 60) * MIN : 0);
  return { target, records, fromMs: startMs - MIN, toMs, fold };
}

