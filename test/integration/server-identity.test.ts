// The gateway's identity through CloudWatch on the wire: probe cycles in two locations publish ServerIdentity
// sparsely with the real publisher and CloudWatchClient into the wire-level fake, and the history source
// reads it back (Maximum per target) only when asked. Each test names what it would catch breaking:
//   * an identity published every minute (cost), or not on a failover or firmware change;
//   * the read asking for identities when not asked (billed metrics), or not counting the metric it asks for;
//   * a value that is not a fingerprint failing the whole read instead of being dropped;
//   * a report's range, across CloudWatch's 5-minute fallback, losing the older identities;
//   * a failed publish remembered as published.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DAY_MS, floorTo, MINUTE_MS } from '../../shared/common/time.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import type { HistoryRead } from '../../shared/cycles/ports.js';
import { runProbeCycle } from '../../shared/cycles/probe-cycle.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { createCloudWatchHistory } from '../../shared/metrics/cloudwatch-history-source.js';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import { createIdentityMemory, type IdentityMemory } from '../../shared/metrics/identity-memory.js';
import { identityDatum } from '../../shared/metrics/index.js';
import type { ProbeResult, ServerIdentity } from '../../shared/probe/index.js';
import { probeShardMap } from '../../shared/runners/lambda/probe-lambda-sizing.js';
import { identityFingerprint } from '../../shared/sla/identity.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { FakeClock } from '../support/fake-io.js';

const HOME = 'eu-west-1';
const REGIONS = ['eu-west-1', 'us-east-1'] as const;
/** 12:01 UTC: the minutes of these tests (12:01..12:04) are nobody's refresh minute (multiples of 5). */
const M0 = Date.UTC(2026, 10, 24, 12, 1);
const NOW = M0 + 30 * MINUTE_MS;

const GW_A: ServerIdentity = { hostname: 'gw-a', vendor: 'linux', firmwareRevision: 1, protocolVersion: 0x100, maxChannels: 0, framingCapabilities: 3, bearerCapabilities: 3 };
const GW_B: ServerIdentity = { ...GW_A, hostname: 'gw-b' };
const GW_A2: ServerIdentity = { ...GW_A, firmwareRevision: 2 };
const fp = identityFingerprint;

function configOf(): ResolvedConfig {
  const yaml = [
    'version: 1',
    `homeRegion: ${HOME}`,
    `defaults: { regions: [${REGIONS.join(', ')}] }`,
    'targets:',
    ...['hq-gw', 'branch-gw', 'junk-gw'].map((name) => `  - { name: ${name}, host: ${name}.example }`),
  ].join('\n');
  const parsed = parseConfig(yaml, 't.yml');
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.config;
}

