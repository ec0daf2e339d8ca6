// `npm run package` for a config with `notify:` (the example monitor.yml plus four destinations): the
// notifier's artifact, and the home template's notifier checked by the offline CloudFormation validator and
// by what matters: the function and its asynchronous invocation, one subscription and permission per
// topic, the dead-letter queue and its alarm, the role's exact scope, the table's TTL; nothing of it in the
// probe regions. (Without `notify:` nothing of it exists: package-templates.test.ts and infra-notifier.test.ts.)
import { RegoEngine, type StandardDiagnostic, type TemplateFile } from '@aws/cloudformation-validate';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageStage, type PackagedStage } from '../../infra/package.js';

const STAGE = 'citestnotify';
const ROOT = process.cwd();
const HOME = 'eu-central-1';
const PAGE_ARN = 'arn:aws:sns:eu-central-1:123456789012:netops-page';
/** Lambda's limit is 50 MB; ours, for cold starts and upload time. */
const MAX_ZIP_BYTES = 300 * 1024;

const NOTIFY = `
notify:
  - name: oncall
    type: pagerduty
    routingKey: { ssm: /pptp-monitor/pagerduty-routing-key }
  - name: ops-chat
    type: slack
    webhookUrl: { ssm: /pptp-monitor/slack-webhook }
    severities: [ticket]
  - name: hook
    type: json
    url: { ssm: pptp-monitor-hook-url }
    hmacSecret: { ssm: /pptp-monitor/pagerduty-routing-key }
  - name: q-chat
    type: chatbot
    topic: arn:aws:sns:eu-central-1:123456789012:netops-amazon-q
`;

type Resource = { Type: string; Properties: Record<string, unknown>; DependsOn?: unknown };
type Template = { Resources: Record<string, Resource> };
const templateOf = (region: string): Template => JSON.parse(readFileSync(join(ROOT, '.build', STAGE, region, 'serverless', 'cloudformation-template-update-stack.json'), 'utf8')) as Template;
const ofType = (t: Template, type: string): Array<[string, Resource]> => Object.entries(t.Resources).filter(([, r]) => r.Type === type);
const sub = (s: string) => ({ 'Fn::Sub': s });
const queueArn = { 'Fn::GetAtt': ['NotifyDeadLetterQueue', 'Arn'] };
const functionArn = { 'Fn::GetAtt': ['NotifyLambdaFunction', 'Arn'] };

