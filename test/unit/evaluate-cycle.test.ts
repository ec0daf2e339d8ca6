// The evaluate cycle over plain-object ports (a history source over a scripted history, the state store in
// memory through the same port adapter the Lambda uses, an alert sink that records): no CloudWatch, no
// SNS, the SLA fold deciding. What the cycle owns: reading only the new minutes, rebuilding a missing,
// damaged or other-configuration state from the history within the rebuild budget, the claim before the
// publish and the confirm after it, the outbox of a run that did not confirm, the dead-probe-shard rule,
// and the run's log lines.
import { describe, expect, it } from 'vitest';
import { EVALUATOR_STATE_SCHEMA, REBUILD_HISTORY_MS, REBUILD_POINTS_PER_MINUTE, rebuildPoints, runEvaluateCycle, type EvaluatePorts } from '../../shared/cycles/evaluate-cycle.js';
import { INGESTION_LAG_MS } from '../../shared/cycles/evaluation-window.js';
import type { AlertPublishReport, HistoryRead, ProbeShardMap } from '../../shared/cycles/ports.js';
import type { ResolvedConfig } from '../../shared/config/types.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { evaluatorStateStore } from '../../shared/state/evaluator-state-port.js';
import { stateKey } from '../../shared/state/item.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { createMemoryStateStore, type MemoryStateStore } from '../support/memory-state-store.js';
import { AP, EU, MIN, US, failed, history, makeConfig, makeTarget, type Patch } from '../support/sla-fixtures.js';

/** Wednesday 15 January 2025, 12:00 UTC: the scheduled minute of the first run under test. */
const SCHEDULED = Date.UTC(2025, 0, 15, 12, 0);
const T = SCHEDULED - INGESTION_LAG_MS;
/** One probe shard per region: shard 0. */
const probeShards: ProbeShardMap = { shardCount: () => 1, shardOf: () => 0 };
/** Down in EU and US (a quorum of 2 of 3) for the 3 intervals ending at T: `down` fires at T. */
const outage = (start: number, region: string): Patch => (start >= T - 3 * MIN && start < T + 5 * MIN && region !== AP ? failed('connect_timeout') : undefined);

interface World {
  ports: EvaluatePorts;
  store: MemoryStateStore;
  published: Notification[];
  reads: Array<{ targets: string[]; fromMs: number; toMs: number }>;
  logged: Array<Record<string, unknown>>;
  /** The next publish answers this instead of sending. */
  failPublish: boolean;
  lastHeartbeat: Record<string, number>;
  /** The clock of the runs and of the store's updatedAt. */
  clockMs: number;
}

/** A world whose CloudWatch holds `shape`'s history of `config`'s targets from 2 hours before T to 10 minutes after. */
function world(config: ResolvedConfig, shape: (start: number, region: string, target: string) => Patch = () => undefined): World {
  const records: ProbeRecord[] = config.targets.flatMap((t) => history(t, T - 120 * MIN, T + 10 * MIN, (start, region) => shape(start, region, t.name)));
  const w: Omit<World, 'ports'> = {
    store: createMemoryStateStore({ namespace: 'PptpMonitor', schemaVersion: EVALUATOR_STATE_SCHEMA, now: () => w.clockMs }),
    published: [],
    reads: [],
    logged: [],
    failPublish: false,
    lastHeartbeat: {},
    clockMs: SCHEDULED,
  };
  const read = (targets: readonly string[], fromMs: number, toMs: number): HistoryRead => ({
    records: new Map(targets.map((name) => [name, records.filter((r) => r.target === name && r.intervalStart >= fromMs && r.intervalStart < toMs)])),
    lastHeartbeat: new Map([EU, US, AP].map((r) => [`${r}#0`, Math.min(w.lastHeartbeat[r] ?? Infinity, toMs - MIN)])),
    metricsRequested: targets.length + 3,
    calls: 1,
  });
  const ports: EvaluatePorts = {
    state: evaluatorStateStore(w.store),
    history: {
      recent: async (c, request) => {
        w.reads.push({ targets: c.targets.map((t) => t.name), fromMs: request.fromMs, toMs: request.toMs });
        return read(c.targets.map((t) => t.name), request.fromMs, request.toMs);
      },
      range: async () => {
        throw new Error('not used by the evaluator');
      },
    },
    alerts: {
      publish: async (notifications): Promise<AlertPublishReport> => {
        if (w.failPublish) {
          w.failPublish = false;
          return { sent: 0, retried: 1, failed: notifications.map((n) => ({ dedupKey: n.dedupKey, status: n.status, error: 'Throttling: x' })) };
        }
        w.published.push(...notifications);
        return { sent: notifications.length, retried: 0, failed: [] };
      },
    },
    log: createJsonLogger({ service: 'test', write: (line) => void w.logged.push(JSON.parse(line) as Record<string, unknown>) }),
  };
  return Object.assign(w, { ports });
}

