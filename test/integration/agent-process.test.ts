// `pptp-monitor agent` as users run it: the built CLI as a real process inside a namespace the test
// creates, next to the real Debian pptpd (with the test PPP responder, so the login probe logs in over
// the agent's own raw GRE socket), publishing through the real AWS SDK to the CloudWatch wire fake. The
// fake runs in this process; a bridge carries the agent's HTTP into it (test/support/netns-bridge.ts).
// Asserts the exact points the fake holds: names, dimensions, values and interval timestamps, as the
// probe Lambda publishes them, and that the password appears in no output.
//
// That includes the sparse ServerIdentity: the agent's first minute is a cold start (it knows no
// identity yet), so it publishes one point for each target whose probe got an SCCRP (pptpd-control and
// pptpd-login, both the same pptpd; refused and silent get none), and after that only on a change (none
// here) or at a target's daily refresh minute, should the second minute be one.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReport } from '../../shared/cli/report-command.js';
import { MINUTE_MS } from '../../shared/common/time.js';
import { isRefreshMinute } from '../../shared/metrics/identity-memory.js';
import { fingerprintFirmware, identityFingerprint, isFingerprint } from '../../shared/sla/identity.js';
import { CLI_BIN } from '../support/cli.js';
import { startCloudWatchFake, type CloudWatchFake, type MetricSample } from '../support/cloudwatch-fake.js';
import { bridgeIntoNetns, type NetnsBridge } from '../support/netns-bridge.js';
import type { RunResult } from '../support/netns.js';
import { startPptpdLogin, type PptpdLoginGateway } from '../support/pptpd-login.js';
import { requirePptpd } from '../support/pptpd.js';

const USER = 'monitor';
const PASSWORD = 'Agent-known-Pw!77';
const LOCATION = 'office-lab';
const NAMESPACE = 'PptpMonitorAgentTest';
/** Minutes of schedule per real minute: a cycle every 6 s, the probe budget 4.6 s. */
const TIME_SCALE = 10;

const CONFIG = `version: 1
homeRegion: eu-central-1
namespace: ${NAMESPACE}
agents:
  - name: ${LOCATION}
    description: the test's namespace
targets:
  - name: pptpd-control
    host: 127.0.0.1
    regions: [${LOCATION}, eu-central-1]
    timeout: 3000
  - name: pptpd-login
    host: 127.0.0.1
    regions: [${LOCATION}]
    check: pptp-login
    timeout: 4000
    login: { username: ${USER}, passwordEnv: VPN_PASSWORD }
  - name: refused
    host: 127.0.0.1
    port: 1799
    regions: [${LOCATION}]
    timeout: 2000
  - name: silent
    host: 127.0.0.1
    port: 1798
    regions: [${LOCATION}]
    timeout: 1500
`;

/** The AWS SDK warns on Node 20 that its 2027 releases need Node 22: the SDK's, not ours. */
function withoutSdkNodeWarning(stderr: string): string {
  return stderr.replace(/\(node:\d+\) Warning: NodeVersionSupportWarning:[\s\S]*?to show where the warning was created\)\n/, '');
}

