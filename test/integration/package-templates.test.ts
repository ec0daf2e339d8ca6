// `npm run package` for real: the example monitor.yml through the config validator, esbuild, our zip
// writer and osls (offline, no credentials), then every generated CloudFormation template checked by the
// offline validator and by structural assertions on what matters: runtime, schedules, IAM scope, topics,
// alarm. An invalid config must leave nothing behind.
import { RegoEngine, type StandardDiagnostic, type TemplateFile } from '@aws/cloudformation-validate';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main as packageMain, packageStage, type PackagedStage } from '../../infra/package.js';

const STAGE = 'citest';
const ROOT = process.cwd();

type Template = { Resources: Record<string, { Type: string; Properties: Record<string, unknown> }> };
const templateOf = (region: string): Template =>
  JSON.parse(readFileSync(join(ROOT, '.build', STAGE, region, 'serverless', 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
const ofType = (t: Template, type: string): Array<[string, { Type: string; Properties: Record<string, unknown> }]> => Object.entries(t.Resources).filter(([, r]) => r.Type === type);

describe('npm run package', () => {
  let packaged: PackagedStage;
  const engine = new RegoEngine();

  beforeAll(async () => {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
    packaged = await packageStage({ configPath: 'monitor.example.yml', stage: STAGE, cloudformation: true }, ROOT);
  }, 120_000);

  afterAll(() => {
    engine.free();
    rmSync(join(ROOT, '.build', STAGE), { recursive: true, force: true });
  });

  it('builds one stack per region, the home region first', () => {
    expect(packaged.regions).toEqual(['eu-central-1', 'eu-west-1', 'eu-west-3', 'us-east-1']);
    expect(packaged.artifacts['probe']?.zipBytes).toBeLessThan(300 * 1024);
  });

  it('produces templates the offline CloudFormation validator accepts', () => {
    for (const region of packaged.regions) {
      const text = readFileSync(join(ROOT, '.build', STAGE, region, 'serverless', 'cloudformation-template-update-stack.json'));
      const file: TemplateFile = { path: `${region}.json`, readBytes: () => new Uint8Array(text) };
      const report = engine.validateStandard(file, { strict: true, pseudoParameterOverrides: { region } });
      // osls writes two things the validator's style warnings dislike, neither ours to change: a DependsOn
      // on the role that a GetAtt already implies (W3005), and Lambda versions retained without an
      // UpdateReplacePolicy (W3011). Everything else, warnings included (strict), must be clean.
      const oslsStyle = new Set(['W3005', 'W3011']);
      const serious = report.diagnostics.filter((d: StandardDiagnostic) => d.severity !== 'INFO' && !oslsStyle.has(d.ruleId));
      expect(serious, `${region}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
    }
  });

  it('runs the probe function on nodejs22.x arm64 from our artifact, on a 1-minute schedule per shard', () => {
    for (const region of packaged.regions) {
      const t = templateOf(region);
      const functions = ofType(t, 'AWS::Lambda::Function');
      expect(functions.map(([id]) => id)).toContain('ProbeLambdaFunction');
      for (const [, fn] of functions) {
        expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
      }
      const rules = ofType(t, 'AWS::Events::Rule');
      expect(rules.length).toBeGreaterThanOrEqual(1);
      const schedules = rules.map(([id, rule]) => [id.replace(/EventsRuleSchedule\d+$/, ''), rule.Properties['ScheduleExpression']]);
      // Probes and the evaluator every minute; the report on the 1st of the month, in the home region only.
      const expected = region === 'eu-central-1' ? ['Evaluate', 'Probe', 'Report'] : ['Probe'];
      expect([...new Set(schedules.map(([fn]) => fn))].sort()).toEqual(expected);
      for (const [fn, expression] of schedules) expect(expression).toBe(fn === 'Report' ? 'cron(0 6 1 * ? *)' : 'rate(1 minute)');
    }
  });

  it('configures asynchronous invocation of every function: no retries for probe and evaluator, two for the report', () => {
    for (const region of packaged.regions) {
      const t = templateOf(region);
      const configs = Object.fromEntries(ofType(t, 'AWS::Lambda::EventInvokeConfig').map(([id, r]) => [id, r.Properties]));
      const functions = ofType(t, 'AWS::Lambda::Function').map(([id]) => id.replace(/LambdaFunction$/, ''));
      // One per function, for the function as deployed ($LATEST is what the schedules invoke).
      expect(Object.keys(configs).sort()).toEqual(functions.map((fn) => `${fn}LambdaEvConf`).sort());
      for (const fn of functions) expect(configs[`${fn}LambdaEvConf`]).toMatchObject({ FunctionName: { Ref: `${fn}LambdaFunction` }, Qualifier: '$LATEST' });
      expect(configs['ProbeLambdaEvConf']).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
      if (region === 'eu-central-1') {
        expect(configs['EvaluateLambdaEvConf']).toMatchObject({ MaximumRetryAttempts: 0, MaximumEventAgeInSeconds: 60 });
        expect(configs['ReportLambdaEvConf']).toMatchObject({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21_600 });
      }
    }
  });

  it('gives the probe role PutMetricData in our namespace only, and creates no default role', () => {
    for (const region of packaged.regions) {
      const t = templateOf(region);
      const roles = ofType(t, 'AWS::IAM::Role');
      expect(roles.map(([id]) => id)).not.toContain('IamRoleLambdaExecution');
      const probeRole = t.Resources['ProbeRole'];
      const statements = JSON.stringify(probeRole?.Properties['Policies']);
      expect(statements).toContain('"cloudwatch:PutMetricData"');
      expect(statements).toContain('"cloudwatch:namespace":"PPTPMonitor"');
      expect(statements).not.toMatch(/sns:|GetMetricData|"\*"\s*:\s*"\*"|"Action":"\*"/);
    }
  });

  it('puts the topics, the dashboard and one probes-stopped alarm per probe region in the home region only', () => {
    const home = templateOf('eu-central-1');
    expect(ofType(home, 'AWS::CloudWatch::Dashboard').length).toBeGreaterThanOrEqual(1);
    // The example config names the page topic by ARN (not created) and the ticket topic by name (created).
    expect(ofType(home, 'AWS::SNS::Topic').map(([, r]) => r.Properties['TopicName'])).toEqual(['netops-tickets']);
    const alarms = ofType(home, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties);
    expect(alarms.map((a) => (a['Dimensions'] as Array<{ Value: string }>)[0]?.Value).sort()).toEqual(['eu-central-1', 'eu-west-1', 'eu-west-3', 'us-east-1']);
    for (const a of alarms) {
      expect(a).toMatchObject({ MetricName: 'ProbesRun', TreatMissingData: 'breaching', AlarmActions: ['arn:aws:sns:eu-central-1:123456789012:netops-page'] });
    }
    const evaluatorPolicy = JSON.stringify(home.Resources['EvaluatorRole']?.Properties['Policies']);
    expect(evaluatorPolicy).toContain('"sns:Publish"');
    // The state table, and the evaluator's three item calls on it, on its own namespace's items only.
    expect(ofType(home, 'AWS::DynamoDB::Table').map(([id, r]) => [id, r.Properties['BillingMode'], r.Properties['PointInTimeRecoverySpecification']])).toEqual([
      ['EvaluatorStateTable', 'PAY_PER_REQUEST', { PointInTimeRecoveryEnabled: false }],
    ]);
    expect(evaluatorPolicy).toContain('"Action":["dynamodb:GetItem","dynamodb:PutItem","dynamodb:UpdateItem"],"Resource":{"Fn::GetAtt":["EvaluatorStateTable","Arn"]},"Condition":{"ForAllValues:StringLike":{"dynamodb:LeadingKeys":["PPTPMonitor#*"]}}');
    expect(evaluatorPolicy).not.toMatch(/PutMetricData|dynamodb:(Scan|Query|DeleteItem|\*)/);
    expect((home.Resources['EvaluateLambdaFunction']?.Properties['Environment'] as { Variables: Record<string, unknown> }).Variables['STATE_TABLE_NAME']).toEqual({ Ref: 'EvaluatorStateTable' });
    expect(evaluatorPolicy).toContain('arn:aws:sns:eu-central-1:123456789012:netops-page');
    expect(evaluatorPolicy).not.toContain('"Resource":"*","Action":"sns:Publish"');
    for (const region of ['eu-west-1', 'eu-west-3', 'us-east-1']) {
      const t = templateOf(region);
      expect(ofType(t, 'AWS::SNS::Topic')).toEqual([]);
      expect(ofType(t, 'AWS::CloudWatch::Alarm')).toEqual([]);
      expect(ofType(t, 'AWS::CloudWatch::Dashboard')).toEqual([]);
      expect(ofType(t, 'AWS::DynamoDB::Table')).toEqual([]);
    }
  });

  it('builds and deploys nothing of the notifier for a config without notify: (package-notifier.test.ts has one with it)', () => {
    expect(Object.keys(packaged.artifacts).sort()).toEqual(['evaluate', 'probe', 'report']);
    for (const region of packaged.regions) {
      const t = templateOf(region);
      expect(Object.keys(t.Resources).filter((id) => /Notif/.test(id)), region).toEqual([]);
      for (const type of ['AWS::SQS::Queue', 'AWS::SNS::Subscription']) expect(ofType(t, type), region).toEqual([]);
      expect(JSON.stringify(t), region).not.toMatch(/"ssm:|kms:Decrypt|TimeToLiveSpecification/);
    }
  });

  it('ships the packaged config in each artifact, readable by a standard unzip; the probe regions get only the probe part', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmt-zip-'));
    try {
      const unpack = (name: string): { header: Record<string, unknown>; body: string } => {
        execFileSync('python3', ['-m', 'zipfile', '-e', join(ROOT, packaged.artifacts[name]?.path ?? ''), join(dir, name)]);
        expect(existsSync(join(dir, name, 'index.mjs'))).toBe(true);
        const [header, body] = readFileSync(join(dir, name, 'config.json'), 'utf8').split('\n');
        return { header: JSON.parse(header ?? '') as Record<string, unknown>, body: body ?? '' };
      };
      const probe = unpack('probe');
      expect(probe.header).toMatchObject({ format: 'pptp-monitor/probe-config@1' });
      expect((JSON.parse(probe.body) as { targets: Array<{ name: string }> }).targets.map((t) => t.name)).toEqual(['hq-gw', 'branch-paris', 'dc-backup']);
      // Owners, tags, SLOs and maintenance stay in the home region.
      expect(probe.body).not.toMatch(/netops-hq@example\.com|"tags"|"maintenance"|"slo"/);
      const evaluate = unpack('evaluate');
      expect(evaluate.header).toMatchObject({ format: 'pptp-monitor/resolved-config@1' });
      expect(evaluate.body).toContain('netops-hq@example.com');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds artifacts that initialise as Lambda would load them: packaged config accepted, handler exported', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmt-init-'));
    try {
      for (const name of ['probe', 'evaluate', 'report']) {
        execFileSync('python3', ['-m', 'zipfile', '-e', join(ROOT, packaged.artifacts[name]?.path ?? ''), join(dir, name)]);
        const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./index.mjs'); process.stdout.write(typeof m.handler);"], {
          cwd: join(dir, name),
          env: {
            ...process.env,
            AWS_REGION: 'eu-central-1',
            AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
            PAGE_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:p',
            TICKET_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:t',
            STATE_TABLE_NAME: 'pptp-monitor-citest-evaluator-state',
            REPORT_TOPIC_ARN: 'arn:aws:sns:eu-central-1:123456789012:t',
          },
        }).toString();
        expect(out, name).toBe('function');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses an invalid config with exit 2, naming the field, and leaves no stage behind', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pmt-bad-'));
    const bad = join(dir, 'monitor.yml');
    writeFileSync(bad, 'version: 1\nhomeRegion: eu-central-1\ntargets:\n  - { name: hq-gw, host: vpn.example.com, port: 70000, regions: [eu-west-1] }\n');
    const errors: string[] = [];
    const original = console.error;
    console.error = (line: string) => void errors.push(line);
    try {
      const code = await packageMain(['--config', bad, '--stage', 'citestbad']);
      expect(code).toBe(2);
    } finally {
      console.error = original;
      rmSync(dir, { recursive: true, force: true });
    }
    expect(errors.join('\n')).toContain('targets[0].port: must be 1-65535, got 70000');
    expect(errors.join('\n')).toContain('nothing was packaged');
    expect(existsSync(join(ROOT, '.build', 'citestbad'))).toBe(false);
  });
});
