// When a probe cycle publishes the gateway's identity (ServerIdentity, a sparse metric): on first sight,
// on a change, at the target's daily refresh minute, and again after a publish that failed; never every
// minute, and never without the runner's identity memory.
import { describe, expect, it } from 'vitest';
import { MINUTE_MS, DAY_MS } from '../../shared/common/time.js';
import { runProbeCycle, type CycleDeps, type CycleTarget } from '../../shared/cycles/probe-cycle.js';
import type { PublishReport } from '../../shared/cycles/ports.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { createIdentityMemory, isRefreshMinute, refreshMinute, type IdentityMemory } from '../../shared/metrics/identity-memory.js';
import { identityDatum, type Datum } from '../../shared/metrics/index.js';
import type { ProbeResult, ServerIdentity } from '../../shared/probe/index.js';
import { identityFingerprint, isFingerprint } from '../../shared/sla/identity.js';
import { runAgentLoop, type AgentWallClock } from '../../shared/runners/agent/agent-loop.js';
import { FakeClock } from '../support/fake-io.js';

/** 12:01 UTC: minutes 721..724 of the day are nobody's refresh minute (those are multiples of 5). */
const T0 = Date.UTC(2026, 10, 24, 12, 1, 0);
const GW_A: ServerIdentity = { hostname: 'gw-a', vendor: 'linux', firmwareRevision: 1, protocolVersion: 0x100, maxChannels: 0, framingCapabilities: 3, bearerCapabilities: 3 };
const GW_B: ServerIdentity = { ...GW_A, hostname: 'gw-b' };

/** The first minute at or after `from` that is `target`'s refresh minute. */
function nextRefresh(target: string, from: number): number {
  let at = Math.floor(from / MINUTE_MS) * MINUTE_MS;
  while (!isRefreshMinute(target, at)) at += MINUTE_MS;
  return at;
}

describe('refreshMinute', () => {
  it('is a stable minute of the day on the 5-minute grid, spread over the day', () => {
    const names = Array.from({ length: 200 }, (_, i) => `gw-${i}`);
    const minutes = names.map(refreshMinute);
    expect(minutes.every((m) => Number.isInteger(m) && m >= 0 && m < 1440 && m % 5 === 0)).toBe(true);
    expect(names.map(refreshMinute)).toEqual(minutes);
    // 200 names over 288 slots: far more than a handful of distinct minutes, and both halves of the day.
    expect(new Set(minutes).size).toBeGreaterThan(100);
    expect(minutes.some((m) => m < 720) && minutes.some((m) => m >= 720)).toBe(true);
  });

  it('matches the minute of the UTC day of the interval, every day', () => {
    const at = nextRefresh('hq-gw', T0);
    expect(Math.floor(at / MINUTE_MS) % 1440).toBe(refreshMinute('hq-gw'));
    expect(isRefreshMinute('hq-gw', at + DAY_MS)).toBe(true);
    expect(isRefreshMinute('hq-gw', at + MINUTE_MS)).toBe(false);
  });
});

describe('createIdentityMemory', () => {
  const fp = identityFingerprint(GW_A);

  it('publishes a target it has never published (a cold start), then not again while the identity is unchanged', () => {
    const memory = createIdentityMemory();
    const t = T0;
    expect(isRefreshMinute('hq-gw', t)).toBe(false);
    expect(memory.shouldPublish('hq-gw', fp, t)).toBe(true);
    memory.published('hq-gw', fp, t);
    expect(memory.shouldPublish('hq-gw', fp, t + MINUTE_MS)).toBe(false);
    expect(memory.shouldPublish('other-gw', fp, t + MINUTE_MS)).toBe(true);
  });

  it('publishes again when the fingerprint changes (a failover, a firmware update)', () => {
    const memory = createIdentityMemory();
    memory.published('hq-gw', fp, T0);
    expect(memory.shouldPublish('hq-gw', identityFingerprint(GW_B), T0 + MINUTE_MS)).toBe(true);
    expect(memory.shouldPublish('hq-gw', identityFingerprint({ ...GW_A, firmwareRevision: 2 }), T0 + MINUTE_MS)).toBe(true);
  });

  it("publishes an unchanged identity at the target's refresh minute, and only then", () => {
    const memory = createIdentityMemory();
    const refresh = nextRefresh('hq-gw', T0 + MINUTE_MS);
    memory.published('hq-gw', fp, T0);
    expect(memory.shouldPublish('hq-gw', fp, refresh - MINUTE_MS)).toBe(false);
    expect(memory.shouldPublish('hq-gw', fp, refresh)).toBe(true);
    memory.published('hq-gw', fp, refresh);
    expect(memory.shouldPublish('hq-gw', fp, refresh + MINUTE_MS)).toBe(false);
  });

  it('makes good a missed refresh once the last publish is a day old', () => {
    const memory = createIdentityMemory();
    const refresh = nextRefresh('hq-gw', T0 + MINUTE_MS);
    memory.published('hq-gw', fp, refresh);
    // The next refresh minute's publish failed (never marked published): the minute after is a day on.
    expect(memory.shouldPublish('hq-gw', fp, refresh + DAY_MS - MINUTE_MS)).toBe(false);
    expect(memory.shouldPublish('hq-gw', fp, refresh + DAY_MS + MINUTE_MS)).toBe(true);
  });
});