/** The run scheduled `minute` minutes after SCHEDULED, 5 s into its minute. */
function run(w: World, config: ResolvedConfig, minute: number, shards = 1) {
  w.clockMs = SCHEDULED + minute * MIN + 5_000;
  return runEvaluateCycle({ config, shard: 0, shards, scheduledMs: SCHEDULED + minute * MIN, nowMs: () => w.clockMs, probeShards }, w.ports);
}
const messages = (w: World): unknown[] => w.logged.map((l) => l['message']);
const key = (n: Pick<Notification, 'dedupKey' | 'status' | 'at'>): string => `${n.status} ${n.dedupKey} ${new Date(n.at).toISOString()}`;

describe('runEvaluateCycle', () => {
  const target = makeTarget();
  const config = makeConfig([target]);

  it('with no state, rebuilds the shard from 8 days of history, publishes what is due at t, and claims before it publishes', async () => {
    // Prepare
    const w = world(config, outage);
    // Act
    const report = await run(w, config, 0);
    // Assess
    expect(w.reads).toEqual([{ targets: ['gw'], fromMs: T - REBUILD_HISTORY_MS, toMs: T }]);
    expect(report).toMatchObject({ outcome: 'evaluated', t: T, stepped: 0, rebuilt: ['gw'], pending: 0 });
    expect(w.published.map(key)).toEqual([`firing gw/down/${new Date(T - 3 * MIN).toISOString()} ${new Date(T).toISOString()}`]);
    expect(messages(w)).toEqual(['evaluator state: none for this shard; every target is rebuilt from CloudWatch', 'rebuilding evaluator state from CloudWatch', 'evaluation done']);
    const stored = await w.store.load(0);
    expect(stored).toMatchObject({ evaluatedUntil: T, outbox: [], version: 2 });
  });

  it('then reads only the new minutes, and a repeated run for a minute already evaluated reads nothing and sends nothing', async () => {
    // Prepare
    const w = world(config, outage);
    await run(w, config, 0);
    w.reads.length = 0;
    // Act
    const next = await run(w, config, 1);
    const again = await run(w, config, 1);
    // Assess
    expect(w.reads).toEqual([{ targets: ['gw'], fromMs: T, toMs: T + MIN }]);
    expect(next).toMatchObject({ outcome: 'evaluated', stepped: 1, rebuilt: [], records: 3, notifications: [] });
    expect(again).toMatchObject({ outcome: 'already', notifications: [] });
    expect(w.published).toHaveLength(1);
  });

  it('sends every notification once over a run per minute: the firing, then the resolved after the outage', async () => {
    const w = world(config, outage);
    for (let m = 0; m <= 10; m++) await run(w, config, m);
    expect(w.published.map((n) => [n.status, (n.at - T) / MIN])).toEqual([
      ['firing', 0],
      ['resolved', 8],
    ]);
  });

  it('keeps what was not published in the outbox, fails the run, and the next run sends it first under the same key', async () => {
    // Prepare
    const w = world(config, outage);
    w.failPublish = true;
    // Act
    await expect(run(w, config, 0)).rejects.toThrow("1 notification(s) not published; they stay in the shard's outbox and the next run sends them with the same dedup keys");
    const stored = await w.store.load(0);
    const next = await run(w, config, 1);
    // Assess
    expect(stored?.outbox.map((e) => e.dedupKey)).toEqual([`gw/down/${new Date(T - 3 * MIN).toISOString()}`]);
    expect(next.redelivered).toBe(1);
    expect(w.published.map((n) => n.dedupKey)).toEqual([`gw/down/${new Date(T - 3 * MIN).toISOString()}`]);
    expect((await w.store.load(0))?.outbox).toEqual([]);
  });

  it('after a crash between the claim and the publish, the next run publishes the claimed outbox before anything else', async () => {
    // Prepare: a run that claimed and died before publishing (its alert sink never answered).
    const w = world(config, outage);
    const crashed: EvaluatePorts = { ...w.ports, alerts: { publish: () => Promise.reject(new Error('the Lambda timed out')) } };
    await expect(runEvaluateCycle({ config, shard: 0, shards: 1, scheduledMs: SCHEDULED, nowMs: () => w.clockMs, probeShards }, crashed)).rejects.toThrow('timed out');
    // Act
    const next = await run(w, config, 1);
    // Assess
    expect(next.redelivered).toBe(1);
    expect(w.published.map((n) => n.status)).toEqual(['firing']);
    expect(messages(w)).toContain('outbox of an earlier run: publishing it again before this run');
  });

  it('leaves an outbox claimed moments ago to the run that is publishing it', async () => {
    // Prepare: a run that claimed and is still publishing (its sink has not answered yet).
    const w = world(config, outage);
    let answer: (report: AlertPublishReport) => void = () => undefined;
    const slow: EvaluatePorts = { ...w.ports, alerts: { publish: () => new Promise((resolve) => (answer = resolve)) } };
    const first = runEvaluateCycle({ config, shard: 0, shards: 1, scheduledMs: SCHEDULED, nowMs: () => w.clockMs, probeShards }, slow);
    while ((await w.store.load(0)) === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
    // Act: a duplicate delivery of the same minute, 10 s later.
    w.clockMs += 10_000;
    const duplicate = await runEvaluateCycle({ config, shard: 0, shards: 1, scheduledMs: SCHEDULED, nowMs: () => w.clockMs, probeShards }, w.ports);
    answer({ sent: 1, retried: 0, failed: [] });
    // Assess
    expect(duplicate.outcome).toBe('superseded');
    expect(w.published).toEqual([]);
    expect((await first).outcome).toBe('evaluated');
    expect((await w.store.load(0))?.outbox).toEqual([]);
  });

  it('lets exactly one of two overlapping runs for the same minute claim it; the other sends nothing', async () => {
    // Prepare
    const w = world(config, outage);
    // Act
    const [a, b] = await Promise.all([run(w, config, 0), run(w, config, 0)]);
    // Assess
    expect([a.outcome, b.outcome].sort()).toEqual(['evaluated', 'superseded']);
    expect(w.published).toHaveLength(1);
    expect(w.store.calls.conflicts).toBe(1);
    expect(messages(w)).toContain("evaluation dropped: another run wrote this shard's state first and owns these minutes; nothing sent");
  });

  it("leaves a no_data that only a dead probe shard explains to that shard's alarm, and pages it when the shard is alive", async () => {
    // Prepare: AP sends nothing for the 3 intervals before T; its shard's heartbeat stopped 4 minutes before T in one world.
    const silentAp = (start: number, region: string): Patch => (region === AP && start >= T - 3 * MIN ? 'missing' : undefined);
    const dead = world(config, silentAp);
    dead.lastHeartbeat[AP] = T - 4 * MIN;
    const alive = world(config, silentAp);
    // Act
    const covered = await run(dead, config, 0);
    const paged = await run(alive, config, 0);
    // Assess
    expect(covered.notifications).toEqual([]);
    expect(dead.logged.find((l) => l['message'] === 'evaluation done')).toMatchObject({ deadProbeShards: [`${AP}#0`], noDataCoveredByAlarm: 1 });
    expect(paged.notifications).toMatchObject([{ policy: 'no_data', status: 'firing' }]);
  });

  it('leaves the resolved notice of a no_data it left to the alarm to the alarm too (its OK action tells the recovery)', async () => {
    // Prepare: AP's shard silent from 3 intervals before T to 2 intervals after, then back.
    const gap = (start: number, region: string): Patch => (region === AP && start >= T - 3 * MIN && start < T + 2 * MIN ? 'missing' : undefined);
    const w = world(config, gap);
    w.lastHeartbeat[AP] = T - 4 * MIN;
    // Act
    const reports = [];
    for (let m = 0; m <= 6; m++) {
      if (m === 3) w.lastHeartbeat[AP] = Infinity;
      reports.push(await run(w, config, m));
    }
    // Assess: the firing and the resolved both left to the alarm; nothing published.
    expect(w.published).toEqual([]);
    expect(w.logged.filter((l) => l['message'] === 'evaluation done').map((l) => l['noDataCoveredByAlarm'])).toEqual([1, 0, 0, 0, 1, 0, 0]);
  });

  it('rebuilds a damaged item from the history, saying why, and overwrites it', async () => {
    // Prepare
    const w = world(config, outage);
    await run(w, config, 0);
    const pk = stateKey('PptpMonitor', 0);
    const item = w.store.items.get(pk)!;
    w.store.items.set(pk, { ...item, state: { B: Buffer.from('not gzip') } });
    w.reads.length = 0;
    // Act
    const report = await run(w, config, 1);
    // Assess
    expect(report).toMatchObject({ outcome: 'evaluated', rebuilt: ['gw'] });
    expect(w.reads).toEqual([{ targets: ['gw'], fromMs: T + MIN - REBUILD_HISTORY_MS, toMs: T + MIN }]);
    expect(w.logged.find((l) => l['message'] === 'evaluator state unreadable; every target is rebuilt from CloudWatch')?.['problem']).toMatch(/state of shard 0 is corrupt \(state does not gunzip/);
    expect(w.published).toHaveLength(1);
    expect((await w.store.load(0))?.evaluatedUntil).toBe(T + MIN);
  });

  it('rebuilds the targets whose configuration changed and steps the others on', async () => {
    // Prepare
    const other = makeTarget({ name: 'other-gw' });
    const before = makeConfig([target, other]);
    const w = world(before, outage);
    await run(w, before, 0);
    w.reads.length = 0;
    const after = makeConfig([target, { ...other, down: { for: 5 } }]);
    // Act
    const report = await run(w, after, 1);
    // Assess
    expect(report).toMatchObject({ stepped: 1, rebuilt: ['other-gw'] });
    expect(w.reads.map((r) => r.targets)).toEqual([['gw'], ['other-gw']]);
    expect(w.logged.find((l) => l['message'] === 'evaluator state built for another configuration of these targets; rebuilt from CloudWatch')).toMatchObject({ targets: ['other-gw'], count: 1 });
  });

  it('rebuilds within its share of the fleet budget, oldest waiting first, and a target rebuilt later still sends what fell due while it waited', async () => {
    // Prepare: three targets down together; a fleet of so many shards that each may rebuild one target per run.
    const targets = ['a-gw', 'b-gw', 'c-gw'].map((name) => makeTarget({ name }));
    const three = makeConfig(targets);
    const w = world(three, outage);
    const shards = Math.ceil(REBUILD_POINTS_PER_MINUTE / rebuildPoints(target)) + 1;
    // Act
    const reports = [];
    for (let m = 0; m < 3; m++) reports.push(await run(w, three, m, shards));
    // Assess
    expect(reports.map((r) => [r.rebuilt, r.pending])).toEqual([
      [['a-gw'], 2],
      [['b-gw'], 1],
      [['c-gw'], 0],
    ]);
    // Each page is dated and keyed as if the target had been evaluated at T (its `at`), sent when rebuilt.
    expect(w.published.map(key)).toEqual(['a-gw', 'b-gw', 'c-gw'].map((name) => `firing ${name}/down/${new Date(T - 3 * MIN).toISOString()} ${new Date(T).toISOString()}`));
  });
});
