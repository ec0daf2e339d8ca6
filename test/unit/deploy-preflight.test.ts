// `npm run deploy`'s pre-flight (infra/preflight.ts) and options. The credential checks run the AWS SDK's
// real default chain over an environment the test sets: no AWS_ variables but those given, config and
// credentials files in a temporary folder, HOME there too (the SSO token cache), instance metadata off so
// nothing is asked of the network. The deploy that gets past the check packages for real (esbuild, osls
// package, offline) and stops at a fake osls deploy, as remove-stage.test.ts does for remove.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { deployPlan, main as deployMain, parseDeployArgs, printedCommand, type DeployPlanStep, type StepOutcome } from '../../infra/deploy.js';
import { checkCredentials, exampleValues, formatExampleValue } from '../../infra/preflight.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';

const ROOT = process.cwd();
/** Stages of this file only: what .build must not hold after a refused deploy, and what is cleaned up. */
const REFUSED_STAGE = 'pfrefused';
const DEPLOY_STAGE = 'pfdeploy';
/** Packaging runs esbuild for the functions and osls package once. */
const PACKAGE_TIMEOUT_MS = 180_000;
/** Shaped like a secret access key; must never appear in any output. */
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEYpf';

const tmpDirs: string[] = [];

/**
 * Runs `fn` with every AWS_ variable removed and only `vars` (plus the isolation below) set, then puts
 * the environment back. Each call gets fresh files: the SDK caches shared config files by path.
 */
