// What the home stack gives private-location agents (monitor.yml `agents:`): their IAM policy, EC2 role
// and instance profile, one probes-stopped alarm per agent, their latency on the dashboard, and a config
// that agents probe alone deploying the home stack only.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { agentInstanceProfileName, agentPolicyDocument, NAMESPACE_PLACEHOLDER } from '../../infra/agents.js';
import type { CfnResource } from '../../infra/cfn.js';
import { StackConfigError } from '../../infra/errors.js';
import { stackRegions } from '../../infra/package.js';
import { buildStack, type StackFragment, type StackOptions } from '../../infra/stack.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';
import { probeShardMap, regionShards } from '../../shared/runners/lambda/probe-lambda-sizing.js';

function config(yamlText: string): ResolvedConfig {
  const result = parseConfig(yamlText, 'test.yml');
  expect(result.ok, result.ok ? '' : JSON.stringify(result.errors)).toBe(true);
  if (!result.ok) throw new Error('unreachable');
  return result.config;
}

// hq is probed from two AWS regions and agent office-berlin; branch only from agent branch-lyon, every 5 minutes.
const WITH_AGENTS = `
version: 1
namespace: PPTPTest
homeRegion: eu-central-1
runbookBaseUrl: https://runbooks.example.com/pptp/
agents:
  - name: office-berlin
    description: rack 3
  - name: branch-lyon
targets:
  - name: hq
    host: 198.51.100.10
    regions: [eu-central-1, office-berlin, us-east-1]
  - name: branch
    host: 198.51.100.20
    regions: [branch-lyon]
    interval: 5m
`;

const WITHOUT_AGENTS = `
version: 1
namespace: PPTPTest
homeRegion: eu-central-1
targets:
  - name: hq
    host: 198.51.100.10
    regions: [eu-central-1, us-east-1]
`;

/** Every target probed by agents only: no AWS region probes anything. */
const AGENTS_ONLY = `
version: 1
namespace: PPTPTest
homeRegion: eu-central-1
agents:
  - name: office-berlin
targets:
  - name: hq
    host: 198.51.100.10
    regions: [office-berlin]
`;

const options = (region: string): StackOptions => ({
  service: 'pptp-monitor',
  stage: 'prod',
  region,
  artifacts: { probe: 'p.zip', evaluate: 'e.zip', report: 'r.zip' },
});

const resourcesOfType = <T extends CfnResource['Type']>(stack: StackFragment, type: T) =>
  Object.entries(stack.resources.Resources).filter((entry): entry is [string, Extract<CfnResource, { Type: T }>] => entry[1].Type === type);

function resourceOf<T extends CfnResource['Type']>(stack: StackFragment, id: string, type: T): Extract<CfnResource, { Type: T }> {
  const resource = stack.resources.Resources[id];
  expect(resource?.Type, `resource ${id}`).toBe(type);
  return resource as Extract<CfnResource, { Type: T }>;
}

const alarmsOf = (stack: StackFragment) => resourcesOfType(stack, 'AWS::CloudWatch::Alarm').map(([id, r]) => ({ id, ...r.Properties }));

describe('buildStack: agent IAM', () => {
  it('creates a managed policy allowing only PutMetricData into the namespace, and outputs its ARN', () => {
    // Act
    const stack = buildStack(config(WITH_AGENTS), options('eu-central-1'));
    // Assess
    const policy = resourceOf(stack, 'AgentPolicy', 'AWS::IAM::ManagedPolicy').Properties;
    expect(policy.PolicyDocument).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'PublishAgentProbeMetrics', Effect: 'Allow', Action: 'cloudwatch:PutMetricData', Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'PPTPTest' } } }],
    });
    expect(policy.ManagedPolicyName).toBe('pptp-monitor-prod-eu-central-1-agent');
    expect(stack.resources.Outputs['AgentPolicyArn']).toEqual({ Description: expect.stringContaining('IAM Roles Anywhere'), Value: { Ref: 'AgentPolicy' } });
  });

  it('gives agents on EC2 a role only ec2.amazonaws.com may assume, holding the agent policy alone, and outputs its instance profile', () => {
    // Act
    const stack = buildStack(config(WITH_AGENTS), options('eu-central-1'));
    // Assess
    const role = resourceOf(stack, 'AgentInstanceRole', 'AWS::IAM::Role').Properties;
    expect(role.AssumeRolePolicyDocument).toEqual({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }] });
    expect(role.ManagedPolicyArns).toEqual([{ Ref: 'AgentPolicy' }]);
    expect(role.Policies).toBeUndefined();
    const profile = resourceOf(stack, 'AgentInstanceProfile', 'AWS::IAM::InstanceProfile').Properties;
    expect(profile.Roles).toEqual([{ Ref: 'AgentInstanceRole' }]);
    // The EC2 template names the profile before the home stack exists, so the name is derived, not generated.
    expect(profile.InstanceProfileName).toBe(agentInstanceProfileName('pptp-monitor', 'prod', 'eu-central-1'));
    expect(stack.resources.Outputs['AgentInstanceProfileName']?.Value).toEqual({ Ref: 'AgentInstanceProfile' });
    // Nothing else in the stack trusts EC2 or attaches the policy.
    const trustingEc2 = resourcesOfType(stack, 'AWS::IAM::Role').filter(([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('ec2.amazonaws.com'));
    expect(trustingEc2.map(([id]) => id)).toEqual(['AgentInstanceRole']);
  });

  it('creates no agent policy, role, profile or output without agents, and none in a probe region', () => {
    // Act
    const home = buildStack(config(WITHOUT_AGENTS), options('eu-central-1'));
    const probeRegion = buildStack(config(WITH_AGENTS), options('us-east-1'));
    // Assess
    for (const stack of [home, probeRegion]) {
      expect(resourcesOfType(stack, 'AWS::IAM::ManagedPolicy')).toEqual([]);
      expect(resourcesOfType(stack, 'AWS::IAM::InstanceProfile')).toEqual([]);
      expect(stack.resources.Resources['AgentInstanceRole']).toBeUndefined();
      expect(Object.keys(stack.resources.Outputs).filter((k) => k.startsWith('Agent'))).toEqual([]);
    }
  });

  it('keeps docs/iam/agent-policy.json the same document as the stack, the namespace left to the reader', () => {
    // Act
    const documented: unknown = JSON.parse(readFileSync('docs/iam/agent-policy.json', 'utf8'));
    // Assess
    expect(documented).toEqual(agentPolicyDocument(NAMESPACE_PLACEHOLDER));
    expect(NAMESPACE_PLACEHOLDER).toBe('<namespace>');
  });
});

