// `npm run deploy -- --stage prod [--config monitor.yml] [--dry-run]`: packages the stage (which refuses an
// invalid config before anything is built), then deploys each region's stack with osls: the home region
// first, because its stack holds the topics and alarms the other regions' heartbeats feed. Stops at the
// first failed region and says which regions are already on the new version.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { PackageError, packageStage, parsePackageArgs, serverlessDir } from './package.js';

export interface DeployPlanStep {
  region: string;
  command: string;
  args: string[];
}

export function deployPlan(root: string, stage: string, regions: readonly string[]): DeployPlanStep[] {
  return regions.map((region) => ({
    region,
    command: join(root, 'node_modules', '.bin', 'osls'),
    args: ['deploy', '--stage', stage, '--region', region, '--package', serverlessDir(root, stage, region)],
  }));
}

function runStep(step: DeployPlanStep, root: string): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(step.command, step.args, { cwd: root, stdio: 'inherit', env: { ...process.env, SLS_TELEMETRY_DISABLED: '1' } });
    child.on('close', (code) => resolve(code ?? 1));
    child.on('error', () => resolve(1));
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
      const code = await runStep(step, root);
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
