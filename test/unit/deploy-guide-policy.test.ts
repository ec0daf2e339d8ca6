// docs/iam/deployer-policy.json against what a deploy really creates: `npm run package` (osls, offline) of
// monitor.example.yml, of a config with agents and of a config with `notify:` (the notifier's stack), then
// every resource of every region's template turned
// into the calls CloudFormation makes for it with the deployer's credentials (on the resource's physical
// ARN, derived from its name), plus the calls osls itself makes (read from osls's source), each checked
// against the policy with IAM's matching rules (wildcards in actions and ARNs, condition keys). A resource
// type this file has no rule for fails the test, so a new kind of resource cannot ship without the policy,
// and this rule table, growing.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packageStage, type PackagedStage } from '../../infra/package.js';

const ROOT = process.cwd();
const ACCOUNT = '123456789012';
const PACKAGE_TIMEOUT_MS = 180_000;
/** IAM's limit on a customer managed policy, whitespace not counted. */
const MANAGED_POLICY_MAX_CHARS = 6144;

type Condition = Record<string, Record<string, string | string[]>>;
interface Statement { Sid: string; Effect: string; Action: string | string[]; Resource: string | string[]; Condition?: Condition }
interface Policy { Version: string; Statement: Statement[] }
type Resource = { Type: string; Properties?: Record<string, unknown> };
type Template = { Resources: Record<string, Resource> };
/** One call the deployer's credentials must be allowed: action, resource ARN, request context keys. */
interface Need { action: string; arn: string; context?: Record<string, string>; why: string }

const readPolicy = (): Policy => JSON.parse(readFileSync(join(ROOT, 'docs/iam/deployer-policy.json'), 'utf8')) as Policy;
const list = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
/** IAM's wildcard match: `*` any run of characters (colons and slashes included), `?` one character. */
const glob = (pattern: string, value: string, caseless = false): boolean =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, caseless ? 'i' : '').test(value);

function conditionHolds(condition: Condition | undefined, context: Record<string, string>): boolean {
  for (const [operator, keys] of Object.entries(condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual = context[key];
      if (actual === undefined) return false;
      const ok = list(expected).some((e) => (operator === 'StringEquals' ? e === actual : operator === 'ArnLike' ? glob(e, actual) : false));
      if (!ok) return false;
    }
  }
  return true;
}

function allows(policy: Policy, need: Need): boolean {
  return policy.Statement.some(
    (s) =>
      s.Effect === 'Allow' &&
      list(s.Action).some((a) => glob(a, need.action, true)) &&
      list(s.Resource).some((r) => glob(r, need.arn)) &&
      conditionHolds(s.Condition, need.context ?? {}),
  );
}

/** CloudFormation's own names for resources without one: `<stack>-<logical id>-<random>`, cut to the limit. */
const generatedName = (stack: string, id: string, max: number): string => `${stack}-${id}-A1B2C3D4E5F6`.slice(0, max);

