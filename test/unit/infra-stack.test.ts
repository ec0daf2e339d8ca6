import { RegoEngine, type Engine, type StandardDiagnostic, type TemplateFile } from '@aws/cloudformation-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IAM_ROLE_NAME_MAX_CHARS } from '../../infra/names.js';
import type { CfnResource, ProbeScheduleInput } from '../../infra/cfn.js';
import {
  DASHBOARD_BODY_MAX_BYTES,
  DASHBOARD_FILL_SHARE,
  DASHBOARD_MAX_METRICS,
  DASHBOARD_MAX_WIDGETS,
  DASHBOARDS_TEMPLATE_MAX_BYTES,
} from '../../infra/dashboard.js';
import { StackConfigError } from '../../infra/errors.js';
import { buildStack, type StackFragment, type StackOptions } from '../../infra/stack.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { PROBE_LAMBDA_MEMORY_MB, PROBE_LAMBDA_TIMEOUT_S, regionShards } from '../../shared/runners/lambda/probe-lambda-sizing.js';

function config(yamlText: string): ResolvedConfig {
  const result = parseConfig(yamlText, 'test.yml');
  expect(result.ok, result.ok ? '' : JSON.stringify(result.errors)).toBe(true);
  if (!result.ok) throw new Error('unreachable');
  return result.config;
}

// eu-west-1 probes a 1-minute and a 5-minute target, us-east-1 only the 5-minute one; the home region
// eu-central-1 is also a probe region.
const SMALL = `
version: 1
namespace: PPTPTest
homeRegion: eu-central-1
runbookBaseUrl: https://runbooks.example.com/pptp/
targets:
  - name: hq-gw
    host: vpn.hq.example.com
    regions: [eu-central-1, eu-west-1]
  - name: branch-paris
    host: 198.51.100.20
    regions: [us-east-1, eu-west-1]
    interval: 5m
    timeout: 8000
`;

/** 250 targets of eu-west-1 with 30 s timeouts: at most 100 fit one invocation (see shared/runners/lambda/shards.ts). */
function bigYaml(targets = 250): string {
  const lines = Array.from({ length: targets }, (_, i) => `  - { name: gw-${String(i).padStart(3, '0')}, host: gw-${i}.example.net }`);
  return `version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-west-1], timeout: 30000 }\ntargets:\n${lines.join('\n')}\n`;
}

/**
 * `targets` targets probed from three regions with 2 s timeouts, every fifth one on a 5-minute interval:
 * a fleet far past what one dashboard can show.
 */
function fleetYaml(targets: number): string {
  const lines = Array.from({ length: targets }, (_, i) => {
    const interval = i % 5 === 4 ? ', interval: 5m' : '';
    return `  - { name: gw-${String(i).padStart(4, '0')}, host: gw-${i}.example.net${interval} }`;
  });
  return `version: 1\nnamespace: PPTPFleet\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1, eu-west-1, us-east-1], timeout: 2000 }\ntargets:\n${lines.join('\n')}\n`;
}

interface DashboardJson {
  widgets: Array<{
    type: 'metric' | 'text';
    x: number;
    y: number;
    width: number;
    height: number;
    properties: { title?: string; markdown?: string; region?: string; period?: number; metrics?: unknown[][] };
  }>;
}

function dashboardsOf(stack: StackFragment) {
  return Object.entries(stack.resources.Resources).flatMap(([id, r]) =>
    r.Type === 'AWS::CloudWatch::Dashboard' ? [{ id, name: r.Properties.DashboardName, text: r.Properties.DashboardBody, body: JSON.parse(r.Properties.DashboardBody) as DashboardJson }] : [],
  );
}

/** What EventBridge sends for a schedule with an input transformer: the template with `<name>` replaced by the value. */
function transformedInput(event: { schedule: { inputTransformer?: { inputPathsMap: Record<string, string>; inputTemplate: string } } }, scheduledEvent: Record<string, string>): unknown {
  const transformer = event.schedule.inputTransformer;
  if (transformer === undefined) throw new Error('schedule has no inputTransformer');
  const text = transformer.inputTemplate.replace(/<([\w.-]+)>/g, (_, name: string) => {
    const path = transformer.inputPathsMap[name];
    if (path === undefined || !path.startsWith('$.')) throw new Error(`no path for <${name}>`);
    const value = scheduledEvent[path.slice(2)];
    if (value === undefined) throw new Error(`event has no ${path}`);
    return value; // EventBridge inserts string values as they are: the template supplies the quotes.
  });
  return JSON.parse(text);
}