describe('identityDatum', () => {
  it('is a ServerIdentity point with the Target dimension only, unit None, the fingerprint as its value', () => {
    const fp = identityFingerprint(GW_A);
    expect(isFingerprint(fp)).toBe(true);
    expect(identityDatum(fp, { target: 'hq-gw', intervalStart: T0 })).toEqual({ metricName: 'ServerIdentity', dimensions: { Target: 'hq-gw' }, timestamp: T0, value: fp, unit: 'None' });
  });
});

const target = (name: string): CycleTarget => ({ name, host: `${name}.example`, port: 1723, check: 'pptp-control', options: { timeoutMs: 5000 } });
const OK_REPORT = (points: readonly Datum[]): PublishReport => ({ requests: 1, retried: 0, published: points.length, loggedAsEmf: 0, errors: [] });
const FAILED_REPORT = (points: readonly Datum[]): PublishReport => ({ requests: 3, retried: 0, published: 0, loggedAsEmf: points.length, errors: ['InternalFailure (500): x'] });

/** A cycle runner over a fake prober: `servers` says who answers for each target (undefined: no SCCRP). */
function cycles(identities?: IdentityMemory) {
  const clock = new FakeClock();
  const sent: Datum[][] = [];
  const lines: Array<Record<string, unknown>> = [];
  return {
    sent,
    lines,
    async run(intervalStart: number, servers: Record<string, ServerIdentity | undefined>, report: (points: readonly Datum[]) => PublishReport = OK_REPORT): Promise<Datum[]> {
      const probe = async (_check: string, t: { target: string; host: string; port: number }): Promise<ProbeResult> => {
        const server = servers[t.target];
        return {
          target: t.target,
          host: t.host,
          port: t.port,
          ok: server !== undefined,
          attempts: 1,
          notes: [],
          timings: { dnsMs: undefined, connectMs: 2, controlMs: server ? 3 : undefined, echoMs: undefined, callMs: undefined, totalMs: 6 },
          ...(server ? { server } : { failure: { class: 'control_timeout' as const, message: 'silent', phase: 'control' as const, elapsedMs: 5000 } }),
        };
      };
      const deps: CycleDeps = {
        probe,
        clock,
        timers: clock.timersApi,
        publisher: {
          async publish(points) {
            sent.push([...points]);
            return report(points);
          },
        },
        log: createJsonLogger({ service: 'test', write: (l) => lines.push(JSON.parse(l) as Record<string, unknown>) }),
        ...(identities ? { identities } : {}),
      };
      await runProbeCycle(Object.keys(servers).map(target), { region: 'eu-west-1', shard: 0, intervalStart, deadlineAt: clock.now() + 50_000, concurrency: 4, startIntervalMs: 0 }, deps);
      return (sent.at(-1) ?? []).filter((d) => d.metricName === 'ServerIdentity');
    },
  };
}

