// `npm run remove`: the real packaging (esbuild, our zips, stack.json per region) and the real osls for
// what can run offline (`osls print` over a stale region's placeholder), with osls remove itself and
// CloudWatch replaced by fakes that record what was asked of them. The order is checked against
// `npm run deploy --dry-run` of the same config: the reverse, the home region last.
import { CloudWatchClient, DescribeAlarmsCommand, DisableAlarmActionsCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main as deployMain } from '../../infra/deploy.js';
import { cloudWatchAlarmSwitch, isRegionAlarm, probesStoppedAlarmName, type AlarmSwitch } from '../../infra/remove-alarms.js';
import { main as removeMain, type RemoveStep } from '../../infra/remove.js';
import type { StepOutcome } from '../../infra/deploy.js';

const ROOT = process.cwd();
const STAGE = 'rmtest';
const HOME = 'eu-central-1';
const PAGE_ARN = 'arn:aws:sns:eu-central-1:123456789012:netops-page';
/** Packaging runs esbuild for three functions, and the deploy dry run osls once per region. */
const PACKAGE_TIMEOUT_MS = 180_000;

const CONFIG = `version: 1
homeRegion: ${HOME}
alerts:
  page: ${PAGE_ARN}
agents:
  - name: office-berlin
targets:
  - name: hq
    host: 198.51.100.10
    regions: [eu-west-1, us-east-1, ${HOME}, office-berlin]
`;

/** Runs a main with console.log and console.error captured, in order. */
async function captured(run: () => Promise<number>): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    return { code: await run(), out, err };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

/** A fake osls and CloudWatch that write every call into one journal. */
function fakes(alarmNames: string[], outcome: (region: string) => StepOutcome = () => ({ code: 0, output: '' })) {
  const journal: string[] = [];
  const alarms: AlarmSwitch = {
    find: (prefix) => {
      journal.push(`find ${prefix}`);
      return Promise.resolve(alarmNames.filter((n) => n.startsWith(prefix)));
    },
    disable: (names) => Promise.resolve(void journal.push(`disable ${names.join(',')}`)),
    enable: (names) => Promise.resolve(void journal.push(`enable ${names.join(',')}`)),
  };
  const run = (step: RemoveStep): Promise<StepOutcome> => {
    journal.push(`osls ${step.args.join(' ')}`);
    return Promise.resolve(outcome(step.region));
  };
  return { journal, deps: { alarms, run } };
}

const alarm = (region: string): string => probesStoppedAlarmName('pptp-monitor', STAGE, region);

