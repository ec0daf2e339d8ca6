// The evaluate cycle's identity reads: a group's targets every IDENTITY_READ_MINUTES, the others every
// STANDALONE_IDENTITY_READ_MINUTES, each on the minute's own read (its range reaching back for them alone),
// and the events they give told then, with the instant the identity changed.
import { describe, expect, it } from 'vitest';
import { EVALUATOR_STATE_SCHEMA, IDENTITY_READ_MINUTES, runEvaluateCycle, STANDALONE_IDENTITY_READ_MINUTES, type EvaluatePorts } from '../../shared/cycles/evaluate-cycle.js';
import { INGESTION_LAG_MS } from '../../shared/cycles/evaluation-window.js';
import type { HistoryRead, IdentityPoint, ProbeShardMap } from '../../shared/cycles/ports.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { evaluatorStateStore } from '../../shared/state/evaluator-state-port.js';
import { identityFingerprint } from '../../shared/sla/identity.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { createMemoryStateStore } from '../support/memory-state-store.js';
import { EU, MIN, history, makeConfig, makeTarget } from '../support/sla-fixtures.js';

/** 12:00 UTC, a whole hour: the first run; the hourly read falls at 13:00. */
const START = Date.UTC(2025, 0, 15, 12, 0) + INGESTION_LAG_MS;
const probeShards: ProbeShardMap = { shardCount: () => 1, shardOf: () => 0 };
const one = { regions: [EU], quorum: 1 };
const config = makeConfig([makeTarget({ name: 'solo', ...one }), makeTarget({ name: 'vpn', ...one }), makeTarget({ name: 'vpn-a', ...one }), makeTarget({ name: 'vpn-b', ...one })], {
  groups: [{ name: 'vpn', members: ['vpn-a', 'vpn-b'] }],
});
const T0 = START - INGESTION_LAG_MS;
const fp = (hostname: string, firmwareRevision = 1): number => identityFingerprint({ hostname, vendor: 'lab', firmwareRevision });
/** Sparse points, as the probes publish them: at first sight, then on a change. */
const IDENTITIES: Record<string, IdentityPoint[]> = {
  solo: [{ intervalStart: T0 - 60 * MIN, fingerprint: fp('solo') }, { intervalStart: T0 + 3 * MIN, fingerprint: fp('solo', 2) }],
  vpn: [{ intervalStart: T0 - 60 * MIN, fingerprint: fp('gw-a') }, { intervalStart: T0 + 7 * MIN, fingerprint: fp('gw-b') }],
  'vpn-a': [{ intervalStart: T0 - 60 * MIN, fingerprint: fp('gw-a') }],
  'vpn-b': [{ intervalStart: T0 - 60 * MIN, fingerprint: fp('gw-b') }],
};

describe('evaluate cycle: identity reads', () => {
  it('reads a group every 5 minutes and the rest hourly, and tells each event with its true start', async () => {
    const records: ProbeRecord[] = config.targets.flatMap((t) => history(t, T0 - 8 * 24 * 60 * MIN, T0 + 70 * MIN));
    const store = createMemoryStateStore({ namespace: 'PptpMonitor', schemaVersion: EVALUATOR_STATE_SCHEMA, now: () => clock });
    let clock = START;
    const published: Notification[] = [];
    const identityReads: Array<{ at: number; targets: readonly string[]; fromMs: number }> = [];
    const ports: EvaluatePorts = {
      state: evaluatorStateStore(store),
      history: {
        recent: async (c, request): Promise<HistoryRead> => {
          const names = c.targets.map((t) => t.name);
          const wanted = request.identity ? (request.identityTargets ?? names) : [];
          if (request.identity && request.toMs - request.fromMs < 60 * MIN) identityReads.push({ at: request.toMs, targets: wanted, fromMs: request.identityFromMs ?? request.fromMs });
          const from = request.identityFromMs ?? request.fromMs;
          return {
            records: new Map(names.map((n) => [n, records.filter((r) => r.target === n && r.intervalStart >= request.fromMs && r.intervalStart < request.toMs)])),
            lastHeartbeat: new Map([[`${EU}#0`, request.toMs - MIN]]),
            metricsRequested: names.length + 1 + wanted.length,
            calls: 1,
            ...(request.identity ? { identities: new Map(wanted.map((n) => [n, (IDENTITIES[n] ?? []).filter((p) => p.intervalStart >= Math.min(from, request.fromMs) && p.intervalStart < request.toMs)])) } : {}),
          };
        },
        range: async () => {
          throw new Error('not used');
        },
      },
      alerts: { publish: async (ns) => (published.push(...ns), { sent: ns.length, retried: 0, failed: [] }) },
      log: createJsonLogger({ service: 'test', write: () => undefined }),
    };
    for (let m = 0; m <= 60; m++) {
      clock = START + m * MIN;
      await runEvaluateCycle({ config, shard: 0, shards: 1, scheduledMs: clock, nowMs: () => clock, probeShards }, ports);
    }
    const rel = (ms: number): number => (ms - T0) / MIN;
    expect(published.map((n) => ({ policy: n.policy, target: n.target, severity: n.severity, startsAt: rel(n.startsAt), at: rel(n.at) }))).toEqual([
      // The group's read at minute 10 (the first multiple of 5 after the interval 7 ended) tells the failover.
      { policy: 'failover', target: 'vpn', severity: 'info', startsAt: 7, at: 8 },
      // The hourly read at 13:00 tells the firmware change of 12:03.
      { policy: 'firmware_change', target: 'solo', severity: 'info', startsAt: 3, at: 4 },
    ]);
    const sent = published.map((n) => rel(n.at));
    expect(sent.every((at) => at <= 60)).toBe(true);
    // After the first run (a rebuild, 8 days of every identity), the stepping reads ask for the group's three every
    // IDENTITY_READ_MINUTES and for the standalone target once, at the hour.
    const steady = identityReads.filter((r) => r.at > T0);
    expect(steady.map((r) => [rel(r.at), r.targets.length])).toEqual([
      ...Array.from({ length: 60 / IDENTITY_READ_MINUTES - 1 }, (_, i): [number, number] => [(i + 1) * IDENTITY_READ_MINUTES, 3]),
      [STANDALONE_IDENTITY_READ_MINUTES, 4],
    ]);
  }, 60_000);
});
