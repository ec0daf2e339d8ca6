// `npm run package -- [--config monitor.yml] [--stage dev]`: validates monitor.yml, builds every Lambda
// artifact and, per region, the functions/resources fragment and the CloudFormation template (osls
// package, offline, no credentials). Everything is written to a temporary folder first and moved into
// .build/<stage> only when all of it succeeded: an invalid config or a failed step leaves nothing behind
// that a deploy could pick up.
import { execFile } from 'node:child_process';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { PptpMonitorError } from '../shared/common/errors.js';
import { formatConfigError, loadConfig, type ResolvedConfig } from '../shared/config/index.js';
import { agentsOf } from '../shared/config/types.js';
import { agentEc2Template } from './agent-ec2.js';
import { buildLambdaArtifacts } from './lambda-artifacts.js';
import { buildStack } from './stack.js';

const run = promisify(execFile);

export const SERVICE_NAME = 'pptp-monitor';
export const BUILD_DIR = '.build';
const STAGE_PATTERN = /^[a-z][a-z0-9-]{0,15}$/;

export interface PackageArgs {
  configPath: string;
  stage: string;
  /** Also run `osls package` per region (the CloudFormation templates). */
  cloudformation: boolean;
}

export interface PackagedStage {
  config: ResolvedConfig;
  stageDir: string;
  /** Every region with a stack, the home region first: the home region alone when agents probe every target. */
  regions: string[];
  /** Per agent, its standalone EC2 template (agent-ec2.ts), relative to the root; deployed by hand. */
  agentTemplates: Record<string, string>;
  artifacts: Record<string, { zipBytes: number; bundleBytes: number; path: string }>;
}

/** `usage`: bad arguments; `invalid_config`: monitor.yml has problems; `osls_failed`: the template step failed. */
export type PackageErrorCode = 'usage' | 'invalid_config' | 'osls_failed';

/** Exit status per code: 2 for what the operator must fix in the command or the config, 1 for a failed step. */
const PACKAGE_EXIT_CODES: Readonly<Record<PackageErrorCode, number>> = { usage: 2, invalid_config: 2, osls_failed: 1 };

export class PackageError extends PptpMonitorError<PackageErrorCode> {
  override readonly name = 'PackageError';
  readonly exitCode: number;

  constructor(code: PackageErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.exitCode = PACKAGE_EXIT_CODES[code];
  }
}

export function parsePackageArgs(argv: readonly string[]): PackageArgs {
  const args: PackageArgs = { configPath: 'monitor.yml', stage: 'dev', cloudformation: true };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new PackageError('usage', `${flag} needs a value`);
      return v;
    };
    if (flag === '--config') args.configPath = value();
    else if (flag === '--stage') args.stage = value();
    else if (flag === '--no-cloudformation') args.cloudformation = false;
    else throw new PackageError('usage', `unknown option ${String(flag)} (options: --config <file>, --stage <name>, --no-cloudformation)`);
  }
  if (!STAGE_PATTERN.test(args.stage)) throw new PackageError('usage', `--stage: must be 1-16 lowercase letters, digits or hyphens starting with a letter, got '${args.stage}'`);
  return args;
}

/**
 * Home region first (its stack holds the topics the alarms of the others' heartbeats notify). Agents are
 * no region: a config they probe alone has the home stack only.
 */
export function stackRegions(config: ResolvedConfig): string[] {
  return [config.homeRegion, ...config.regions.filter((r) => r !== config.homeRegion)];
}

