// `npm run remove -- --stage <stage> [--config monitor.yml] [--region <r>]... [--dry-run]`: removes a
// stage's stacks with `osls remove`, in the reverse order of `npm run deploy`: the probe regions first, the
// home region last. The home stack holds what watches the others (the probes-stopped alarms, the evaluator,
// the topics), so while anything of the stage still runs somewhere, something still sees it; a failed
// region stops the removal before the home stack. Before a region goes, the actions of its probes-stopped
// alarms are switched off (remove-alarms.ts), so a teardown pages nobody.
//
// osls needs each region's stack.json to read serverless.yml, so the stage is packaged first (the
// CloudFormation templates are not needed: osls remove deletes the stack by name). With --region, only the
// named regions go, and they must be regions the config no longer has a stack in: the stacks a region
// dropped from monitor.yml leaves behind, which `npm run deploy` never touches again.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { agentsOf } from '../shared/config/types.js';
import { oslsStep, printedCommand, runOslsStep, shellWord, type DeployPlanStep, type StepOutcome } from './deploy.js';
import { BUILD_DIR, PackageError, packageStage, parsePackageArgs, SERVICE_NAME, type PackagedStage } from './package.js';
import { homeRegionAlarmSwitch, probesStoppedAlarmName, regionAlarms, type AlarmSwitch } from './remove-alarms.js';

export interface RemoveArgs {
  configPath: string;
  stage: string;
  /** Regions named with --region: only their stacks go. Empty: the whole stage. */
  regions: string[];
  dryRun: boolean;
}

const USAGE = 'usage: npm run remove -- --stage <name> [--config monitor.yml] [--region <region>]... [--dry-run]';
const REGION_CODE = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export function parseRemoveArgs(argv: readonly string[]): RemoveArgs {
  const args: RemoveArgs = { configPath: 'monitor.yml', stage: '', regions: [], dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new PackageError('usage', `${flag} needs a value\n${USAGE}`);
      return v;
    };
    if (flag === '--config') args.configPath = value();
    else if (flag === '--stage') args.stage = value();
    else if (flag === '--dry-run') args.dryRun = true;
    else if (flag === '--region') {
      const region = value();
      if (!REGION_CODE.test(region)) throw new PackageError('usage', `--region: not an AWS region code: '${region}'`);
      if (!args.regions.includes(region)) args.regions.push(region);
    } else throw new PackageError('usage', `unknown option ${String(flag)}\n${USAGE}`);
  }
  // A teardown never falls back to a default stage: `npm run remove` alone must not delete 'dev'.
  if (args.stage === '') throw new PackageError('usage', `--stage is required: say which stage to remove\n${USAGE}`);
  parsePackageArgs(['--stage', args.stage, '--config', args.configPath]); // the stage name rules of package and deploy
  return args;
}

/** The reverse of the deploy order (stackRegions: the home region first): probe regions first, home last. */
export function removeOrder(deployOrder: readonly string[]): string[] {
  return [...deployOrder].reverse();
}

/** One region's removal: the osls step and, unless it is the home region, the alarms to silence first. */
export interface RemoveStep extends DeployPlanStep {
  /** The single-shard name of the region's probes-stopped alarms in the home stack; none for the home region. */
  regionAlarm?: string;
}

export function removePlan(root: string, stage: string, homeRegion: string, regions: readonly string[]): RemoveStep[] {
  return regions.map((region) => ({
    ...oslsStep(root, 'remove', stage, region),
    ...(region === homeRegion ? {} : { regionAlarm: probesStoppedAlarmName(SERVICE_NAME, stage, region) }),
  }));
}

/** What osls prints when the region has no stack of this stage (CloudFormation's ValidationError). */
export function isMissingStack(output: string, stage: string): boolean {
  return output.includes(`Stack with id ${SERVICE_NAME}-${stage} does not exist`);
}

/** What `osls remove` leaves, or cannot reach, for this config: printed after a run and a dry run. */
export function leftBehind(packaged: PackagedStage, stage: string): string[] {
  const { config } = packaged;
  const lines = [
    `CloudWatch metrics in namespace ${config.namespace} in ${config.homeRegion}: they cannot be deleted; each stops being listed 2 weeks after its last point, and its data expires after 15 months`,
    `${join(BUILD_DIR, stage)} on this machine`,
  ];
  for (const kind of ['page', 'ticket'] as const) {
    const setting = config.alerts[kind];
    if (setting?.startsWith('arn:')) lines.push(`SNS topic ${setting} (alerts.${kind} names it by ARN: not this stage's to delete) and its subscriptions`);
  }
  const agents = agentsOf(config).map((a) => a.name);
  if (agents.length > 0) {
    lines.push(`agents ${agents.join(', ')}: they keep running on their hosts until stopped (systemctl disable --now pptp-monitor-agent); EC2 stacks made from ${join(BUILD_DIR, stage, 'agents')}/*.ec2.json were deployed by hand and are deleted by hand`);
  }
  return lines;
}