describe('npm run package with notify:', () => {
  let packaged: PackagedStage;
  let dir: string;
  const engine = new RegoEngine();

  beforeAll(async () => {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
    dir = mkdtempSync(join(tmpdir(), 'pm-notify-pkg-'));
    writeFileSync(join(dir, 'monitor.yml'), `${readFileSync(join(ROOT, 'monitor.example.yml'), 'utf8')}\n${NOTIFY}`);
    packaged = await packageStage({ configPath: join(dir, 'monitor.yml'), stage: STAGE, cloudformation: true }, ROOT);
  }, 120_000);

  afterAll(() => {
    engine.free();
    rmSync(join(ROOT, '.build', STAGE), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  });

  it('builds the notifier artifact within 300 KB zipped, and it initialises as Lambda would load it', () => {
    const notify = packaged.artifacts['notify'];
    if (notify === undefined) throw new Error('no notify artifact');
    console.log(`notify artifact: ${(notify.zipBytes / 1024).toFixed(1)} KiB zipped, bundle ${(notify.bundleBytes / 1024).toFixed(1)} KiB`);
    expect(notify.zipBytes).toBeLessThan(MAX_ZIP_BYTES);
    const unzipped = mkdtempSync(join(tmpdir(), 'pm-notify-zip-'));
    try {
      execFileSync('python3', ['-m', 'zipfile', '-e', join(ROOT, notify.path), unzipped]);
      const out = execFileSync(process.execPath, ['--input-type=module', '-e', "const m = await import('./index.mjs'); process.stdout.write(typeof m.handler);"], {
        cwd: unzipped,
        env: { ...process.env, AWS_REGION: HOME, STATE_TABLE_NAME: 'pptp-monitor-citestnotify-evaluator-state', DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-central-1.amazonaws.com/123456789012/q' },
      }).toString();
      expect(out).toBe('function');
    } finally {
      rmSync(unzipped, { recursive: true, force: true });
    }
  });

  it('produces templates the offline CloudFormation validator accepts', () => {
    for (const region of packaged.regions) {
      const text = readFileSync(join(ROOT, '.build', STAGE, region, 'serverless', 'cloudformation-template-update-stack.json'));
      const file: TemplateFile = { path: `${region}.json`, readBytes: () => new Uint8Array(text) };
      const report = engine.validateStandard(file, { strict: true, pseudoParameterOverrides: { region } });
      // osls's own style warnings, as in package-templates.test.ts: a DependsOn a GetAtt implies, retained versions.
      // And the page topic monitor.yml names by ARN, used as written (it may be another account's): a
      // "hardcoded ARN / account" there is the user's input, on the subscription and permission of that topic only.
      const configuredArn = (d: StandardDiagnostic): boolean => ['W9002', 'W9013'].includes(d.ruleId) && ['NotifyPagePermission', 'NotifyPageSubscription'].includes(d.entity?.logicalId ?? '');
      const serious = report.diagnostics.filter((d: StandardDiagnostic) => d.severity !== 'INFO' && !['W3005', 'W3011'].includes(d.ruleId) && !configuredArn(d));
      expect(serious, `${region}: ${JSON.stringify(serious, null, 2)}`).toEqual([]);
    }
  });

  it('deploys the notifier in the home region, retried twice then to its dead-letter queue, invoked by each topic', () => {
    const home = templateOf(HOME);
    expect(home.Resources['NotifyLambdaFunction']?.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 60,
      MemorySize: 256,
      Role: { 'Fn::GetAtt': ['NotifierRole', 'Arn'] },
      Environment: { Variables: { STATE_TABLE_NAME: { Ref: 'EvaluatorStateTable' }, DEAD_LETTER_QUEUE_URL: { Ref: 'NotifyDeadLetterQueue' } } },
    });
    expect(home.Resources['NotifyLambdaEvConf']?.Properties).toEqual({
      FunctionName: { Ref: 'NotifyLambdaFunction' },
      Qualifier: '$LATEST',
      MaximumRetryAttempts: 2,
      MaximumEventAgeInSeconds: 3600,
      DestinationConfig: { OnFailure: { Destination: queueArn } },
    });
    // No schedule: only the topics invoke it, each through its own subscription and permission.
    expect(ofType(home, 'AWS::Events::Rule').map(([id]) => id).filter((id) => id.startsWith('Notify'))).toEqual([]);
    const topics = [PAGE_ARN, { Ref: 'TicketTopic' }];
    expect(ofType(home, 'AWS::SNS::Subscription').map(([, r]) => r.Properties)).toEqual(topics.map((TopicArn) => ({ TopicArn, Protocol: 'lambda', Endpoint: functionArn })));
    expect(ofType(home, 'AWS::Lambda::Permission').filter(([id]) => id.startsWith('Notify')).map(([, r]) => r.Properties)).toEqual(
      topics.map((SourceArn) => ({ Action: 'lambda:InvokeFunction', FunctionName: functionArn, Principal: 'sns.amazonaws.com', SourceArn })),
    );
    expect(home.Resources['NotifyPageSubscription']?.DependsOn).toEqual(['NotifyPagePermission']);
  });

  it('keeps dead letters 14 days, encrypted, and pages by the page topic while any are left', () => {
    const home = templateOf(HOME);
    expect(ofType(home, 'AWS::SQS::Queue').map(([id, r]) => [id, r.Properties])).toEqual([
      ['NotifyDeadLetterQueue', { QueueName: 'pptp-monitor-citestnotify-notify-dead-letters', MessageRetentionPeriod: 1_209_600, SqsManagedSseEnabled: true }],
    ]);
    expect(home.Resources['NotifyDeadLettersAlarm']?.Properties).toMatchObject({
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': ['NotifyDeadLetterQueue', 'QueueName'] } }],
      Statistic: 'Maximum',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [PAGE_ARN],
    });
    expect(home.Resources['EvaluatorStateTable']?.Properties['TimeToLiveSpecification']).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it("gives the notifier exactly the parameters the config names, KMS through SSM only, its records, its queue, the Amazon Q topic and its logs", () => {
    const role = templateOf(HOME).Resources['NotifierRole']?.Properties as { Policies: Array<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }> };
    const statements = role.Policies.flatMap((p) => p.PolicyDocument.Statement);
    const parameter = (name: string) => sub(`arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter/${name}`);
    expect(statements).toEqual([
      { Sid: 'ReadDestinationSecrets', Effect: 'Allow', Action: 'ssm:GetParameter', Resource: [parameter('pptp-monitor/pagerduty-routing-key'), parameter('pptp-monitor/slack-webhook'), parameter('pptp-monitor-hook-url')] },
      {
        Sid: 'DecryptSecretsThroughSsm',
        Effect: 'Allow',
        Action: 'kms:Decrypt',
        Resource: sub('arn:${AWS::Partition}:kms:${AWS::Region}:${AWS::AccountId}:key/*'),
        Condition: { StringEquals: { 'kms:ViaService': 'ssm.eu-central-1.amazonaws.com' } },
      },
      {
        Sid: 'DeliveryRecords',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['EvaluatorStateTable', 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PPTPMonitor#delivery#*'] } },
      },
      { Sid: 'DeadLetters', Effect: 'Allow', Action: 'sqs:SendMessage', Resource: queueArn },
      { Sid: 'PublishToAmazonQTopics', Effect: 'Allow', Action: 'sns:Publish', Resource: ['arn:aws:sns:eu-central-1:123456789012:netops-amazon-q'] },
      { Sid: 'WriteOwnLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: sub('arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/pptp-monitor-citestnotify-notify:*') },
    ]);
    // No other role reads SSM or decrypts.
    for (const region of packaged.regions) {
      for (const [id, r] of ofType(templateOf(region), 'AWS::IAM::Role')) if (id !== 'NotifierRole') expect(JSON.stringify(r.Properties), id).not.toMatch(/"ssm:|kms:/);
    }
  });

  it('puts nothing of the notifier in the probe regions', () => {
    for (const region of packaged.regions.filter((r) => r !== HOME)) {
      const t = templateOf(region);
      expect(Object.keys(t.Resources).filter((id) => /Notif/.test(id)), region).toEqual([]);
      for (const type of ['AWS::SQS::Queue', 'AWS::SNS::Subscription']) expect(ofType(t, type), region).toEqual([]);
    }
  });
});