describe('runProbeCycle with an identity memory', () => {
  it('publishes the identity on first sight, not while it is unchanged, and again on a failover', async () => {
    // Prepare
    const run = cycles(createIdentityMemory());
    // Act
    const first = await run.run(T0, { 'hq-gw': GW_A, 'branch-gw': GW_A });
    const unchanged = await run.run(T0 + MINUTE_MS, { 'hq-gw': GW_A, 'branch-gw': GW_A });
    const failover = await run.run(T0 + 2 * MINUTE_MS, { 'hq-gw': GW_B, 'branch-gw': GW_A });
    // Assess
    expect(first).toEqual([identityDatum(identityFingerprint(GW_A), { target: 'hq-gw', intervalStart: T0 }), identityDatum(identityFingerprint(GW_A), { target: 'branch-gw', intervalStart: T0 })]);
    expect(unchanged).toEqual([]);
    expect(failover).toEqual([identityDatum(identityFingerprint(GW_B), { target: 'hq-gw', intervalStart: T0 + 2 * MINUTE_MS })]);
    // The names behind the number are in the probe's log line, where it was published.
    const probeLines = run.lines.filter((l) => l['message'] === 'probe');
    expect(probeLines.filter((l) => l['identity'] !== undefined).map((l) => [l['target'], l['identity']])).toEqual([
      ['hq-gw', '"gw-a" (vendor "linux", firmware 0x0001)'],
      ['branch-gw', '"gw-a" (vendor "linux", firmware 0x0001)'],
      ['hq-gw', '"gw-b" (vendor "linux", firmware 0x0001)'],
    ]);
  });

  it("publishes an unchanged identity at the target's refresh minute", async () => {
    const run = cycles(createIdentityMemory());
    const refresh = nextRefresh('hq-gw', T0 + MINUTE_MS);
    await run.run(T0, { 'hq-gw': GW_A });
    expect(await run.run(refresh - MINUTE_MS, { 'hq-gw': GW_A })).toEqual([]);
    expect(await run.run(refresh, { 'hq-gw': GW_A })).toEqual([identityDatum(identityFingerprint(GW_A), { target: 'hq-gw', intervalStart: refresh })]);
  });

  it('does not remember an identity whose publish failed: it goes out again the next minute', async () => {
    const run = cycles(createIdentityMemory());
    expect(await run.run(T0, { 'hq-gw': GW_A }, FAILED_REPORT)).toHaveLength(1);
    expect(await run.run(T0 + MINUTE_MS, { 'hq-gw': GW_A })).toHaveLength(1);
    expect(await run.run(T0 + 2 * MINUTE_MS, { 'hq-gw': GW_A })).toEqual([]);
    // A report with an error and nothing logged as EMF (the agent's spool) counts as failed too.
    const spooled = cycles(createIdentityMemory());
    await spooled.run(T0, { 'hq-gw': GW_A }, (points) => ({ ...OK_REPORT(points), errors: ['Throttling (400): x'] }));
    expect(await spooled.run(T0 + MINUTE_MS, { 'hq-gw': GW_A })).toHaveLength(1);
  });

  it('publishes nothing for a probe that got no identity, and keeps the last one it published', async () => {
    const run = cycles(createIdentityMemory());
    await run.run(T0, { 'hq-gw': GW_A });
    expect(await run.run(T0 + MINUTE_MS, { 'hq-gw': undefined })).toEqual([]);
    expect(await run.run(T0 + 2 * MINUTE_MS, { 'hq-gw': GW_A })).toEqual([]);
  });

  it('publishes no identity without the memory: the points are what they were before', async () => {
    const run = cycles();
    await run.run(T0, { 'hq-gw': GW_A });
    expect(run.sent[0]!.map((d) => d.metricName)).toEqual(['ProbeFailed', 'ConnectTime', 'ControlTime', 'ProbesRun']);
    expect(run.lines.some((l) => 'identity' in l)).toBe(false);
  });
});

describe('runAgentLoop with an identity memory', () => {
  /** Wall time that jumps to each minute the loop waits for. */
  function jumpingWall(start: number): AgentWallClock {
    let now = start;
    return {
      now: () => now,
      toRealMs: (ms) => ms,
      async sleepUntil(at) {
        now = Math.max(now, at);
      },
    };
  }

  async function agentRun(identities?: IdentityMemory): Promise<Datum[][]> {
    const clock = new FakeClock();
    const sent: Datum[][] = [];
    const probe = async (_check: string, t: { target: string; host: string; port: number }): Promise<ProbeResult> => ({
      target: t.target,
      host: t.host,
      port: t.port,
      ok: true,
      attempts: 1,
      notes: [],
      timings: { dnsMs: undefined, connectMs: 2, controlMs: 3, echoMs: undefined, callMs: undefined, totalMs: 6 },
      server: GW_A,
    });
    await runAgentLoop(
      { location: 'office-lab', targets: [{ ...target('hq-gw'), intervalMinutes: 1 }], cycles: 3 },
      {
        probe,
        clock,
        timers: clock.timersApi,
        wall: jumpingWall(T0 - MINUTE_MS),
        publisherFor: () => ({
          async publish(points) {
            sent.push([...points]);
            return OK_REPORT(points);
          },
        }),
        log: createJsonLogger({ service: 'test', write: () => undefined }),
        signal: new AbortController().signal,
        ...(identities ? { identities } : {}),
      },
    );
    return sent.map((points) => points.filter((d) => d.metricName === 'ServerIdentity'));
  }

  it('keeps one memory across its cycles: the identity goes out in the first minute only', async () => {
    expect(await agentRun(createIdentityMemory())).toEqual([[identityDatum(identityFingerprint(GW_A), { target: 'hq-gw', intervalStart: T0 })], [], []]);
  });

  it('publishes no identity without one', async () => {
    expect(await agentRun()).toEqual([[], [], []]);
  });
});