export interface RemoveDeps {
  /** Runs one osls step (default: spawns osls, its output kept to recognise a missing stack). */
  run?: (step: RemoveStep) => Promise<StepOutcome>;
  /** The home region's alarms (default: a CloudWatch client for the home region, made only for a real run). */
  alarms?: AlarmSwitch;
}

/** Silences a region's alarms; a failure is reported, never fatal: the removal matters more than a page. */
async function silence(alarms: AlarmSwitch, step: RemoveStep): Promise<string[]> {
  if (step.regionAlarm === undefined) return [];
  try {
    const names = await regionAlarms(alarms, step.regionAlarm);
    if (names.length > 0) {
      await alarms.disable(names);
      console.log(`disabled the actions of ${names.join(', ')}, so removing ${step.region} pages nobody`);
    }
    return names;
  } catch (err) {
    console.error(`remove: could not disable the actions of the probes-stopped alarms of ${step.region} (${String(err)}); they may page until the home stack is removed`);
    return [];
  }
}

async function unsilence(alarms: AlarmSwitch, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  try {
    await alarms.enable(names);
    console.error(`remove: enabled the actions of ${names.join(', ')} again`);
  } catch (err) {
    console.error(`remove: could not enable the actions of ${names.join(', ')} again (${String(err)}): run aws cloudwatch enable-alarm-actions --alarm-names ${names.join(' ')}`);
  }
}

/** osls reads serverless.yml, and so the region's stack.json, even to delete a stack: an empty one will do. */
async function writePlaceholderStack(root: string, stage: string, region: string): Promise<void> {
  await mkdir(join(root, BUILD_DIR, stage, region), { recursive: true });
  await writeFile(join(root, BUILD_DIR, stage, region, 'stack.json'), `${JSON.stringify({ functions: {}, resources: { Resources: {}, Outputs: {} } }, null, 2)}\n`);
}

export async function main(argv: readonly string[], root = process.cwd(), deps: RemoveDeps = {}): Promise<number> {
  try {
    const args = parseRemoveArgs(argv);
    const packaged = await packageStage({ configPath: args.configPath, stage: args.stage, cloudformation: false }, root);
    const home = packaged.config.homeRegion;
    const stale = args.regions.filter((r) => packaged.regions.includes(r));
    if (stale.length > 0) {
      throw new PackageError(
        'usage',
        `--region ${stale.join(', ')}: ${args.configPath} still has a stack there (stack regions: ${packaged.regions.join(', ')}); --region removes only the stacks of regions dropped from the config: drop the region from ${args.configPath} first, or remove the whole stage without --region`,
      );
    }
    for (const region of args.regions) await writePlaceholderStack(root, args.stage, region);
    const plan = removePlan(root, args.stage, home, args.regions.length > 0 ? args.regions : removeOrder(packaged.regions));
    if (args.regions.length === 0 && agentsOf(packaged.config).length > 0) {
      console.log(`before the home stack goes: delete the agents' EC2 stacks and detach the agent policy from any IAM user or role outside the stack (CloudFormation cannot delete a managed policy that is still attached there)`);
    }
    if (args.dryRun) {
      console.log(`dry run: run these from ${shellWord(root)}, where serverless.yml is`);
      for (const step of plan) {
        if (step.regionAlarm !== undefined) console.log(`would disable the actions of ${step.regionAlarm} (and its -shard-<n> alarms) in ${home}`);
        console.log(`would run ${step.region}: ${printedCommand(step)}`);
      }
      console.log(`dry run: ${plan.length} stack(s) of stage ${args.stage}, nothing removed`);
      if (args.regions.length === 0) for (const line of leftBehind(packaged, args.stage)) console.log(`left behind: ${line}`);
      return 0;
    }
    const alarms = deps.alarms ?? homeRegionAlarmSwitch(home, args.stage);
    const run = deps.run ?? ((step: RemoveStep) => runOslsStep(step, root, true));
    const removed: string[] = [];
    let silencedAny = false;
    for (const [index, step] of plan.entries()) {
      const silenced = await silence(alarms, step);
      silencedAny ||= silenced.length > 0;
      console.log(`removing ${step.region}: ${printedCommand(step)}`);
      const { code, output } = await run(step);
      if (code !== 0 && isMissingStack(output, args.stage)) {
        console.log(`${step.region}: no stack of stage ${args.stage} there, nothing to remove`);
        continue;
      }
      if (code !== 0) {
        await unsilence(alarms, silenced);
        const rest = plan.slice(index + 1).map((s) => s.region);
        console.error(`remove: ${step.region} failed (exit ${code}); removed: ${removed.join(', ') || 'none'}; not attempted: ${rest.join(', ') || 'none'}`);
        return 1;
      }
      removed.push(step.region);
    }
    console.log(`removed stage ${args.stage} from ${removed.join(', ') || 'no region (nothing was deployed)'}`);
    if (args.regions.length === 0) for (const line of leftBehind(packaged, args.stage)) console.log(`left behind: ${line}`);
    else if (silencedAny) console.log(`their alarms are still in the home stack, silenced: deploy the stage to drop them`);
    return 0;
  } catch (err) {
    if (err instanceof PackageError) {
      console.error(`remove: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}
