// The monthly report function over the wire: history in the CloudWatch fake, read back with the real
// client, built by the report core, summarised with the real SNSClient to the SNS fake's ticket topic.
import { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReportHandler, rangeOf } from '../../functions/report-handler.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { createJsonLogger } from '../../shared/log/logger.js';
import { createMetricPublisher } from '../../shared/metrics/cloudwatch-publisher.js';
import { datumsForResult, type Datum } from '../../shared/metrics/index.js';
import { startCloudWatchFake, type CloudWatchFake } from '../support/cloudwatch-fake.js';
import { startSnsFake, type SnsFake } from '../support/sns-fake.js';

const MINUTE_MS = 60_000;
const NO_TIMINGS = { dnsMs: undefined, connectMs: undefined, controlMs: undefined, echoMs: undefined, callMs: undefined };
const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'];

describe('report function: CloudWatch → report → SNS', () => {
  let cw: CloudWatchFake;
  let sns: SnsFake;
  let config: ResolvedConfig;
  let topic = '';
  const end = Math.floor(Date.now() / 3_600_000) * 3_600_000;
  const start = end - 2 * 3_600_000;

  beforeAll(async () => {
    cw = await startCloudWatchFake();
    sns = await startSnsFake();
    topic = await sns.createTopic('tickets');
    await sns.subscribeHttp(topic, 'reader');
    const parsed = parseConfig(`version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [${REGIONS.join(', ')}] }\ntargets:\n  - { name: hq-gw, host: a.example.com }\n  - { name: branch-gw, host: b.example.com, slo: { availability: 99 } }\n`, 't.yml');
    if (!parsed.ok) throw new Error('fixture');
    config = parsed.config;
    // Two hours; hq-gw down in all regions for 12 minutes, branch-gw healthy.
    const points: Datum[] = [];
    for (let at = start; at < end; at += MINUTE_MS) {
      for (const region of REGIONS) {
        for (const target of ['hq-gw', 'branch-gw']) {
          const down = target === 'hq-gw' && at >= start + 30 * MINUTE_MS && at < start + 42 * MINUTE_MS;
          const result = down
            ? { ok: false, timings: { ...NO_TIMINGS, totalMs: 5000 }, failure: { class: 'control_timeout' as const, message: 'x', phase: 'control' as const, elapsedMs: 5000 } }
            : { ok: true, timings: { ...NO_TIMINGS, connectMs: 10, controlMs: 20, totalMs: 40 } };
          points.push(...datumsForResult(result, { target, region, intervalStart: at }));
        }
        points.push({ metricName: 'ProbesRun', dimensions: { ProbeRegion: region, Shard: '0' }, timestamp: at, value: 2, unit: 'Count' });
      }
    }
    await createMetricPublisher({ namespace: 'PPTPMonitor', region: 'eu-central-1', client: client() }).publish(points);
  }, 60_000);

  afterAll(async () => {
    await cw.close();
    await sns.close();
  });

  function client(): CloudWatchClient {
    return new CloudWatchClient({ endpoint: cw.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 });
  }

  it('reports the range from CloudWatch and publishes the summary to the ticket topic', async () => {
    // Act
    const result = await createReportHandler({ config, cloudwatch: client(), sns: sns.client(), topicArn: topic, log: createJsonLogger({ service: 'test', write: () => undefined }), now: Date.now })(
      { from: new Date(start).toISOString(), to: new Date(end).toISOString() },
      { awsRequestId: 'r1' },
    );
    // Assess: hq-gw 108/120 = 90% < 99.9; branch-gw 100%.
    expect(result).toMatchObject({ targets: 2, belowSlo: ['hq-gw'] });
    const [delivery] = await sns.waitForDeliveries('reader', 1);
    expect(delivery?.envelope?.Subject).toMatch(/^\[REPORT\] PPTP SLA \d{4}-\d{2}: 2 target\(s\), 1 below SLO$/);
    const bodies = JSON.parse(delivery?.envelope?.Message ?? '{}') as { https: string; email: string };
    const json = JSON.parse(bodies.https) as { targets: Array<{ target: string; availability: number; downtimeMinutes: number; failureClasses: Record<string, number> }> };
    expect(json.targets.find((t) => t.target === 'hq-gw')).toMatchObject({ availability: 90, downtimeMinutes: 12, failureClasses: { control_timeout: 36 } });
    expect(bodies.email).toContain('| hq-gw |');
  }, 60_000);

  it('defaults to the previous calendar month of the scheduled time and refuses a bad manual range', () => {
    expect(rangeOf({ time: '2026-12-01T06:00:00Z' }, 0)).toEqual({ fromMs: Date.parse('2026-11-01T00:00:00Z'), toMs: Date.parse('2026-12-01T00:00:00Z') });
    expect(() => rangeOf({ from: '2026-11-02T00:00:00Z', to: '2026-11-01T00:00:00Z' }, 0)).toThrow('event: from and to must be ISO times with from < to');
  });
});
