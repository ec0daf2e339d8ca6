// The standalone EC2 template of one agent (infra/agent-ec2.ts): accepted by the offline CloudFormation
// validator, a security group that passes PPTP (TCP 1723 and GRE) to the target CIDRs and HTTPS out and
// nothing else, the home stack's instance profile, and the Elastic IP as the fixed egress address.
import { RegoEngine, type Engine, type StandardDiagnostic, type TemplateFile } from '@aws/cloudformation-validate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentEc2Template, type AgentEc2Template } from '../../infra/agent-ec2.js';
import { agentInstanceProfileName } from '../../infra/agents.js';
import { StackConfigError } from '../../infra/errors.js';
import { buildStack } from '../../infra/stack.js';
import { parseConfig, type ResolvedConfig } from '../../shared/config/index.js';

const CONFIG = `
version: 1
homeRegion: eu-central-1
agents:
  - name: office-berlin
    description: rack 3
targets:
  - name: hq
    host: 198.51.100.10
    regions: [eu-central-1, office-berlin, us-east-1]
`;

function config(): ResolvedConfig {
  const result = parseConfig(CONFIG, 'test.yml');
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return result.config;
}

const INPUT = { service: 'pptp-monitor', stage: 'prod', agent: 'office-berlin' };
const CIDRS = '198.51.100.10/32,203.0.113.0/24';

interface Resource {
  Type: string;
  Properties: Record<string, unknown>;
}
const resources = (t: AgentEc2Template) => t['Resources'] as Record<string, unknown>;
/** The resources one Fn::ForEach iteration makes, with the loop variable replaced as CloudFormation does. */
function expanded(t: AgentEc2Template, cidr: string): Record<string, Resource> {
  const [variable, , body] = resources(t)['Fn::ForEach::TargetCidrRules'] as [string, unknown, Record<string, Resource>];
  const text = JSON.stringify(body)
    .replaceAll(`&{${variable}}`, cidr.replace(/[^A-Za-z0-9]/g, ''))
    .replaceAll(JSON.stringify({ Ref: variable }), JSON.stringify(cidr));
  return JSON.parse(text) as Record<string, Resource>;
}

