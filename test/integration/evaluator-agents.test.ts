// Private locations (agents) through the deployed evaluator, end to end on the wire: two AWS regions and
// one agent probe real PPTP peers on loopback with the runner-agnostic probe cycle (runProbeCycle, the
// prober registry, Node's sockets), the regions publishing with the probe function's publisher and the
// agent with the sender its spool drains through, all to the CloudWatch wire fake; the evaluate handler
// (real CloudWatchClient, state in memory, a recording alert sink) runs once a minute after them.
//
// The agent's cycle is a region's but for its location name: that is what is under test. Each scenario
// plays a fresh history with its own fake and state:
//   * quorum:    the agent and eu-central-1 fail a target together (a page naming both locations); the
//                agent alone fails another target (nothing);
//   * silent:    the agent process is down for 10 minutes (no points, no heartbeat): its no_data incidents,
//                on targets shared with regions and on a target only it probes, are its alarm's;
//   * overrun:   the contrast: the agent runs but starts no probe (its heartbeat alone arrives, marked,
//                with ProbeSkipped for every target): no alarm covers that, so every target it skipped
//                pages no_data from it, those it shares with regions too (the skips are read back);
//   * single / duplicated: the target fails at the agent alone for three minutes, then at the agent and
//                us-east-1 for one (down.for 1: one down minute pages); duplicated re-sends one agent
//                minute's request (a crash between send and ack), and must change nothing.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEvaluateHandler } from '../../functions/evaluate-handler.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { EVALUATOR_STATE_SCHEMA } from '../../shared/cycles/evaluate-cycle.js';
import type { AlertSink, MetricSink, PublishReport } from '../../shared/cycles/ports.js';
import { runProbeCycle, type CycleTarget } from '../../shared/cycles/probe-cycle.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { readHistory } from '../../shared/metrics/cloudwatch-history.js';
import { createMetricPublisher, createMetricSender } from '../../shared/metrics/cloudwatch-publisher.js';
import { probeByKind } from '../../shared/probe/index.js';
import { nodeClock, nodeProbeDeps, nodeTimers } from '../../shared/probe/node-deps.js';
import { checkKindOf, probeOptionsFor, PROBERS } from '../../shared/probers/index.js';
import { probeShardMap } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import { intervalStates } from '../../shared/sla/intervals.js';
import { evaluatorStateStore } from '../../shared/state/evaluator-state-port.js';
import { startCloudWatchFake } from '../support/cloudwatch-fake.js';
import { healthy, rejectControl, startPeer, type Peer } from '../support/hostile-peers.js';
import { createMemoryStateStore } from '../support/memory-state-store.js';

const MIN = 60_000;
const HOME = 'eu-central-1';
const AGENT = 'office-berlin';
const LOCATIONS = ['eu-central-1', 'us-east-1', AGENT] as const;
type Location = (typeof LOCATIONS)[number];
/** The agent's heartbeat as the evaluator names it (heartbeatKey: the agent is shard 0 of its location). */
const AGENT_SHARD = `${AGENT}#0`;
const RETRY = { attempts: 2, baseDelayMs: 1, maxDelayMs: 2 };

/**
 * What the agent does in a minute: probe; be down (`silent`: no points, no heartbeat); or run a cycle with
 * no time left to start a probe (`overrun`: every target skipped, the heartbeat alone published).
 */
type AgentState = 'probing' | 'silent' | 'overrun';

interface Plan {
  minutes: number;
  /** Whether `location` reaches `target` only through the path that refuses its control connection in minute `i`. */
  fails(location: Location, target: string, i: number): boolean;
  agent?(i: number): AgentState;
  /** Agent minutes whose PutMetricData request reaches CloudWatch twice. */
  duplicated?: ReadonlySet<number>;
}

interface Sent {
  dedupKey: string;
  status: string;
  policy: string;
  affected: string[];
}

interface Run {
  /** Evaluation instant, as minutes after M0. */
  t: number;
  deadProbeShards: string[];
  noDataCoveredByAlarm: number;
}