/** Bytes of the home template our resources may take: CloudFormation's limit is 1 MB, and osls adds its own. */
const TEMPLATE_SHARE_FOR_US = 900 * 1024;

const options = (region: string, extra: Partial<StackOptions> = {}): StackOptions => ({
  service: 'pptp-monitor',
  stage: 'prod',
  region,
  artifacts: { probe: '.build/prod/probe.zip', evaluate: '.build/prod/evaluate.zip' },
  ...extra,
});

function resourceOf<T extends CfnResource['Type']>(stack: StackFragment, id: string, type: T): Extract<CfnResource, { Type: T }> {
  const resource = stack.resources.Resources[id];
  expect(resource?.Type, `resource ${id}`).toBe(type);
  return resource as Extract<CfnResource, { Type: T }>;
}

function alarmsOf(stack: StackFragment) {
  return Object.entries(stack.resources.Resources).flatMap(([id, r]) => (r.Type === 'AWS::CloudWatch::Alarm' ? [{ id, ...r.Properties }] : []));
}

describe('buildStack', () => {
  it('gives a probe region only the probe function, one schedule per shard, and its role', () => {
    // Prepare
    const big = config(bigYaml());
    const shards = regionShards(big, 'eu-west-1');
    // Act
    const stack = buildStack(big, options('eu-west-1'));
    // Assess
    expect(shards.length).toBeGreaterThanOrEqual(2);
    expect(Object.keys(stack.functions)).toEqual(['probe']);
    expect(Object.keys(stack.resources.Resources)).toEqual(['ProbeRole']);
    expect(stack.resources.Outputs).toEqual({});
    const probe = stack.functions['probe']!;
    expect(probe).toMatchObject({
      name: 'pptp-monitor-prod-probe',
      handler: 'index.handler',
      package: { artifact: '.build/prod/probe.zip' },
      memorySize: PROBE_LAMBDA_MEMORY_MB,
      timeout: PROBE_LAMBDA_TIMEOUT_S,
      role: 'ProbeRole',
    });
    expect(probe).not.toHaveProperty('environment');
    expect(probe.description).toContain('eu-west-1');
    expect(probe.description).toContain(`${shards.length} shards`);
    expect(probe.events.map((e) => e.schedule.rate)).toEqual(shards.map(() => ['rate(1 minute)']));
    expect(probe.events[1]!.schedule.inputTransformer).toEqual({
      inputPathsMap: { time: '$.time' },
      inputTemplate: `{"time": "<time>", "shard": 1, "shards": ${shards.length}}`,
    });
  });

  it('watches every probe shard of a region with its own probes-stopped alarm', () => {
    // Prepare
    const big = config(bigYaml());
    const shards = regionShards(big, 'eu-west-1').length;
    // Act
    const alarms = alarmsOf(buildStack(big, options('eu-central-1')));
    // Assess: one dead shard among live ones must still page, so one alarm per shard.
    expect(shards).toBeGreaterThanOrEqual(2);
    expect(alarms.map((a) => [a.id, a.Dimensions])).toEqual(
      Array.from({ length: shards }, (_, k) => [
        k === 0 ? 'ProbesStoppedEuWest1Alarm' : `ProbesStoppedEuWest1Shard${k}Alarm`,
        [
          { Name: 'ProbeRegion', Value: 'eu-west-1' },
          { Name: 'Shard', Value: String(k) },
        ],
      ]),
    );
    expect(alarms[1]?.AlarmDescription).toContain(`Probe shard 2 of ${shards} in eu-west-1 has reported`);
  });

  it('gives every schedule an input carrying the scheduled time along with its shard', () => {
    // Prepare
    const big = config(bigYaml());
    const shards = regionShards(big, 'eu-west-1');
    const scheduled = { time: '2024-05-01T12:35:00Z', 'detail-type': 'Scheduled Event', source: 'aws.events' };
    // Act
    const events = buildStack(big, options('eu-west-1')).functions['probe']!.events;
    // Assess
    const inputs = events.map((event) => transformedInput(event, scheduled));
    expect(inputs).toEqual(shards.map((_, shard): ProbeScheduleInput => ({ time: '2024-05-01T12:35:00Z', shard, shards: shards.length })));
    expect(events.every((e) => !('input' in e.schedule))).toBe(true);
  });

  it('lets the probe role put metrics to the configured namespace and write its own logs, nothing else', () => {
    // Act
    const stack = buildStack(config(SMALL), options('us-east-1'));
    // Assess
    const role = resourceOf(stack, 'ProbeRole', 'AWS::IAM::Role').Properties;
    expect(role.AssumeRolePolicyDocument.Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    expect(role.Policies).toHaveLength(1);
    expect(role.Policies![0]!.PolicyDocument.Statement).toEqual([
      { Sid: 'PublishProbeMetrics', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'PPTPTest' } } },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/pptp-monitor-prod-probe:*' },
      },
    ]);
    expect(role.RoleName).toBe('pptp-monitor-prod-us-east-1-probe');
  });

  it('keeps role names unique per region and within 64 characters, however long the service name', () => {
    // Prepare
    const cfg = config(SMALL);
    const long = { service: 'pptp-gateway-synthetic-monitoring-service', stage: 'integration' };
    // Act
    const names = ['eu-west-1', 'us-east-1'].map((region) => resourceOf(buildStack(cfg, options(region, long)), 'ProbeRole', 'AWS::IAM::Role').Properties.RoleName);
    const again = resourceOf(buildStack(cfg, options('eu-west-1', long)), 'ProbeRole', 'AWS::IAM::Role').Properties.RoleName;
    // Assess
    expect(names.every((n) => n.length <= IAM_ROLE_NAME_MAX_CHARS && /^[\w+=,.@-]+$/.test(n))).toBe(true);
    expect(new Set(names).size).toBe(2);
    expect(again).toBe(names[0]);
  });

  it('puts topics, the evaluator, its state table and its role scoped to the two topics and the table, alarms, dashboard and outputs in the home region', () => {
    // Act
    const stack = buildStack(config(SMALL), options('eu-central-1'));
    // Assess
    expect(Object.keys(stack.functions)).toEqual(['probe', 'evaluate']);
    expect(stack.functions['evaluate']).toMatchObject({
      handler: 'index.handler',
      package: { artifact: '.build/prod/evaluate.zip' },
      // 256 MB + 8 MB for each target of its (only) shard.
      memorySize: 256 + 8 * config(SMALL).targets.length,
      timeout: 50,
      role: 'EvaluatorRole',
      environment: { PAGE_TOPIC_ARN: { Ref: 'PageTopic' }, TICKET_TOPIC_ARN: { Ref: 'TicketTopic' }, STATE_TABLE_NAME: { Ref: 'EvaluatorStateTable' } },
      events: [{ schedule: { rate: ['rate(1 minute)'], inputTransformer: { inputPathsMap: { time: '$.time' }, inputTemplate: '{"time": "<time>", "shard": 0, "shards": 1}' } } }],
    });
    expect(stack.functions['evaluate']?.environment).not.toHaveProperty('NODE_OPTIONS');
    expect(resourceOf(stack, 'PageTopic', 'AWS::SNS::Topic').Properties).toEqual({ TopicName: 'pptp-monitor-prod-page' });
    expect(resourceOf(stack, 'TicketTopic', 'AWS::SNS::Topic').Properties).toEqual({ TopicName: 'pptp-monitor-prod-ticket' });
    const evaluator = resourceOf(stack, 'EvaluatorRole', 'AWS::IAM::Role').Properties;
    expect(evaluator.Policies![0]!.PolicyDocument.Statement).toEqual([
      { Sid: 'ReadProbeMetrics', Effect: 'Allow', Action: 'cloudwatch:GetMetricData', Resource: '*' },
      { Sid: 'PublishAlerts', Effect: 'Allow', Action: 'sns:Publish', Resource: [{ Ref: 'PageTopic' }, { Ref: 'TicketTopic' }] },
      {
        Sid: 'EvaluatorState',
        Effect: 'Allow',
        Action: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        Resource: { 'Fn::GetAtt': ['EvaluatorStateTable', 'Arn'] },
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['PPTPTest#*'] } },
      },
      {
        Sid: 'WriteOwnLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: { 'Fn::Sub': 'arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:/aws/lambda/pptp-monitor-prod-evaluate:*' },
      },
    ]);
    // The state table: on-demand, no point-in-time recovery (the state is rebuilt from CloudWatch), deleted with the stack.
    expect(resourceOf(stack, 'EvaluatorStateTable', 'AWS::DynamoDB::Table')).toEqual({
      Type: 'AWS::DynamoDB::Table',
      DeletionPolicy: 'Delete',
      UpdateReplacePolicy: 'Delete',
      Properties: {
        TableName: 'pptp-monitor-prod-evaluator-state',
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
      },
    });
    expect(JSON.stringify(evaluator.Policies)).not.toMatch(/PutMetricData|dynamodb:(Scan|Query|DeleteItem|\*)|"Action":"\*"/);
    expect(resourceOf(stack, 'Dashboard', 'AWS::CloudWatch::Dashboard').Properties.DashboardName).toBe('pptp-monitor-prod');
    expect(stack.resources.Outputs).toEqual({
      PageTopicArn: { Description: expect.any(String), Value: { Ref: 'PageTopic' } },
      TicketTopicArn: { Description: expect.any(String), Value: { Ref: 'TicketTopic' } },
      DashboardName: { Description: expect.any(String), Value: { Ref: 'Dashboard' } },
      DashboardCount: { Description: expect.any(String), Value: '1' },
    });
  });

  it('has one probes-stopped alarm per probe shard, on 1-minute periods where a 1-minute target is probed', () => {
    // Act
    const alarms = alarmsOf(buildStack(config(SMALL), options('eu-central-1')));
    // Assess
    expect(alarms.map((a) => [a.id, a.Dimensions, a.Period])).toEqual([
      ['ProbesStoppedEuCentral1Alarm', [{ Name: 'ProbeRegion', Value: 'eu-central-1' }, { Name: 'Shard', Value: '0' }], 60],
      ['ProbesStoppedEuWest1Alarm', [{ Name: 'ProbeRegion', Value: 'eu-west-1' }, { Name: 'Shard', Value: '0' }], 60],
      ['ProbesStoppedUsEast1Alarm', [{ Name: 'ProbeRegion', Value: 'us-east-1' }, { Name: 'Shard', Value: '0' }], 300],
    ]);
    for (const alarm of alarms) {
      expect(alarm).toMatchObject({
        Namespace: 'PPTPTest',
        MetricName: 'ProbesRun',
        Statistic: 'SampleCount',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
        AlarmActions: [{ Ref: 'PageTopic' }],
        OKActions: [{ Ref: 'PageTopic' }],
      });
      expect(alarm.AlarmDescription).toContain('https://runbooks.example.com/pptp/probes_stopped.md');
    }
  });

  it('draws a dashboard row for every target, graphed at its probe interval, from metrics read in the home region', () => {
    // Act
    const stack = buildStack(config(SMALL), options('eu-central-1'));
    // Assess
    const [board, ...others] = dashboardsOf(stack);
    expect(others).toEqual([]);
    const graphs = board!.body.widgets.filter((w) => w.type === 'metric' && !w.properties.title!.startsWith('Fleet overview'));
    expect(graphs.map((w) => [w.properties.title, w.properties.period])).toEqual([
      ['hq-gw availability (all regions)', 60],
      ['hq-gw latency p95 by probe region', 60],
      ['branch-paris availability (all regions)', 300],
      ['branch-paris latency p95 by probe region', 300],
    ]);
    expect(board!.body.widgets.every((w) => w.type === 'text' || w.properties.region === 'eu-central-1')).toBe(true);
    expect(graphs[0]!.properties.metrics).toEqual([
      [{ expression: '100*(1-m1)', id: 'e1', label: 'availability %' }],
      ['PPTPTest', 'ProbeFailed', 'Target', 'hq-gw', { id: 'm1', stat: 'Average', visible: false }],
    ]);
    expect(graphs[3]!.properties.metrics!.map((line) => [line[1], line[5]])).toEqual([
      ['ControlTime', 'us-east-1'],
      ['ConnectTime', 'us-east-1'],
      ['ControlTime', 'eu-west-1'],
      ['ConnectTime', 'eu-west-1'],
    ]);
    expect(board!.body.widgets[0]!.properties.markdown).toContain('part 1 of 1: targets 1..2');
  });

  it('opens the first dashboard with an overview of the least available targets of the whole fleet', () => {
    // Act
    const [board] = dashboardsOf(buildStack(config(SMALL), options('eu-central-1')));
    // Assess
    const overview = board!.body.widgets[1]!;
    expect(overview).toMatchObject({ type: 'metric', x: 0, y: 2, width: 24 });
    expect(overview.properties).toMatchObject({ title: 'Fleet overview: the 2 least available of 2 targets (all regions)', region: 'eu-central-1', period: 300 });
    expect(overview.properties.metrics).toEqual([
      [{ expression: 'SELECT AVG(ProbeFailed) FROM SCHEMA("PPTPTest", Target) GROUP BY Target ORDER BY AVG() DESC LIMIT 20', id: 'q1', label: '', visible: false }],
      [{ expression: '100*(1-q1)', id: 'e1', label: '' }],
    ]);
    // The target rows start below it.
    expect(Math.min(...board!.body.widgets.slice(2).map((w) => w.y))).toBe(overview.y + overview.height);
  });

  it.each([
    [100, 'rows'],
    [1000, 'tiles'],
  ])('splits %i targets over as many dashboards as keep each well inside every limit, as %s', (targets, layout) => {
    // Prepare
    const fleet = config(fleetYaml(targets));
    // Act
    const stack = buildStack(fleet, options('eu-central-1'));
    // Assess
    const boards = dashboardsOf(stack);
    expect(boards.length).toBeGreaterThan(1);
    expect(boards.map((b) => [b.id, b.name])).toEqual(
      boards.map((_, i) => (i === 0 ? ['Dashboard', 'pptp-monitor-prod'] : [`Dashboard${i + 1}`, `pptp-monitor-prod-${i + 1}`])),
    );
    for (const board of boards) {
      const metrics = board.body.widgets.reduce((n, w) => n + (w.properties.metrics ?? []).filter((line) => typeof line[0] === 'string').length, 0);
      expect(Buffer.byteLength(board.text, 'utf8'), board.name).toBeLessThanOrEqual(DASHBOARD_BODY_MAX_BYTES * DASHBOARD_FILL_SHARE);
      expect(board.body.widgets.length, board.name).toBeLessThanOrEqual(DASHBOARD_MAX_WIDGETS * DASHBOARD_FILL_SHARE);
      expect(metrics, board.name).toBeLessThanOrEqual(DASHBOARD_MAX_METRICS * DASHBOARD_FILL_SHARE);
      // Widgets never overlap and stay on the 24-column grid.
      const cells = new Set<string>();
      for (const w of board.body.widgets) {
        expect(w.x + w.width, board.name).toBeLessThanOrEqual(24);
        for (let y = w.y; y < w.y + w.height; y++) for (let x = w.x; x < w.x + w.width; x++) cells.add(`${x},${y}`);
      }
      expect(cells.size, board.name).toBe(board.body.widgets.reduce((n, w) => n + w.width * w.height, 0));
    }
    // Every target exactly once, in config order, each graphed at its own interval.
    const availability = boards.flatMap((b) => b.body.widgets.filter((w) => w.properties.title?.endsWith(' availability (all regions)')));
    expect(availability.map((w) => w.properties.title!.split(' ')[0])).toEqual(fleet.targets.map((t) => t.name));
    expect(availability.map((w) => w.properties.period)).toEqual(fleet.targets.map((t) => t.intervalMinutes * 60));
    const latency = boards.flatMap((b) => b.body.widgets.filter((w) => w.properties.title?.endsWith(' latency p95 by probe region')));
    expect(latency.map((w) => w.properties.title!.split(' ')[0])).toEqual(layout === 'rows' ? fleet.targets.map((t) => t.name) : []);
    // Headers say which part and which targets; only the first has the overview; nothing links out.
    const headers = boards.map((b) => b.body.widgets[0]!.properties.markdown!);
    let next = 1;
    headers.forEach((markdown, i) => {
      const shown = boards[i]!.body.widgets.filter((w) => w.properties.title?.endsWith(' availability (all regions)')).length;
      expect(markdown).toContain(`part ${i + 1} of ${boards.length}: targets ${next}..${next + shown - 1}`);
      next += shown;
    });
    expect(headers.every((m) => !/https?:|\]\(|www\./.test(m))).toBe(true);
    expect(boards.map((b) => b.body.widgets.filter((w) => w.properties.title?.startsWith('Fleet overview')).length)).toEqual(boards.map((_, i) => (i === 0 ? 1 : 0)));
    expect(boards[0]!.body.widgets[1]!.properties.title).toBe(`Fleet overview: the 20 least available of ${targets} targets (all regions)`);
    expect(stack.resources.Outputs['DashboardName']?.Value).toEqual({ Ref: 'Dashboard' });
    expect(stack.resources.Outputs['DashboardCount']?.Value).toBe(String(boards.length));
    // The dashboards ride in the home template, which CloudFormation caps at 1 MB.
    const escaped = boards.reduce((n, b) => n + Buffer.byteLength(JSON.stringify(b.text), 'utf8'), 0);
    expect(escaped).toBeLessThanOrEqual(DASHBOARDS_TEMPLATE_MAX_BYTES);
    const template = JSON.stringify({ Resources: stack.resources.Resources, Outputs: stack.resources.Outputs });
    expect(Buffer.byteLength(template, 'utf8')).toBeLessThan(TEMPLATE_SHARE_FOR_US);
  });

  it('refuses only a fleet whose dashboards would not fit the home template even as availability graphs', () => {
    // Prepare
    const huge = config(fleetYaml(2500));
    // Act
    const build = () => buildStack(huge, options('eu-central-1'));
    // Assess
    expect(build).toThrow(StackConfigError);
    expect(build).toThrow(/dashboards for 2500 targets would take \d+ bytes of the home template even with one availability graph per target/);
  });

  it('packs the same targets into the same dashboards every time', () => {
    // Prepare
    const fleet = config(fleetYaml(300));
    // Act
    const first = JSON.stringify(buildStack(fleet, options('eu-central-1')).resources);
    const second = JSON.stringify(buildStack(fleet, options('eu-central-1')).resources);
    // Assess
    expect(second).toBe(first);
  });

  it('references topics given as ARNs without creating them, and creates topics given by name', () => {
    // Prepare
    const pageArn = 'arn:aws:sns:eu-central-1:123456789012:netops-page';
    const cfg = config(`${SMALL}alerts: { page: '${pageArn}', ticket: netops-tickets }\n`);
    // Act
    const stack = buildStack(cfg, options('eu-central-1'));
    // Assess
    expect(stack.resources.Resources['PageTopic']).toBeUndefined();
    expect(resourceOf(stack, 'TicketTopic', 'AWS::SNS::Topic').Properties).toEqual({ TopicName: 'netops-tickets' });
    const publish = resourceOf(stack, 'EvaluatorRole', 'AWS::IAM::Role').Properties.Policies![0]!.PolicyDocument.Statement.find((s) => s.Action === 'sns:Publish');
    expect(publish?.Resource).toEqual([pageArn, { Ref: 'TicketTopic' }]);
    expect(alarmsOf(stack).every((a) => a.AlarmActions[0] === pageArn && a.OKActions[0] === pageArn)).toBe(true);
    expect(stack.resources.Outputs['PageTopicArn']?.Value).toBe(pageArn);
    expect(stack.functions['evaluate']?.environment).toMatchObject({ PAGE_TOPIC_ARN: pageArn, TICKET_TOPIC_ARN: { Ref: 'TicketTopic' } });
  });

  it('creates one topic when page and ticket name the same one, and lists it once in the evaluator policy', () => {
    // Prepare
    const cfg = config(`${SMALL}alerts: { page: netops, ticket: netops }\n`);
    // Act
    const stack = buildStack(cfg, options('eu-central-1'));
    // Assess
    expect(resourceOf(stack, 'PageTopic', 'AWS::SNS::Topic').Properties).toEqual({ TopicName: 'netops' });
    expect(stack.resources.Resources['TicketTopic']).toBeUndefined();
    expect(stack.resources.Outputs['TicketTopicArn']?.Value).toEqual({ Ref: 'PageTopic' });
    const publish = resourceOf(stack, 'EvaluatorRole', 'AWS::IAM::Role').Properties.Policies![0]!.PolicyDocument.Statement.find((s) => s.Action === 'sns:Publish');
    expect(publish?.Resource).toEqual([{ Ref: 'PageTopic' }]);
  });

  it('refuses a page topic outside the home region, which the alarms could not notify', () => {
    // Prepare
    const cfg = config(`${SMALL}alerts: { page: 'arn:aws:sns:us-east-1:123456789012:netops-page' }\n`);
    // Act
    const build = () => buildStack(cfg, options('eu-central-1'));
    // Assess
    expect(build).toThrow(StackConfigError);
    expect(build).toThrow(/alerts\.page: .* is in us-east-1, .* home region eu-central-1/);
  });

  it('leaves the evaluator function out when no artifact is given, keeping its role', () => {
    // Act
    const stack = buildStack(config(SMALL), options('eu-central-1', { artifacts: { probe: 'probe.zip' } }));
    // Assess
    expect(Object.keys(stack.functions)).toEqual(['probe']);
    expect(stack.resources.Resources['EvaluatorRole']?.Type).toBe('AWS::IAM::Role');
  });

  it('gives a home region that probes nothing the home resources but no probe function or role', () => {
    // Prepare
    const cfg = config(SMALL.replace('homeRegion: eu-central-1', 'homeRegion: eu-north-1'));
    // Act
    const stack = buildStack(cfg, options('eu-north-1', { artifacts: { probe: 'probe.zip' } }));
    // Assess
    expect(stack.functions).toEqual({});
    expect(stack.resources.Resources['ProbeRole']).toBeUndefined();
    expect(Object.keys(stack.resources.Resources)).toContain('Dashboard');
  });

  it('is deterministic: the same input gives byte-identical JSON', () => {
    // Act
    const first = JSON.stringify(buildStack(config(SMALL), options('eu-central-1')));
    const second = JSON.stringify(buildStack(config(SMALL), options('eu-central-1')));
    // Assess
    expect(second).toBe(first);
  });

  it('refuses a region that is neither a probe region nor the home region', () => {
    // Act
    const build = () => buildStack(config(SMALL), options('ap-south-1'));
    // Assess
    expect(build).toThrow(StackConfigError);
    expect(build).toThrow('no stack for region ap-south-1: no target is probed from it and it is not the home region (eu-central-1); probe regions: eu-central-1, eu-west-1, us-east-1');
  });
});