/** What CloudFormation calls, with our credentials, to create, update and delete each resource type. */
function needsOf(template: Template, region: string, stack: string): { needs: Need[]; unknown: string[] } {
  const res = template.Resources;
  const prop = (id: string, key: string): unknown => res[id]?.Properties?.[key];
  const idOf = (v: unknown): string => {
    const o = v as { Ref?: string; 'Fn::GetAtt'?: [string, string] };
    const id = o.Ref ?? o['Fn::GetAtt']?.[0];
    if (id === undefined) throw new Error(`expected a Ref or GetAtt, got ${JSON.stringify(v)}`);
    return id;
  };
  const bucket = generatedName(stack, 'ServerlessDeploymentBucket', 63).toLowerCase();
  const fnArn = (id: string): string => `arn:aws:lambda:${region}:${ACCOUNT}:function:${String(prop(id, 'FunctionName'))}`;
  const roleArn = (id: string): string => `arn:aws:iam::${ACCOUNT}:role/${String(prop(id, 'RoleName'))}`;
  const policyArn = (id: string): string => `arn:aws:iam::${ACCOUNT}:policy/${String(prop(id, 'ManagedPolicyName'))}`;
  const topicArn = (id: string): string => `arn:aws:sns:${region}:${ACCOUNT}:${String(prop(id, 'TopicName'))}`;
  const needs: Need[] = [];
  const unknown: string[] = [];
  const add = (why: string, arn: string, actions: string[], context?: Record<string, string>): void => {
    for (const action of actions) needs.push({ action, arn, why, ...(context ? { context } : {}) });
  };
  for (const [id, r] of Object.entries(res)) {
    const why = `${region} ${id} (${r.Type})`;
    switch (r.Type) {
      case 'AWS::S3::Bucket':
        add(why, `arn:aws:s3:::${bucket}`, ['s3:CreateBucket', 's3:DeleteBucket', 's3:PutEncryptionConfiguration', 's3:GetEncryptionConfiguration', 's3:GetBucketTagging', 's3:PutBucketTagging']);
        break;
      case 'AWS::S3::BucketPolicy':
        add(why, `arn:aws:s3:::${bucket}`, ['s3:PutBucketPolicy', 's3:GetBucketPolicy', 's3:DeleteBucketPolicy']);
        break;
      case 'AWS::Logs::LogGroup':
        add(why, `arn:aws:logs:${region}:${ACCOUNT}:log-group:${String(prop(id, 'LogGroupName'))}`, ['logs:CreateLogGroup', 'logs:DeleteLogGroup', 'logs:PutRetentionPolicy', 'logs:TagResource', 'logs:ListTagsForResource']);
        add(why, `arn:aws:logs:${region}:${ACCOUNT}:log-group:*`, ['logs:DescribeLogGroups']);
        break;
      case 'AWS::Lambda::Function': {
        const code = prop(id, 'Code') as { S3Key: string };
        add(why, fnArn(id), ['lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:GetFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:TagResource', 'lambda:ListTags', 'lambda:GetFunctionCodeSigningConfig']);
        add(why, `arn:aws:s3:::${bucket}/${code.S3Key}`, ['s3:GetObject']);
        add(why, roleArn(idOf(prop(id, 'Role'))), ['iam:PassRole'], { 'iam:PassedToService': 'lambda.amazonaws.com' });
        break;
      }
      case 'AWS::Lambda::Version':
        add(why, fnArn(idOf(prop(id, 'FunctionName'))), ['lambda:PublishVersion', 'lambda:GetFunctionConfiguration', 'lambda:ListVersionsByFunction']);
        break;
      case 'AWS::Lambda::EventInvokeConfig':
        add(why, fnArn(idOf(prop(id, 'FunctionName'))), ['lambda:PutFunctionEventInvokeConfig', 'lambda:UpdateFunctionEventInvokeConfig', 'lambda:DeleteFunctionEventInvokeConfig', 'lambda:GetFunctionEventInvokeConfig']);
        break;
      case 'AWS::Lambda::Permission':
        add(why, fnArn(idOf(prop(id, 'FunctionName'))), ['lambda:AddPermission', 'lambda:RemovePermission', 'lambda:GetPolicy']);
        break;
      case 'AWS::Events::Rule':
        add(why, `arn:aws:events:${region}:${ACCOUNT}:rule/${String(prop(id, 'Name') ?? generatedName(stack, id, 64))}`, ['events:PutRule', 'events:DeleteRule', 'events:DescribeRule', 'events:PutTargets', 'events:RemoveTargets', 'events:ListTargetsByRule', 'events:TagResource']);
        break;
      case 'AWS::IAM::Role':
        add(why, roleArn(id), ['iam:CreateRole', 'iam:DeleteRole', 'iam:GetRole', 'iam:UpdateAssumeRolePolicy', 'iam:PutRolePolicy', 'iam:GetRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies', 'iam:ListAttachedRolePolicies', 'iam:TagRole']);
        for (const managed of (prop(id, 'ManagedPolicyArns') as unknown[] | undefined) ?? []) {
          add(why, roleArn(id), ['iam:AttachRolePolicy', 'iam:DetachRolePolicy'], { 'iam:PolicyARN': policyArn(idOf(managed)) });
        }
        break;
      case 'AWS::IAM::ManagedPolicy':
        add(why, policyArn(id), ['iam:CreatePolicy', 'iam:DeletePolicy', 'iam:GetPolicy', 'iam:GetPolicyVersion', 'iam:CreatePolicyVersion', 'iam:DeletePolicyVersion', 'iam:ListPolicyVersions', 'iam:ListEntitiesForPolicy']);
        break;
      case 'AWS::IAM::InstanceProfile':
        add(why, `arn:aws:iam::${ACCOUNT}:instance-profile/${String(prop(id, 'InstanceProfileName'))}`, ['iam:CreateInstanceProfile', 'iam:DeleteInstanceProfile', 'iam:GetInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:RemoveRoleFromInstanceProfile']);
        for (const role of prop(id, 'Roles') as unknown[]) add(why, roleArn(idOf(role)), ['iam:PassRole']);
        break;
      case 'AWS::SNS::Topic':
        add(why, topicArn(id), ['sns:CreateTopic', 'sns:DeleteTopic', 'sns:GetTopicAttributes', 'sns:SetTopicAttributes', 'sns:ListSubscriptionsByTopic', 'sns:TagResource', 'sns:Subscribe', 'sns:ConfirmSubscription', 'sns:Unsubscribe']);
        break;
      case 'AWS::SNS::Subscription': {
        // The notifier's: on one of our topics (a Ref) or on a topic monitor.yml gives by ARN, whose region
        // the ARN carries (the subscription is made there).
        const topic = prop(id, 'TopicArn');
        add(why, typeof topic === 'string' ? topic : topicArn(idOf(topic)), ['sns:Subscribe', 'sns:Unsubscribe', 'sns:GetSubscriptionAttributes', 'sns:SetSubscriptionAttributes']);
        break;
      }
      case 'AWS::DynamoDB::Table': {
        const table = `arn:aws:dynamodb:${region}:${ACCOUNT}:table/${String(prop(id, 'TableName'))}`;
        add(why, table, ['dynamodb:CreateTable', 'dynamodb:DeleteTable', 'dynamodb:UpdateTable', 'dynamodb:DescribeTable', 'dynamodb:DescribeContinuousBackups', 'dynamodb:UpdateContinuousBackups', 'dynamodb:DescribeTimeToLive', 'dynamodb:TagResource', 'dynamodb:ListTagsOfResource']);
        // With the notifier: its delivery records expire.
        if (prop(id, 'TimeToLiveSpecification') !== undefined) add(why, table, ['dynamodb:UpdateTimeToLive']);
        break;
      }
      case 'AWS::SQS::Queue':
        // The notifier's dead-letter queue (AWS::SQS::Queue's handlers: create, read, update, delete).
        add(why, `arn:aws:sqs:${region}:${ACCOUNT}:${String(prop(id, 'QueueName') ?? generatedName(stack, id, 80))}`, ['sqs:CreateQueue', 'sqs:GetQueueUrl', 'sqs:GetQueueAttributes', 'sqs:SetQueueAttributes', 'sqs:ListQueueTags', 'sqs:TagQueue', 'sqs:UntagQueue', 'sqs:DeleteQueue']);
        break;
      case 'AWS::CloudWatch::Alarm':
        // Disable/EnableAlarmActions: npm run remove silences a region's alarms before removing it.
        add(why, `arn:aws:cloudwatch:${region}:${ACCOUNT}:alarm:${String(prop(id, 'AlarmName'))}`, ['cloudwatch:PutMetricAlarm', 'cloudwatch:DeleteAlarms', 'cloudwatch:DescribeAlarms', 'cloudwatch:TagResource', 'cloudwatch:DisableAlarmActions', 'cloudwatch:EnableAlarmActions']);
        break;
      case 'AWS::CloudWatch::Dashboard':
        add(why, `arn:aws:cloudwatch::${ACCOUNT}:dashboard/${String(prop(id, 'DashboardName'))}`, ['cloudwatch:PutDashboard', 'cloudwatch:GetDashboard', 'cloudwatch:DeleteDashboards']);
        break;
      default:
        unknown.push(`${why}: no rule for ${r.Type} in this test; add the calls it needs to docs/iam/deployer-policy.json and here`);
    }
  }
  return { needs, unknown };
}