async function withAwsEnv<T>(vars: Record<string, string>, files: { config?: string; credentials?: string }, fn: (home: string) => Promise<T>): Promise<T> {
  const saved = { ...process.env };
  const home = mkdtempSync(join(tmpdir(), 'pmt-preflight-'));
  tmpDirs.push(home);
  writeFileSync(join(home, 'config'), files.config ?? '');
  writeFileSync(join(home, 'credentials'), files.credentials ?? '');
  for (const key of Object.keys(process.env)) if (key.startsWith('AWS_')) delete process.env[key];
  Object.assign(process.env, {
    HOME: home,
    AWS_CONFIG_FILE: join(home, 'config'),
    AWS_SHARED_CREDENTIALS_FILE: join(home, 'credentials'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ...vars,
  });
  try {
    return await fn(home);
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}

/** Runs a main with console.log and console.error captured, in order: `out` and `err`, and both in `all`. */
async function captured(run: () => Promise<number>): Promise<{ code: number; out: string[]; err: string[]; all: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const all: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void (out.push(a.join(' ')), all.push(a.join(' '))));
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void (err.push(a.join(' ')), all.push(a.join(' '))));
  try {
    return { code: await run(), out, err, all };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

function resolved(yaml: string): ResolvedConfig {
  const result = parseConfig(yaml);
  if (!result.ok) throw new Error(result.errors.map((e) => `${e.path}: ${e.problem}`).join('\n'));
  return result.config;
}

/** A config whose targets are probed from the home region only: one stack to package. */
const EXAMPLE_CONFIG = `version: 1
homeRegion: eu-central-1
alerts:
  page: arn:aws:sns:eu-central-1:123456789012:netops-page
  ticket: arn:aws:sns:eu-central-1:210987654321:netops-tickets
targets:
  - name: hq
    host: vpn.hq.example.com
    regions: [eu-central-1]
  - name: lab
    host: 10.20.30.40
    regions: [eu-central-1]
  - name: paris
    host: 203.0.113.7
    regions: [eu-central-1]
`;

/** Whatever is in .build for a stage: its folder, or a temporary folder packaging left. */
const buildEntriesOf = (stage: string): string[] =>
  existsSync(join(ROOT, '.build')) ? readdirSync(join(ROOT, '.build')).filter((name) => name === stage || name.startsWith(`.tmp-${stage}-`)) : [];

describe('npm run deploy: pre-flight', () => {
  let configPath: string;

  beforeAll(() => {
    const dir = mkdtempSync(join(tmpdir(), 'pmt-preflight-config-'));
    tmpDirs.push(dir);
    configPath = join(dir, 'monitor.yml');
    writeFileSync(configPath, EXAMPLE_CONFIG);
    for (const stage of [REFUSED_STAGE, DEPLOY_STAGE]) rmSync(join(ROOT, '.build', stage), { recursive: true, force: true });
  });

  afterEach(() => vi.restoreAllMocks());

  afterAll(() => {
    for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
    for (const stage of [REFUSED_STAGE, DEPLOY_STAGE]) rmSync(join(ROOT, '.build', stage), { recursive: true, force: true });
  });

  it('stops with exit 2 before packaging when no credentials are found, and says what it tried', async () => {
    // Prepare
    const run = vi.fn<(step: DeployPlanStep) => Promise<StepOutcome>>();
    // Act
    let home = '';
    const { code, out, err } = await withAwsEnv({}, {}, (dir) => {
      home = dir;
      return captured(() => deployMain(['--stage', REFUSED_STAGE, '--config', configPath], ROOT, { run }));
    });
    // Assess
    expect(code).toBe(2);
    expect(run).not.toHaveBeenCalled();
    expect(buildEntriesOf(REFUSED_STAGE)).toEqual([]);
    expect(out).toEqual([]);
    expect(err.slice(-6)).toEqual([
      "deploy: no AWS credentials found, so nothing was packaged or deployed. Tried, in the AWS SDK's default order:",
      'deploy:   keys in the environment: AWS_ACCESS_KEY_ID not set, AWS_SECRET_ACCESS_KEY not set',
      `deploy:   profile default (AWS_PROFILE not set) in ${home}/config and ${home}/credentials: SSO, static keys, role_arn, credential_process`,
      'deploy:   a web identity token (AWS_WEB_IDENTITY_TOKEN_FILE not set), container credentials, EC2 instance metadata (disabled by AWS_EC2_METADATA_DISABLED)',
      'deploy:   the SDK says: Could not load credentials from any providers',
      'deploy: Sign in and run again: export AWS_PROFILE=<profile> (with IAM Identity Center, aws sso login --profile <profile> first), or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY',
    ]);
  });

  it('names the profile and its sign-in command when an SSO profile has no session', async () => {
    // Prepare
    const config = `[profile pptp-deployer]
sso_session = corp
sso_account_id = 111122223333
sso_role_name = Deployer
[sso-session corp]
sso_start_url = https://d-1234567890.awsapps.com/start
sso_region = eu-central-1
`;
    // Act
    const { code, err } = await withAwsEnv({ AWS_PROFILE: 'pptp-deployer' }, { config }, () =>
      captured(() => deployMain(['--stage', REFUSED_STAGE, '--config', configPath], ROOT)),
    );
    // Assess
    expect(code).toBe(2);
    expect(buildEntriesOf(REFUSED_STAGE)).toEqual([]);
    expect(err).toContain('deploy:   keys in the environment: skipped, since AWS_PROFILE is set');
    expect(err).toContain(
      "deploy:   the SDK says: The SSO session token associated with profile=pptp-deployer was not found or is invalid. To refresh this SSO session run 'aws sso login' with the corresponding profile.",
    );
    expect(err.at(-1)).toMatch(/^deploy: Sign in and run again: aws sso login --profile pptp-deployer \(IAM Identity Center\), or check that \S+ and \S+ define profile pptp-deployer$/);
  });

  it('warns about each example value, finds the credentials in the environment, and deploys with commands that paste', async () => {
    // Prepare
    const run = vi.fn((step: DeployPlanStep): Promise<StepOutcome> => Promise.resolve({ code: 0, output: `${step.region} done` }));
    // Act
    const { code, out, err, all } = await withAwsEnv({ AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: SECRET }, {}, () =>
      captured(() => deployMain(['--stage', DEPLOY_STAGE, '--config', configPath], ROOT, { run })),
    );
    // Assess
    expect(code, err.join('\n')).toBe(0);
    const warnings = [
      "deploy: warning: targets[0].host: 'vpn.hq.example.com' is an example value",
      "deploy: warning: targets[2].host: '203.0.113.7' is an example value",
      "deploy: warning: alerts.page: 'arn:aws:sns:eu-central-1:123456789012:netops-page' is an example value",
      `deploy: warning: ${configPath} still holds 3 example value(s) (above: from monitor.example.yml or AWS's documentation); going on, since it is only a warning`,
    ];
    expect(err).toEqual(warnings);
    const packageFolder = join(ROOT, '.build', DEPLOY_STAGE, 'eu-central-1', 'serverless');
    expect(out).toEqual([
      'pre-flight: AWS credentials found: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment (not yet tried against AWS)',
      `deploying eu-central-1: npx osls deploy --stage ${DEPLOY_STAGE} --region eu-central-1 --package ${packageFolder}`,
      `deployed stage ${DEPLOY_STAGE} to eu-central-1`,
    ]);
    expect(all.indexOf(warnings[0] ?? '')).toBeLessThan(all.indexOf(out[0] ?? ''));
    expect(run.mock.calls.map(([step]) => [step.command, ...step.args])).toEqual([
      [join(ROOT, 'node_modules', '.bin', 'osls'), 'deploy', '--stage', DEPLOY_STAGE, '--region', 'eu-central-1', '--package', packageFolder],
    ]);
    expect(all.filter((l) => l.includes(SECRET) || l.includes(SECRET.slice(0, 12)))).toEqual([]);
  }, PACKAGE_TIMEOUT_MS);
});

describe('checkCredentials', () => {
  afterAll(() => {
    for (const dir of tmpDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('uses the stage\'s profile, AWS_<STAGE>_PROFILE, before AWS_PROFILE, as osls does', async () => {
    // Prepare: AWS_PROFILE names a profile that does not exist; the stage's profile has keys
    const credentials = `[prod-account]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = ${SECRET}\n`;
    // Act
    const check = await withAwsEnv({ AWS_PROFILE: 'missing', AWS_PROD_PROFILE: 'prod-account' }, { credentials }, () =>
      checkCredentials({ region: 'eu-central-1', stage: 'prod' }),
    );
    // Assess
    expect(check).toEqual({ ok: true, from: 'profile prod-account (AWS_PROD_PROFILE)' });
  });

  it('gives up after its timeout while the chain is still trying', async () => {
    // Prepare: a chain that never answers, like an instance metadata endpoint dropping packets
    const provider = (): Promise<{ accessKeyId?: string }> => new Promise(() => undefined);
    // Act
    const check = await checkCredentials({ region: 'eu-central-1', stage: 'prod', provider, timeoutMs: 50, env: {} });
    // Assess
    expect(check).toEqual({ ok: false, reason: 'no credentials within 0.05 s: the chain was still trying (an unreachable container or instance metadata endpoint?)' });
  });
});

describe('exampleValues', () => {
  it('names documentation hosts and addresses, and ARNs in the example account, by field', () => {
    // Prepare
    const hosts = ['VPN.Example.COM.', 'gw.example.net', 'example.org', 'example.community.net', 'notexample.com', '192.0.2.255', '192.0.3.1', '198.51.100.20', '203.0.113.9', '2001:db8:20::10', '2001:db9::1', '10.0.0.1'];
    const yaml = `version: 1
homeRegion: eu-central-1
alerts:
  ticket: arn:aws:sns:eu-central-1:123456789012:tickets
targets:
${hosts.map((host, i) => `  - name: t${i}\n    host: '${host}'\n    regions: [eu-central-1]\n`).join('')}`;
    // Act
    const lines = exampleValues(resolved(yaml)).map(formatExampleValue);
    // Assess
    expect(lines).toEqual([
      "targets[0].host: 'VPN.Example.COM.' is an example value",
      "targets[1].host: 'gw.example.net' is an example value",
      "targets[2].host: 'example.org' is an example value",
      "targets[5].host: '192.0.2.255' is an example value",
      "targets[7].host: '198.51.100.20' is an example value",
      "targets[8].host: '203.0.113.9' is an example value",
      "targets[9].host: '2001:db8:20::10' is an example value",
      "alerts.ticket: 'arn:aws:sns:eu-central-1:123456789012:tickets' is an example value",
    ]);
  });

  it('finds nothing in a config of real values', () => {
    // Prepare
    const yaml = `version: 1
homeRegion: eu-central-1
alerts:
  page: arn:aws:sns:eu-central-1:210987654321:page
targets:
  - name: hq
    host: vpn.corp.internal
    regions: [eu-central-1]
`;
    // Act / Assess
    expect(exampleValues(resolved(yaml))).toEqual([]);
  });
});

describe('npm run deploy: options', () => {
  afterEach(() => vi.restoreAllMocks());

  it('prints its options with --help, --dry-run among them, and runs nothing', async () => {
    // Act
    const { code, out, err } = await captured(() => deployMain(['--stage', 'prod', '--help'], ROOT));
    // Assess
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out.join('\n').split('\n')).toEqual([
      'usage: npm run deploy -- --stage <name> [--config monitor.yml] [--dry-run]',
      'options:',
      '  --stage <name>   the stage to deploy (default dev): 1-16 lowercase letters, digits or hyphens, starting with a letter',
      '  --config <file>  the config to deploy (default monitor.yml)',
      '  --dry-run        package and print the osls commands without running them (no AWS credentials needed)',
      '  --help           print this and exit',
    ]);
  });

  it('refuses an unknown option by name, with the usage, before anything else', async () => {
    // Act
    const { code, out, err } = await captured(() => deployMain(['--stage', 'prod', '--dryrun'], ROOT));
    // Assess
    expect(code).toBe(2);
    expect(out).toEqual([]);
    expect(err.join('\n').split('\n').slice(0, 2)).toEqual(['deploy: unknown option --dryrun', 'usage: npm run deploy -- --stage <name> [--config monitor.yml] [--dry-run]']);
  });

  it('parses --stage, --config and --dry-run, and the stage rules of package', () => {
    expect(parseDeployArgs(['--stage', 'prod', '--config', 'x.yml', '--dry-run'])).toEqual({ stage: 'prod', configPath: 'x.yml', dryRun: true });
    expect(parseDeployArgs([])).toEqual({ stage: 'dev', configPath: 'monitor.yml', dryRun: false });
    expect(() => parseDeployArgs(['--stage', 'Prod'])).toThrow("--stage: must be 1-16 lowercase letters, digits or hyphens starting with a letter, got 'Prod'");
    expect(() => parseDeployArgs(['--stage', '--dry-run'])).toThrow('--stage needs a value');
  });

  it('prints each osls step as a command a shell runs as it is: npx osls, paths quoted', () => {
    // Prepare
    const [step] = deployPlan("/srv/it's here", 'prod', ['eu-central-1']);
    // Act / Assess
    expect(step?.command).toBe("/srv/it's here/node_modules/.bin/osls");
    expect(printedCommand(step as DeployPlanStep)).toBe(`npx osls deploy --stage prod --region eu-central-1 --package '/srv/it'\\''s here/.build/prod/eu-central-1/serverless'`);
  });
});
