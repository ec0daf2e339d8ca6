// `npm run deploy -- --stage prod [--config monitor.yml] [--dry-run]`: checks first (preflight.ts) that
// AWS credentials are there, so that a missing sign-in fails in a second, not after the packaging, and
// warns about monitor.example.yml's values left in the config; then packages the stage (which refuses an
// invalid config before anything is built), then deploys each region's stack with osls: the home region
// first, because its stack holds the topics and alarms the other regions' heartbeats feed. Stops at the
// first failed region and says which regions are already on the new version. `npm run remove` (remove.ts)
// walks the same regions in the reverse order with the same kind of step.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { loadConfig } from '../shared/config/index.js';
import { PackageError, packageStage, parsePackageArgs, serverlessDir } from './package.js';
import { checkCredentials, exampleValues, formatExampleValue, noCredentialsMessage } from './preflight.js';

/** One osls run for one region: what a dry run prints and a real run spawns. */
export interface DeployPlanStep {
  region: string;
  command: string;
  args: string[];
}

/** `osls <verb> --stage <stage> --region <region> [...extra]`, with the project's own osls. */
export function oslsStep(root: string, verb: 'deploy' | 'remove', stage: string, region: string, extra: readonly string[] = []): DeployPlanStep {
  return { region, command: join(root, 'node_modules', '.bin', 'osls'), args: [verb, '--stage', stage, '--region', region, ...extra] };
}

/** A word the shell takes as it is, or the word in single quotes. */
export const shellWord = (word: string): string => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/**
 * A step as a user can paste it into a shell in the project root (where serverless.yml is): `npx osls`,
 * since osls is in node_modules/.bin and seldom on the PATH.
 */
export function printedCommand(step: DeployPlanStep): string {
  return ['npx', 'osls', ...step.args].map(shellWord).join(' ');
}

/** The deploy steps, in the order given (stackRegions: the home region first). */
export function deployPlan(root: string, stage: string, regions: readonly string[]): DeployPlanStep[] {
  return regions.map((region) => oslsStep(root, 'deploy', stage, region, ['--package', serverlessDir(root, stage, region)]));
}

/** How a step ended: its exit status and, when asked for, what it printed (stdout and stderr together). */
export interface StepOutcome {
  code: number;
  output: string;
}

/**
 * Runs one osls step with the caller's environment (credentials, AWS_PROFILE), telemetry off. Its output
 * goes to ours as it comes; with `capture`, it is also kept, so the caller can read why it failed.
 */
export function runOslsStep(step: DeployPlanStep, root: string, capture = false): Promise<StepOutcome> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, {
      cwd: root,
      stdio: capture ? ['inherit', 'pipe', 'pipe'] : 'inherit',
      env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' },
    });
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      process.stdout.write(chunk);
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      process.stderr.write(chunk);
    });
    child.on('close', (code) => resolve({ code: code ?? 1, output: Buffer.concat(chunks).toString('utf8') }));
    child.on('error', (err) => resolve({ code: 1, output: String(err) }));
  });
}

export interface DeployArgs {
  configPath: string;
  stage: string;
  dryRun: boolean;
}

export const DEPLOY_USAGE = `usage: npm run deploy -- --stage <name> [--config monitor.yml] [--dry-run]
options:
  --stage <name>   the stage to deploy (default dev): 1-16 lowercase letters, digits or hyphens, starting with a letter
  --config <file>  the config to deploy (default monitor.yml)
  --dry-run        package and print the osls commands without running them (no AWS credentials needed)
  --help           print this and exit`;

/** The options; `undefined` when help was asked for. Throws a `usage` PackageError naming what is wrong. */
export function parseDeployArgs(argv: readonly string[]): DeployArgs | undefined {
  if (argv.includes('--help') || argv.includes('-h')) return undefined;
  const args: DeployArgs = { configPath: 'monitor.yml', stage: 'dev', dryRun: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new PackageError('usage', `${flag} needs a value\n${DEPLOY_USAGE}`);
      return v;
    };
    if (flag === '--stage') args.stage = value();
    else if (flag === '--config') args.configPath = value();
    else if (flag === '--dry-run') args.dryRun = true;
    else throw new PackageError('usage', `unknown option ${String(flag)}\n${DEPLOY_USAGE}`);
  }
  parsePackageArgs(['--stage', args.stage, '--config', args.configPath]); // the stage name rules of package
  return args;
}

export interface DeployDeps {
  /** Runs one osls step (default: spawns osls). */
  run?: (step: DeployPlanStep) => Promise<StepOutcome>;
}

/**
 * The pre-flight (preflight.ts), before anything is packaged: warnings for example values, then, unless
 * it is a dry run, the credentials. Returns an exit status to stop with, or undefined to go on. An invalid
 * config goes on: packageStage refuses it with every error listed, before it writes anything.
 */
async function preflight(args: DeployArgs, root: string): Promise<number | undefined> {
  const loaded = await loadConfig(resolve(root, args.configPath));
  if (!loaded.ok) return undefined;
  const examples = exampleValues(loaded.config);
  for (const example of examples) console.error(`deploy: warning: ${formatExampleValue(example)}`);
  if (examples.length > 0) {
    console.error(`deploy: warning: ${args.configPath} still holds ${examples.length} example value(s) (above: from monitor.example.yml or AWS's documentation); going on, since it is only a warning`);
  }
  if (args.dryRun) {
    console.log('pre-flight: AWS credentials not checked (--dry-run deploys nothing)');
    return undefined;
  }
  const check = await checkCredentials({ region: loaded.config.homeRegion, stage: args.stage });
  if (!check.ok) {
    for (const line of noCredentialsMessage(check, args.stage)) console.error(`deploy: ${line}`);
    return 2;
  }
  console.log(`pre-flight: AWS credentials found: ${check.from} (not yet tried against AWS)`);
  return undefined;
}

export async function main(argv: readonly string[], root = process.cwd(), deps: DeployDeps = {}): Promise<number> {
  try {
    const args = parseDeployArgs(argv);
    if (args === undefined) {
      console.log(DEPLOY_USAGE);
      return 0;
    }
    const { dryRun } = args;
    const stop = await preflight(args, root);
    if (stop !== undefined) return stop;
    const packaged = await packageStage({ configPath: args.configPath, stage: args.stage, cloudformation: true }, root);
    const plan = deployPlan(root, args.stage, packaged.regions);
    const run = deps.run ?? ((step: DeployPlanStep) => runOslsStep(step, root));
    const done: string[] = [];
    if (dryRun) console.log(`dry run: run these from ${shellWord(root)}, where serverless.yml is`);
    for (const step of plan) {
      console.log(`${dryRun ? 'would run' : 'deploying'} ${step.region}: ${printedCommand(step)}`);
      if (dryRun) continue;
      const { code } = await run(step);
      if (code !== 0) {
        console.error(`deploy: ${step.region} failed (exit ${code}); already deployed: ${done.length ? done.join(', ') : 'none'}; not attempted: ${plan.slice(done.length + 1).map((s) => s.region).join(', ') || 'none'}`);
        return 1;
      }
      done.push(step.region);
    }
    console.log(dryRun ? `dry run: ${plan.length} region(s) packaged, nothing deployed` : `deployed stage ${args.stage} to ${done.join(', ')}`);
    return 0;
  } catch (err) {
    if (err instanceof PackageError) {
      console.error(`deploy: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}
