// `node dist/bench/report-read-bench.js [--targets 10]`: what a month's report reads from CloudWatch, per
// target. Publishes the whole span the report reads (the month, its previous period and the look-back) of 1-minute history of N targets × 3 regions (ProbeFailed, ConnectTime and
// ControlTime per region, a few failures, heartbeats) to the CloudWatch wire fake (aggregate store), runs the
// report's read (reportFromHistory over the CloudWatch history source, 1-minute points for the last 14 days
// and 5-minute aggregates before, 10 targets a batch) as the report function runs it on the 1st at 06:00,
// and prints GetMetricData calls, points and metrics per target, and what that makes for 10,000 targets.
import { CloudWatchClient, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { DAY_MS, MINUTE_MS } from '../shared/common/time.js';
import { parseConfig } from '../shared/config/index.js';
import { reportFromHistory } from '../shared/cycles/report-cycle.js';
import { createCloudWatchHistory } from '../shared/metrics/cloudwatch-history-source.js';
import { probeShardMap } from '../shared/runners/lambda/probe-lambda-sizing.js';
import { REPORT_POINTS_PER_SECOND } from '../shared/runners/lambda/report-shards.js';
import { previousCalendarMonth, reportRecordsFromMs } from '../shared/sla/report.js';
import { startCloudWatchFake } from '../test/support/cloudwatch-fake.js';

const i = process.argv.indexOf('--targets');
const TARGETS = i >= 0 ? Number(process.argv[i + 1]) : 10;
const REGIONS = ['eu-central-1', 'eu-west-1', 'us-east-1'];
/** The report function's run for November 2026: 1 December, 06:00 UTC. */
const NOW = Date.UTC(2026, 11, 1, 6);

const lines = ['version: 1', 'namespace: PPTPReportBench', 'homeRegion: eu-central-1', `defaults: { regions: [${REGIONS.join(', ')}] }`, 'targets:'];
for (let t = 0; t < TARGETS; t++) lines.push(`  - { name: gw-${t}, host: 10.0.0.${t + 1} }`);
const parsed = parseConfig(`${lines.join('\n')}\n`, 'report-bench.yml');
if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
const config = parsed.config;
const range = previousCalendarMonth(NOW);
let clock = range.fromMs;
const cw = await startCloudWatchFake({ aggregate: true, now: () => new Date(clock) });
try {
  const started = performance.now();
  const readFrom = reportRecordsFromMs(range);
  for (let at = readFrom; at < range.toMs; at += MINUTE_MS) {
    clock = at + 10_000;
    const timestamp = new Date(at);
    const datums: MetricDatum[] = [];
    for (const target of config.targets) {
      // A failure in one region once a day: failure detail exists all month, as it does for real fleets.
      const failing = (at / MINUTE_MS) % 1440 === 0 ? 1 : 0;
      datums.push({ MetricName: 'ProbeFailed', Dimensions: [{ Name: 'Target', Value: target.name }], Timestamp: timestamp, Values: failing ? [0, 1] : [0], Counts: failing ? [2, 1] : [3], Unit: 'Count' });
      for (const [r, region] of REGIONS.entries()) {
        const dims = [{ Name: 'Target', Value: target.name }, { Name: 'ProbeRegion', Value: region }];
        if (failing && r === 0) {
          datums.push({ MetricName: 'ProbeFailures', Dimensions: [...dims, { Name: 'FailureClass', Value: 'connect_timeout' }], Timestamp: timestamp, Value: 1, Unit: 'Count' });
          continue;
        }
        datums.push({ MetricName: 'ConnectTime', Dimensions: dims, Timestamp: timestamp, Value: 20, Unit: 'Milliseconds' });
        datums.push({ MetricName: 'ControlTime', Dimensions: dims, Timestamp: timestamp, Value: 40, Unit: 'Milliseconds' });
      }
    }
    for (const region of REGIONS) datums.push({ MetricName: 'ProbesRun', Dimensions: [{ Name: 'ProbeRegion', Value: region }, { Name: 'Shard', Value: '0' }], Timestamp: timestamp, Value: TARGETS, Unit: 'Count' });
    cw.ingest(config.namespace, datums);
  }
  clock = NOW;
  const history = createCloudWatchHistory({ client: new CloudWatchClient({ endpoint: cw.endpoint, region: 'eu-central-1', credentials: { accessKeyId: 'a', secretAccessKey: 'b' }, maxAttempts: 1 }), probeShards: probeShardMap(config) });
  const read = await reportFromHistory(history, config, range, NOW);
  const c = cw.getMetricData;
  const perTarget = { points: c.pointsReturned / TARGETS, calls: c.calls / TARGETS, metrics: read.metricsRequested / TARGETS };
  console.log(`report of ${new Date(range.fromMs).toISOString().slice(0, 7)} (${(range.toMs - range.fromMs) / DAY_MS} days, read from ${((range.fromMs - readFrom) / DAY_MS).toFixed(0)} days before) for ${TARGETS} targets × ${REGIONS.length} regions, read at ${new Date(NOW).toISOString()} (history published in ${((performance.now() - started) / 1000).toFixed(1)} s)`);
  console.log(`  per target: ${Math.round(perTarget.points).toLocaleString('en-US')} points, ${perTarget.calls.toFixed(1)} GetMetricData calls, ${perTarget.metrics.toFixed(1)} metrics requested`);
  const fleet = 10_000;
  console.log(`  for ${fleet.toLocaleString('en-US')} targets: ${(perTarget.points * fleet / 1e9).toFixed(2)} G points, ${Math.round(perTarget.calls * fleet).toLocaleString('en-US')} calls, ${Math.round(perTarget.metrics * fleet).toLocaleString('en-US')} metrics ($${(perTarget.metrics * fleet * 0.00001).toFixed(2)} at $0.01 per 1,000); ${((perTarget.points * fleet) / 396_000 / 60).toFixed(0)} min of the account's 396,000 points/s, ${((perTarget.points * fleet) / REPORT_POINTS_PER_SECOND / 60).toFixed(0)} min at the report's pace of ${REPORT_POINTS_PER_SECOND.toLocaleString('en-US')}/s`);
} finally {
  await cw.close();
}