describe('buildStack: asynchronous invocation of the scheduled functions', () => {
  it('never retries the probe or the evaluator and drops their events after 60 s; retries the monthly report twice', () => {
    // Prepare
    const artifacts = { probe: 'p.zip', evaluate: 'e.zip', report: 'r.zip' };
    // Act
    const home = buildStack(config(SMALL), options('eu-central-1', { artifacts }));
    const probeOnly = buildStack(config(bigYaml()), options('eu-west-1', { artifacts }));
    // Assess: a retried probe run publishes a second set of points for its minute (issue 13).
    const invoke = (fn: StackFragment['functions'][string] | undefined) => fn && { retries: fn.maximumRetryAttempts, maxAgeS: fn.maximumEventAge };
    expect(invoke(home.functions['probe'])).toEqual({ retries: 0, maxAgeS: 60 });
    expect(invoke(probeOnly.functions['probe'])).toEqual({ retries: 0, maxAgeS: 60 });
    expect(invoke(home.functions['evaluate'])).toEqual({ retries: 0, maxAgeS: 60 });
    expect(invoke(home.functions['report'])).toEqual({ retries: 2, maxAgeS: 21_600 });
  });
});

describe('buildStack output as a CloudFormation template', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = new RegoEngine();
  });
  afterAll(() => engine.free());

  // The engines read a template only through `path` and `readBytes()`, so an in-memory template needs no file.
  function validate(stack: StackFragment, region: string): StandardDiagnostic[] {
    const template = { AWSTemplateFormatVersion: '2010-09-09', Resources: stack.resources.Resources, Outputs: stack.resources.Outputs };
    const file: TemplateFile = { path: `${region}.template.json`, readBytes: () => new TextEncoder().encode(JSON.stringify(template, null, 2)) };
    // strict: the validator rates some real mistakes (a statistic it does not know) only WARN.
    const report = engine.validateStandard(file, { strict: true, pseudoParameterOverrides: { region } });
    expect(report.status).toBe('OK');
    return report.diagnostics;
  }
  const show = (diagnostics: StandardDiagnostic[]) =>
    diagnostics.map((d) => `${d.severity} ${d.ruleId} ${d.entity?.logicalId ?? '-'} ${d.propertyPath ?? ''}: ${d.message}`).join('\n');

  const SMALL_WITH_TOPICS = `${SMALL}alerts: { page: 'arn:aws:sns:eu-central-1:123456789012:netops-page', ticket: netops-tickets }\n`;
  it.each([
    ['home', 'eu-central-1', SMALL_WITH_TOPICS],
    ['probe', 'us-east-1', SMALL_WITH_TOPICS],
    ['1,000-target home', 'eu-central-1', fleetYaml(1000)],
    ['1,000-target probe', 'us-east-1', fleetYaml(1000)],
  ])('the %s stack has no error-severity findings', (_, region, yamlText) => {
    // Prepare
    const cfg = config(yamlText);
    // Act
    const diagnostics = validate(buildStack(cfg, options(region)), region);
    // Assess
    const errors = diagnostics.filter((d) => d.severity === 'ERROR' || d.severity === 'FATAL');
    expect(errors, show(diagnostics)).toEqual([]);
  });
});

