// The evaluate cycle over plain-object ports: no CloudWatch, no SNS, the SLA core deciding. What the
// cycle owns: the plan from the watermark, publishing before the watermark moves, the dead-probe-shard
// rule, and the run's log line.
import { describe, expect, it } from 'vitest';
import { runEvaluateCycle, type EvaluatePorts } from '../../shared/cycles/evaluate-cycle.js';
import { INGESTION_LAG_MS } from '../../shared/cycles/evaluation-window.js';
import type { AlertPublishReport, HistoryRead, ProbeShardMap } from '../../shared/cycles/ports.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import type { Notification } from '../../shared/sla/notification.js';
import type { ProbeRecord } from '../../shared/sla/probe-record.js';
import { AP, EU, MIN, US, failed, history, makeConfig, makeTarget, type Patch } from '../support/sla-fixtures.js';

/** Wednesday 15 January 2025, 12:00 UTC: the scheduled minute of the run under test. */
const SCHEDULED = Date.UTC(2025, 0, 15, 12, 0);
const T = SCHEDULED - INGESTION_LAG_MS;
const target = makeTarget();
const config = makeConfig([target]);
/** One probe shard per region: shard 0. */
const probeShards: ProbeShardMap = { shardCount: () => 1, shardOf: () => 0 };

interface Run {
  ports: EvaluatePorts;
  published: Notification[][];
  watermarkWrites: Array<[number, number]>;
  historyReads: number;
  logged: Array<Record<string, unknown>>;
}

/** Ports over a 40-minute history up to T shaped by `shape`, heartbeats per region up to `lastHeartbeat`. */
function ports(options: { watermark?: number; shape?: (start: number, region: string) => Patch; lastHeartbeat?: Record<string, number>; publish?: (n: readonly Notification[]) => AlertPublishReport }): Run {
  const records: ProbeRecord[] = history(target, T - 40 * MIN, T, options.shape);
  const seen: Omit<Run, 'ports'> = { published: [], watermarkWrites: [], historyReads: 0, logged: [] };
  const read: HistoryRead = {
    records: new Map([[target.name, records]]),
    lastHeartbeat: new Map([EU, US, AP].map((r) => [`${r}#0`, options.lastHeartbeat?.[r] ?? T - MIN])),
    metricsRequested: 4,
    calls: 1,
  };
  const evaluatePorts: EvaluatePorts = {
    watermarks: {
      read: async () => options.watermark,
      write: async (shard, t) => {
        seen.watermarkWrites.push([shard, t]);
        return true;
      },
    },
    history: {
      recent: async () => {
        seen.historyReads++;
        return read;
      },
      range: async () => read,
    },
    alerts: {
      publish: async (notifications) => {
        seen.published.push([...notifications]);
        return options.publish?.(notifications) ?? { sent: notifications.length, retried: 0, failed: [] };
      },
    },
    log: createJsonLogger({ service: 'test', write: (line) => void seen.logged.push(JSON.parse(line) as Record<string, unknown>) }),
  };
  // The object the ports write to, so a test reads what they saw after the run.
  return Object.assign(seen, { ports: evaluatePorts });
}

const input = { config, shard: 0, scheduledMs: SCHEDULED, nowMs: SCHEDULED + 5_000, probeShards };
/** Down in EU and US (a quorum of 2 of 3) for the last 3 intervals before T: `down` fires at T. */
const outage = (start: number, region: string): Patch => (start >= T - 3 * MIN && region !== AP ? failed('connect_timeout') : undefined);

describe('runEvaluateCycle', () => {
  it('publishes what fired in (watermark, t] and only then moves the watermark to t', async () => {
    // Prepare
    const run = ports({ watermark: T - MIN, shape: outage });
    // Act
    const report = await runEvaluateCycle(input, run.ports);
    // Assess
    expect(report.notifications).toEqual([{ target: 'gw', policy: 'down', severity: 'page', status: 'firing', dedupKey: `gw/down/${new Date(T - 3 * MIN).toISOString()}` }]);
    expect(run.published.flat().map((n) => n.dedupKey)).toEqual([report.notifications[0]?.dedupKey]);
    expect(run.watermarkWrites).toEqual([[0, T]]);
    expect(report).toMatchObject({ watermarkMoved: true, metricsRequested: 1 + 4, getMetricDataCalls: 1 + 1, records: 40 * 3 });
  });

  it('keeps the watermark and fails the run when a notification was not published, after logging the run', async () => {
    // Prepare
    const run = ports({ watermark: T - MIN, shape: outage, publish: (ns) => ({ sent: 0, retried: 1, failed: ns.map((n) => ({ dedupKey: n.dedupKey, status: n.status, error: 'Throttling: x' })) }) });
    // Act
    const result = runEvaluateCycle(input, run.ports);
    // Assess
    await expect(result).rejects.toThrow('1 notification(s) not published; the next run re-sends them with the same dedup keys');
    expect(run.watermarkWrites).toEqual([]);
    expect(run.logged.find((l) => l['message'] === 'evaluation done')).toMatchObject({ level: 'ERROR', watermarkMoved: false, sent: 0 });
  });

  it('reads no history when the watermark already covers the instant', async () => {
    const run = ports({ watermark: T, shape: outage });
    const report = await runEvaluateCycle(input, run.ports);
    expect(run.historyReads).toBe(0);
    expect(report).toMatchObject({ notifications: [], watermarkMoved: false, metricsRequested: 1 });
    expect(run.logged.map((l) => l['message'])).toEqual(['evaluation skipped: already evaluated']);
  });

  it("leaves a no_data that only a dead probe shard explains to that shard's alarm", async () => {
    // Prepare: AP's shard stopped 3 intervals before T (no results, no heartbeat), so no_data fires at T.
    const silentAp = (start: number, region: string): Patch => (region === AP && start >= T - 3 * MIN ? 'missing' : undefined);
    const run = ports({ watermark: T - MIN, shape: silentAp, lastHeartbeat: { [AP]: T - 4 * MIN } });
    // Act
    const report = await runEvaluateCycle(input, run.ports);
    // Assess
    expect(report.notifications).toEqual([]);
    expect(run.logged.find((l) => l['message'] === 'evaluation done')).toMatchObject({ deadProbeShards: [`${AP}#0`], noDataCoveredByAlarm: 1 });
  });

  it('pages that no_data when the silent region\'s shard is alive', async () => {
    const silentAp = (start: number, region: string): Patch => (region === AP && start >= T - 3 * MIN ? 'missing' : undefined);
    const run = ports({ watermark: T - MIN, shape: silentAp });
    const report = await runEvaluateCycle(input, run.ports);
    expect(report.notifications).toMatchObject([{ policy: 'no_data', status: 'firing' }]);
    expect(run.logged.find((l) => l['message'] === 'evaluation done')).toMatchObject({ deadProbeShards: [], noDataCoveredByAlarm: 0 });
  });
});