describe('buildStack: agent heartbeat alarms', () => {
  it('pages once per dead agent from ProbesRun{ProbeRegion=<agent>, Shard=0}, exactly as for a probe shard, and tells the recovery', () => {
    // Act
    const alarms = alarmsOf(buildStack(config(WITH_AGENTS), options('eu-central-1')));
    // Assess
    expect(alarms.map((a) => [a.id, a.AlarmName, a.Dimensions, a.Period])).toEqual([
      ['ProbesStoppedEuCentral1Alarm', 'pptp-monitor-prod-probes-stopped-eu-central-1', [{ Name: 'ProbeRegion', Value: 'eu-central-1' }, { Name: 'Shard', Value: '0' }], 60],
      ['ProbesStoppedUsEast1Alarm', 'pptp-monitor-prod-probes-stopped-us-east-1', [{ Name: 'ProbeRegion', Value: 'us-east-1' }, { Name: 'Shard', Value: '0' }], 60],
      ['ProbesStoppedAgentOfficeBerlinAlarm', 'pptp-monitor-prod-probes-stopped-agent-office-berlin', [{ Name: 'ProbeRegion', Value: 'office-berlin' }, { Name: 'Shard', Value: '0' }], 60],
      // branch-lyon probes a 5-minute target only, so it reports every 5 minutes.
      ['ProbesStoppedAgentBranchLyonAlarm', 'pptp-monitor-prod-probes-stopped-agent-branch-lyon', [{ Name: 'ProbeRegion', Value: 'branch-lyon' }, { Name: 'Shard', Value: '0' }], 300],
    ]);
    // Same metric, statistic, evaluation, missing-data rule and actions as a region's alarm.
    const rule = ({ id: _id, AlarmName: _n, AlarmDescription: _d, Dimensions: _dim, Period: _p, ...rest }: (typeof alarms)[number]) => rest;
    expect(rule(alarms[2]!)).toEqual(rule(alarms[0]!));
    expect(rule(alarms[2]!)).toMatchObject({ Namespace: 'PPTPTest', MetricName: 'ProbesRun', Statistic: 'SampleCount', TreatMissingData: 'breaching', AlarmActions: [{ Ref: 'PageTopic' }], OKActions: [{ Ref: 'PageTopic' }] });
    expect(alarms[2]!.AlarmDescription).toContain('private-location agent office-berlin (rack 3) has reported to eu-central-1 for 3 minutes');
    expect(alarms[2]!.AlarmDescription).toContain("'pptp-monitor agent --location office-berlin' is not running on its host");
    expect(alarms[2]!.AlarmDescription).toContain('https://runbooks.example.com/pptp/probes_stopped.md');
    expect(alarms[3]!.AlarmDescription).toContain('agent branch-lyon has reported to eu-central-1 for 15 minutes');
    expect(alarms[0]!.AlarmDescription).not.toContain('agent');
  });

  it('gives an agent one alarm on shard 0 however many targets it probes, as the evaluator reads its heartbeat', () => {
    // Prepare: 250 targets with 30 s timeouts would take three Lambda shards; one agent process probes them all.
    const lines = Array.from({ length: 250 }, (_, i) => `  - { name: gw-${i}, host: 198.51.100.${i + 1}, regions: [rack], timeout: 30000 }`);
    const big = config(`version: 1\nhomeRegion: eu-central-1\nagents:\n  - name: rack\ntargets:\n${lines.join('\n')}\n`);
    // Act
    const alarms = alarmsOf(buildStack(big, options('eu-central-1')));
    // Assess
    expect(regionShards(big, 'rack').length).toBeGreaterThanOrEqual(3);
    expect(probeShardMap(big).shardCount('rack')).toBe(1);
    expect(alarms.map((a) => [a.id, a.Dimensions])).toEqual([['ProbesStoppedAgentRackAlarm', [{ Name: 'ProbeRegion', Value: 'rack' }, { Name: 'Shard', Value: '0' }]]]);
  });

  it('keeps agents whose names differ only by a hyphen on alarms of their own', () => {
    // Prepare: PascalCase alone would turn both into Rack1.
    const cfg = config(`version: 1\nhomeRegion: eu-central-1\nagents:\n  - name: rack-1\n  - name: rack1\ntargets:\n  - { name: hq, host: 198.51.100.10, regions: [rack-1, rack1] }\n`);
    // Act
    const alarms = alarmsOf(buildStack(cfg, options('eu-central-1')));
    // Assess
    expect(alarms).toHaveLength(2);
    expect(new Set(alarms.map((a) => a.id)).size).toBe(2);
    expect(alarms.map((a) => a.Dimensions[0]!.Value)).toEqual(['rack-1', 'rack1']);
    expect(alarms.every((a) => /^ProbesStoppedAgent[A-Za-z0-9]+Alarm$/.test(a.id))).toBe(true);
  });

  it('has no agent alarm when the config declares no agent', () => {
    // Act
    const alarms = alarmsOf(buildStack(config(WITHOUT_AGENTS), options('eu-central-1')));
    // Assess
    expect(alarms.map((a) => a.id)).toEqual(['ProbesStoppedEuCentral1Alarm', 'ProbesStoppedUsEast1Alarm']);
  });
});