describe('buildStack: monthly report function', () => {
  it('adds the report function in the home region only, on the 1st at 06:00 UTC, with a role that may only read metrics and publish to the ticket topic', () => {
    const parsed = parseConfig('version: 1\nhomeRegion: eu-central-1\ndefaults: { regions: [eu-central-1, eu-west-1] }\ntargets:\n  - { name: hq-gw, host: vpn.example.com }\n', 't.yml');
    if (!parsed.ok) throw new Error('fixture');
    const artifacts = { probe: 'p.zip', evaluate: 'e.zip', report: 'r.zip' };
    const home = buildStack(parsed.config, { service: 'pptp-monitor', stage: 'prod', region: 'eu-central-1', artifacts });
    const other = buildStack(parsed.config, { service: 'pptp-monitor', stage: 'prod', region: 'eu-west-1', artifacts });
    expect(home.functions['report']).toMatchObject({ role: 'ReportRole', package: { artifact: 'r.zip' }, environment: { REPORT_TOPIC_ARN: { Ref: 'TicketTopic' } }, events: [{ schedule: { rate: ['cron(0 6 1 * ? *)'] } }] });
    const role = home.resources.Resources['ReportRole'];
    expect(role?.Type).toBe('AWS::IAM::Role');
    const statements = JSON.stringify(role?.Type === 'AWS::IAM::Role' ? role.Properties.Policies : undefined);
    expect(statements).toContain('"Action":"cloudwatch:GetMetricData"');
    expect(statements).toContain('"Action":"sns:Publish","Resource":[{"Ref":"TicketTopic"}]');
    expect(statements).not.toContain('PageTopic');
    expect(statements).not.toContain('PutMetricData');
    expect(other.functions['report']).toBeUndefined();
    expect(other.resources.Resources['ReportRole']).toBeUndefined();
  });
});