/**
 * The AWS calls in osls's deploy and remove code, as IAM actions; `null` for the calls our stacks never
 * reach, each with the reason. A call osls gains in an upgrade that is in neither list fails the test.
 */
const OSLS_CALLS: Record<string, string | string[] | null> = {
  CreateStack: 'cloudformation:CreateStack',
  UpdateStack: 'cloudformation:UpdateStack',
  DeleteStack: 'cloudformation:DeleteStack',
  DescribeStacks: 'cloudformation:DescribeStacks',
  DescribeStackEvents: 'cloudformation:DescribeStackEvents',
  DescribeStackResource: 'cloudformation:DescribeStackResource',
  DescribeStackResources: 'cloudformation:DescribeStackResources',
  ListStackResources: 'cloudformation:ListStackResources',
  GetTemplate: 'cloudformation:GetTemplate',
  ValidateTemplate: 'cloudformation:ValidateTemplate',
  ListObjectsV2: 's3:ListBucket',
  ListObjectVersions: 's3:ListBucketVersions',
  HeadBucket: 's3:ListBucket',
  HeadObject: 's3:GetObject',
  DeleteObjects: 's3:DeleteObject',
  GetFunction: 'lambda:GetFunction',
  GetCallerIdentity: [], // sts:GetCallerIdentity needs no permission
  // serverless.yml sets deploymentMethod: direct, so no change sets; no stackPolicy; no Fn::ImportValue output.
  CreateChangeSet: null, DescribeChangeSet: null, ExecuteChangeSet: null, DeleteChangeSet: null, SetStackPolicy: null, ListExports: null,
  // Container images only (osls skips ECR when DescribeRepositories is denied); API Gateway keys and
  // CloudWatch Logs subscription events only for functions with http or cloudwatchLog events.
  CreateRepository: null, DeleteRepository: null, DescribeRepositories: null, DescribeImages: null, GetAuthorizationToken: null, PutLifecyclePolicy: null,
  GetApi: null, GetApiKey: null, DescribeSubscriptionFilters: null, DeleteSubscriptionFilter: null,
};

