// The probe Lambda's handler end to end: a monitor.yml parsed by the real config code, real sockets to
// healthy and hostile gateways on loopback, the real CloudWatchClient over HTTP to the wire-level fake.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeHandler, shardTargets } from '../../functions/probe-handler.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import { nodeProbeDeps } from '../../shared/probe/node-deps.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { closeAfterRequest, healthy, rejectControl, silentAfterAccept, startPeer, type Peer } from '../support/hostile-peers.js';

function configFor(targets: Array<{ name: string; port: number; interval?: string }>): ResolvedConfig {
  const yaml = [
    'version: 1',
    'homeRegion: eu-west-1',
    'defaults:',
    '  regions: [ap-southeast-2, eu-west-1]',
    '  timeout: 400',
    'targets:',
    ...targets.map((t) => `  - { name: ${t.name}, host: 127.0.0.1, port: ${t.port}${t.interval ? `, interval: ${t.interval}` : ''} }`),
  ].join('\n');
  const parsed = parseConfig(yaml, 'test.yml');
  if (!parsed.ok) throw new Error(parsed.errors.map((e) => `${e.path}: ${e.problem}`).join('\n'));
  return parsed.config;
}

describe('probe handler → CloudWatch fake', () => {
  let fake: CloudWatchFake;
  const peers: Peer[] = [];
  let config: ResolvedConfig;

  beforeAll(async () => {
    fake = await startCloudWatchFake();
    const targets: Array<{ name: string; port: number; interval?: string }> = [];
    for (const [name, behaviour] of [
      ['hq-gw', healthy],
      ['branch-silent', silentAfterAccept],
      ['branch-closing', closeAfterRequest],
      ['partner-denied', rejectControl(4)],
    ] as const) {
      const peer = await startPeer(behaviour);
      peers.push(peer);
      targets.push({ name, port: peer.port });
    }
    const gone = await startPeer(healthy);
    await gone.close();
    targets.push({ name: 'dead-gw', port: gone.port });
    const slow = await startPeer(healthy);
    peers.push(slow);
    targets.push({ name: 'five-minute-gw', port: slow.port, interval: '5m' });
    config = configFor(targets);
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await fake.close();
  });

  function handlerWith(lines: string[]): ReturnType<typeof createProbeHandler> {
    const client = new CloudWatchClient({ endpoint: fake.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    return createProbeHandler({
      region: 'ap-southeast-2',
      config,
      publisher: createMetricPublisher({ namespace: config.namespace, region: config.homeRegion, client, log: { write: (l) => lines.push(l) }, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 } }),
      probeDeps: (signal) => nodeProbeDeps(signal),
      log: createJsonLogger({ service: 'test', write: (l) => lines.push(l) }),
    });
  }

  it('records the right names, units, dimensions and interval timestamp for each kind of gateway', async () => {
    // Prepare: a minute that is not a multiple of 5, so the 5-minute target is not due.
    fake.reset();
    const lines: string[] = [];
    const minute = (Math.floor(Date.now() / 300_000) * 5 - 4) * 60_000;
    // Act
    const report = await handlerWith(lines)({ time: new Date(minute + 1234).toISOString(), shard: 0, shards: 1 }, { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'req-1' });
    // Assess
    expect(report).toMatchObject({
      probed: 5,
      ok: 1,
      failures: { control_timeout: 1, connection_closed: 1, control_rejected: 1, connect_refused: 1 },
    });
    const byMetric = (name: string): Record<string, number> =>
      Object.fromEntries(fake.datums.filter((d) => d.metricName === name).map((d) => [d.dimensions['FailureClass'] ?? d.dimensions['Target'] ?? d.dimensions['ProbeRegion'], d.value]));
    expect(byMetric('ProbeFailed')).toEqual({ 'hq-gw': 0, 'branch-silent': 1, 'branch-closing': 1, 'partner-denied': 1, 'dead-gw': 1 });
    expect(Object.keys(byMetric('ProbeFailures')).sort()).toEqual(['connect_refused', 'connection_closed', 'control_rejected', 'control_timeout']);
    expect(byMetric('ProbesRun')).toEqual({ 'ap-southeast-2': 5 });
    expect(fake.datums.find((d) => d.metricName === 'ProbesRun')?.dimensions).toEqual({ ProbeRegion: 'ap-southeast-2', Shard: '0' });
    const connect = fake.datums.filter((d) => d.metricName === 'ConnectTime');
    expect(connect.map((d) => d.dimensions['Target']).sort()).toEqual(['branch-closing', 'branch-silent', 'hq-gw', 'partner-denied']);
    expect(connect.every((d) => d.unit === 'Milliseconds' && d.dimensions['ProbeRegion'] === 'ap-southeast-2' && d.value > 0)).toBe(true);
    expect(fake.datums.filter((d) => d.metricName === 'ControlTime').map((d) => d.dimensions['Target']).sort()).toEqual(['hq-gw', 'partner-denied']);
    expect(fake.datums.every((d) => d.timestamp.getTime() === minute)).toBe(true);
    const logged = lines.map((l) => JSON.parse(l) as { message: string; requestId?: string; service?: string; host?: unknown });
    const probeLines = logged.filter((l) => l.message === 'probe');
    expect(probeLines).toHaveLength(5);
    expect(probeLines.every((l) => l.requestId === 'req-1' && l.service === 'test' && l.host === undefined)).toBe(true);
    // The failure message may name the address that refused (useful on call); the config never appears.
    expect(logged.some((l) => 'config' in l || 'targets' in l || 'defaults' in l)).toBe(false);
  });

  it('probes the 5-minute target on minutes that are multiples of 5 only', async () => {
    fake.reset();
    const minute = Math.floor(Date.now() / 300_000) * 300_000;
    const report = await handlerWith([])({ time: new Date(minute).toISOString() }, { getRemainingTimeInMillis: () => 30_000 });
    expect(report.probed).toBe(6);
    expect(fake.datums.filter((d) => d.metricName === 'ProbeFailed').map((d) => d.dimensions['Target'])).toContain('five-minute-gw');
  });

  it('refuses a schedule whose shard count disagrees with the packaged config, probing nothing', async () => {
    fake.reset();
    const run = handlerWith([])({ time: new Date().toISOString(), shard: 1, shards: 2 }, { getRemainingTimeInMillis: () => 30_000 });
    await expect(run).rejects.toThrow('event: the schedule says 2 shard(s) but the packaged config plans 1 for ap-southeast-2: redeploy this region');
    expect(() => shardTargets(config, 'ap-southeast-2', { shard: 1, shards: 1 })).toThrow('event: shard must be an integer in 0..shards-1, got shard=1 shards=1');
    expect(() => shardTargets(config, 'us-west-2', {})).toThrow('region us-west-2: the packaged config probes no target from this region');
    expect(fake.requests).toHaveLength(0);
  });

  it('fails the invocation, with every point in the log as EMF, when CloudWatch keeps failing', async () => {
    fake.reset();
    fake.failNext(2, 'server');
    const lines: string[] = [];
    const run = handlerWith(lines)({ time: new Date().toISOString() }, { getRemainingTimeInMillis: () => 30_000 });
    await expect(run).rejects.toThrow(/PutMetricData failed for \d+ data points \(logged as EMF\)/);
    const emf = lines.filter((l) => l.startsWith('{"_aws"'));
    expect(emf.length).toBeGreaterThanOrEqual(11);
    expect(fake.datums).toHaveLength(0);
  });
});
