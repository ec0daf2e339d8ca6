// The probe Lambda's handler end to end, in the middleware the deployed function runs with: a monitor.yml
// parsed by the real config code, real sockets to healthy and hostile gateways on loopback, the real
// CloudWatchClient over HTTP to the wire-level fake.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeHandler, probeLambda, shardTargets, type ProbeEvent, type ProbeRun } from '../../functions/probe-handler.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import { nodeProbeDeps } from '../../shared/probe/node-deps.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { lambdaContext } from '../support/lambda-context.js';
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

  /** Invokes the handler the way Lambda would: through probeLambda's middleware, with a context of `remainingMs`. */
  function handlerWith(lines: string[]): (event: ProbeEvent, remainingMs: number, requestId?: string) => Promise<ProbeRun> {
    const client = new CloudWatchClient({ endpoint: fake.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    const log = createJsonLogger({ service: 'test', write: (l) => lines.push(l) });
    const lambda = probeLambda(
      createProbeHandler({
        region: 'ap-southeast-2',
        config,
        publisher: createMetricPublisher({ namespace: config.namespace, region: config.homeRegion, client, log: { write: (l) => lines.push(l) }, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 } }),
        probeDeps: (signal) => nodeProbeDeps(signal),
        log,
      }),
      log,
    );
    // The deadline middleware puts both signals on the context; these placeholders only satisfy the type until it does.
    return (event, remainingMs, requestId) =>
      lambda(event, { ...lambdaContext(remainingMs, requestId === undefined ? {} : { requestId }), probeDeadline: new AbortController().signal, publishDeadline: new AbortController().signal });
  }

  it('records the right names, units, dimensions and interval timestamp for each kind of gateway', async () => {
    // Prepare: this minute, or the next when this one is a multiple of 5, so the 5-minute target is not due.
    fake.reset();
    const lines: string[] = [];
    const current = Math.floor(Date.now() / 60_000);
    const minute = (current % 5 === 0 ? current + 1 : current) * 60_000;
    // Act
    const report = await handlerWith(lines)({ time: new Date(minute + 1234).toISOString(), shard: 0, shards: 1 }, 30_000, 'req-1');
    // Assess
    expect(report).toMatchObject({
      outcome: 'probed',
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
    // The last multiple of 5 if it is less than a minute old (older would be refused as stale), else the next.
    const last = Math.floor(Date.now() / 300_000) * 300_000;
    const minute = Date.now() - last < 60_000 ? last : last + 300_000;
    const report = await handlerWith([])({ time: new Date(minute).toISOString() }, 30_000);
    expect(report).toMatchObject({ outcome: 'probed', probed: 6 });
    expect(fake.datums.filter((d) => d.metricName === 'ProbeFailed').map((d) => d.dimensions['Target'])).toContain('five-minute-gw');
  });

  it('refuses an event older than its minute: nothing probed or published, one WARN line naming its time and age, and no error', async () => {
    // Prepare: a retry or a late redelivery of the schedule five minutes ago.
    fake.reset();
    const lines: string[] = [];
    const time = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 5 * 60_000).toISOString();
    // Act
    const report = await handlerWith(lines)({ time, shard: 0, shards: 1 }, 30_000, 'req-late');
    // Assess: the invocation succeeds, so Lambda has nothing to retry.
    expect(report).toMatchObject({ outcome: 'stale_event', eventTime: time, maxAgeMs: 70_000 });
    expect(report.outcome === 'stale_event' && report.ageMs).toBeGreaterThanOrEqual(5 * 60_000);
    expect(fake.requests).toHaveLength(0);
    const logged = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(logged.filter((l) => l['message'] === 'probe')).toEqual([]);
    expect(logged).toEqual([
      expect.objectContaining({ level: 'WARN', message: 'probe event refused: older than its interval, nothing probed or published', eventTime: time, requestId: 'req-late', ageMs: expect.any(Number), maxAgeMs: 70_000 }),
    ]);
  });

  it('runs behind two deadline signals: probing stops 4 s and publishing 1 s before the Lambda deadline', async () => {
    // Prepare: the composition probeLambda gives the deployed function, around a handler that waits for its signals.
    const placeholder = new AbortController().signal;
    const fired: Record<string, number> = {};
    const start = Date.now();
    const lambda = probeLambda(async (_event, context) => {
      for (const key of ['probeDeadline', 'publishDeadline'] as const) {
        const signal = context[key];
        expect(signal).not.toBe(placeholder);
        await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
        fired[key] = Date.now() - start;
      }
      return { outcome: 'stale_event', eventTime: '', ageMs: 0, maxAgeMs: 0 };
    }, createJsonLogger({ service: 'test', write: () => undefined }));
    // Act
    await lambda({}, { ...lambdaContext(4_200), probeDeadline: placeholder, publishDeadline: placeholder });
    // Assess
    expect(fired['probeDeadline']).toBeGreaterThanOrEqual(150);
    expect(fired['probeDeadline']).toBeLessThan(1_000);
    expect(fired['publishDeadline']).toBeGreaterThanOrEqual(3_150);
    expect(fired['publishDeadline']).toBeLessThan(4_000);
  });

  it('refuses a schedule whose shard count disagrees with the packaged config, probing nothing', async () => {
    fake.reset();
    const run = handlerWith([])({ time: new Date().toISOString(), shard: 1, shards: 2 }, 30_000);
    await expect(run).rejects.toThrow('event: the schedule says 2 shard(s) but the packaged config plans 1 for ap-southeast-2: redeploy this region');
    expect(() => shardTargets(config, 'ap-southeast-2', { shard: 1, shards: 1 })).toThrow('event: shard must be an integer in 0..shards-1, got shard=1 shards=1');
    expect(() => shardTargets(config, 'us-west-2', {})).toThrow('region us-west-2: the packaged config probes no target from this region');
    expect(fake.requests).toHaveLength(0);
  });

  it('fails the invocation, with every point in the log as EMF, when CloudWatch keeps failing', async () => {
    fake.reset();
    fake.failNext(2, 'server');
    const lines: string[] = [];
    const run = handlerWith(lines)({ time: new Date().toISOString() }, 30_000);
    await expect(run).rejects.toThrow(/PutMetricData failed for \d+ data points \(logged as EMF\)/);
    const emf = lines.filter((l) => l.startsWith('{"_aws"'));
    expect(emf.length).toBeGreaterThanOrEqual(11);
    expect(fake.datums).toHaveLength(0);
  });
});