function cloudwatchClient(cw: CloudWatchFake): CloudWatchClient {
  return new CloudWatchClient({ endpoint: cw.endpoint, region: HOME, credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
}

/** One location's probe runner: its own identity memory (one per process), publishing through the real client. */
function location(cw: CloudWatchFake, config: ResolvedConfig, region: string, identities: IdentityMemory = createIdentityMemory()) {
  const clock = new FakeClock();
  const publisher = createMetricPublisher({ namespace: config.namespace, region: HOME, client: cloudwatchClient(cw), retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 }, log: { write: () => undefined } });
  return async (intervalStart: number, servers: Record<string, ServerIdentity>) => {
    const probe = async (_check: string, t: { target: string; host: string; port: number }): Promise<ProbeResult> => {
      const server = servers[t.target];
      return { target: t.target, host: t.host, port: t.port, ok: true, attempts: 1, notes: [], timings: { dnsMs: 1, connectMs: 2, controlMs: 3, echoMs: undefined, callMs: undefined, totalMs: 6 }, ...(server ? { server } : {}) };
    };
    const targets = Object.keys(servers).map((name) => ({ name, host: `${name}.example`, port: 1723, check: 'pptp-control', options: { timeoutMs: 5000 } }));
    return runProbeCycle(targets, { region, shard: 0, intervalStart, deadlineAt: clock.now() + 50_000, concurrency: 4, startIntervalMs: 0 }, {
      probe,
      clock,
      timers: clock.timersApi,
      publisher,
      log: createJsonLogger({ service: 'test', write: () => undefined }),
      identities,
    });
  };
}

describe('ServerIdentity: probe cycles publish it sparsely, the history source reads it back when asked', () => {
  const config = configOf();
  let cw: CloudWatchFake;
  let clock = NOW;
  const warnings: Array<{ message: string } & Record<string, unknown>> = [];
  let plain: HistoryRead;
  let withIdentity: HistoryRead;
  let fakeMetricsDelta: number;

  beforeAll(async () => {
    cw = await startCloudWatchFake({ now: () => new Date(clock) });
    // Prepare: two locations probe hq-gw and branch-gw every minute; hq-gw fails over to gw-b at M0+3 and
    // branch-gw's firmware is updated at M0+4.
    const runs = REGIONS.map((region) => location(cw, config, region));
    for (let minute = 0; minute < 5; minute++) {
      const at = M0 + minute * MINUTE_MS;
      for (const run of runs) await run(at, { 'hq-gw': minute >= 3 ? GW_B : GW_A, 'branch-gw': minute >= 4 ? GW_A2 : GW_A });
    }
    // Values under junk-gw's ServerIdentity that cannot be fingerprints (not whole, too large, negative), and one that can.
    const junk = createMetricPublisher({ namespace: config.namespace, region: HOME, client: cloudwatchClient(cw), log: { write: () => undefined } });
    const junkReport = await junk.publish([
      identityDatum(1.5, { target: 'junk-gw', intervalStart: M0 }),
      identityDatum(2 ** 50, { target: 'junk-gw', intervalStart: M0 + MINUTE_MS }),
      identityDatum(-1, { target: 'junk-gw', intervalStart: M0 + 2 * MINUTE_MS }),
      identityDatum(fp(GW_B), { target: 'junk-gw', intervalStart: M0 + 3 * MINUTE_MS }),
    ]);
    expect(junkReport.loggedAsEmf).toBe(0);

    // Act: the evaluator's read without, then with, the identity.
    const history = createCloudWatchHistory({ client: cloudwatchClient(cw), probeShards: probeShardMap(config), log: { warn: (message, fields) => warnings.push({ message, ...fields }) } });
    const request = { fromMs: M0, toMs: M0 + 10 * MINUTE_MS, latency: false };
    plain = await history.recent(config, request);
    const before = cw.metricsRequested;
    withIdentity = await history.recent(config, { ...request, identity: true });
    fakeMetricsDelta = cw.metricsRequested - before;
  }, 60_000);

  afterAll(async () => {
    await cw?.close();
  });

  it('publishes an identity on first sight and on a change only, in every location, unit None, {Target} only', () => {
    const identities = cw.datums.filter((d) => d.metricName === 'ServerIdentity' && d.dimensions['Target'] !== 'junk-gw');
    const seen = identities.map((d) => [d.timestamp.getTime() - M0, d.dimensions['Target'], d.value]);
    // Both locations at M0 (cold start), then hq-gw's failover at +3 and branch-gw's firmware at +4: 6 points in 5 minutes, not 20.
    expect(seen).toEqual([
      [0, 'hq-gw', fp(GW_A)],
      [0, 'branch-gw', fp(GW_A)],
      [0, 'hq-gw', fp(GW_A)],
      [0, 'branch-gw', fp(GW_A)],
      [3 * MINUTE_MS, 'hq-gw', fp(GW_B)],
      [3 * MINUTE_MS, 'hq-gw', fp(GW_B)],
      [4 * MINUTE_MS, 'branch-gw', fp(GW_A2)],
      [4 * MINUTE_MS, 'branch-gw', fp(GW_A2)],
    ]);
    expect(identities.every((d) => d.unit === 'None' && Object.keys(d.dimensions).join() === 'Target')).toBe(true);
  });

  it('reads no identity unless asked, and one billed metric per target when asked, in the same calls', () => {
    expect(plain.identities).toBeUndefined();
    expect(plain.identitiesDropped).toBeUndefined();
    expect(withIdentity.metricsRequested).toBe(plain.metricsRequested + config.targets.length);
    expect(withIdentity.calls).toBe(plain.calls);
    expect(fakeMetricsDelta).toBe(withIdentity.metricsRequested);
    // The probe records are the same read either way.
    expect(withIdentity.records).toEqual(plain.records);
  });

  it('answers, per target, the minutes with an identity and its Maximum, ascending', () => {
    expect(withIdentity.identities?.get('hq-gw')).toEqual([
      { intervalStart: M0, fingerprint: fp(GW_A) },
      { intervalStart: M0 + 3 * MINUTE_MS, fingerprint: fp(GW_B) },
    ]);
    expect(withIdentity.identities?.get('branch-gw')).toEqual([
      { intervalStart: M0, fingerprint: fp(GW_A) },
      { intervalStart: M0 + 4 * MINUTE_MS, fingerprint: fp(GW_A2) },
    ]);
  });

  it('drops the values that cannot be fingerprints, counts them and says so, and keeps the good one', () => {
    expect(withIdentity.identities?.get('junk-gw')).toEqual([{ intervalStart: M0 + 3 * MINUTE_MS, fingerprint: fp(GW_B) }]);
    expect(withIdentity.identitiesDropped).toBe(3);
    expect(warnings).toEqual([expect.objectContaining({ message: 'ServerIdentity values that cannot be identity fingerprints dropped', dropped: 3 })]);
  });

  it("reads identities in a report's range always, 5-minute buckets past the 1-minute data included", async () => {
    // Prepare: an identity published 20 days ago (the fake, like CloudWatch, takes points up to two weeks old: publish "back then").
    const old = M0 - 20 * DAY_MS + 2 * MINUTE_MS;
    clock = old + MINUTE_MS;
    await location(cw, config, 'eu-west-1')(old, { 'hq-gw': GW_A });
    clock = NOW;
    // Act
    const read = await createCloudWatchHistory({ client: cloudwatchClient(cw), probeShards: probeShardMap(config) }).range(config, { fromMs: old - 2 * MINUTE_MS, toMs: M0 + 10 * MINUTE_MS, nowMs: NOW });
    // Assess: the old point in its 5-minute bucket, then the minutes.
    expect(read.usedFiveMinuteData).toBe(true);
    expect(read.identities?.get('hq-gw')).toEqual([
      { intervalStart: floorTo(old, 5 * MINUTE_MS), fingerprint: fp(GW_A) },
      { intervalStart: M0, fingerprint: fp(GW_A) },
      { intervalStart: M0 + 3 * MINUTE_MS, fingerprint: fp(GW_B) },
    ]);
    expect(read.identitiesDropped).toBe(3);
  }, 60_000);
});

describe('ServerIdentity: a failed publish is not remembered', () => {
  it('goes out again the next minute after CloudWatch failed the request', async () => {
    // Prepare
    const config = configOf();
    const cw = await startCloudWatchFake({ now: () => new Date(NOW) });
    try {
      const run = location(cw, config, 'eu-west-1');
      cw.failNext(1, 'server');
      // Act
      const failed = await run(M0, { 'hq-gw': GW_A });
      await run(M0 + MINUTE_MS, { 'hq-gw': GW_A });
      await run(M0 + 2 * MINUTE_MS, { 'hq-gw': GW_A });
      // Assess: the first minute's points went to the log as EMF; the identity arrived with the second, and only then.
      expect(failed.publish.loggedAsEmf).toBeGreaterThan(0);
      expect(cw.datums.filter((d) => d.metricName === 'ServerIdentity').map((d) => d.timestamp.getTime() - M0)).toEqual([MINUTE_MS]);
    } finally {
      await cw.close();
    }
  });
});