describe('pptp-monitor agent, a real process in a namespace, publishing to the CloudWatch wire fake', () => {
  let gateway: PptpdLoginGateway | undefined;
  let cw: CloudWatchFake | undefined;
  let bridge: NetnsBridge | undefined;
  let skipReason: string | undefined;
  const dir = mkdtempSync(join(tmpdir(), 'agent-process-'));
  let probedMinutes: number[] = [];
  const configPath = join(dir, 'monitor.yml');

  beforeAll(async () => {
    skipReason = await requirePptpd();
    if (skipReason) return;
    writeFileSync(configPath, CONFIG);
    gateway = await startPptpdLogin('agent', { scenario: 'success', user: USER, password: PASSWORD, restartMs: 400, maxLifetimeMs: 15_000 });
    // A peer that accepts and never answers: the control probe times out.
    gateway.netns.spawn(process.execPath, ['-e', "require('node:net').createServer(() => {}).listen(1798, '127.0.0.1')"]);
    cw = await startCloudWatchFake();
    const { port } = new URL(cw.endpoint);
    bridge = await bridgeIntoNetns(gateway.netns, { host: '127.0.0.1', port: Number(port) });
  }, 30_000);

  afterAll(async () => {
    await bridge?.close();
    await cw?.close();
    await gateway?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  function agent(args: readonly string[], env: Record<string, string> = {}): Promise<RunResult> {
    const vars = Object.entries({ AWS_ACCESS_KEY_ID: 'AKIDAGENTTEST', AWS_SECRET_ACCESS_KEY: 'agent-secret-key', AWS_ENDPOINT_URL_CLOUDWATCH: bridge!.endpoint, VPN_PASSWORD: PASSWORD, ...env }).map(([k, v]) => `${k}=${v}`);
    return gateway!.netns.run('env', [...vars, process.execPath, CLI_BIN, 'agent', '--config', configPath, ...args], { timeoutMs: 60_000 });
  }

  it('probes its targets each minute and publishes what a probe Lambda publishes, under the minute it probed', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const stateDir = join(dir, 'state');
    const startedAt = Date.now();
    const run = await agent(['--location', LOCATION, '--state-dir', stateDir, '--cycles', '2', '--time-scale', String(TIME_SCALE)]);
    expect(withoutSdkNodeWarning(run.stderr)).toBe('');
    expect(run.code).toBe(0);
    for (const out of [run.stdout, run.stderr]) {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain('agent-secret-key');
    }

    const lines = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    const cycles = lines.filter((l) => l['message'] === 'agent cycle done');
    expect(cycles).toHaveLength(2);
    const minutes = cycles.map((c) => Date.parse(String(c['interval'])));
    for (const m of minutes) expect(m % MINUTE_MS).toBe(0);
    expect(minutes[1]! - minutes[0]!).toBe(MINUTE_MS);
    // The schedule's clock runs TIME_SCALE× from the agent's start: the first minute is the next one.
    expect(minutes[0]!).toBeGreaterThan(startedAt);

    const held = cw!.datums.filter((d) => d.namespace === NAMESPACE);
    const at = (d: MetricSample): number => d.timestamp.getTime();
    expect(new Set(held.map(at))).toEqual(new Set(minutes));
    for (const minute of minutes) {
      const of = (name: string): MetricSample[] => held.filter((d) => d.metricName === name && at(d) === minute);
      // ProbeFailed{Target}: one point per target and minute, 0 up, 1 down.
      expect(of('ProbeFailed').map((d) => [d.dimensions['Target'], d.value, Object.keys(d.dimensions)]).sort()).toEqual([
        ['pptpd-control', 0, ['Target']],
        ['pptpd-login', 0, ['Target']],
        ['refused', 1, ['Target']],
        ['silent', 1, ['Target']],
      ]);
      // The heartbeat: ProbesRun{ProbeRegion=<location>, Shard=0} = probes completed.
      expect(of('ProbesRun').map((d) => [d.dimensions, d.value])).toEqual([[{ ProbeRegion: LOCATION, Shard: '0' }, 4]]);
      expect(of('ProbeFailures').map((d) => [d.dimensions['Target'], d.dimensions['ProbeRegion'], d.dimensions['FailureClass']]).sort()).toEqual([
        ['refused', LOCATION, 'connect_refused'],
        ['silent', LOCATION, 'control_timeout'],
      ]);
      const connect = of('ConnectTime');
      expect(connect.map((d) => d.dimensions['Target']).sort()).toEqual(['pptpd-control', 'pptpd-login', 'silent']);
      for (const d of [...connect, ...of('ControlTime')]) {
        expect(d.dimensions['ProbeRegion']).toBe(LOCATION);
        expect(d.unit).toBe('Milliseconds');
        expect(d.value).toBeGreaterThan(0);
        expect(d.value).toBeLessThan(1000);
      }
    }
    // ServerIdentity{Target}, unit None: in the first minute for both pptpd targets, then only at a refresh minute.
    const identities = held.filter((d) => d.metricName === 'ServerIdentity');
    const identified = ['pptpd-control', 'pptpd-login'];
    const expected = minutes.flatMap((m, i) => identified.filter((t) => i === 0 || isRefreshMinute(t, m)).map((t) => [t, m]));
    expect(identities.map((d) => [d.dimensions['Target'], at(d)]).sort()).toEqual(expected.sort());
    for (const d of identities) expect([Object.keys(d.dimensions), d.unit, isFingerprint(d.value)]).toEqual([['Target'], 'None', true]);
    // The same pptpd answers both, local/linux in its SCCRP; the login also learnt the name in its CHAP
    // Challenge (the responder's 'pptpd-test'), which joins its identity: two fingerprints, one firmware.
    const byTarget = (t: string): number[] => [...new Set(identities.filter((d) => d.dimensions['Target'] === t).map((d) => d.value))];
    const control = byTarget('pptpd-control');
    const login = byTarget('pptpd-login');
    expect([control.length, login.length]).toEqual([1, 1]);
    const firmware = fingerprintFirmware(control[0]!);
    expect(control[0]).toBe(identityFingerprint({ hostname: 'local', vendor: 'linux', firmwareRevision: firmware }));
    expect(login[0]).toBe(identityFingerprint({ hostname: 'local', vendor: 'linux', firmwareRevision: firmware, peerName: 'pptpd-test' }));
    // Every metric the fake holds is one of those checked above.
    expect([...new Set(held.map((d) => d.metricName))].sort()).toEqual(['ConnectTime', 'ControlTime', 'ProbeFailed', 'ProbeFailures', 'ProbesRun', 'ServerIdentity']);
    // The log names the identity where it was published, in the probe line of that target and minute.
    const announced = lines.filter((l) => l['message'] === 'probe' && l['identity'] !== undefined);
    expect(announced.map((l) => [l['target'], Math.floor(Date.parse(String(l['timestamp'])) / MINUTE_MS) * MINUTE_MS]).sort()).toEqual(expected.sort());
    // Everything was acknowledged: nothing is owed in the spool.
    expect(readdirSync(join(stateDir, 'spool')).filter((f) => f.endsWith('.json'))).toEqual([]);
    probedMinutes = minutes;
  }, 60_000);

  it('shows the agent as a location in report --source cloudwatch, read back from the fake', async (ctx) => {
    if (skipReason || probedMinutes.length === 0) return ctx.skip(skipReason ?? 'the agent run failed');
    // In this process, because the drill's minutes lie ahead of the real clock: `now` is injected after them.
    const from = probedMinutes[0]!;
    const to = probedMinutes.at(-1)! + MINUTE_MS;
    const previous = process.env['AWS_ENDPOINT_URL_CLOUDWATCH'];
    Object.assign(process.env, { AWS_ENDPOINT_URL_CLOUDWATCH: cw!.endpoint, AWS_ACCESS_KEY_ID: 'a', AWS_SECRET_ACCESS_KEY: 'b' });
    let out = '';
    const errs: string[] = [];
    try {
      const code = await runReport(
        { source: 'cloudwatch', data: 'data', format: 'json', config: configPath, from, to },
        { out: (text) => void (out += text), err: (line) => void errs.push(line), now: () => to + 2 * MINUTE_MS },
      );
      expect(code, errs.join('\n')).toBe(0);
    } finally {
      if (previous === undefined) delete process.env['AWS_ENDPOINT_URL_CLOUDWATCH'];
      else process.env['AWS_ENDPOINT_URL_CLOUDWATCH'] = previous;
    }
    const report = JSON.parse(out) as { targets: Array<{ target: string; availability: number | null; regions: Array<{ region: string; availability: number | null; intervals: number; failedIntervals: number }> }> };
    const byName = new Map(report.targets.map((t) => [t.target, t]));
    expect(byName.get('pptpd-login')).toMatchObject({ availability: 100, regions: [{ region: LOCATION, availability: 100, intervals: 2, failedIntervals: 0 }] });
    expect(byName.get('refused')).toMatchObject({ availability: 0, regions: [{ region: LOCATION, availability: 0, intervals: 2, failedIntervals: 2 }] });
    // The agent beside a Lambda region that never ran here: per location, and no verdict without the quorum of 2.
    expect(byName.get('pptpd-control')).toMatchObject({
      availability: null,
      regions: [
        { region: LOCATION, availability: 100, intervals: 2, failedIntervals: 0 },
        { region: 'eu-central-1', availability: null, intervals: 0, failedIntervals: 0 },
      ],
    });
  });

  it('refuses a location the config does not declare, naming the declared ones (exit 2)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = await agent(['--location', 'office-lyon', '--state-dir', join(dir, 'other'), '--cycles', '1']);
    expect(run.code).toBe(2);
    expect(run.stderr.trim()).toBe(`pptp-monitor agent: --location 'office-lyon' is not an agent of ${configPath} (declared: ${LOCATION})`);
  });

  it('refuses to start when a login password is missing, before probing anything (exit 2)', async (ctx) => {
    if (skipReason) return ctx.skip(skipReason);
    const run = await agent(['--location', LOCATION, '--state-dir', join(dir, 'nopw'), '--cycles', '1'], { VPN_PASSWORD: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^pptp-monitor agent: target pptpd-login: login: .*VPN_PASSWORD/);
    expect(run.stdout).toBe('');
  });
});
