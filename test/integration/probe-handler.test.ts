// The probe Lambda's handler end to end: real sockets to healthy and hostile gateways on loopback, the
// real CloudWatchClient over HTTP to the wire-level fake. Checks the data points CloudWatch receives.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProbeHandler } from '../../functions/probe-handler.js';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import type { CycleTarget } from '../../shared/monitor/probe-cycle.js';
import { nodeProbeDeps } from '../../shared/probe/node-deps.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { closeAfterRequest, healthy, rejectControl, silentAfterAccept, startPeer, type Peer } from '../support/hostile-peers.js';

describe('probe handler → CloudWatch fake', () => {
  let fake: CloudWatchFake;
  const peers: Peer[] = [];
  const targets: CycleTarget[] = [];
  let closedPort = 0;

  beforeAll(async () => {
    fake = await startCloudWatchFake();
    for (const [name, behaviour] of [
      ['hq-gw', healthy],
      ['branch-silent', silentAfterAccept],
      ['branch-closing', closeAfterRequest],
      ['partner-denied', rejectControl(4)],
    ] as const) {
      const peer = await startPeer(behaviour);
      peers.push(peer);
      targets.push({ name, host: peer.host, port: peer.port, options: { timeoutMs: 400 } });
    }
    const gone = await startPeer(healthy);
    closedPort = gone.port;
    await gone.close();
    targets.push({ name: 'dead-gw', host: '127.0.0.1', port: closedPort, options: { timeoutMs: 400 } });
  });

  afterAll(async () => {
    await Promise.all(peers.map((p) => p.close()));
    await fake.close();
  });

  function handlerWith(lines: string[]): ReturnType<typeof createProbeHandler> {
    const client = new CloudWatchClient({ endpoint: fake.endpoint, region: 'eu-west-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
    return createProbeHandler({
      region: 'ap-southeast-2',
      targets,
      publisher: createMetricPublisher({ namespace: 'PPTPMonitor', region: 'eu-west-1', client, log: { write: (l) => lines.push(l) }, retry: { attempts: 2, baseDelayMs: 5, maxDelayMs: 10 } }),
      probeDeps: nodeProbeDeps(),
      log: (l) => lines.push(l),
    });
  }

  it('records the right names, units, dimensions and interval timestamp for each kind of gateway', async () => {
    fake.reset();
    const lines: string[] = [];
    const scheduled = new Date(Math.floor(Date.now() / 60_000) * 60_000 - 60_000 + 1234);
    const report = await handlerWith(lines)({ time: scheduled.toISOString() }, { getRemainingTimeInMillis: () => 30_000 });
    expect(report).toMatchObject({
      probed: 5,
      ok: 1,
      failures: { control_timeout: 1, connection_closed: 1, control_rejected: 1, connect_refused: 1 },
    });
    const byMetric = (name: string): Record<string, number> =>
      Object.fromEntries(fake.datums.filter((d) => d.metricName === name).map((d) => [d.dimensions['FailureClass'] ?? d.dimensions['Target'], d.value]));
    expect(byMetric('ProbeFailed')).toEqual({ 'hq-gw': 0, 'branch-silent': 1, 'branch-closing': 1, 'partner-denied': 1, 'dead-gw': 1 });
    expect(Object.keys(byMetric('ProbeFailures')).sort()).toEqual(['connect_refused', 'connection_closed', 'control_rejected', 'control_timeout']);
    const connect = fake.datums.filter((d) => d.metricName === 'ConnectTime');
    expect(connect.map((d) => d.dimensions['Target']).sort()).toEqual(['branch-closing', 'branch-silent', 'hq-gw', 'partner-denied']);
    expect(connect.every((d) => d.unit === 'Milliseconds' && d.dimensions['ProbeRegion'] === 'ap-southeast-2' && d.value > 0)).toBe(true);
    expect(fake.datums.filter((d) => d.metricName === 'ControlTime').map((d) => d.dimensions['Target']).sort()).toEqual(['hq-gw', 'partner-denied']);
    const minute = Math.floor(scheduled.getTime() / 60_000) * 60_000;
    expect(fake.datums.every((d) => d.timestamp.getTime() === minute)).toBe(true);
    const probeLines = lines.map((l) => JSON.parse(l) as { message: string }).filter((l) => l.message === 'probe');
    expect(probeLines).toHaveLength(5);
  });

  it('fails the invocation, with every point in the log as EMF, when CloudWatch keeps failing', async () => {
    fake.reset();
    fake.failNext(2, 'server');
    const lines: string[] = [];
    const run = handlerWith(lines)({ time: new Date().toISOString() }, { getRemainingTimeInMillis: () => 30_000 });
    await expect(run).rejects.toThrow(/PutMetricData failed for \d+ data points \(logged as EMF\)/);
    const emf = lines.filter((l) => l.startsWith('{"_aws"'));
    expect(emf.length).toBeGreaterThanOrEqual(10);
    expect(fake.datums).toHaveLength(0);
  });
});