interface Played {
  /** What reached the alert sink, in order. */
  sent: Sent[];
  /** What the handler reported it claimed, in order. */
  reported: Array<{ dedupKey: string; status: string; policy: string }>;
  runs: Run[];
  /** The evaluator's "duplicate probe reports" warnings. */
  duplicateWarnings: number;
  /** Verdict and failing locations per minute and target, rebuilt from CloudWatch as the evaluator reads it. */
  verdicts: Map<string, Array<[string, string[]]>>;
  /** The locations the read gives a record of `target` in minute `i`. */
  reporting(target: string, i: number): string[];
  /** ProbeFailed as stored per target and minute: samples and their sum. */
  stored(target: string, i: number): { samples: number; sum: number };
}

function recordingSink(into: Sent[]): AlertSink {
  return {
    async publish(notifications) {
      for (const n of notifications) into.push({ dedupKey: n.dedupKey, status: n.status, policy: n.policy, affected: n.regions.affected });
      return { sent: notifications.length, retried: 0, failed: [] };
    },
  };
}

describe('evaluator with a private location (agent) beside two AWS regions', () => {
  let ok: Peer;
  let refusing: Peer;
  let config: ResolvedConfig;
  // Minutes well before now: CloudWatch takes them, and every evaluation runs "on time" after them.
  const M0 = Math.floor(Date.now() / MIN) * MIN - 40 * MIN;
  const at = (i: number): string => new Date(M0 + i * MIN).toISOString();
  const played = new Map<string, Played>();
  const quiet = createJsonLogger({ service: 'probe', write: () => undefined });

  async function play(plan: Plan): Promise<Played> {
    const cw = await startCloudWatchFake();
    try {
      const client = (): CloudWatchClient => new CloudWatchClient({ endpoint: cw.endpoint, region: HOME, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
      const probe = probeByKind(PROBERS, nodeProbeDeps());
      const sinks = new Map<Location, (i: number) => MetricSink>(
        LOCATIONS.map((location) => {
          if (location !== AGENT) {
            // The probe function's publisher (its EMF fallback would hide a failed publish: checked below).
            const publisher = createMetricPublisher({ namespace: config.namespace, region: HOME, client: client(), log: { write: () => undefined }, retry: RETRY });
            return [location, () => publisher] as const;
          }
          // The agent's send, one PutMetricData request per minute, as its spool drains it; a duplicated
          // minute is the same request sent again (the spool file outlived a crash after the send).
          const sender = createMetricSender({ namespace: config.namespace, region: HOME, client: client(), log: { write: () => undefined }, retry: RETRY });
          const sink = (i: number): MetricSink => ({
            async publish(points) {
              const report: PublishReport = { requests: 0, retried: 0, published: 0, loggedAsEmf: 0, errors: [] };
              for (let copy = 0; copy < (plan.duplicated?.has(i) ? 2 : 1); copy++) {
                const outcome = await sender.send(points);
                report.requests += outcome.attempts;
                if (outcome.ok) report.published += points.length;
                else report.errors.push(outcome.error);
              }
              return report;
            },
          });
          return [location, sink] as const;
        }),
      );

      for (let i = 0; i < plan.minutes; i++) {
        for (const location of LOCATIONS) {
          const agentState = location === AGENT ? (plan.agent?.(i) ?? 'probing') : 'probing';
          if (agentState === 'silent') continue;
          // The location's targets as every runner builds them, each reaching the gateway or the refusing path.
          const targets: CycleTarget[] = config.targets
            .filter((t) => t.regions.includes(location))
            .map((t) => ({ name: t.name, host: '127.0.0.1', port: plan.fails(location, t.name, i) ? refusing.port : ok.port, check: checkKindOf(t), options: probeOptionsFor(t) }));
          const cycle = await runProbeCycle(
            targets,
            { region: location, shard: 0, intervalStart: M0 + i * MIN, deadlineAt: nodeClock.now() + (agentState === 'overrun' ? 0 : 10_000), concurrency: 100, startIntervalMs: 2 },
            { probe, clock: nodeClock, timers: nodeTimers, publisher: sinks.get(location)!(i), log: quiet },
          );
          // The plan is what the peers did: a probe that failed for another reason would make every verdict below wrong.
          const failing = agentState === 'overrun' ? 0 : targets.filter((t) => plan.fails(location, t.name, i)).length;
          expect(cycle, `${location} minute ${i}`).toMatchObject({ probed: agentState === 'overrun' ? 0 : targets.length, ok: agentState === 'overrun' ? 0 : targets.length - failing, publish: { errors: [], loggedAsEmf: 0 } });
        }
      }

      // The evaluator, every minute; each run evaluates up to the end of minute i (2 minutes of ingestion lag).
      const sent: Sent[] = [];
      const reported: Played['reported'] = [];
      const lines: string[] = [];
      const state = evaluatorStateStore(createMemoryStateStore({ namespace: config.namespace, schemaVersion: EVALUATOR_STATE_SCHEMA }));
      const log = createJsonLogger({ service: 'evaluate', write: (line) => lines.push(line) });
      for (let i = 0; i < plan.minutes; i++) {
        const scheduled = M0 + (i + 3) * MIN;
        const report = await createEvaluateHandler({ config, cloudwatch: client(), state, alerts: recordingSink(sent), log, now: () => scheduled + 5_000 })(
          { time: new Date(scheduled).toISOString(), shard: 0, shards: 1 },
          { getRemainingTimeInMillis: () => 45_000 },
        );
        expect(report.outcome).toBe('evaluated');
        reported.push(...report.notifications.map(({ dedupKey, status, policy }) => ({ dedupKey, status, policy })));
      }
      const logged = lines.map((line) => JSON.parse(line) as { message: string; t?: string; deadProbeShards?: string[]; noDataCoveredByAlarm?: number });
      const runs = logged
        .filter((l) => l.message === 'evaluation done')
        .map((l) => ({ t: (Date.parse(l.t ?? '') - M0) / MIN, deadProbeShards: l.deadProbeShards ?? [], noDataCoveredByAlarm: l.noDataCoveredByAlarm ?? -1 }));

      const end = M0 + plan.minutes * MIN;
      const history = await readHistory(client(), config, { fromMs: M0, toMs: end, latency: false, probeShards: probeShardMap(config) });
      const verdicts = new Map(config.targets.map((t) => [t.name, intervalStates(t, history.records.get(t.name) ?? [], M0, end).map((s): [string, string[]] => [s.verdict, s.failing])]));
      const datums = cw.datums;
      return {
        sent,
        reported,
        runs,
        duplicateWarnings: logged.filter((l) => l.message.startsWith('duplicate probe reports')).length,
        verdicts,
        reporting: (target, i) => (history.records.get(target) ?? []).filter((r) => r.intervalStart === M0 + i * MIN).map((r) => r.region),
        stored(target, i) {
          const samples = datums.filter((d) => d.metricName === 'ProbeFailed' && d.dimensions['Target'] === target && d.timestamp.getTime() === M0 + i * MIN);
          return { samples: samples.reduce((n, d) => n + d.count, 0), sum: samples.reduce((n, d) => n + d.value * d.count, 0) };
        },
      };
    } finally {
      await cw.close();
    }
  }

  const of = (name: string): Played => {
    const p = played.get(name);
    if (!p) throw new Error(`${name} was not played`);
    return p;
  };
  const between = (i: number, from: number, to: number): boolean => i >= from && i <= to;
  /** The minutes of the dead-agent scenarios in which the agent is down or overrunning. */
  const OUT = { from: 4, to: 13 };

  beforeAll(async () => {
    ok = await startPeer(healthy);
    refusing = await startPeer(rejectControl(4));
    const parsed = parseConfig(
      [
        'version: 1',
        `homeRegion: ${HOME}`,
        'agents:',
        `  - name: ${AGENT}`,
        '    description: rack 3',
        `defaults: { regions: [${LOCATIONS.join(', ')}], timeout: 400 }`,
        'targets:',
        // Four gateways as configured; the test's network routes each location's probe to a loopback peer
        // (the healthy one, or the one refusing control connections), minute by minute.
        '  - { name: gw-quorum, host: 198.51.100.1 }',
        '  - { name: gw-blip, host: 198.51.100.2 }',
        `  - { name: gw-berlin, host: 198.51.100.3, regions: [${AGENT}] }`,
        // One down minute pages: a duplicate that faked one would page.
        '  - { name: gw-dup, host: 198.51.100.4, down: { for: 1 } }',
        '',
      ].join('\n'),
      'agents.yml',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    config = parsed.config;

    played.set('quorum', await play({
      minutes: 16,
      fails: (location, target, i) => between(i, 4, 8) && ((target === 'gw-quorum' && location !== 'us-east-1') || (target === 'gw-blip' && location === AGENT)),
    }));
    played.set('silent', await play({ minutes: 18, fails: () => false, agent: (i) => (between(i, OUT.from, OUT.to) ? 'silent' : 'probing') }));
    played.set('overrun', await play({ minutes: 18, fails: () => false, agent: (i) => (between(i, OUT.from, OUT.to) ? 'overrun' : 'probing') }));
    // gw-dup: the agent alone fails in minutes 3-5 (minute 4's request arrives twice when duplicated);
    // the agent and us-east-1 fail together in minute 9, a real outage of one minute.
    const dupFails = (location: Location, target: string, i: number): boolean => target === 'gw-dup' && ((location === AGENT && (between(i, 3, 5) || i === 9)) || (location === 'us-east-1' && i === 9));
    played.set('single', await play({ minutes: 14, fails: dupFails }));
    played.set('duplicated', await play({ minutes: 14, fails: dupFails, duplicated: new Set([4]) }));
  }, 60_000);

  afterAll(async () => {
    await ok?.close();
    await refusing?.close();
  });

  it('pages once for a down target failing at the agent and one region (2 of 3), naming both; the agent failing alone pages nothing', () => {
    const quorum = of('quorum');
    // The agent's results are read as a location's: its failures, alone or with a region's.
    expect(quorum.verdicts.get('gw-quorum')?.slice(3, 10)).toEqual([
      ['up', []],
      ...Array.from({ length: 5 }, (): [string, string[]] => ['down', ['eu-central-1', AGENT]]),
      ['up', []],
    ]);
    expect(quorum.verdicts.get('gw-blip')?.slice(3, 10)).toEqual([['up', []], ...Array.from({ length: 5 }, (): [string, string[]] => ['up', [AGENT]]), ['up', []]]);
    const key = `gw-quorum/down/${at(4)}`;
    expect(quorum.sent).toEqual([
      { dedupKey: key, status: 'firing', policy: 'down', affected: ['eu-central-1', AGENT] },
      { dedupKey: key, status: 'resolved', policy: 'down', affected: ['eu-central-1', AGENT] },
    ]);
    expect(quorum.reported).toEqual(quorum.sent.map(({ dedupKey, status, policy }) => ({ dedupKey, status, policy })));
    // The agent's heartbeat is seen every minute: it is never taken for a dead shard.
    expect(quorum.runs.map((r) => [r.t, r.deadProbeShards, r.noDataCoveredByAlarm])).toEqual(Array.from({ length: 16 }, (_, i) => [i + 1, [], 0]));
  });

  it('leaves the no_data of a silent agent to its alarm: no notification for targets it shares with regions nor for one only it probes, and the runs name it dead', () => {
    const silent = of('silent');
    // The regions kept reporting; the agent's minutes are missing, and nothing failed.
    expect(silent.verdicts.get('gw-quorum')?.slice(3, 15).map(([v]) => v)).toEqual(Array(12).fill('up'));
    expect(silent.verdicts.get('gw-berlin')?.slice(3, 15).map(([v]) => v)).toEqual(['up', ...Array(10).fill('unknown'), 'up']);
    expect(silent.reporting('gw-quorum', 3)).toEqual(['eu-central-1', AGENT, 'us-east-1']);
    expect(silent.reporting('gw-quorum', 5)).toEqual(['eu-central-1', 'us-east-1']);
    expect(silent.sent).toEqual([]);
    expect(silent.reported).toEqual([]);
    // Its last heartbeat is minute 3: from the run at the end of minute 6 (3 minutes without one) until its
    // heartbeat of minute 14 is read, the agent's shard is dead. Its 4 targets' no_data fire at the end of
    // minute 6 (minutes 4-6 missing) and resolve at the end of minute 15 (14 and 15 reported): all 8 covered.
    expect(silent.runs.map((r) => [r.t, r.deadProbeShards, r.noDataCoveredByAlarm])).toEqual(
      Array.from({ length: 18 }, (_, i) => [i + 1, between(i, 6, 13) ? [AGENT_SHARD] : [], i === 6 || i === 15 ? 4 : 0]),
    );
  });

  it('contrast: an agent that runs but probes nothing still sends its heartbeat, so no alarm covers it: every target it skipped pages no_data from it', () => {
    const overrun = of('overrun');
    // Its cycle publishes ProbeSkipped per target and a second heartbeat point as the mark (metric-design.ts):
    // the evaluator reads the skips and counts the agent as not reporting those targets, shared with the
    // regions or not (before, only the target the agent probes alone paged: the others read as reported).
    const targets = ['gw-quorum', 'gw-blip', 'gw-berlin', 'gw-dup'];
    const keys = targets.map((t) => `${t}/no_data/${at(OUT.from)}`);
    expect(overrun.sent).toEqual([
      ...keys.map((dedupKey) => ({ dedupKey, status: 'firing', policy: 'no_data', affected: [AGENT] })),
      ...keys.map((dedupKey) => ({ dedupKey, status: 'resolved', policy: 'no_data', affected: [AGENT] })),
    ]);
    expect(overrun.reporting('gw-quorum', 5)).toEqual(['eu-central-1', 'us-east-1']);
    expect(overrun.runs.map((r) => [r.t, r.deadProbeShards, r.noDataCoveredByAlarm])).toEqual(Array.from({ length: 18 }, (_, i) => [i + 1, [], 0]));
  });

  it('a duplicated agent minute does not fake a quorum: the notifications are those of single delivery', () => {
    const single = of('single');
    const duplicated = of('duplicated');
    // The duplicate is really stored: the agent's one failure reads as two failing reports, a quorum by count.
    expect(single.stored('gw-dup', 4)).toEqual({ samples: 3, sum: 1 });
    expect(duplicated.stored('gw-dup', 4)).toEqual({ samples: 4, sum: 2 });
    expect(single.duplicateWarnings).toBe(0);
    expect(duplicated.duplicateWarnings).toBeGreaterThan(0);
    // Read per location, minute 4 is the agent failing alone; minute 9 is the real outage.
    for (const p of [single, duplicated]) {
      expect(p.verdicts.get('gw-dup')?.slice(2, 11)).toEqual([
        ['up', []],
        ['up', [AGENT]],
        ['up', [AGENT]],
        ['up', [AGENT]],
        ['up', []],
        ['up', []],
        ['up', []],
        ['down', ['us-east-1', AGENT]],
        ['up', []],
      ]);
    }
    const key = `gw-dup/down/${at(9)}`;
    expect(single.sent).toEqual([
      { dedupKey: key, status: 'firing', policy: 'down', affected: ['us-east-1', AGENT] },
      { dedupKey: key, status: 'resolved', policy: 'down', affected: ['us-east-1', AGENT] },
    ]);
    expect(duplicated.sent).toEqual(single.sent);
    expect(duplicated.reported).toEqual(single.reported);
  });
});
