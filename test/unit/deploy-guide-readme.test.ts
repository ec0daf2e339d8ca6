// The README's "Deployment" section against the code it describes: every `npm run` script it shows exists
// and takes the options shown, every `npx pptp-monitor` command runs, every `aws` command it tells the
// deploying identity to run is allowed by docs/iam/deployer-policy.json (or is named as needing more),
// the policy table lists exactly the policy's statements, the files it names exist, and the dashboard
// counts of its cost table are the ones infra/dashboard.ts packs.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { dashboardParts } from '../../infra/dashboard.js';
import { parseDeployArgs } from '../../infra/deploy.js';
import { parsePackageArgs } from '../../infra/package.js';
import { parseRemoveArgs } from '../../infra/remove.js';
import { parseConfig } from '../../shared/config/index.js';
import { runCli } from '../support/cli.js';

const ROOT = process.cwd();
const run = promisify(execFile);

function deploymentSection(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Deployment\n');
  const end = readme.indexOf('\n## ', start + 1);
  if (start < 0 || end < 0) throw new Error('README.md has no "## Deployment" section followed by another');
  return readme.slice(start, end);
}

/** The section's code: fenced blocks (comments cut) and inline spans, an inline span's line breaks joined. */
function codeOf(section: string): string[] {
  const fenced = [...section.matchAll(/```[a-z]*\n([\s\S]*?)```/g)].map((m) => (m[1] ?? '').replace(/(^|\s)#.*$/gm, ''));
  const prose = section.replace(/```[a-z]*\n[\s\S]*?```/g, '');
  const inline = [...prose.matchAll(/`([^`]+)`/g)].map((m) => (m[1] ?? '').replace(/\s*\n\s*/g, ' '));
  return [...fenced.flatMap((block) => block.split('\n')), ...inline];
}

/** `npm run <script> -- <args>` commands, their arguments up to a comment. */
function npmRuns(code: readonly string[]): Array<{ script: string; args: string[] }> {
  return code.flatMap((line) =>
    [...line.matchAll(/npm run ([a-z:]+)(?: -- ([^#&|]*))?/g)].map((m) => ({ script: m[1] ?? '', args: (m[2] ?? '').trim().split(/\s+/).filter(Boolean) })),
  );
}

type Statement = { Sid: string; Action: string | string[]; Resource: string | string[] };
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
const glob = (pattern: string, value: string): boolean => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(value);
const policy = (): Statement[] => (JSON.parse(readFileSync(join(ROOT, 'docs/iam/deployer-policy.json'), 'utf8')) as { Statement: Statement[] }).Statement;

/** The `aws` commands the section shows that the deploying identity is not meant to run with this policy. */
const NOT_DEPLOYER_CALLS = new Map([
  ['configure sso', 'local CLI setup'],
  ['sso login', 'IAM Identity Center sign-in, no IAM action'],
  ['sts get-caller-identity', 'needs no permission'],
  ['iam create-policy', 'creates this policy: an administrator'],
  ['sns set-sms-attributes', 'an account setting: the README says an administrator makes it'],
]);

describe('README "Deployment"', () => {
  const section = deploymentSection();
  const code = codeOf(section);

  it('shows only npm scripts package.json has, with options their parsers accept', () => {
    // Prepare
    const scripts = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    const runs = npmRuns(code);
    // Assess
    expect(runs.map((r) => r.script)).toEqual(expect.arrayContaining(['package', 'deploy', 'remove']));
    for (const { script, args } of runs) {
      expect(Object.keys(scripts), `npm run ${script}`).toContain(script);
      if (args.length === 0) continue;
      if (script === 'remove') expect(() => parseRemoveArgs(args), args.join(' ')).not.toThrow();
      else if (script === 'deploy') expect(() => parseDeployArgs(args), args.join(' ')).not.toThrow();
      else if (script === 'package') expect(() => parsePackageArgs(args), args.join(' ')).not.toThrow();
      else throw new Error(`the README passes options to npm run ${script}: teach this test how to check them`);
    }
    expect(runs.filter((r) => r.script === 'remove').some((r) => r.args.includes('--region'))).toBe(true);
  });

  it('wires npm run remove to the remove command', async () => {
    // Prepare: the script's last step, on the bundle the global setup built (rebuilding here could race
    // other test files that run dist/ at the same time)
    const script = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts['remove'] ?? '';
    const [node, ...args] = (script.split('&&').at(-1) ?? '').trim().split(/\s+/);
    // Act: a missing --stage value stops it before anything is packaged
    const outcome = await run(node === 'node' ? process.execPath : String(node), [...args, '--stage'], { cwd: ROOT }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    // Assess
    expect(script).toMatch(/^node scripts\/build\.mjs && /);
    expect(outcome.code).toBe(2);
    expect(outcome.stderr).toContain('remove: --stage needs a value');
  }, 60_000);

  it('shows pptp-monitor subcommands that exist', async () => {
    // Prepare
    const subcommands = [...new Set(code.flatMap((line) => [...line.matchAll(/npx pptp-monitor ([a-z]+)/g)].map((m) => m[1] ?? '')))];
    // Act
    const results = await Promise.all(subcommands.map((sub) => runCli([sub, '--help'])));
    // Assess
    expect(subcommands).toContain('validate');
    results.forEach((r, i) => expect(r.code, `pptp-monitor ${subcommands[i]} --help: ${r.stderr}`).toBe(0));
  });

  it('tells the deploying identity to run only aws commands the deployer policy allows on the stage\'s resources', () => {
    // Prepare
    const commands = [...new Set(code.flatMap((line) => [...line.matchAll(/\baws ([a-z0-9]+) ([a-z][a-z0-9-]+)/g)].map((m) => `${m[1]} ${m[2]}`)))];
    const arnFor: Record<string, string> = {
      sns: 'arn:aws:sns:eu-central-1:123456789012:pptp-monitor-prod-page',
      cloudformation: 'arn:aws:cloudformation:eu-central-1:123456789012:stack/pptp-monitor-prod/0f1e2d3c-aaaa-bbbb-cccc-000000000000',
      cloudwatch: 'arn:aws:cloudwatch:eu-central-1:123456789012:alarm:pptp-monitor-prod-probes-stopped-eu-west-1',
    };
    const statements = policy();
    // Act
    const denied = commands
      .filter((c) => !NOT_DEPLOYER_CALLS.has(c))
      .filter((c) => {
        const [service = '', command = ''] = c.split(' ');
        const action = `${service}:${command.replace(/(^|-)([a-z])/g, (_, __, ch: string) => ch.toUpperCase())}`;
        const arn = arnFor[service] ?? 'no-arn-for-this-service';
        return !statements.some((s) => list(s.Action).some((a) => glob(a, action)) && list(s.Resource).some((r) => glob(r, arn)));
      });
    // Assess
    expect(commands).toEqual(expect.arrayContaining(['sns subscribe', 'sns confirm-subscription', 'cloudformation describe-stacks', 'sns create-sms-sandbox-phone-number']));
    expect(denied).toEqual([]);
  });

  it('lists exactly the policy\'s statements, and its size as measured', () => {
    // Prepare
    const rows = [...section.matchAll(/^\| `([A-Za-z]+)` \|/gm)].map((m) => m[1]);
    const text = readFileSync(join(ROOT, 'docs/iam/deployer-policy.json'), 'utf8');
    const kb = (text.replace(/\s/g, '').length / 1000).toFixed(1);
    // Assess
    expect(rows).toEqual(policy().map((s) => s.Sid));
    expect(section).toContain(`It is ${kb} KB without whitespace`);
  });

  it('names files that exist', () => {
    // Prepare
    const paths = [...new Set([...section.matchAll(/`((?:docs|infra|test|deploy)\/[\w./-]+|serverless\.yml|monitor\.example\.yml)`/g)].map((m) => m[1] ?? ''))];
    // Assess
    expect(paths).toEqual(expect.arrayContaining(['docs/iam/deployer-policy.json', 'test/unit/deploy-guide-policy.test.ts', 'test/integration/remove-stage.test.ts']));
    for (const path of paths) expect(existsSync(join(ROOT, path)), path).toBe(true);
  });

  it('counts the dashboards infra/dashboard.ts makes for 10, 100 and 1,000 targets in 3 regions', () => {
    // Prepare
    const rows = new Map([...section.matchAll(/^\| (1,000|100|10) \| (\d+) \| \$(\d+) \|/gm)].map((m) => [Number((m[1] ?? '').replace(',', '')), { boards: Number(m[2]), dollars: Number(m[3]) }]));
    const regions = ['eu-central-1', 'eu-west-1', 'us-east-1'];
    // Act
    const counted = [10, 100, 1000].map((n) => {
      const yml = `version: 1\nhomeRegion: eu-central-1\ndefaults:\n  regions: [${regions.join(', ')}]\ntargets:\n${Array.from({ length: n }, (_, i) => `  - name: gateway-${String(i).padStart(4, '0')}\n    host: 10.${Math.floor(i / 250)}.${i % 250}.1\n`).join('')}`;
      const parsed = parseConfig(yml);
      if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors.slice(0, 3)));
      return [n, dashboardParts(parsed.config, 'pptp-monitor-prod').length] as const;
    });
    // Assess
    expect(rows.size).toBe(3);
    for (const [n, boards] of counted) {
      expect(rows.get(n)?.boards, `${n} targets`).toBe(boards);
      expect(rows.get(n)?.dollars, `${n} targets`).toBe(boards * 3);
    }
  });
});