describe('buildStack: agents on the dashboard', () => {
  interface Widget {
    type: string;
    properties: { title?: string; markdown?: string; metrics?: unknown[][] };
  }
  const widgetsOf = (stack: StackFragment): Widget[] => (JSON.parse(resourceOf(stack, 'Dashboard', 'AWS::CloudWatch::Dashboard').Properties.DashboardBody) as { widgets: Widget[] }).widgets;

  it('graphs latency from an agent like from a region, and says which locations are agents', () => {
    // Act
    const widgets = widgetsOf(buildStack(config(WITH_AGENTS), options('eu-central-1')));
    // Assess
    const latency = (target: string) => widgets.find((w) => w.properties.title === `${target} latency p95 by probe region`)!.properties.metrics!.map((line) => [line[1], line[5]]);
    expect(latency('hq')).toEqual([
      ['ControlTime', 'eu-central-1'],
      ['ConnectTime', 'eu-central-1'],
      ['ControlTime', 'office-berlin'],
      ['ConnectTime', 'office-berlin'],
      ['ControlTime', 'us-east-1'],
      ['ConnectTime', 'us-east-1'],
    ]);
    expect(latency('branch')).toEqual([
      ['ControlTime', 'branch-lyon'],
      ['ConnectTime', 'branch-lyon'],
    ]);
    expect(widgets[0]!.properties.markdown).toContain(
      "Probe locations: eu-central-1, us-east-1 (AWS Lambda); office-berlin, branch-lyon (private-location agents, each run by 'pptp-monitor agent --location <name>').",
    );
  });

  it('leaves the header of a config without agents as it was', () => {
    // Act
    const widgets = widgetsOf(buildStack(config(WITHOUT_AGENTS), options('eu-central-1')));
    // Assess
    expect(widgets[0]!.properties.markdown).not.toContain('Probe locations');
  });
});

describe('a config that agents probe alone', () => {
  it('has the home stack only', () => {
    // Prepare
    const cfg = config(AGENTS_ONLY);
    // Assess
    expect(cfg.regions).toEqual([]);
    expect(stackRegions(cfg)).toEqual(['eu-central-1']);
  });

  it('deploys no probe function or role, and the evaluator, report, topics, state table, agent alarm and dashboard', () => {
    // Act
    const stack = buildStack(config(AGENTS_ONLY), options('eu-central-1'));
    // Assess
    expect(Object.keys(stack.functions).sort()).toEqual(['evaluate', 'report']);
    const ids = Object.keys(stack.resources.Resources);
    expect(ids).not.toContain('ProbeRole');
    expect(ids).toEqual(expect.arrayContaining(['PageTopic', 'TicketTopic', 'EvaluatorRole', 'ReportRole', 'EvaluatorStateTable', 'Dashboard', 'AgentPolicy', 'AgentInstanceProfile']));
    expect(alarmsOf(stack).map((a) => a.id)).toEqual(['ProbesStoppedAgentOfficeBerlinAlarm']);
    expect(resourceOf(stack, 'Dashboard', 'AWS::CloudWatch::Dashboard').Properties.DashboardBody).toContain('Probe locations: no AWS region; office-berlin (private-location agents');
  });

  it('refuses a stack for any other region, saying no region probes', () => {
    // Act
    const build = () => buildStack(config(AGENTS_ONLY), options('us-east-1'));
    // Assess
    expect(build).toThrow(StackConfigError);
    expect(build).toThrow('no stack for region us-east-1: no target is probed from it and it is not the home region (eu-central-1); probe regions: none (agents probe every target)');
  });
});