export async function packageStage(args: PackageArgs, root = process.cwd()): Promise<PackagedStage> {
  const loaded = await loadConfig(resolve(root, args.configPath));
  if (!loaded.ok) {
    throw new PackageError('invalid_config', `${args.configPath} is invalid; nothing was packaged:\n${loaded.errors.map((e) => `  ${formatConfigError(e)}`).join('\n')}`);
  }
  const { config } = loaded;
  const stageDir = join(root, BUILD_DIR, args.stage);
  const tmpDir = join(root, BUILD_DIR, `.tmp-${args.stage}-${process.pid}`);
  await rm(tmpDir, { recursive: true, force: true });
  try {
    const artifacts: PackagedStage['artifacts'] = {};
    await mkdir(join(tmpDir, 'artifacts'), { recursive: true });
    for (const artifact of await buildLambdaArtifacts(config)) {
      const relPath = join(BUILD_DIR, args.stage, 'artifacts', `${artifact.name}.zip`);
      await writeFile(join(tmpDir, 'artifacts', `${artifact.name}.zip`), artifact.zip);
      artifacts[artifact.name] = { zipBytes: artifact.zip.length, bundleBytes: artifact.bundleBytes, path: relPath };
    }
    const regions = stackRegions(config);
    for (const region of regions) {
      const fragment = buildStack(config, {
        service: SERVICE_NAME,
        stage: args.stage,
        region,
        artifacts: {
          probe: artifacts['probe']?.path ?? '',
          ...(artifacts['evaluate'] ? { evaluate: artifacts['evaluate'].path } : {}),
          ...(artifacts['report'] ? { report: artifacts['report'].path } : {}),
          ...(artifacts['notify'] ? { notify: artifacts['notify'].path } : {}),
        },
      });
      await mkdir(join(tmpDir, region), { recursive: true });
      await writeFile(join(tmpDir, region, 'stack.json'), `${JSON.stringify(fragment, null, 2)}\n`);
    }
    const agentTemplates: PackagedStage['agentTemplates'] = {};
    for (const agent of agentsOf(config)) {
      await mkdir(join(tmpDir, 'agents'), { recursive: true });
      const template = agentEc2Template(config, { service: SERVICE_NAME, stage: args.stage, agent: agent.name });
      await writeFile(join(tmpDir, 'agents', `${agent.name}.ec2.json`), `${JSON.stringify(template, null, 2)}\n`);
      agentTemplates[agent.name] = join(BUILD_DIR, args.stage, 'agents', `${agent.name}.ec2.json`);
    }
    await rm(stageDir, { recursive: true, force: true });
    await rename(tmpDir, stageDir);
    if (args.cloudformation) {
      for (const region of regions) await oslsPackage(root, args.stage, region);
    }
    return { config, stageDir, regions, artifacts, agentTemplates };
  } catch (err) {
    // A half-built stage must not be deployable.
    await rm(tmpDir, { recursive: true, force: true });
    await rm(stageDir, { recursive: true, force: true });
    throw err;
  }
}

/** Where osls writes a region's CloudFormation template and its copy of the artifacts. */
export const serverlessDir = (root: string, stage: string, region: string): string => join(root, BUILD_DIR, stage, region, 'serverless');

const OSLS_ENV = { SLS_TELEMETRY_DISABLED: '1', SLS_NOTIFICATIONS_MODE: 'off', SLS_DEPRECATION_DISABLE: '*' };

async function oslsPackage(root: string, stage: string, region: string): Promise<void> {
  try {
    await run(join(root, 'node_modules', '.bin', 'osls'), ['package', '--stage', stage, '--region', region, '--package', serverlessDir(root, stage, region)], {
      cwd: root,
      env: { ...process.env, ...OSLS_ENV },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new PackageError('osls_failed', `osls package failed for ${region}:\n${e.stdout ?? ''}${e.stderr ?? ''}`.trimEnd(), { cause: err });
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    const args = parsePackageArgs(argv);
    const started = performance.now();
    const packaged = await packageStage(args);
    for (const [name, a] of Object.entries(packaged.artifacts)) {
      console.log(`${name}: ${a.path} (${(a.zipBytes / 1024).toFixed(1)} KiB zipped, bundle ${(a.bundleBytes / 1024).toFixed(1)} KiB)`);
    }
    console.log(`stacks: ${packaged.regions.join(', ')} (home ${packaged.config.homeRegion}) in ${packaged.stageDir}`);
    for (const [agent, path] of Object.entries(packaged.agentTemplates)) console.log(`agent ${agent}: EC2 template ${path} (optional, deployed by hand)`);
    console.log(`packaged stage ${args.stage} in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } catch (err) {
    if (err instanceof PackageError) {
      console.error(`package: ${err.message}`);
      return err.exitCode;
    }
    throw err;
  }
}
