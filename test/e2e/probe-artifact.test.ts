// The deployable artifact end to end: the zip that `npm run package` builds (bundle + packaged config),
// unzipped by a standard reader, imported the way the Lambda runtime imports it, inside a namespace of
// the test's own with the real Debian pptpd, publishing with the bundled SDK over HTTP to the CloudWatch
// fake.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildLambdaArtifacts } from '../../infra/lambda-artifacts.js';
import { parseConfig } from '../../shared/config/index.js';
import { fingerprintFirmware, identityFingerprint } from '../../shared/sla/identity.js';
import type { MetricSample } from '../support/cloudwatch-fake.js';
import { requirePptpd, startPptpd, type PptpdInstance } from '../support/pptpd.js';

const RUNNER = resolve('dist/test-support/lambda-runner.js');

const CONFIG = `
version: 1
homeRegion: eu-central-1
defaults:
  regions: [eu-west-1, eu-central-1]
  timeout: 2000
  attempts: 2
targets:
  - { name: poptop, host: 127.0.0.1 }
  - { name: nothing-listens, host: 127.0.0.1, port: 1724, attempts: 1 }
`;

interface RunnerOutput {
  result?: { probed: number; ok: number; failures: Record<string, number>; publish: { published: number; loggedAsEmf: number } };
  error?: string;
  datums: Array<Omit<MetricSample, 'timestamp'> & { timestamp: string }>;
  requests: number;
}

describe('probe artifact in a namespace with the real pptpd', () => {
  let pptpd: PptpdInstance | undefined;
  let skipReason: string | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'pmt-artifact-'));

  beforeAll(async () => {
    skipReason = await requirePptpd();
    if (skipReason) {
      console.warn(`skipping the artifact end-to-end test: ${skipReason}`);
      return;
    }
    const parsed = parseConfig(CONFIG, 'e2e.yml');
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const [probe] = await buildLambdaArtifacts(parsed.config);
    if (!probe) throw new Error('no probe artifact');
    writeFileSync(join(dir, 'probe.zip'), probe.zip);
    // A standard unzip, not our own writer's idea of the format.
    execFileSync('python3', ['-m', 'zipfile', '-e', join(dir, 'probe.zip'), join(dir, 'probe')]);
    pptpd = await startPptpd('artifact');
  }, 60_000);

  afterAll(async () => {
    await pptpd?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('probes pptpd and the closed port and publishes every point to the home region', async (ctx) => {
    if (!pptpd) return ctx.skip(skipReason);
    // Prepare
    const minute = Math.floor(Date.now() / 60_000) * 60_000;
    const spec = { dir: join(dir, 'probe'), region: 'eu-west-1', event: { time: new Date(minute).toISOString(), shard: 0, shards: 1 }, timeoutMs: 50_000, out: join(dir, 'out.json') };
    writeFileSync(join(dir, 'spec.json'), JSON.stringify(spec));
    // Act
    const run = await pptpd.netns.run(process.execPath, [RUNNER, join(dir, 'spec.json')], { timeoutMs: 60_000 });
    // Assess
    const out = JSON.parse(readFileSync(spec.out, 'utf8')) as RunnerOutput;
    expect(out.error).toBeUndefined();
    expect(out.result).toMatchObject({ probed: 2, ok: 1, failures: { connect_refused: 1 }, publish: { published: 7, loggedAsEmf: 0 } });
    const points = out.datums.map((d) => `${d.metricName} ${Object.entries(d.dimensions).map(([k, v]) => `${k}=${v}`).join(',')} ${d.value === 0 || d.value === 1 ? d.value : '>0'} ${d.unit}`);
    // A new container has published no identity yet: pptpd's (local/linux) goes out with its first probe.
    const identity = out.datums.find((d) => d.metricName === 'ServerIdentity');
    expect(identity).toBeDefined();
    expect(identity!.value).toBe(identityFingerprint({ hostname: 'local', vendor: 'linux', firmwareRevision: fingerprintFirmware(identity!.value) }));
    expect(points.sort()).toEqual(
      [
        'ProbeFailed Target=poptop 0 Count',
        'ProbeFailed Target=nothing-listens 1 Count',
        'ConnectTime Target=poptop,ProbeRegion=eu-west-1 >0 Milliseconds',
        'ControlTime Target=poptop,ProbeRegion=eu-west-1 >0 Milliseconds',
        'ProbeFailures Target=nothing-listens,ProbeRegion=eu-west-1,FailureClass=connect_refused 1 Count',
        'ProbesRun ProbeRegion=eu-west-1,Shard=0 >0 Count',
        'ServerIdentity Target=poptop >0 None',
      ].sort(),
    );
    expect(out.datums.every((d) => Date.parse(d.timestamp) === minute)).toBe(true);
    // The function's own logs: one JSON line per probe with the request id, and the cycle summary.
    const lines = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.filter((l) => l['message'] === 'probe').map((l) => [l['target'], l['ok'], l['failureClass'] ?? null, l['requestId']])).toEqual(
      expect.arrayContaining([
        ['poptop', true, null, 'e2e-request'],
        ['nothing-listens', false, 'connect_refused', 'e2e-request'],
      ]),
    );
    expect(lines.find((l) => l['message'] === 'probe cycle done')).toMatchObject({ service: 'pptp-monitor-probe', region: 'eu-west-1', due: 2 });
  }, 60_000);
});
