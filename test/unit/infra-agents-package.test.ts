// `npm run package` of a config that agents probe alone: no AWS region probes anything, so the home stack
// is the only one, built by osls (offline, no credentials) without a probe function and accepted by the
// offline CloudFormation validator; the agent's EC2 template is written beside it.
import { RegoEngine, type StandardDiagnostic, type TemplateFile } from '@aws/cloudformation-validate';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageStage, type PackagedStage } from '../../infra/package.js';

const STAGE = 'agentsonly';
const ROOT = process.cwd();
/** esbuild for three functions and one osls package: well under a minute, with room for a slow CI machine. */
const PACKAGE_TIMEOUT_MS = 180_000;

const AGENTS_ONLY = `version: 1
namespace: PPTPAgents
homeRegion: eu-central-1
agents:
  - name: office-berlin
    description: rack 3
targets:
  - name: hq
    host: 198.51.100.10
    regions: [office-berlin]
`;

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }>; Outputs?: Record<string, unknown> };

describe('npm run package: a config that agents probe alone', () => {
  let packaged: PackagedStage;
  let dir: string;
  const engine = new RegoEngine();

  beforeAll(async () => {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
    dir = mkdtempSync(join(tmpdir(), 'pmt-agents-'));
    writeFileSync(join(dir, 'monitor.yml'), AGENTS_ONLY);
    packaged = await packageStage({ configPath: join(dir, 'monitor.yml'), stage: STAGE, cloudformation: true }, ROOT);
  }, PACKAGE_TIMEOUT_MS);

  afterAll(() => {
    engine.free();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(ROOT, '.build', STAGE), { recursive: true, force: true });
  });

  const homeTemplate = (): Template =>
    JSON.parse(readFileSync(join(ROOT, '.build', STAGE, 'eu-central-1', 'serverless', 'cloudformation-template-update-stack.json'), 'utf8')) as Template;

  it('builds the home stack only, with the evaluator and report but no probe function', () => {
    // Assess
    expect(packaged.regions).toEqual(['eu-central-1']);
    const t = homeTemplate();
    const functions = Object.entries(t.Resources).filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([id]) => id);
    expect(functions.sort()).toEqual(['EvaluateLambdaFunction', 'ReportLambdaFunction']);
    expect(t.Resources['ProbeRole']).toBeUndefined();
    expect(t.Resources['EvaluatorStateTable']?.Type).toBe('AWS::DynamoDB::Table');
    expect(t.Resources['ProbesStoppedAgentOfficeBerlinAlarm']?.Properties).toMatchObject({ Dimensions: [{ Name: 'ProbeRegion', Value: 'office-berlin' }, { Name: 'Shard', Value: '0' }] });
    expect(t.Resources['AgentPolicy']?.Type).toBe('AWS::IAM::ManagedPolicy');
    expect(Object.keys(t.Outputs ?? {})).toEqual(expect.arrayContaining(['AgentPolicyArn', 'AgentInstanceProfileName']));
  });

  it('produces a home template the offline validator accepts', () => {
    // Prepare
    const text = readFileSync(join(ROOT, '.build', STAGE, 'eu-central-1', 'serverless', 'cloudformation-template-update-stack.json'));
    const file: TemplateFile = { path: 'eu-central-1.json', readBytes: () => new Uint8Array(text) };
    // Act
    const report = engine.validateStandard(file, { strict: true, pseudoParameterOverrides: { region: 'eu-central-1' } });
    // Assess: as in package-templates.test.ts, osls's own W3005 and W3011 are not ours to change.
    const oslsStyle = new Set(['W3005', 'W3011']);
    const serious = report.diagnostics.filter((d: StandardDiagnostic) => d.severity !== 'INFO' && !oslsStyle.has(d.ruleId));
    expect(serious, JSON.stringify(serious, null, 2)).toEqual([]);
  });

  it('builds no probe artifact, and evaluate and report artifacts whose packaged config passes their init', () => {
    // Prepare
    expect(Object.keys(packaged.artifacts).sort()).toEqual(['evaluate', 'report']);
    for (const name of ['evaluate', 'report']) {
      const unpacked = join(dir, name);
      execFileSync('python3', ['-m', 'zipfile', '-e', join(ROOT, packaged.artifacts[name]!.path), unpacked]);
      // Act: load the bundle as Lambda would; its init checks the packaged config (shared/config/resolved-shape.ts).
      const loaded = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./index.mjs'); process.stdout.write(typeof m.handler);"], {
        cwd: unpacked,
        env: {
          ...process.env,
          AWS_REGION: 'eu-central-1',
          PAGE_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:p',
          TICKET_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:t',
          STATE_TABLE_NAME: `pptp-monitor-${STAGE}-evaluator-state`,
          REPORT_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:t',
        },
      }).toString();
      // Assess
      expect(loaded, name).toBe('function');
    }
  });

  it("writes the agent's EC2 template into the stage", () => {
    // Assess
    expect(packaged.agentTemplates).toEqual({ 'office-berlin': join('.build', STAGE, 'agents', 'office-berlin.ec2.json') });
    const path = join(ROOT, packaged.agentTemplates['office-berlin']!);
    expect(existsSync(path)).toBe(true);
    const template = JSON.parse(readFileSync(path, 'utf8')) as Template;
    expect(template.Outputs?.['FixedEgressAddress']).toMatchObject({ Value: { Ref: 'ElasticIp' } });
  });
});