describe('npm run remove', () => {
  let dir: string;
  let config: string;

  beforeAll(() => {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
    dir = mkdtempSync(join(tmpdir(), 'pmt-remove-'));
    config = join(dir, 'monitor.yml');
    writeFileSync(config, CONFIG);
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(ROOT, '.build', STAGE), { recursive: true, force: true });
  });

  it('prints the osls remove commands in the reverse order of the deploy dry run: probe regions first, the home region last', async () => {
    // Act
    const deploy = await captured(() => deployMain(['--stage', STAGE, '--config', config, '--dry-run'], ROOT));
    const remove = await captured(() => removeMain(['--stage', STAGE, '--config', config, '--dry-run'], ROOT));
    // Assess
    expect(deploy.code).toBe(0);
    expect(remove.code).toBe(0);
    expect(deploy.out).toContain('pre-flight: AWS credentials not checked (--dry-run deploys nothing)');
    const deployed = deploy.out.filter((l) => l.startsWith('would run ')).map((l) => /^would run ([a-z0-9-]+): npx osls deploy /.exec(l)?.[1]);
    const removals = remove.out.filter((l) => l.startsWith('would run '));
    expect(deployed).toEqual([HOME, 'eu-west-1', 'us-east-1']);
    expect(removals).toEqual(
      ['us-east-1', 'eu-west-1', HOME].map((r) => `would run ${r}: npx osls remove --stage ${STAGE} --region ${r}`),
    );
    // Both print commands a user can paste in the project root: osls is in node_modules/.bin, not on the PATH.
    for (const out of [deploy.out, remove.out]) expect(out).toContain(`dry run: run these from ${ROOT}, where serverless.yml is`);
    expect(removals.map((l) => l.split(' ')[2]?.replace(':', ''))).toEqual([...deployed].reverse());
    // Each probe region's alarms are silenced before it goes; the home stack takes its own with it.
    const silenced = remove.out.filter((l) => l.startsWith('would disable'));
    expect(silenced).toEqual(['us-east-1', 'eu-west-1'].map((r) => `would disable the actions of ${alarm(r)} (and its -shard-<n> alarms) in ${HOME}`));
    expect(remove.out.indexOf(silenced[0] ?? '')).toBeLessThan(remove.out.indexOf(removals[0] ?? ''));
    expect(remove.out).toContain(`left behind: SNS topic ${PAGE_ARN} (alerts.page names it by ARN: not this stage's to delete) and its subscriptions`);
    expect(remove.out.some((l) => l.startsWith('left behind: agents office-berlin: they keep running'))).toBe(true);
  }, PACKAGE_TIMEOUT_MS);

  it('matches exactly the alarms the home stack has for each region, and not the agent\'s', async () => {
    // Prepare: the stage as packaged by the dry run above
    await captured(() => removeMain(['--stage', STAGE, '--config', config, '--dry-run'], ROOT));
    const home = JSON.parse(readFileSync(join(ROOT, '.build', STAGE, HOME, 'stack.json'), 'utf8')) as { resources: { Resources: Record<string, { Type: string; Properties: { AlarmName: string; Dimensions: Array<{ Name: string; Value: string }> } }> } };
    const stackAlarms = Object.values(home.resources.Resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties);
    // Assess
    expect(stackAlarms).toHaveLength(4);
    for (const a of stackAlarms) {
      const location = a.Dimensions.find((d) => d.Name === 'ProbeRegion')?.Value ?? '';
      for (const region of [HOME, 'eu-west-1', 'us-east-1']) expect(isRegionAlarm(a.AlarmName, alarm(region)), `${a.AlarmName} vs ${region}`).toBe(location === region);
    }
    expect(isRegionAlarm(`${alarm('eu-west-1')}-shard-2`, alarm('eu-west-1'))).toBe(true);
    expect(isRegionAlarm(`${alarm('eu-west-1')}0`, alarm('eu-west-1'))).toBe(false);
    expect(isRegionAlarm(`${alarm('eu-west-1')}-shard-x`, alarm('eu-west-1'))).toBe(false);
  }, PACKAGE_TIMEOUT_MS);

  it('silences each probe region\'s alarms, removes it, and removes the home stack last', async () => {
    // Prepare
    const { journal, deps } = fakes([alarm('us-east-1'), alarm('eu-west-1'), `${alarm('eu-west-1')}-shard-1`, alarm(HOME)]);
    // Act
    const { code, out } = await captured(() => removeMain(['--stage', STAGE, '--config', config], ROOT, deps));
    // Assess
    expect(code).toBe(0);
    expect(journal).toEqual([
      `find ${alarm('us-east-1')}`,
      `disable ${alarm('us-east-1')}`,
      `osls remove --stage ${STAGE} --region us-east-1`,
      `find ${alarm('eu-west-1')}`,
      `disable ${alarm('eu-west-1')},${alarm('eu-west-1')}-shard-1`,
      `osls remove --stage ${STAGE} --region eu-west-1`,
      `osls remove --stage ${STAGE} --region ${HOME}`,
    ]);
    expect(out).toContain(`removed stage ${STAGE} from us-east-1, eu-west-1, ${HOME}`);
    expect(out.filter((l) => l.startsWith('removing '))).toEqual(['us-east-1', 'eu-west-1', HOME].map((r) => `removing ${r}: npx osls remove --stage ${STAGE} --region ${r}`));
  }, PACKAGE_TIMEOUT_MS);

  it('stops at a failed region before the home stack, and gives that region its alarms back', async () => {
    // Prepare
    const { journal, deps } = fakes([alarm('us-east-1'), alarm('eu-west-1')], (r) => ({ code: r === 'eu-west-1' ? 1 : 0, output: 'AccessDenied' }));
    // Act
    const { code, err } = await captured(() => removeMain(['--stage', STAGE, '--config', config], ROOT, deps));
    // Assess
    expect(code).toBe(1);
    expect(journal.filter((l) => l.startsWith('osls'))).toEqual([`osls remove --stage ${STAGE} --region us-east-1`, `osls remove --stage ${STAGE} --region eu-west-1`]);
    expect(journal.at(-1)).toBe(`enable ${alarm('eu-west-1')}`);
    expect(err).toContain(`remove: eu-west-1 failed (exit 1); removed: us-east-1; not attempted: ${HOME}`);
  }, PACKAGE_TIMEOUT_MS);

  it('goes on past a region where the stage has no stack', async () => {
    // Prepare: osls's output when CloudFormation knows no such stack
    const { journal, deps } = fakes([], (r) => (r === 'us-east-1' ? { code: 1, output: `Error:\nStack with id pptp-monitor-${STAGE} does not exist\n` } : { code: 0, output: '' }));
    // Act
    const { code, out } = await captured(() => removeMain(['--stage', STAGE, '--config', config], ROOT, deps));
    // Assess
    expect(code).toBe(0);
    expect(journal.filter((l) => l.startsWith('osls')).map((l) => l.split(' ').at(-1))).toEqual(['us-east-1', 'eu-west-1', HOME]);
    expect(out).toContain(`us-east-1: no stack of stage ${STAGE} there, nothing to remove`);
    expect(out).toContain(`removed stage ${STAGE} from eu-west-1, ${HOME}`);
  }, PACKAGE_TIMEOUT_MS);

  it('removes only a region dropped from the config with --region, over a stack.json osls can read, and refuses a region still in it', async () => {
    // Prepare
    const { journal, deps } = fakes([alarm('eu-west-3')]);
    // Act
    const stale = await captured(() => removeMain(['--stage', STAGE, '--config', config, '--region', 'eu-west-3'], ROOT, deps));
    const printed = execFileSync(join(ROOT, 'node_modules/.bin/osls'), ['print', '--stage', STAGE, '--region', 'eu-west-3'], { cwd: ROOT, env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' }, encoding: 'utf8' });
    const refused = await captured(() => removeMain(['--stage', STAGE, '--config', config, '--region', 'eu-west-1'], ROOT, fakes([]).deps));
    // Assess
    expect(stale.code).toBe(0);
    expect(journal).toEqual([`find ${alarm('eu-west-3')}`, `disable ${alarm('eu-west-3')}`, `osls remove --stage ${STAGE} --region eu-west-3`]);
    expect(stale.out.slice(-2)).toEqual([`removed stage ${STAGE} from eu-west-3`, 'their alarms are still in the home stack, silenced: deploy the stage to drop them']);
    expect(stale.out.some((l) => l.startsWith('left behind:'))).toBe(false);
    expect(printed).toMatch(/region: eu-west-3\n[\s\S]*functions: \{\}\nresources:\n {2}Resources: \{\}/);
    expect(refused.code).toBe(2);
    expect(refused.err.join('\n')).toMatch(/--region eu-west-1: .* still has a stack there/);
  }, PACKAGE_TIMEOUT_MS);

  it('refuses to run without --stage, before packaging anything', async () => {
    // Act
    const { code, err } = await captured(() => removeMain(['--config', config, '--dry-run'], ROOT, fakes([]).deps));
    // Assess
    expect(code).toBe(2);
    expect(err.join('\n')).toContain('--stage is required');
  });
});

describe('cloudWatchAlarmSwitch', () => {
  it('reads every page of DescribeAlarms and disables at most 100 alarms per request', async () => {
    // Prepare
    const cw = mockClient(CloudWatchClient);
    const names = Array.from({ length: 150 }, (_, i) => `pptp-monitor-x-probes-stopped-eu-west-1-shard-${i}`);
    cw.on(DescribeAlarmsCommand, { NextToken: undefined }).resolves({ MetricAlarms: names.slice(0, 100).map((AlarmName) => ({ AlarmName })), NextToken: 't2' });
    cw.on(DescribeAlarmsCommand, { NextToken: 't2' }).resolves({ MetricAlarms: names.slice(100).map((AlarmName) => ({ AlarmName })) });
    cw.on(DisableAlarmActionsCommand).resolves({});
    const alarms = cloudWatchAlarmSwitch(new CloudWatchClient({ region: 'eu-central-1' }));
    // Act
    const found = await alarms.find('pptp-monitor-x-probes-stopped-eu-west-1');
    await alarms.disable(found);
    // Assess
    expect(found).toEqual(names);
    expect(cw.commandCalls(DescribeAlarmsCommand)[0]?.args[0].input).toEqual({ AlarmNamePrefix: 'pptp-monitor-x-probes-stopped-eu-west-1', AlarmTypes: ['MetricAlarm'] });
    expect(cw.commandCalls(DisableAlarmActionsCommand).map((c) => c.args[0].input.AlarmNames?.length)).toEqual([100, 50]);
    cw.restore();
  });
});
