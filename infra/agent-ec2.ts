// A standalone CloudFormation template for one private-location agent on EC2: an instance with the
// agent instance profile of the home stack (agents.ts), a security group that lets it speak PPTP to the
// gateways and HTTPS to CloudWatch and nothing else, and an Elastic IP, so that the gateways see one fixed
// source address they can put on their allow-lists. `npm run package` writes one per agent
// (.build/<stage>/agents/<name>.ec2.json); it is deployed by hand, in any region and account VPC, with
// CAPABILITY_AUTO_EXPAND (the AWS::LanguageExtensions transform).
//
// What it does not do: install or start the agent. Its packaging is not settled, so the caller may pass a
// bootstrap script as user data; without one the instance starts bare, and with no inbound rule at all
// (no SSH, and the role holds no Systems Manager permission) there is no way in but the user data.
import type { ResolvedConfig } from '../shared/config/types.js';
import { agentsOf } from '../shared/config/types.js';
import { agentInstanceProfileName } from './agents.js';
import { StackConfigError } from './errors.js';
import { naming } from './names.js';

/** The PPTP control connection's TCP port (RFC 2637). */
export const PPTP_CONTROL_PORT = 1723;
/** IP protocol number of GRE (RFC 2784), which carries a PPTP call's PPP frames. */
export const GRE_IP_PROTOCOL = '47';
/** HTTPS, for CloudWatch's PutMetricData in the home region. */
export const HTTPS_PORT = 443;
/** Debian 12 on amd64, the latest AMI, from Debian's public SSM parameter. */
export const DEBIAN_12_AMI_PARAMETER = '/aws/service/debian/release/12/latest/amd64';
/** Burstable, 2 vCPU and 1 GiB: room for Node.js and the agent's spool; amd64, as the AMI. Not measured for large fleets. */
export const DEFAULT_INSTANCE_TYPE = 't3.micro';
/** Network hops an IMDSv2 token response may travel: the host, plus a container bridge. */
export const IMDS_HOP_LIMIT = 2;
/** EC2's limit on user data, in bytes before base64. */
export const USER_DATA_MAX_BYTES = 16 * 1024;

export const FIXED_EGRESS_OUTPUT = 'FixedEgressAddress';

