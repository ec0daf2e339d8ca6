// `npm run deploy -- --stage prod [--config monitor.yml] [--dry-run]`: packages the stage (which refuses an
// invalid config before anything is built), then deploys each region's stack with osls: the home region
// first, because its stack holds the topics and alarms the other regions' heartbeats feed. Stops at the
// first failed region and says which regions are already on the new version. `npm run remove` (remove.ts)
// walks the same regions in the reverse order with the same kind of step.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PackageError, packageStage, parsePackageArgs, serverlessDir } from './package.js';

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

export async function main(argv: readonly string[], root = process.cwd()): Promise<number> {
  const dryRun = argv.includes('--dry-run');
  try {
    const args = parsePackageArgs(argv.filter((a) => a !== '--dry-run'));
    const packaged = await packageStage({ ...args, cloudformation: true }, root);
    const plan = deployPlan(root, args.stage, packaged.regions);
    const done: string[] = [];
    for (const step of plan) {
      console.log(`${dryRun ? 'would run' : 'deploying'} ${step.region}: osls ${step.args.join(' ')}`);
      if (dryRun) continue;
      const { code } = await runOslsStep(step, root);
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