function oslsCommands(): Set<string> {
  const base = join(ROOT, 'node_modules/osls/lib/plugins/aws');
  const files = ['deploy/lib', 'remove/lib', 'lib', 'info'].flatMap((dir) => readdirSync(join(base, dir)).filter((f) => f.endsWith('.js')).map((f) => join(base, dir, f)));
  const found = new Set<string>();
  for (const file of [...files, join(base, 'provider.js')]) for (const m of readFileSync(file, 'utf8').matchAll(/new ([A-Z][A-Za-z0-9]+)Command\(/g)) found.add(m[1] ?? '');
  return found;
}

const templatesOf = (stage: string, regions: readonly string[]): Array<[string, Template]> =>
  regions.map((region) => [region, JSON.parse(readFileSync(join(ROOT, '.build', stage, region, 'serverless', 'cloudformation-template-update-stack.json'), 'utf8')) as Template]);

function gapsOf(policy: Policy, stage: string, regions: readonly string[]): string[] {
  const gaps: string[] = [];
  for (const [region, template] of templatesOf(stage, regions)) {
    const { needs, unknown } = needsOf(template, region, `pptp-monitor-${stage}`);
    gaps.push(...unknown);
    for (const need of needs) if (!allows(policy, need)) gaps.push(`${need.why}: ${need.action} on ${need.arn}${need.context ? ` with ${JSON.stringify(need.context)}` : ''}`);
  }
  return gaps;
}

const AGENTS_CONFIG = `version: 1
homeRegion: eu-central-1
agents:
  - name: office-berlin
targets:
  - name: hq
    host: 198.51.100.10
    regions: [eu-central-1, eu-west-1, office-berlin]
`;

/** The notifier's stack: secrets by SSM reference, the page topic by ARN (outside the prefix), the ticket topic ours. */
const NOTIFY_CONFIG = `version: 1
homeRegion: eu-central-1
alerts:
  page: arn:aws:sns:eu-central-1:${ACCOUNT}:netops-page
targets:
  - name: hq
    host: 198.51.100.10
    regions: [eu-central-1]
notify:
  - name: oncall
    type: pagerduty
    routingKey: { ssm: /pptp-monitor/pagerduty-routing-key }
  - name: ops-chat
    type: slack
    webhookUrl: { ssm: /pptp-monitor/slack-webhook }
    severities: [ticket]
  - name: q-chat
    type: chatbot
    topic: arn:aws:sns:eu-central-1:${ACCOUNT}:netops-amazon-q
`;

describe('docs/iam/deployer-policy.json', () => {
  const STAGES = { example: 'dgpolicyex', agents: 'dgpolicyag', notify: 'dgpolicynt' };
  let example: PackagedStage;
  let agents: PackagedStage;
  let notify: PackagedStage;

  beforeAll(async () => {
    process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] = 'true';
    const dir = mkdtempSync(join(tmpdir(), 'pmt-policy-'));
    writeFileSync(join(dir, 'agents.yml'), AGENTS_CONFIG);
    writeFileSync(join(dir, 'notify.yml'), NOTIFY_CONFIG);
    example = await packageStage({ configPath: 'monitor.example.yml', stage: STAGES.example, cloudformation: true }, ROOT);
    agents = await packageStage({ configPath: join(dir, 'agents.yml'), stage: STAGES.agents, cloudformation: true }, ROOT);
    notify = await packageStage({ configPath: join(dir, 'notify.yml'), stage: STAGES.notify, cloudformation: true }, ROOT);
    rmSync(dir, { recursive: true, force: true });
  }, PACKAGE_TIMEOUT_MS);

  afterAll(() => {
    for (const stage of Object.values(STAGES)) rmSync(join(ROOT, '.build', stage), { recursive: true, force: true });
  });

  it('allows every call for every resource of the agents config, whose topics have the default names', () => {
    // Prepare
    const types = new Set(templatesOf(STAGES.agents, agents.regions).flatMap(([, t]) => Object.values(t.Resources).map((r) => r.Type)));
    // Act
    const gaps = gapsOf(readPolicy(), STAGES.agents, agents.regions);
    // Assess: the config exercises the agent resources too, and nothing is missing
    expect(types).toContain('AWS::IAM::ManagedPolicy');
    expect(types).toContain('AWS::IAM::InstanceProfile');
    expect(types).toContain('AWS::SNS::Topic');
    expect(gaps).toEqual([]);
  });

  it('allows every call for monitor.example.yml but its ticket topic, named outside the prefix, until its ARN is added as the README says', () => {
    // Prepare
    const policy = readPolicy();
    // Act
    const gaps = gapsOf(policy, STAGES.example, example.regions);
    const widened = structuredClone(policy);
    for (const s of widened.Statement) if (s.Sid === 'AlertTopics' || s.Sid === 'AlertSubscriptions') s.Resource = [...list(s.Resource), 'arn:aws:sns:*:*:netops-tickets'];
    // Assess
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toMatch(/^eu-central-1 TicketTopic \(AWS::SNS::Topic\): sns:\w+ on arn:aws:sns:eu-central-1:123456789012:netops-tickets$/);
    expect(gapsOf(widened, STAGES.example, example.regions)).toEqual([]);
  });

  it('allows every call for the notifier of a config with notify: but its subscription to the page topic given by ARN, until that ARN is added as the README says', () => {
    // Prepare
    const policy = readPolicy();
    const home = templatesOf(STAGES.notify, [notify.config.homeRegion]);
    const types = new Set(home.flatMap(([, t]) => Object.values(t.Resources).map((r) => r.Type)));
    const { needs } = needsOf(home[0]?.[1] as Template, notify.config.homeRegion, `pptp-monitor-${STAGES.notify}`);
    // Act
    const gaps = gapsOf(policy, STAGES.notify, notify.regions);
    const widened = structuredClone(policy);
    for (const s of widened.Statement) if (s.Sid === 'AlertSubscriptions') s.Resource = [...list(s.Resource), `arn:aws:sns:eu-central-1:${ACCOUNT}:netops-page`];
    // Assess: the notifier's resources are all there and checked (its queue, subscriptions, invoke
    // permissions, asynchronous invocation, dead-letter alarm, role, the table's TTL), and only the
    // subscription to the configured ARN is missing
    for (const type of ['AWS::SQS::Queue', 'AWS::SNS::Subscription', 'AWS::Lambda::Permission', 'AWS::Lambda::EventInvokeConfig', 'AWS::CloudWatch::Alarm', 'AWS::IAM::Role']) expect(types).toContain(type);
    expect(needs.map((n) => `${n.action} ${n.arn}`)).toEqual(
      expect.arrayContaining([
        `sqs:CreateQueue arn:aws:sqs:eu-central-1:${ACCOUNT}:pptp-monitor-${STAGES.notify}-notify-dead-letters`,
        `dynamodb:UpdateTimeToLive arn:aws:dynamodb:eu-central-1:${ACCOUNT}:table/pptp-monitor-${STAGES.notify}-evaluator-state`,
        `sns:Subscribe arn:aws:sns:eu-central-1:${ACCOUNT}:pptp-monitor-${STAGES.notify}-ticket`,
        `cloudwatch:PutMetricAlarm arn:aws:cloudwatch:eu-central-1:${ACCOUNT}:alarm:pptp-monitor-${STAGES.notify}-notify-dead-letters`,
        `iam:PassRole arn:aws:iam::${ACCOUNT}:role/pptp-monitor-${STAGES.notify}-eu-central-1-notifier`,
      ]),
    );
    expect(gaps.length).toBeGreaterThan(0);
    for (const gap of gaps) expect(gap).toMatch(new RegExp(`^eu-central-1 NotifyPageSubscription \\(AWS::SNS::Subscription\\): sns:\\w+ on arn:aws:sns:eu-central-1:${ACCOUNT}:netops-page$`));
    expect(gapsOf(widened, STAGES.notify, notify.regions)).toEqual([]);
  });

  it('needs no SSM: no template reads a parameter, and only the notifier role may read one (when it runs)', () => {
    // Prepare
    const all = [...templatesOf(STAGES.example, example.regions), ...templatesOf(STAGES.agents, agents.regions), ...templatesOf(STAGES.notify, notify.regions)];
    const texts = all.map(([region, t]) => [region, JSON.stringify(t)] as const);
    const readers = all.flatMap(([region, t]) => Object.entries(t.Resources).filter(([, r]) => JSON.stringify(r).includes('"ssm:')).map(([id, r]) => `${region} ${id} ${r.Type}`));
    // Assess: if this changes, the README's SSM paragraph and the policy need another look
    expect(texts.length).toBe(example.regions.length + agents.regions.length + notify.regions.length);
    for (const [region, text] of texts) {
      expect(text, region).not.toMatch(/resolve:ssm|AWS::SSM::/);
      expect(text, region).toContain('cloudwatch:PutMetricData');
    }
    expect(readers).toEqual(['eu-central-1 NotifierRole AWS::IAM::Role']);
    expect(readPolicy().Statement.flatMap((s) => list(s.Action)).filter((a) => a.startsWith('ssm:'))).toEqual([]);
  });

  it('fails the check for a resource type it has no rule for, and for an action taken out of the policy', () => {
    // Prepare: the home template plus a VPC (no stack creates one); the policy without lambda:CreateFunction
    const [[region, template]] = templatesOf(STAGES.agents, [agents.config.homeRegion]) as [[string, Template]];
    template.Resources['Extra'] = { Type: 'AWS::EC2::VPC', Properties: {} };
    const policy = readPolicy();
    const functions = policy.Statement.find((s) => s.Sid === 'Functions');
    if (functions) functions.Action = list(functions.Action).filter((a) => a !== 'lambda:CreateFunction');
    // Act
    const { needs, unknown } = needsOf(template, region, `pptp-monitor-${STAGES.agents}`);
    const denied = needs.filter((n) => !allows(policy, n)).map((n) => `${n.action} ${n.arn}`);
    // Assess
    expect(unknown).toEqual([`${region} Extra (AWS::EC2::VPC): no rule for AWS::EC2::VPC in this test; add the calls it needs to docs/iam/deployer-policy.json and here`]);
    expect(denied).toContain(`lambda:CreateFunction arn:aws:lambda:${region}:${ACCOUNT}:function:pptp-monitor-${STAGES.agents}-evaluate`);
    expect(allows(policy, { action: 'iam:PassRole', arn: `arn:aws:iam::${ACCOUNT}:role/pptp-monitor-x-eu-west-1-probe`, context: { 'iam:PassedToService': 'ec2.amazonaws.com' }, why: '' })).toBe(false);
  });

  it('allows every AWS call osls makes on deploy and remove, on the stage stack and its bucket', () => {
    // Prepare
    const stack = `arn:aws:cloudformation:eu-west-1:${ACCOUNT}:stack/pptp-monitor-prod/0f1e2d3c-aaaa-bbbb-cccc-000000000000`;
    const bucket = 'arn:aws:s3:::pptp-monitor-prod-serverlessdeploymentbucket-a1b2c3d4e5f6';
    const policy = readPolicy();
    // Act
    const commands = oslsCommands();
    const unmapped = [...commands].filter((c) => !(c in OSLS_CALLS));
    const denied = [...commands].flatMap((c) =>
      list(OSLS_CALLS[c] ?? []).filter((action) => {
        const arn = action.startsWith('cloudformation:') ? stack : action.startsWith('lambda:') ? `arn:aws:lambda:eu-west-1:${ACCOUNT}:function:pptp-monitor-prod-probe` : action === 's3:ListBucket' || action === 's3:ListBucketVersions' ? bucket : `${bucket}/serverless/pptp-monitor/prod/1-x/probe.zip`;
        return !allows(policy, { action, arn, why: c });
      }),
    );
    // Assess
    expect(commands).toContain('DeleteStack');
    expect(unmapped).toEqual([]);
    expect(denied).toEqual([]);
  });

  it('stays scoped: no service-wide actions, PassRole and attachments only for the stage roles and policies, Resource * only where AWS has no resource scope, within a managed policy', () => {
    // Prepare
    const policy = readPolicy();
    const text = readFileSync(join(ROOT, 'docs/iam/deployer-policy.json'), 'utf8');
    const unscoped = new Set(['cloudformation:ValidateTemplate', 'logs:DescribeLogGroups', 'cloudwatch:DescribeAlarms', 'cloudwatch:ListDashboards', 'sns:GetSMSSandboxAccountStatus', 'sns:ListSMSSandboxPhoneNumbers', 'sns:CreateSMSSandboxPhoneNumber', 'sns:VerifySMSSandboxPhoneNumber', 'sns:DeleteSMSSandboxPhoneNumber']);
    // Assess
    expect(new Set(policy.Statement.map((s) => s.Sid)).size).toBe(policy.Statement.length);
    for (const s of policy.Statement) {
      expect(s.Effect).toBe('Allow');
      for (const action of list(s.Action)) expect(action, s.Sid).not.toMatch(/^(\*|[a-z0-9-]+:\*)$/);
      for (const resource of list(s.Resource)) {
        if (resource === '*') for (const action of list(s.Action)) expect(unscoped, `${s.Sid} ${action}`).toContain(action);
        else expect(resource, s.Sid).toMatch(/pptp-monitor-/);
      }
      if (list(s.Action).some((a) => glob(a, 'iam:PassRole', true))) expect(list(s.Resource).every((r) => r.startsWith('arn:aws:iam::*:role/pptp-monitor-')), s.Sid).toBe(true);
      if (list(s.Action).some((a) => glob(a, 'iam:AttachRolePolicy', true))) expect(s.Condition?.['ArnLike']?.['iam:PolicyARN']).toBe('arn:aws:iam::*:policy/pptp-monitor-*');
    }
    expect(allows(policy, { action: 'iam:AttachRolePolicy', arn: `arn:aws:iam::${ACCOUNT}:role/pptp-monitor-prod-eu-west-1-probe`, context: { 'iam:PolicyARN': 'arn:aws:iam::aws:policy/AdministratorAccess' }, why: '' })).toBe(false);
    expect(text.replace(/\s/g, '').length).toBeLessThanOrEqual(MANAGED_POLICY_MAX_CHARS);
  });
});