export interface AgentEc2Input {
  service: string;
  stage: string;
  /** The agent, declared under `agents` in the config. */
  agent: string;
  /** A shell script run at first boot, to install and start `pptp-monitor agent --location <agent>`. */
  userData?: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type AgentEc2Template = { [key: string]: Json };

/**
 * The three rules of one target CIDR, as resources of a Fn::ForEach loop over the TargetCidrs list
 * (CloudFormation cannot expand a list parameter into list items of one security group, but it can into
 * resources). `&{Cidr}` is the CIDR with its punctuation removed, so the logical ids are unique as long
 * as the CIDRs stay distinct once their dots and slashes are gone.
 */
function perCidrRules(): Record<string, Json> {
  const group = { Ref: 'SecurityGroup' };
  const cidr = { Ref: 'Cidr' };
  return {
    'PptpControlTo&{Cidr}': {
      Type: 'AWS::EC2::SecurityGroupEgress',
      Properties: { GroupId: group, Description: 'PPTP control connection to the gateways', IpProtocol: 'tcp', FromPort: PPTP_CONTROL_PORT, ToPort: PPTP_CONTROL_PORT, CidrIp: cidr },
    },
    'GreTo&{Cidr}': {
      Type: 'AWS::EC2::SecurityGroupEgress',
      Properties: { GroupId: group, Description: 'GRE (IP protocol 47) of a PPTP call to the gateways', IpProtocol: GRE_IP_PROTOCOL, CidrIp: cidr },
    },
    // A security group tracks GRE by address and protocol, so replies would pass; a gateway that sends
    // first (its PPP Configure-Request can beat ours) is let in explicitly.
    'GreFrom&{Cidr}': {
      Type: 'AWS::EC2::SecurityGroupIngress',
      Properties: { GroupId: group, Description: 'GRE (IP protocol 47) of a PPTP call from the gateways', IpProtocol: GRE_IP_PROTOCOL, CidrIp: cidr },
    },
  };
}

export function agentEc2Template(config: ResolvedConfig, input: AgentEc2Input): AgentEc2Template {
  const agent = agentsOf(config).find((a) => a.name === input.agent);
  if (agent === undefined) {
    const declared = agentsOf(config).map((a) => a.name);
    throw new StackConfigError('no_such_agent', `no agent ${JSON.stringify(input.agent)} in the config (${declared.length === 0 ? 'it declares none under agents' : `declared: ${declared.join(', ')}`})`);
  }
  if (input.userData !== undefined && Buffer.byteLength(input.userData, 'utf8') > USER_DATA_MAX_BYTES) {
    throw new StackConfigError('too_long', `user data for agent ${agent.name} is ${Buffer.byteLength(input.userData, 'utf8')} bytes, over EC2's limit of ${USER_DATA_MAX_BYTES}`);
  }
  const name = `${naming(input.service, input.stage, config.homeRegion).prefix}-agent-${agent.name}`;
  const tags = [{ Key: 'Name', Value: name }];
  return {
    AWSTemplateFormatVersion: '2010-09-09',
    Transform: 'AWS::LanguageExtensions',
    Description: `PPTP monitor private-location agent ${agent.name} on EC2, with a fixed egress address (Elastic IP)`,
    Parameters: {
      ImageId: { Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: DEBIAN_12_AMI_PARAMETER, Description: 'SSM parameter of the AMI (amd64, to match the instance type)' },
      InstanceType: { Type: 'String', Default: DEFAULT_INSTANCE_TYPE, Description: 'EC2 instance type' },
      VpcId: { Type: 'AWS::EC2::VPC::Id', Description: 'VPC of the subnet' },
      SubnetId: { Type: 'AWS::EC2::Subnet::Id', Description: 'A public subnet (default route to an internet gateway): otherwise the Elastic IP is not the address the gateways see' },
      TargetCidrs: {
        Type: 'CommaDelimitedList',
        Description: 'IPv4 CIDRs of the gateways this agent probes (a host is a /32); distinct once dots and slashes are removed',
      },
      InstanceProfileName: {
        Type: 'String',
        Default: agentInstanceProfileName(input.service, input.stage, config.homeRegion),
        Description: 'AgentInstanceProfileName output of the home stack: PutMetricData into the monitor namespace only',
      },
    },
    Resources: {
      SecurityGroup: {
        Type: 'AWS::EC2::SecurityGroup',
        Properties: {
          GroupDescription: `PPTP monitor agent ${agent.name}: PPTP to the gateways, HTTPS to CloudWatch, no inbound but GRE`,
          VpcId: { Ref: 'VpcId' },
          // Listing egress rules replaces the default allow-all rule; no ingress here, no SSH anywhere.
          SecurityGroupEgress: [{ Description: 'CloudWatch PutMetricData (HTTPS) in the home region', IpProtocol: 'tcp', FromPort: HTTPS_PORT, ToPort: HTTPS_PORT, CidrIp: '0.0.0.0/0' }],
          Tags: tags,
        },
      },
      'Fn::ForEach::TargetCidrRules': ['Cidr', { Ref: 'TargetCidrs' }, perCidrRules()],
      Instance: {
        Type: 'AWS::EC2::Instance',
        Properties: {
          ImageId: { Ref: 'ImageId' },
          InstanceType: { Ref: 'InstanceType' },
          SubnetId: { Ref: 'SubnetId' },
          SecurityGroupIds: [{ Ref: 'SecurityGroup' }],
          IamInstanceProfile: { Ref: 'InstanceProfileName' },
          // IMDSv2 only. Two hops, not one, so an agent in a container on the instance (a bridge network
          // adds a hop) still finds its credentials: they allow PutMetricData into one namespace, no more.
          MetadataOptions: { HttpEndpoint: 'enabled', HttpTokens: 'required', HttpPutResponseHopLimit: IMDS_HOP_LIMIT },
          // Readable in the template; CloudFormation encodes it.
          ...(input.userData === undefined ? {} : { UserData: { 'Fn::Base64': input.userData } }),
          Tags: tags,
        },
      },
      ElasticIp: {
        Type: 'AWS::EC2::EIP',
        Properties: { Domain: 'vpc', InstanceId: { Ref: 'Instance' }, Tags: tags },
      },
    },
    Outputs: {
      [FIXED_EGRESS_OUTPUT]: { Description: `Source address of agent ${agent.name}'s probes: put this on the gateways' allow-lists`, Value: { Ref: 'ElasticIp' } },
      InstanceId: { Description: `EC2 instance of agent ${agent.name}`, Value: { Ref: 'Instance' } },
    },
  };
}