describe('agentEc2Template', () => {
  let engine: Engine;
  beforeAll(() => {
    engine = new RegoEngine();
  });
  afterAll(() => engine.free());

  function findings(template: unknown, parameters: Record<string, string>): StandardDiagnostic[] {
    const file: TemplateFile = { path: 'agent-ec2.json', readBytes: () => new TextEncoder().encode(JSON.stringify(template, null, 2)) };
    const report = engine.validateStandard(file, { strict: true, pseudoParameterOverrides: { region: 'eu-central-1' }, parameterOverrides: parameters });
    expect(report.status).toBe('OK');
    // INFO is the validator noting create-only properties; everything else, warnings included (strict), counts.
    return report.diagnostics.filter((d: StandardDiagnostic) => d.severity !== 'INFO');
  }
  const show = (ds: StandardDiagnostic[]) => ds.map((d) => `${d.severity} ${d.ruleId} ${d.entity?.logicalId ?? '-'} ${d.propertyPath ?? ''}: ${d.message}`).join('\n');

  it('passes the offline validator with the target CIDRs given, and with the defaults alone', () => {
    // Act
    const template = agentEc2Template(config(), { ...INPUT, userData: '#!/bin/sh\nsystemctl enable --now pptp-monitor-agent\n' });
    // Assess
    const given: Record<string, string>[] = [{ TargetCidrs: CIDRS, SubnetId: 'subnet-0123456789abcdef0', VpcId: 'vpc-0123456789abcdef0' }, {}];
    for (const parameters of given) {
      const found = findings(template, parameters);
      expect(found, show(found)).toEqual([]);
    }
  });

  it('is validated inside its Fn::ForEach loop too: a misspelt property there is a finding', () => {
    // Prepare: a validator that skipped the loop would pass every per-CIDR rule unread.
    const broken = structuredClone(agentEc2Template(config(), INPUT));
    const loop = resources(broken)['Fn::ForEach::TargetCidrRules'] as [string, unknown, Record<string, Resource>];
    loop[2]['GreTo&{Cidr}']!.Properties['CidrIpp'] = loop[2]['GreTo&{Cidr}']!.Properties['CidrIp'];
    // Act
    const found = findings(broken, { TargetCidrs: CIDRS });
    // Assess
    expect(found.map((d) => d.propertyPath)).toContain('Properties.CidrIpp');
  });

  it('takes the AMI from the Debian 12 public parameter and the rest as parameters, the home stack\'s instance profile by default', () => {
    // Act
    const parameters = agentEc2Template(config(), INPUT)['Parameters'] as Record<string, { Type: string; Default?: string }>;
    // Assess
    expect(parameters['ImageId']).toMatchObject({ Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: '/aws/service/debian/release/12/latest/amd64' });
    expect(parameters['TargetCidrs']?.Type).toBe('CommaDelimitedList');
    expect(parameters['SubnetId']?.Type).toBe('AWS::EC2::Subnet::Id');
    expect(parameters['VpcId']?.Type).toBe('AWS::EC2::VPC::Id');
    expect(parameters['InstanceType']?.Type).toBe('String');
    // The same name the home stack gives its profile.
    const home = buildStack(config(), { service: 'pptp-monitor', stage: 'prod', region: 'eu-central-1', artifacts: { probe: 'p.zip' } });
    const profile = home.resources.Resources['AgentInstanceProfile'];
    expect(profile?.Type === 'AWS::IAM::InstanceProfile' && profile.Properties.InstanceProfileName).toBe(parameters['InstanceProfileName']?.Default);
    expect(parameters['InstanceProfileName']?.Default).toBe(agentInstanceProfileName('pptp-monitor', 'prod', 'eu-central-1'));
  });

  it('lets the agent out only to TCP 1723 and GRE on each target CIDR and to HTTPS, and in only GRE from them: no SSH', () => {
    // Act
    const template = agentEc2Template(config(), INPUT);
    // Assess
    const group = resources(template)['SecurityGroup'] as Resource;
    expect(group.Properties['SecurityGroupEgress']).toEqual([{ Description: expect.any(String), IpProtocol: 'tcp', FromPort: 443, ToPort: 443, CidrIp: '0.0.0.0/0' }]);
    expect(group.Properties['SecurityGroupIngress']).toBeUndefined();
    const rules = Object.values(expanded(template, '203.0.113.0/24')).map((r) => [r.Type, r.Properties['IpProtocol'], r.Properties['FromPort'], r.Properties['ToPort'], r.Properties['CidrIp'], r.Properties['GroupId']]);
    const group_ = { Ref: 'SecurityGroup' };
    expect(rules).toEqual([
      ['AWS::EC2::SecurityGroupEgress', 'tcp', 1723, 1723, '203.0.113.0/24', group_],
      ['AWS::EC2::SecurityGroupEgress', '47', undefined, undefined, '203.0.113.0/24', group_],
      ['AWS::EC2::SecurityGroupIngress', '47', undefined, undefined, '203.0.113.0/24', group_],
    ]);
    // Nothing anywhere else opens a port: the only security-group resources are these and the group.
    const types = Object.entries(resources(template)).filter(([id]) => !id.startsWith('Fn::ForEach')).map(([, r]) => (r as Resource).Type);
    expect(types.sort()).toEqual(['AWS::EC2::EIP', 'AWS::EC2::Instance', 'AWS::EC2::SecurityGroup']);
    expect(JSON.stringify(template)).not.toMatch(/"FromPort":22\b|"IpProtocol":"-1"/);
    // Per-CIDR logical ids carry the CIDR (&{...}: its letters and digits), so each CIDR gets its own three.
    const [, collection, body] = resources(template)['Fn::ForEach::TargetCidrRules'] as [string, unknown, Record<string, Resource>];
    expect(collection).toEqual({ Ref: 'TargetCidrs' });
    expect(Object.keys(body)).toEqual(['PptpControlTo&{Cidr}', 'GreTo&{Cidr}', 'GreFrom&{Cidr}']);
    expect(template['Transform']).toBe('AWS::LanguageExtensions');
  });

  it('runs the instance with the agent instance profile, IMDSv2 only, and outputs its Elastic IP as the FixedEgressAddress', () => {
    // Act
    const template = agentEc2Template(config(), { ...INPUT, userData: '#!/bin/sh\ntrue\n' });
    // Assess
    const instance = resources(template)['Instance'] as Resource;
    expect(instance.Properties).toMatchObject({
      ImageId: { Ref: 'ImageId' },
      InstanceType: { Ref: 'InstanceType' },
      SubnetId: { Ref: 'SubnetId' },
      SecurityGroupIds: [{ Ref: 'SecurityGroup' }],
      IamInstanceProfile: { Ref: 'InstanceProfileName' },
      MetadataOptions: { HttpTokens: 'required' },
      UserData: { 'Fn::Base64': '#!/bin/sh\ntrue\n' },
    });
    expect(resources(template)['ElasticIp']).toEqual({ Type: 'AWS::EC2::EIP', Properties: { Domain: 'vpc', InstanceId: { Ref: 'Instance' }, Tags: expect.any(Array) } });
    const outputs = template['Outputs'] as Record<string, { Description: string; Value: unknown }>;
    expect(outputs['FixedEgressAddress']?.Value).toEqual({ Ref: 'ElasticIp' });
    expect(outputs['FixedEgressAddress']?.Description).toContain("put this on the gateways' allow-lists");
    expect(agentEc2Template(config(), INPUT)['Resources']).not.toHaveProperty('Instance.Properties.UserData');
  });

  it('refuses an agent the config does not declare, naming the declared ones', () => {
    // Act
    const build = () => agentEc2Template(config(), { ...INPUT, agent: 'office-paris' });
    // Assess
    expect(build).toThrow(StackConfigError);
    expect(build).toThrow('no agent "office-paris" in the config (declared: office-berlin)');
  });
});
